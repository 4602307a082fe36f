package server_test

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/api_golden.txt from the responses")

// goldenVolatile matches what differs between runs: ids, times, hashes and
// the random part of test emails.
var (
	goldenUUID  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	goldenTime  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	goldenLocal = regexp.MustCompile(`\d{4}[/-]\d\d[/-]\d\d \d\d:\d\d`)
	goldenHash  = regexp.MustCompile(`"[0-9a-f]{64}"`)
	goldenEmail = regexp.MustCompile(`[a-z]+-[0-9a-z_-]{8}@example\.jp`)
)

// normalizeGolden replaces the volatile parts of a body with placeholders;
// ids are numbered in order of appearance, so a body that repeats an id
// still shows it.
func normalizeGolden(body string) string {
	ids := map[string]string{}
	body = goldenUUID.ReplaceAllStringFunc(body, func(s string) string {
		if _, ok := ids[s]; !ok {
			ids[s] = "<id" + strconv.Itoa(len(ids)+1) + ">"
		}
		return ids[s]
	})
	body = goldenTime.ReplaceAllString(body, "<time>")
	body = goldenLocal.ReplaceAllString(body, "<local-time>")
	body = goldenHash.ReplaceAllString(body, `"<hash>"`)
	return goldenEmail.ReplaceAllString(body, "<email>")
}

