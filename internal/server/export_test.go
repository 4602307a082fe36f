package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/export"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// exportFixture is an officer's draft with every question answered
// (levels, key points, comments with Japanese, line breaks, commas and a
// leading "="), one review comment, and an outsider.
type exportFixture struct {
	e        *env
	officer  store.User
	tok      string
	a        store.Assessment
	outsider store.User
}

func newExportFixture(t *testing.T) *exportFixture {
	e := newEnv(t)
	o := e.org("エクスポート株式会社", nil)
	f := &exportFixture{e: e, officer: e.user(o.ID, assessment.Officer, false)}
	f.tok = e.token(f.officer)
	f.a = e.draft(f.officer)
	f.fill(f.a.ID, 0)
	if _, err := e.st.AddComment(context.Background(), store.NewComment{AssessmentID: f.a.ID, QuestionID: "1-1", Body: "根拠資料を確認しました。",
		Actor: store.Actor{UserID: f.officer.ID}}); err != nil {
		t.Fatal(err)
	}
	f.outsider = e.user(e.org("他社", nil).ID, assessment.Officer, false)
	return f
}

// fill answers every question of an assessment; shift varies the values.
func (f *exportFixture) fill(id string, shift int) {
	f.e.t.Helper()
	cl := checklist.Default()
	comments := []string{"規程あり。\n年1回見直し。", "\"引用\", カンマ", "=1+1", "", "- 箇条書き"}
	for i, qid := range cl.QuestionIDs() {
		q, _ := cl.Question(qid)
		lv := (i+shift)%5 + 1
		var pts []string
		for k, p := range q.Points {
			if (k+shift)%3 == 0 {
				pts = append(pts, p.ID)
			}
		}
		in := assessment.AnswerValues{Level: &lv, PointsMet: pts, Comment: comments[(i+shift)%len(comments)]}
		if i == 26 {
			in = assessment.AnswerValues{Comment: "未回答"}
		}
		if _, err := f.e.st.SaveAnswer(context.Background(), id, qid, in, store.Actor{UserID: f.officer.ID}); err != nil {
			f.e.t.Fatal(err)
		}
	}
}

