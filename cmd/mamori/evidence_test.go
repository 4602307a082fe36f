package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestEvidenceUploadKilled kills the real server with SIGKILL in the
// middle of an evidence upload: no item, nothing counted against the
// quota, and the next start removes the temporary file once it is stale.
func TestEvidenceUploadKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary")
	}
	bin := buildBinary(t, t.TempDir())
	dbURL := storetest.URL(t)
	f := newFixture(t, dbURL)
	tmp := t.TempDir()
	in := serve(t, bin, dbURL, "TMPDIR="+tmp)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest("POST", in.url("/api/v1/evidence"), pr)
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	done := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			err = fmt.Errorf("the upload was answered: %d", res.StatusCode)
		}
		done <- err
	}()
	_ = mw.WriteField("title", "途中で切れる")
	_ = mw.WriteField("effective_date", "2026-10-01")
	fw, _ := mw.CreateFormFile("file", "大きな証跡.pdf")
	if _, err := fw.Write(append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)...)); err != nil {
		t.Fatal(err)
	}
	spool := waitSpool(t, tmp)
	if err := in.signal(syscall.SIGKILL, 10*time.Second); err == nil {
		t.Fatal("the server exited cleanly after SIGKILL")
	}
	pw.CloseWithError(io.ErrClosedPipe)
	if err := <-done; err == nil {
		t.Fatal("the client got no error")
	}

	ctx := context.Background()
	es, err := f.st.ListEvidence(ctx, f.officer.OrgID, store.EvidenceFilter{Retired: true})
	if err != nil || len(es) != 0 {
		t.Fatalf("after the kill: %d items, %v", len(es), err)
	}
	if used, _ := f.st.EvidenceUsage(ctx, f.officer.OrgID); used != 0 {
		t.Fatalf("the killed upload counts %d bytes", used)
	}
	var chunks int
	if err := storetest.DB(t, f.st).QueryRow(ctx, `SELECT count(*) FROM evidence_chunks`).Scan(&chunks); err != nil || chunks != 0 {
		t.Fatalf("chunks left: %d, %v", chunks, err)
	}

	// The next start removes the temporary file once it is stale, and
	// uploads work.
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(spool, old, old); err != nil {
		t.Fatal(err)
	}
	in = serve(t, bin, dbURL, "TMPDIR="+tmp)
	if _, err := os.Stat(spool); !os.IsNotExist(err) {
		t.Fatalf("the stale temporary file is still there: %v", err)
	}
	var b bytes.Buffer
	mw = multipart.NewWriter(&b)
	_ = mw.WriteField("title", "次は通る")
	_ = mw.WriteField("effective_date", "2026-10-01")
	fw, _ = mw.CreateFormFile("file", "証跡.pdf")
	_, _ = fw.Write([]byte("%PDF-1.7 small"))
	mw.Close()
	req, _ = http.NewRequest("POST", in.url("/api/v1/evidence"), &b)
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("upload after restart: %d", res.StatusCode)
	}
}

// waitSpool waits for the upload's temporary file to appear in dir.
func waitSpool(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		names, _ := filepath.Glob(filepath.Join(dir, "mamori-evidence-*"))
		for _, n := range names {
			if fi, err := os.Stat(n); err == nil && fi.Size() > 0 && strings.Contains(n, "mamori-evidence-") {
				return n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the upload never reached the server's temporary file")
	return ""
}
