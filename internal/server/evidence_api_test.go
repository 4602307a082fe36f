package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/blobstore"
	"mamori/internal/config"
	"mamori/internal/store"
)

// evFix is rvFix on a server with small evidence limits (a 64 KiB file,
// a 200 KiB quota), so that the limits are reached with small files.
type evFix struct {
	*rvFix
	tOther string // the other organisation's officer
}

const (
	evMax   = 64 << 10
	evQuota = 200 << 10
)

func newEvFix(t *testing.T) *evFix {
	e := newEnv(t, func(c *config.Config) { c.EvidenceMaxBytes, c.EvidenceQuotaBytes = evMax, evQuota })
	f := &rvFix{env: e}
	f.org = e.org("証跡株式会社", nil)
	f.other = e.org("よそ株式会社", nil)
	f.officer = e.user(f.org.ID, assessment.Officer, false)
	f.manager = e.user(f.org.ID, assessment.Manager, false)
	firm := e.org("監査法人", nil)
	f.auditor = e.user(firm.ID, assessment.Auditor, false)
	f.otherOfficer = e.user(f.other.ID, assessment.Officer, false)
	f.assign(f.auditor, f.org)
	f.tOfficer, f.tAuditor, f.tManager = e.token(f.officer), e.token(f.auditor), e.token(f.manager)
	return &evFix{rvFix: f, tOther: e.token(f.otherOfficer)}
}