// TestAPIGolden pins every /api/v1 response shape byte for byte (field
// names, order, null against omitted), so that a change of the store's
// structs cannot change the public API unnoticed. Run with -update-golden
// after an intended change of the API.
func TestAPIGolden(t *testing.T) {
	f := newRvFix(t)
	var out strings.Builder
	call := func(name, token, method, path, contentType, body string) string {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, f.ts.URL+path, rd)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", contentType)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw := readBody(t, res)
		fmt.Fprintf(&out, "=== %s: %s %s\n%d %s\n%s\n", name, method, goldenUUID.ReplaceAllString(path, "{id}"), res.StatusCode, res.Header.Get("Content-Type"), normalizeGolden(raw))
		return raw
	}
	api := func(name, token, method, path, body string) string {
		t.Helper()
		return call(name, token, method, path, "application/json", body)
	}
	idOf := func(raw string) string {
		t.Helper()
		id := goldenUUID.FindString(raw)
		if id == "" {
			t.Fatalf("no id in %s", raw)
		}
		return id
	}
	tO, tA, tM := f.tOfficer, f.tAuditor, f.tManager

	api("Unauthenticated", "", "GET", "/api/v1/assessments", "")
	api("Me", tO, "GET", "/api/v1/me", "")
	api("Checklists", tO, "GET", "/api/v1/checklists", "")
	api("ChecklistEN", tO, "GET", "/api/v1/checklists/ipa-benchmark-4?lang=en", "")
	api("ChecklistNotFound", tO, "GET", "/api/v1/checklists/nope", "")

	org := "/api/v1/orgs/" + f.org.ID
	api("ProfileNone", tO, "GET", org+"/profile", "")
	profile := `{"industry":"manufacturing","employees":120,"annual_sales_million_jpy":5000,"personal_records":20000,"it_dependence":3,"online_services":true,"critical_infrastructure":false,"version":%d}`
	api("ProfilePut", tO, "PUT", org+"/profile", fmt.Sprintf(profile, 0))
	api("ProfileConflict", tO, "PUT", org+"/profile", fmt.Sprintf(profile, 0))
	api("ProfileGet", tO, "GET", org+"/profile", "")
	api("ProfileInvalid", tO, "PUT", org+"/profile", `{"industry":"x"}`)
	api("TargetsGet", tM, "GET", org+"/targets", "")
	api("TargetsPut", tM, "PUT", org+"/targets", `{"targets":{"1-1":5,"2-1":1}}`)
	api("TargetsInvalid", tM, "PUT", org+"/targets", `{"targets":{"1-1":9,"zz":3}}`)

	created := api("Create", tO, "POST", "/api/v1/assessments", `{"title":"2026年度 <自己評価> & 見直し"}`)
	id := idOf(created)
	base := "/api/v1/assessments/" + id
	api("AnswerSave", tO, "PUT", base+"/answers/1-1", `{"level":3,"comment":"規程あり","points_met":["1-1-1"],"version":0}`)
	api("AnswerSaveNull", tO, "PUT", base+"/answers/1-2", `{"level":null,"comment":"検討中","points_met":[],"version":0}`)
	api("AnswerConflict", tO, "PUT", base+"/answers/1-1", `{"level":4,"comment":"","points_met":[],"version":0}`)
	api("AnswerConflictNew", tO, "PUT", base+"/answers/1-3", `{"level":4,"comment":"","points_met":[],"version":2}`)
	api("AnswerInvalid", tO, "PUT", base+"/answers/1-1", `{"level":9,"comment":"","points_met":[],"version":1}`)
	api("AnswerUnknownQuestion", tO, "PUT", base+"/answers/9-9", `{"level":3,"comment":"","points_met":[],"version":0}`)
	api("Get", tO, "GET", base, "")
	api("SubmitIncomplete", tO, "POST", base+"/submit", "")
	csv := call("ExportCSV", tO, "GET", base+"/export?format=csv", "", "")
	call("Import", tO, "POST", base+"/import", "text/csv", csv)
	call("ImportInvalid", tO, "POST", base+"/import", "text/csv", "question_id,level\n1-1,9\n")
	call("ImportRowsInvalid", tO, "POST", base+"/import", "text/csv", strings.Replace(csv, ",3,組織全体で実施,", ",9,組織全体で実施,", 1))

	// A copy carries the answers over.
	api("CreateCopy", tO, "POST", "/api/v1/assessments", fmt.Sprintf(`{"title":"写し","copy_from":%q}`, id))

	a := f.answered("2026年度 本番")
	sub := "/api/v1/assessments/" + a.ID
	api("Submit", tO, "POST", sub+"/submit", "")
	api("SubmitAgain", tO, "POST", sub+"/submit", "")
	api("List", tO, "GET", "/api/v1/assessments", "")
	api("Reviews", tA, "GET", "/api/v1/reviews", "")
	api("MarksEmpty", tA, "GET", sub+"/marks", "")
	api("MarkSet", tA, "PUT", sub+"/marks/1-1", `{"mark":"needs_attention"}`)
	api("MarkSetOK", tA, "PUT", sub+"/marks/1-2", `{"mark":"ok"}`)
	api("MarkClear", tA, "PUT", sub+"/marks/1-2", `{"mark":null}`)
	api("MarkInvalid", tA, "PUT", sub+"/marks/1-2", `{"mark":"bad"}`)
	api("Marks", tA, "GET", sub+"/marks", "")
	api("CommentsEmpty", tO, "GET", sub+"/comments", "")
	api("CommentQuestion", tA, "POST", sub+"/comments", `{"question_id":"1-1","body":"根拠資料を添付してください"}`)
	api("CommentGeneral", tO, "POST", sub+"/comments", `{"question_id":null,"body":"承知しました <b>"}`)
	api("Comments", tO, "GET", sub+"/comments", "")
	api("Report", tO, "GET", sub+"/report", "")
	api("ReportEN", tO, "GET", sub+"/report?lang=en", "")
	api("Benchmark", tO, "GET", sub+"/benchmark", "")
	call("ExportJSON", tO, "GET", sub+"/export?format=json", "", "")
	api("ReturnNoComment", tA, "POST", sub+"/return", `{"comment":""}`)
	api("Return", tA, "POST", sub+"/return", `{"comment":"1-1 の根拠が不足"}`)
	api("ApproveReturned", tA, "POST", sub+"/approve", "")
	api("ResubmitAfterReturn", tO, "POST", sub+"/submit", "")
	api("ApproveOpenMarks", tA, "POST", sub+"/approve", `{"comment":"確認しました"}`)
	api("Approve", tA, "POST", sub+"/approve", `{"comment":"確認しました","acknowledge_open_marks":true}`)
	api("ReviewsAfter", tA, "GET", "/api/v1/reviews", "")
	api("Reopen", tA, "POST", sub+"/reopen", `{"reason":"再確認"}`)
	api("Audit", tM, "GET", sub+"/audit", "")
	api("NotFound", tO, "GET", "/api/v1/assessments/00000000-0000-0000-0000-000000000000", "")
	api("Forbidden", tM, "POST", "/api/v1/assessments", `{"title":"x"}`)

	got := out.String()
	path := "testdata/api_golden.txt"
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("API responses differ from %s at line %d:\n got: %.600s\nwant: %.600s", path, i+1, g, w)
			}
		}
	}
}
