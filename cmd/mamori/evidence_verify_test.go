package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mamori/internal/blobstore"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestEvidenceVerifyCommand: `mamori evidence verify` passes on intact
// files, fails naming a changed one, and reports and removes an orphaned
// object in file storage.
func TestEvidenceVerifyCommand(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	dir := t.TempDir()
	blobURL := "file://" + dir
	st := storetest.Open(t, url)
	bucket, err := blobstore.Open(ctx, blobURL)
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	st.UseBlobs(bucket)
	org, err := st.CreateOrg(ctx, "検証株式会社", nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("%PDF-1.7 verify me")
	sum := sha256.Sum256(data)
	ev, err := st.CreateEvidence(ctx, store.NewEvidence{OrgID: org.ID, Title: "検証", EffectiveDate: time.Now(),
		File:  &store.EvidenceUpload{Filename: "v.pdf", ContentType: "application/pdf", Size: int64(len(data)), SHA256: sum[:], Contents: bytes.NewReader(data)},
		Actor: store.Actor{Email: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			switch k {
			case "DATABASE_URL":
				return url
			case "MAMORI_BLOB_URL":
				return blobURL
			}
			return ""
		}
		err := run(ctx, append([]string{"evidence", "verify"}, args...), getenv, strings.NewReader(""), &out, &errb)
		return out.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "checked 1 files: 0 missing or changed, 0 orphaned") {
		t.Fatalf("intact: %q, %v", out, err)
	}

	// An object no row names, written two hours ago.
	orphan := "evidence/" + org.ID + "/orphan"
	if err := bucket.Put(ctx, orphan, strings.NewReader("half an upload")); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(orphan)), old, old); err != nil {
		t.Fatal(err)
	}
	if out, err := verify(); err == nil || !strings.Contains(out, "orphan\t"+orphan) {
		t.Fatalf("orphan not reported: %q, %v", out, err)
	}
	if out, err := verify("--remove-orphans"); err != nil || !strings.Contains(out, "(removed)") {
		t.Fatalf("remove orphans: %q, %v", out, err)
	}

	// A changed file fails, named.
	if err := bucket.Put(ctx, ev.BlobKey, strings.NewReader("%PDF-1.7 changed!!")); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, "sha256\t"+org.ID+"\t"+ev.ID) {
		t.Fatalf("changed file: %q, %v", out, err)
	}
}