// download fetches an export with the officer's token.
func (f *exportFixture) download(path string) (*http.Response, []byte) {
	f.e.t.Helper()
	req, _ := http.NewRequest("GET", f.e.ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+f.tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestExportDownloads(t *testing.T) {
	f := newExportFixture(t)
	base := "/api/v1/assessments/" + f.a.ID + "/export"
	t.Run("XLSX", func(t *testing.T) {
		res, body := f.download(base + "?format=xlsx")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != export.XLSXContentType {
			t.Fatalf("status %d type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		_, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
		if err != nil || !strings.HasPrefix(params["filename"], "2026年度 自己評価-") || !strings.HasSuffix(params["filename"], ".xlsx") {
			t.Errorf("Content-Disposition %q: %v", res.Header.Get("Content-Disposition"), err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(export.SheetAnswers)
		if len(rows) != 28 {
			t.Fatalf("answers rows %d, want header + 27", len(rows))
		}
		comments, _ := x.GetRows(export.SheetComments)
		if len(comments) != 2 || comments[1][4] != "根拠資料を確認しました。" {
			t.Errorf("comments sheet %v", comments)
		}
		summary, _ := x.GetRows(export.SheetSummary)
		if !strings.Contains(flattenRows(summary), "エクスポート株式会社") {
			t.Error("summary lacks the organisation")
		}
	})
	t.Run("CSV", func(t *testing.T) {
		res, body := f.download(base + "?format=csv")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("status %d type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf設問ID / Question ID")) {
			t.Errorf("CSV starts %q", body[:min(40, len(body))])
		}
	})
	t.Run("JSON", func(t *testing.T) {
		res, body := f.download(base + "?format=json")
		var doc struct {
			Format     string                     `json:"format"`
			Assessment map[string]any             `json:"assessment"`
			Answers    map[string]json.RawMessage `json:"answers"`
			Report     map[string]any             `json:"report"`
			Comments   []map[string]any           `json:"comments"`
		}
		if err := json.Unmarshal(body, &doc); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %v", res.StatusCode, err)
		}
		if doc.Format != export.FormatJSON || doc.Assessment["id"] != f.a.ID || len(doc.Answers) != 27 || len(doc.Comments) != 1 {
			t.Errorf("doc: %q %v answers %d comments %d", doc.Format, doc.Assessment["id"], len(doc.Answers), len(doc.Comments))
		}
		if tot, _ := doc.Report["total"].(map[string]any); tot["score"] == nil || doc.Report["risk_group"] != "GII" {
			t.Errorf("report %v", doc.Report)
		}
	})
	t.Run("PageURLWithSession", func(t *testing.T) {
		res, body := f.e.get(f.e.login(f.officer), "/assessments/"+f.a.ID+"/export?format=csv")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "\ufeff") {
			t.Errorf("status %d", res.StatusCode)
		}
	})
	t.Run("ReportPageButtons", func(t *testing.T) {
		_, body := f.e.get(f.e.login(f.officer), "/assessments/"+f.a.ID+"/report")
		doc := parseDoc(t, body)
		for _, id := range []string{"export-xlsx", "export-csv", "export-json"} {
			sel := doc.Find(`[data-testid="report-actions"] [data-testid="` + id + `"]`)
			if href, _ := sel.Attr("href"); !strings.HasPrefix(href, "/assessments/"+f.a.ID+"/export?format=") {
				t.Errorf("%s: href %q", id, href)
			}
		}
	})
	t.Run("UnknownFormat", func(t *testing.T) {
		if status, m := f.e.api(f.tok, "GET", base+"?format=pdf", nil); status != http.StatusUnprocessableEntity || errCode(m) != "invalid" {
			t.Errorf("status %d %v", status, m)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		var n int
		if err := storetest.DB(t, f.e.st).QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE assessment_id = $1 AND action = 'assessment.exported'`, f.a.ID).Scan(&n); err != nil || n < 4 {
			t.Errorf("exports audited %d (%v)", n, err)
		}
	})
	t.Run("OutsidersNotFound", func(t *testing.T) {
		for _, format := range []string{"xlsx", "csv", "json"} {
			if status, _ := f.e.api(f.e.token(f.outsider), "GET", base+"?format="+format, nil); status != http.StatusNotFound {
				t.Errorf("%s: status %d", format, status)
			}
		}
		if res, _ := f.e.get(f.e.login(f.outsider), "/assessments/"+f.a.ID+"/export?format=xlsx"); res.StatusCode != http.StatusNotFound {
			t.Errorf("page: status %d", res.StatusCode)
		}
	})
}

func flattenRows(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestCrossSiteExportRefused: an export that another site started (a link
// or a redirect elsewhere, which carries the session cookie) is refused with
// a message and writes nothing to the audit trail; started in Mamori's own
// pages, from a bookmark or by an API client, it is served and recorded.
func TestCrossSiteExportRefused(t *testing.T) {
	f := newExportFixture(t)
	ctx := context.Background()
	exported := func() int {
		var n int
		if err := storetest.DB(t, f.e.st).QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('assessment.exported', 'dashboard.exported')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	officer := f.e.login(f.officer)
	mgr := f.e.user(f.officer.OrgID, assessment.Manager, false)
	manager := f.e.login(mgr)
	downloads := []struct {
		name string
		c    *http.Client
		path string
		auth string
	}{
		{"Page", officer, "/assessments/" + f.a.ID + "/export?format=csv", ""},
		{"APIWithSession", officer, "/api/v1/assessments/" + f.a.ID + "/export?format=json", ""},
		{"APIWithToken", nil, "/api/v1/assessments/" + f.a.ID + "/export?format=csv", "Bearer " + f.tok},
		{"Dashboard", manager, "/dashboard/export.xlsx", ""},
	}
	for _, d := range downloads {
		t.Run(d.name, func(t *testing.T) {
			for _, site := range []string{"same-origin", "same-site", "none", ""} {
				h := map[string]string{}
				if site != "" {
					h["Sec-Fetch-Site"] = site
				}
				if d.auth != "" {
					h["Authorization"] = d.auth
				}
				before := exported()
				if res, body := f.e.send(d.c, "GET", d.path, nil, h); res.StatusCode != http.StatusOK {
					t.Fatalf("Sec-Fetch-Site %q: %d %.200s", site, res.StatusCode, body)
				}
				if exported() != before+1 {
					t.Errorf("Sec-Fetch-Site %q: the export was not recorded", site)
				}
			}
			h := map[string]string{"Sec-Fetch-Site": "cross-site", "Accept-Language": "en"}
			if d.auth != "" {
				h["Authorization"] = d.auth
			}
			before := exported()
			res, body := f.e.send(d.c, "GET", d.path, nil, h)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site: %d %.200s", res.StatusCode, body)
			}
			if !strings.Contains(body, "from another site") && !strings.Contains(body, "他のサイトから") {
				t.Errorf("cross-site: no message saying why: %.300s", body)
			}
			if res.Header.Get("Content-Disposition") != "" {
				t.Error("cross-site: a file was sent")
			}
			if exported() != before {
				t.Error("cross-site: an audit entry was written")
			}
		})
	}
}
