package store_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"mamori/internal/apperr"
	"mamori/internal/blobstore"
	"mamori/internal/store"
)

// s3URL starts an S3-compatible server in the test process with a bucket,
// and returns the MAMORI_BLOB_URL that names it.
func s3URL(t *testing.T) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("evidence"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "mamori-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "mamori-test-secret")
	return "s3://evidence?region=us-east-1&use_path_style=true&disable_https=true&endpoint=" + ts.URL
}

// TestEvidenceBackends: the same file stored in PostgreSQL, in a directory
// (file://) and in S3 reads back whole and by ranges, verifies, and leaves
// nothing behind when refused or deleted.
func TestEvidenceBackends(t *testing.T) {
	for _, c := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"PostgreSQL", nil},
		{"File", func(t *testing.T) string { return "file://" + t.TempDir() }},
		{"S3", s3URL},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			e := rvSetup(t)
			var bucket *blobstore.Bucket
			if c.url != nil {
				var err error
				if bucket, err = blobstore.Open(ctx, c.url(t)); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { bucket.Close() })
				e.st.UseBlobs(bucket)
			}
			objects := func() int {
				n := 0
				if bucket != nil {
					_ = bucket.List(ctx, "evidence/", func(string, int64, time.Time) error { n++; return nil })
				}
				return n
			}
			data := bytes.Repeat([]byte("%PDF-1.7 証跡 0123456789\n"), 100_000) // ~2.8 MB: several chunks
			day := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			ev, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "x", EffectiveDate: day, File: upload(data, "x.pdf"), Actor: e.officer})
			if err != nil {
				t.Fatal(err)
			}
			wantStorage := "db"
			if bucket != nil {
				wantStorage = "blob"
				if !strings.HasPrefix(ev.BlobKey, "evidence/"+e.org.ID+"/") || strings.Contains(ev.BlobKey, "x.pdf") || objects() != 1 {
					t.Fatalf("key %q, %d objects", ev.BlobKey, objects())
				}
			}
			if ev.Storage != wantStorage {
				t.Fatalf("storage %q", ev.Storage)
			}
			r := e.st.OpenEvidence(ctx, ev)
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes: %v", len(got), err)
			}
			if _, err := r.Seek(1_500_000, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			part := make([]byte, 100)
			if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, data[1_500_000:1_500_100]) {
				t.Fatalf("range: %v", err)
			}
			r.Close()

			// Refused (over the quota): no row, and no object left behind.
			_, err = e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "y", EffectiveDate: day,
				File: upload([]byte("%PDF-1.7 other"), "y.pdf"), Quota: int64(len(data)) + 5, Actor: e.officer})
			if apperr.CodeOf(err) != apperr.TooLarge {
				t.Fatalf("quota: %v", err)
			}
			if bucket != nil && objects() != 1 {
				t.Fatalf("refused upload left %d objects", objects())
			}

			checked, problems := verify(t, e.st)
			if checked != 1 || len(problems) != 0 {
				t.Fatalf("verify: %d checked, %v", checked, problems)
			}
			if bucket != nil {
				// An object no row names (a killed upload) is an orphan, and
				// removed on request; a changed object fails verification.
				if err := bucket.Put(ctx, "evidence/"+e.org.ID+"/orphan", strings.NewReader("half")); err != nil {
					t.Fatal(err)
				}
				orphans, err := e.st.EvidenceOrphans(ctx, time.Now().Add(time.Minute), true)
				if err != nil || len(orphans) != 1 || objects() != 1 {
					t.Fatalf("orphans %v, %v, %d objects", orphans, err, objects())
				}
				if err := bucket.Put(ctx, ev.BlobKey, bytes.NewReader(append([]byte("X"), data[1:]...))); err != nil {
					t.Fatal(err)
				}
				if _, problems := verify(t, e.st); len(problems) != 1 || problems[0] != "sha256" {
					t.Fatalf("changed object: %v", problems)
				}
				if err := bucket.Delete(ctx, ev.BlobKey); err != nil {
					t.Fatal(err)
				}
				if _, problems := verify(t, e.st); len(problems) != 1 || problems[0] != "missing" {
					t.Fatalf("missing object: %v", problems)
				}
			}
			if err := e.st.DeleteEvidence(ctx, ev.ID, e.officer); err != nil {
				t.Fatal(err)
			}
			if objects() != 0 {
				t.Fatalf("deleted item left %d objects", objects())
			}
		})
	}
}

func verify(t *testing.T, st *store.Store) (int, []string) {
	t.Helper()
	var problems []string
	n, err := st.VerifyEvidence(context.Background(), func(r store.VerifyResult) {
		if r.Problem != "" {
			problems = append(problems, r.Problem)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, problems
}