// multipartBody builds an upload: fields, and a file part when name is set.
func multipartBody(fields map[string]string, name string, data []byte) (string, *bytes.Buffer) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if name != "" {
		w, _ := mw.CreateFormFile("file", name)
		_, _ = w.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

// upload posts to /api/v1/evidence and returns the status and the JSON.
func (f *evFix) upload(token string, fields map[string]string, name string, data []byte) (int, map[string]any) {
	f.t.Helper()
	ct, body := multipartBody(fields, name, data)
	res, raw := f.send(nil, "POST", "/api/v1/evidence", body, map[string]string{"Authorization": "Bearer " + token, "Content-Type": ct})
	return res.StatusCode, decodeMap(f.t, raw)
}

func decodeMap(t *testing.T, raw string) map[string]any {
	t.Helper()
	out := map[string]any{}
	if strings.HasPrefix(raw, "{") {
		if err := jsonUnmarshal(raw, &out); err != nil {
			t.Fatalf("bad JSON %q", raw)
		}
	}
	return out
}

var pdf = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

func TestEvidenceAPIUploadAndDownload(t *testing.T) {
	f := newEvFix(t)
	code, m := f.upload(f.tOfficer, map[string]string{"title": "アクセス権レビュー記録", "effective_date": "2026-10-01", "review_by": "2027-10-01"},
		"アクセス権レビュー 2026年度.pdf", pdf)
	sum := sha256.Sum256(pdf)
	if code != 201 || m["kind"] != "file" || m["content_type"] != "application/pdf" || m["sha256"] != hex.EncodeToString(sum[:]) ||
		m["filename"] != "アクセス権レビュー 2026年度.pdf" || m["size"] != float64(len(pdf)) || m["effective_date"] != "2026-10-01" ||
		m["org_id"] != f.org.ID || m["retired"] != false || m["created_by"] != f.officer.ID {
		t.Fatalf("upload: %d %v", code, m)
	}
	id := m["id"].(string)

	t.Run("ContentInlineUnderSandboxWithTheJapaneseName", func(t *testing.T) {
		res, body := f.send(nil, "GET", "/api/v1/evidence/"+id+"/content", nil, map[string]string{"Authorization": "Bearer " + f.tAuditor})
		h := res.Header
		if res.StatusCode != 200 || body != string(pdf) || h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") ||
			h.Get("Content-Disposition") != "inline; filename*=utf-8''"+url.PathEscape("アクセス権レビュー 2026年度.pdf") {
			t.Fatalf("content: %d %q %v", res.StatusCode, body, h)
		}
	})
	t.Run("Range", func(t *testing.T) {
		res, body := f.send(nil, "GET", "/api/v1/evidence/"+id+"/content", nil, map[string]string{"Authorization": "Bearer " + f.tOfficer, "Range": "bytes=5-8"})
		if res.StatusCode != http.StatusPartialContent || body != string(pdf[5:9]) || res.Header.Get("Content-Range") != fmt.Sprintf("bytes 5-8/%d", len(pdf)) {
			t.Fatalf("range: %d %q %v", res.StatusCode, body, res.Header)
		}
	})
	t.Run("TextIsAnAttachment", func(t *testing.T) {
		code, m := f.upload(f.tOfficer, map[string]string{"title": "台帳", "effective_date": "2026-10-01"}, "台帳.csv", []byte("名前,部署\n"))
		if code != 201 || m["content_type"] != "text/csv" {
			t.Fatalf("csv: %d %v", code, m)
		}
		res, _ := f.send(nil, "GET", "/api/v1/evidence/"+m["id"].(string)+"/content", nil, map[string]string{"Authorization": "Bearer " + f.tOfficer})
		if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("csv download headers: %v", res.Header)
		}
	})
	t.Run("DuplicateOffersTheExistingItem", func(t *testing.T) {
		code, m := f.upload(f.tOfficer, map[string]string{"title": "again", "effective_date": "2026-10-01"}, "copy.pdf", pdf)
		if code != 409 || m["existing_id"] != id {
			t.Fatalf("duplicate: %d %v", code, m)
		}
	})
	t.Run("ListFiltersAndPatch", func(t *testing.T) {
		code, m := f.api(f.tOfficer, "GET", "/api/v1/evidence?q="+url.QueryEscape("アクセス権"), nil)
		if list, _ := m["evidence"].([]any); code != 200 || len(list) != 1 {
			t.Fatalf("search: %d %v", code, m)
		}
		code, m = f.api(f.tOfficer, "PATCH", "/api/v1/evidence/"+id, map[string]any{"title": "新しい題名", "review_by": nil, "retired": true})
		if code != 200 || m["title"] != "新しい題名" || m["review_by"] != nil || m["retired"] != true {
			t.Fatalf("patch: %d %v", code, m)
		}
		if code, m = f.api(f.tOfficer, "GET", "/api/v1/evidence", nil); len(m["evidence"].([]any)) != 1 {
			t.Fatalf("retired item still listed: %d %v", code, m)
		}
		if code, _ := f.api(f.tManager, "PATCH", "/api/v1/evidence/"+id, map[string]any{"retired": false}); code != 403 {
			t.Fatalf("manager patch: %d", code)
		}
		if code, m := f.api(f.tOfficer, "GET", "/api/v1/evidence?state=old", nil); code != 422 {
			t.Fatalf("bad state: %d %v", code, m)
		}
	})
}

