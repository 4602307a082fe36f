package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestEvidencePages: the officer's plain forms (no JavaScript) upload a
// file to 1-1, link the same item to 1-2 and add a link to 3-6; the review
// page shows them, counts the level-3 questions without evidence, and the
// auditor's "insufficient" reaches the officer after the return.
func TestEvidencePages(t *testing.T) {
	f := newEvFix(t)
	officer := f.login(f.officer)
	a := f.answered("2026年度")
	post := func(c *http.Client, path string, fields map[string]string, name string, data []byte) *http.Response {
		t.Helper()
		ct, body := multipartBody(fields, name, data)
		res, _ := f.send(c, "POST", path, body, map[string]string{"Content-Type": ct})
		return res
	}
	base := "/assessments/" + a.ID + "/answers/"
	res := post(officer, base+"1-1/evidence", map[string]string{"effective_date": "2026-10-01"}, "アクセス権レビュー.pdf", pdf)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "#q-1-1") {
		t.Fatalf("upload: %d %v", res.StatusCode, res.Header)
	}
	// The same file again, on 1-2: the library's item is linked, not a copy.
	post(officer, base+"1-2/evidence", map[string]string{"effective_date": "2026-10-01"}, "copy.pdf", pdf)
	post(officer, base+"3-6/evidence", map[string]string{"title": "鍵管理手順", "effective_date": "2024-01-01", "url": "https://wiki.example.jp/keys"}, "", nil)
	// A refused link comes back to the question with the reason.
	if res := post(officer, base+"3-6/evidence", map[string]string{"title": "x", "effective_date": "2026-10-01", "url": "javascript:alert(1)"}, "", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refused link: %d", res.StatusCode)
	}
	_, body := f.get(officer, "/assessments/"+a.ID+"/categories/1")
	if !strings.Contains(body, "http:// または https://") {
		t.Error("the refused link's reason is not shown")
	}
	doc := parseDoc(t, body)
	items1, items2 := testid(doc, "evidence-1-1").Find("li"), testid(doc, "evidence-1-2").Find("li")
	if items1.Length() != 1 || items2.Length() != 1 || !strings.Contains(items1.Text(), "アクセス権レビュー.pdf") {
		t.Fatalf("category page evidence: %d, %d: %q", items1.Length(), items2.Length(), items1.Text())
	}
	if _, m := f.api(f.tOfficer, "GET", "/api/v1/evidence", nil); len(m["evidence"].([]any)) != 2 {
		t.Fatalf("library holds %v", m)
	}
	if testid(doc, "evidence-upload-1-1").AttrOr("enctype", "") != "multipart/form-data" {
		t.Error("the upload form is not a plain multipart form")
	}

	if code, _ := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+a.ID+"/submit", nil); code != 200 {
		t.Fatal("submit")
	}
	auditor := f.login(f.auditor)
	_, body = f.get(auditor, "/assessments/"+a.ID+"/review")
	doc = parseDoc(t, body)
	if got := testid(doc, "without-evidence").Text(); !strings.Contains(got, "24") {
		t.Errorf("questions without evidence: %q", got)
	}
	if testid(doc, "evidence-3-6").Find(`[data-testid="evidence-stale"]`).Length() != 1 {
		t.Error("the two-year-old link is not flagged")
	}
	var fileID string
	testid(doc, "evidence-1-2").Find("li").Each(func(_ int, s *goquery.Selection) {
		fileID = strings.TrimPrefix(s.AttrOr("data-testid", ""), "evidence-item-")
	})
	res = f.postForm(auditor, "/assessments/"+a.ID+"/evidence-reviews/"+fileID, url.Values{"question_id": {"1-2"}, "review": {"insufficient"}, "comment": {"日付が古い"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("review: %d", res.StatusCode)
	}
	f.postForm(auditor, "/assessments/"+a.ID+"/return", url.Values{"comment": {"証跡を見直してください"}})
	_, body = f.get(officer, "/assessments/"+a.ID+"/categories/1")
	doc = parseDoc(t, body)
	if got := testid(doc, "evidence-review-"+fileID).Text(); got != "不十分" || !strings.Contains(testid(doc, "evidence-1-2").Text(), "日付が古い") {
		t.Fatalf("officer sees %q", got)
	}
	// The library page lists both, and filters.
	_, body = f.get(officer, "/evidence?state=expired")
	if doc := parseDoc(t, body); doc.Find(`[data-testid^="library-item-"]`).Length() != 1 {
		t.Errorf("expired filter: %d items", doc.Find(`[data-testid^="library-item-"]`).Length())
	}
}

// TestEvidenceLibraryEdit: an officer retires an item from the library
// page; it leaves the list and the pickers, shows again with "retired", and
// can be restored.
func TestEvidenceLibraryEdit(t *testing.T) {
	f := newEvFix(t)
	_, m := f.upload(f.tOfficer, map[string]string{"title": "旧規程", "effective_date": "2026-10-01", "url": "https://example.jp/old"}, "", nil)
	id := m["id"].(string)
	officer := f.login(f.officer)
	edit := url.Values{"title": {"旧規程（廃止）"}, "effective_date": {"2026-10-01"}, "review_by": {"2027-03-31"}, "retired": {"1"}}
	if res := f.postForm(officer, "/evidence/"+id, edit); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	_, body := f.get(officer, "/evidence") // shows the flash of the save
	if !strings.Contains(body, "保存しました") || testid(parseDoc(t, body), "library-item-"+id).Length() != 0 {
		t.Error("a retired item is listed")
	}
	_, body = f.get(officer, "/evidence?retired=1")
	if doc := parseDoc(t, body); testid(doc, "library-item-"+id).Find(`[data-testid="evidence-retired"]`).Length() != 1 {
		t.Error("the retired item is not shown with retired=1")
	}
	a := f.answered("2026年度")
	if code, _ := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+a.ID+"/answers/1-1/evidence", map[string]any{"evidence_id": id}); code != 409 {
		t.Errorf("linking a retired item: %d", code)
	}
	delete(edit, "retired")
	f.postForm(officer, "/evidence/"+id, edit)
	if _, m := f.api(f.tOfficer, "GET", "/api/v1/evidence/"+id, nil); m["retired"] != false || m["review_by"] != "2027-03-31" || m["title"] != "旧規程（廃止）" {
		t.Errorf("after restoring: %v", m)
	}
	if res := f.postForm(f.login(f.manager), "/evidence/"+id, edit); res.StatusCode != http.StatusForbidden {
		t.Errorf("a manager edits: %d", res.StatusCode)
	}
}
