package server_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/config"
)

// TestAuditPackage: the ZIP holds the XLSX, each question's files under
// safe names, and a manifest whose SHA-256 match the files.
func TestAuditPackage(t *testing.T) {
	f := newEvFix(t)
	a := f.answered("2026年度 監査")
	upload := func(fields map[string]string, name string, data []byte) string {
		code, m := f.upload(f.tOfficer, fields, name, data)
		if code != 201 {
			t.Fatalf("upload %s: %d %v", name, code, m)
		}
		return m["id"].(string)
	}
	file := upload(map[string]string{"title": "レビュー", "effective_date": "2026-10-01"}, "../レビュー:結果.pdf", pdf)
	other := upload(map[string]string{"title": "同名", "effective_date": "2026-10-01"}, "レビュー_結果.pdf", []byte("%PDF-1.4 another"))
	link := upload(map[string]string{"title": "手順", "effective_date": "2026-10-01", "url": "https://wiki.example.jp/keys"}, "", nil)
	for q, ids := range map[string][]string{"1-1": {file, other}, "1-2": {file}, "3-6": {link}} {
		for _, id := range ids {
			if code, m := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+a.ID+"/answers/"+q+"/evidence", map[string]any{"evidence_id": id}); code != 201 {
				t.Fatalf("link: %d %v", code, m)
			}
		}
	}
	res, body := f.send(nil, "GET", "/api/v1/assessments/"+a.ID+"/export?format=zip", nil, map[string]string{"Authorization": "Bearer " + f.tAuditor})
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" || !strings.Contains(res.Header.Get("Content-Disposition"), ".zip") {
		t.Fatalf("package: %d %v", res.StatusCode, res.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[zf.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var m struct {
		Workbook string `json:"workbook"`
		Evidence []struct {
			ID, Kind, SHA256 string
			Links            []struct {
				QuestionID string `json:"question_id"`
				Path       string `json:"path"`
			} `json:"links"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest: %v (%s)", err, files["manifest.json"])
	}
	if !bytes.HasPrefix(files[m.Workbook], []byte("PK")) {
		t.Errorf("workbook %q missing from %v", m.Workbook, keys(files))
	}
	if len(m.Evidence) != 3 {
		t.Fatalf("manifest lists %d items", len(m.Evidence))
	}
	paths := 0
	for _, e := range m.Evidence {
		for _, l := range e.Links {
			if e.Kind != "file" {
				if l.Path != "" {
					t.Errorf("a link has a path: %+v", l)
				}
				continue
			}
			paths++
			data, ok := files[l.Path]
			sum := sha256.Sum256(data)
			if !ok || hex.EncodeToString(sum[:]) != e.SHA256 || !strings.HasPrefix(l.Path, l.QuestionID+"/") {
				t.Errorf("%s: in package %v, sha256 matches %v", l.Path, ok, hex.EncodeToString(sum[:]) == e.SHA256)
			}
		}
	}
	// 1-1 has two files of the same cleaned name: both kept, apart.
	if paths != 3 || files["1-1/レビュー_結果.pdf"] == nil || files["1-1/レビュー_結果 (2).pdf"] == nil {
		t.Errorf("paths %d: %v", paths, keys(files))
	}
	if code, _ := f.api(f.tOther, "GET", "/api/v1/assessments/"+a.ID+"/export?format=zip", nil); code != http.StatusNotFound {
		t.Errorf("another organisation's package: %d", code)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAuditPackageStreams: a 64 MiB package is sent while the heap of the
// process (server and client) rises by less than half of it: a package
// built in memory would raise it by its whole size. (Measured: 12 MiB for
// 64 MiB, 13–15 MiB for 32 MiB: the collector's slack, not the package.)
func TestAuditPackageStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MiB of evidence")
	}
	e := newEnv(t, func(c *config.Config) { c.EvidenceMaxBytes = 8 << 20 })
	f := &evFix{rvFix: &rvFix{env: e}}
	f.org = e.org("大容量株式会社", nil)
	f.officer = e.user(f.org.ID, assessment.Officer, false)
	f.tOfficer = e.token(f.officer)
	a := f.answered("2026年度")
	const files, size = 16, 4 << 20
	for i := range files {
		data := append([]byte(fmt.Sprintf("%%PDF-1.7 %d\n", i)), bytes.Repeat([]byte{byte('a' + i)}, size)...)
		code, m := f.upload(f.tOfficer, map[string]string{"title": fmt.Sprint(i), "effective_date": "2026-10-01"}, fmt.Sprintf("f%d.pdf", i), data)
		if code != 201 {
			t.Fatalf("upload %d: %d %v", i, code, m)
		}
		if code, _ := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+a.ID+"/answers/1-1/evidence", map[string]any{"evidence_id": m["id"]}); code != 201 {
			t.Fatal("link")
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	req, _ := http.NewRequest("GET", f.ts.URL+"/api/v1/assessments/"+a.ID+"/export?format=zip", nil)
	req.Header.Set("Authorization", "Bearer "+f.tOfficer)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	close(stop)
	<-sampled
	if err != nil || n < files*size {
		t.Fatalf("package: %d bytes, %v", n, err)
	}
	rise := int64(peak) - int64(base)
	t.Logf("audit package of %.1f MiB: heap in use rose by %.1f MiB", float64(n)/(1<<20), float64(rise)/(1<<20))
	if rise > files*size/2 {
		t.Fatalf("heap rose by %d MiB for a %d MiB package", rise>>20, n>>20)
	}
}