func TestEvidenceAPIBadInput(t *testing.T) {
	f := newEvFix(t)
	ok := map[string]string{"title": "証跡", "effective_date": "2026-10-01"}
	for _, c := range []struct {
		name   string
		fields map[string]string
		file   string
		data   []byte
		status int
	}{
		{"Executable", ok, "tool.exe", []byte("MZ\x90\x00\x03\x00\x00\x00"), 422},
		{"HTMLAsText", ok, "page.txt", []byte("<!DOCTYPE html><script>alert(1)</script>"), 422},
		{"SVG", ok, "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 422},
		{"PlainZip", ok, "a.zip", zipOf(t, "a.txt"), 422},
		{"PDFNamedDOCX", ok, "report.docx", pdf, 422},
		{"NoEffectiveDate", map[string]string{"title": "x"}, "a.pdf", pdf, 422},
		{"BadDate", map[string]string{"title": "x", "effective_date": "2026/10/01"}, "a.pdf", pdf, 422},
		{"JavaScriptLink", map[string]string{"title": "x", "effective_date": "2026-10-01", "url": "javascript:alert(1)"}, "", nil, 422},
		{"DataLink", map[string]string{"title": "x", "effective_date": "2026-10-01", "url": "data:text/html,<script>alert(1)</script>"}, "", nil, 422},
		{"LongLink", map[string]string{"title": "x", "effective_date": "2026-10-01", "url": "https://example.jp/" + strings.Repeat("a", 2000)}, "", nil, 422},
		{"NeitherFileNorLink", ok, "", nil, 422},
		{"ControlCharacterInTitle", map[string]string{"title": "a\x00b", "effective_date": "2026-10-01"}, "a.pdf", pdf, 422},
		{"TooLarge", ok, "big.pdf", append([]byte("%PDF-1.7\n"), make([]byte, evMax)...), 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, m := f.upload(f.tOfficer, c.fields, c.file, c.data)
			if code != c.status {
				t.Fatalf("status %d, want %d: %v", code, c.status, m)
			}
		})
	}
	t.Run("TooLargeAnnouncedIsRefusedBeforeTheBody", func(t *testing.T) {
		// The client announces a body over the limit and sends none of it:
		// the answer comes without waiting for the body.
		req, _ := http.NewRequest("POST", f.ts.URL+"/api/v1/evidence", io.NopCloser(strings.NewReader("")))
		req.ContentLength = evMax * 4
		req.Header.Set("Authorization", "Bearer "+f.tOfficer)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		pr, pw := io.Pipe()
		defer pw.Close()
		req.Body = pr
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("QuotaSaysHowMuchIsUsedAndStoresNothing", func(t *testing.T) {
		file := func(i int) []byte { return append([]byte(fmt.Sprintf("%%PDF-1.7 %d\n", i)), make([]byte, 60<<10)...) }
		for i := range 3 {
			if code, m := f.upload(f.tOfficer, ok, fmt.Sprintf("f%d.pdf", i), file(i)); code != 201 {
				t.Fatalf("upload %d: %d %v", i, code, m)
			}
		}
		code, m := f.upload(f.tOfficer, ok, "f4.pdf", file(4))
		msg, _ := m["error"].(map[string]any)["message"].(string)
		if code != 413 || !strings.Contains(msg, "MiB") || m["used_bytes"] == nil {
			t.Fatalf("over quota: %d %v", code, m)
		}
		used, _ := f.st.EvidenceUsage(context.Background(), f.org.ID)
		if used != 3*int64(len(file(0))) {
			t.Fatalf("usage %d", used)
		}
	})
	t.Run("NotForManagersOrAuditors", func(t *testing.T) {
		for _, tok := range []string{f.tManager, f.tAuditor} {
			if code, _ := f.upload(tok, ok, "a.pdf", pdf); code != 403 {
				t.Fatalf("status %d", code)
			}
		}
	})
}

func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := newZipWriter(&b)
	for _, n := range names {
		w, _ := zw.Create(n)
		_, _ = w.Write([]byte("x"))
	}
	zw.Close()
	return b.Bytes()
}

func TestEvidenceAPIAnswersAndReview(t *testing.T) {
	f := newEvFix(t)
	ctx := context.Background()
	_, m := f.upload(f.tOfficer, map[string]string{"title": "鍵管理手順", "effective_date": "2024-01-01"}, "", nil)
	if m["id"] != nil {
		t.Fatal("a link without url was accepted")
	}
	_, m = f.upload(f.tOfficer, map[string]string{"title": "鍵管理手順", "effective_date": "2024-01-01", "url": "https://wiki.example.jp/keys"}, "", nil)
	link := m["id"].(string)
	_, m = f.upload(f.tOfficer, map[string]string{"title": "報告書", "effective_date": "2026-10-01"}, "報告書.pdf", pdf)
	file := m["id"].(string)
	_, m = f.upload(f.tOther, map[string]string{"title": "他社", "effective_date": "2026-10-01"}, "他社.pdf", pdf)
	foreign := m["id"].(string)

	a := f.answered("2026年度")
	base := "/api/v1/assessments/" + a.ID
	for q, id := range map[string]string{"1-1": file, "1-2": file, "3-6": link} {
		if code, m := f.api(f.tOfficer, "POST", base+"/answers/"+q+"/evidence", map[string]any{"evidence_id": id}); code != 201 {
			t.Fatalf("link %s: %d %v", q, code, m)
		}
	}
	if code, _ := f.api(f.tOfficer, "POST", base+"/answers/1-1/evidence", map[string]any{"evidence_id": foreign}); code != 404 {
		t.Fatalf("another organisation's item linked: %d", code)
	}
	if code, _ := f.api(f.tOfficer, "POST", base+"/answers/1-1/evidence", map[string]any{"evidence_id": file, "point_ids": []string{"9-9-9"}}); code != 422 {
		t.Fatalf("unknown point: %d", code)
	}
	_, m = f.api(f.tOfficer, "GET", base, nil)
	ev := m["answers"].(map[string]any)["3-6"].(map[string]any)["evidence"].([]any)
	if len(ev) != 1 || ev[0].(map[string]any)["evidence_id"] != link || ev[0].(map[string]any)["stale"] != true || ev[0].(map[string]any)["review"] != nil {
		t.Fatalf("answer evidence: %v", ev)
	}

	if code, m := f.api(f.tOfficer, "POST", base+"/submit", nil); code != 200 {
		t.Fatalf("submit: %d %v", code, m)
	}
	if code, _ := f.api(f.tOfficer, "DELETE", "/api/v1/evidence/"+file, nil); code != 409 {
		t.Fatalf("delete of submitted evidence: %d", code)
	}
	if code, _ := f.api(f.tOfficer, "DELETE", base+"/answers/1-1/evidence/"+file, nil); code != 409 {
		t.Fatalf("unlink after submit: %d", code)
	}
	review := map[string]any{"question_id": "1-2", "review": "insufficient", "comment": "日付が古い"}
	if code, _ := f.api(f.tOfficer, "PUT", base+"/evidence-reviews/"+file, review); code != 403 {
		t.Fatalf("officer review: %d", code)
	}
	if code, m := f.api(f.tAuditor, "PUT", base+"/evidence-reviews/"+file, map[string]any{"question_id": "1-2", "review": "ok"}); code != 422 {
		t.Fatalf("bad review: %d %v", code, m)
	}
	if code, m := f.api(f.tAuditor, "PUT", base+"/evidence-reviews/"+file, review); code != 200 {
		t.Fatalf("review: %d %v", code, m)
	}
	if code, m := f.api(f.tAuditor, "POST", base+"/return", map[string]any{"comment": "証跡を更新してください"}); code != 200 {
		t.Fatalf("return: %d %v", code, m)
	}
	_, m = f.api(f.tOfficer, "GET", base, nil)
	got := m["answers"].(map[string]any)["1-2"].(map[string]any)["evidence"].([]any)[0].(map[string]any)
	if got["review"] != "insufficient" || got["review_comment"] != "日付が古い" {
		t.Fatalf("officer sees: %v", got)
	}
	if code, _ := f.api(f.tOfficer, "DELETE", base+"/answers/1-1/evidence/"+file, nil); code != 204 {
		t.Fatalf("unlink after return: %d", code)
	}
	if code, _ := f.api(f.tOfficer, "DELETE", "/api/v1/evidence/"+link, nil); code != 204 {
		t.Fatalf("delete of a returned assessment's link: %d", code)
	}
	if _, err := f.st.GetEvidence(ctx, link); err == nil {
		t.Fatal("deleted item still there")
	}
}

// TestEvidenceIsolation: another organisation's evidence id answers 404 on
// every route that takes one.
func TestEvidenceIsolation(t *testing.T) {
	f := newEvFix(t)
	_, m := f.upload(f.tOfficer, map[string]string{"title": "社外秘", "effective_date": "2026-10-01"}, "社外秘.pdf", pdf)
	id := m["id"].(string)
	a := f.answered("2026年度")
	if code, _ := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+a.ID+"/answers/1-1/evidence", map[string]any{"evidence_id": id}); code != 201 {
		t.Fatal("link")
	}
	mine := f.answeredBy(f.otherOfficer, "他社の評価")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/evidence/" + id, nil},
		{"GET", "/api/v1/evidence/" + id + "/content", nil},
		{"PATCH", "/api/v1/evidence/" + id, map[string]any{"title": "x"}},
		{"DELETE", "/api/v1/evidence/" + id, nil},
		{"POST", "/api/v1/assessments/" + a.ID + "/answers/1-1/evidence", map[string]any{"evidence_id": id}},
		{"DELETE", "/api/v1/assessments/" + a.ID + "/answers/1-1/evidence/" + id, nil},
		{"PUT", "/api/v1/assessments/" + a.ID + "/evidence-reviews/" + id, map[string]any{"question_id": "1-1", "review": "accepted"}},
		{"POST", "/api/v1/assessments/" + mine.ID + "/answers/1-1/evidence", map[string]any{"evidence_id": id}},
	} {
		if code, m := f.api(f.tOther, c.method, c.path, c.body); code != 404 {
			t.Errorf("%s %s: %d %v", c.method, c.path, code, m)
		}
	}
	if _, m := f.api(f.tOther, "GET", "/api/v1/evidence", nil); len(m["evidence"].([]any)) != 0 {
		t.Errorf("the other organisation lists %v", m)
	}
	res, _ := f.get(f.login(f.otherOfficer), "/evidence/"+id+"/content")
	if res.StatusCode != 404 {
		t.Errorf("page content: %d", res.StatusCode)
	}
	if _, err := f.st.GetEvidence(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	_ = store.KindFile
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func newZipWriter(w io.Writer) *zip.Writer { return zip.NewWriter(w) }

// TestEvidenceUploadAborted: a client that hangs up mid-upload leaves no
// item and no temporary file.
func TestEvidenceUploadAborted(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f := newEvFix(t)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest("POST", f.ts.URL+"/api/v1/evidence", pr)
	req.Header.Set("Authorization", "Bearer "+f.tOfficer)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	done := make(chan struct{})
	go func() {
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
		close(done)
	}()
	_ = mw.WriteField("title", "途中まで")
	_ = mw.WriteField("effective_date", "2026-10-01")
	fw, _ := mw.CreateFormFile("file", "a.pdf")
	_, _ = fw.Write(append([]byte("%PDF-1.7\n"), make([]byte, 32<<10)...))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if names, _ := filepath.Glob(filepath.Join(tmp, "mamori-evidence-*")); len(names) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the upload never reached the server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	pw.CloseWithError(errors.New("client gone"))
	<-done
	for time.Now().Before(deadline) {
		if names, _ := filepath.Glob(filepath.Join(tmp, "mamori-evidence-*")); len(names) == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if names, _ := filepath.Glob(filepath.Join(tmp, "mamori-evidence-*")); len(names) != 0 {
		t.Fatalf("temporary files left: %v", names)
	}
	if es, _ := f.st.ListEvidence(context.Background(), f.org.ID, store.EvidenceFilter{Retired: true}); len(es) != 0 {
		t.Fatalf("%d items after an aborted upload", len(es))
	}
}

// TestEvidenceAPIObjectStorage: with MAMORI_BLOB_URL (here a directory),
// an upload goes to the bucket and the download with Range reads it back.
func TestEvidenceAPIObjectStorage(t *testing.T) {
	f := newEvFix(t)
	bucket, err := blobstore.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bucket.Close() })
	f.st.UseBlobs(bucket)
	code, m := f.upload(f.tOfficer, map[string]string{"title": "外部保存", "effective_date": "2026-10-01"}, "外部.pdf", pdf)
	if code != 201 {
		t.Fatalf("upload: %d %v", code, m)
	}
	ev, err := f.st.GetEvidence(context.Background(), m["id"].(string))
	if err != nil || ev.Storage != "blob" {
		t.Fatalf("stored %q, %v", ev.Storage, err)
	}
	res, body := f.send(nil, "GET", "/api/v1/evidence/"+ev.ID+"/content", nil, map[string]string{"Authorization": "Bearer " + f.tOfficer, "Range": "bytes=1-4"})
	if res.StatusCode != http.StatusPartialContent || body != string(pdf[1:5]) {
		t.Fatalf("range from the bucket: %d %q", res.StatusCode, body)
	}
}
