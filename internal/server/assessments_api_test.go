package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
)

func TestAPIQuestionnaire(t *testing.T) {
	e := newEnv(t)
	org := e.org("API株式会社", nil)
	off := e.user(org.ID, assessment.Officer, false)
	mgr := e.user(org.ID, assessment.Manager, false)
	outsider := e.user(e.org("他社", nil).ID, assessment.Officer, false)
	tok, mtok, otok := e.token(off), e.token(mgr), e.token(outsider)

	t.Run("Checklists", func(t *testing.T) {
		code, body := e.api(tok, "GET", "/api/v1/checklists", nil)
		items, _ := body["items"].([]any)
		if code != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != "ipa-benchmark-4" {
			t.Fatalf("%d %v", code, body)
		}
		code, body = e.api(tok, "GET", "/api/v1/checklists/ipa-benchmark-4?lang=en", nil)
		cats, _ := body["categories"].([]any)
		levels, _ := body["levels"].([]any)
		if code != 200 || len(cats) != 5 || len(levels) != 5 {
			t.Fatalf("%d %v", code, body)
		}
		q := cats[0].(map[string]any)["questions"].([]any)[0].(map[string]any)
		if !strings.HasPrefix(q["text"].(string), "Do") || q["id"] != "1-1" {
			t.Fatalf("English question 1-1 = %v", q["text"])
		}
		if code, _ := e.api(tok, "GET", "/api/v1/checklists/nope", nil); code != 404 {
			t.Fatalf("unknown checklist: %d", code)
		}
	})

	code, created := e.api(tok, "POST", "/api/v1/assessments", map[string]any{"title": "2026年度 自己評価"})
	if code != 201 || created["status"] != "draft" || created["checklist_id"] != "ipa-benchmark-4" {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["id"].(string)
	if len(id) != 36 {
		t.Fatalf("id %q is not a UUID", id)
	}
	base := "/api/v1/assessments/" + id

	t.Run("CreateRules", func(t *testing.T) {
		if code, b := e.api(mtok, "POST", "/api/v1/assessments", map[string]any{"title": "x"}); code != 403 {
			t.Fatalf("manager create: %d %v", code, b)
		}
		if code, b := e.api(tok, "POST", "/api/v1/assessments", map[string]any{"title": ""}); code != 422 || errCode(b) != "invalid" {
			t.Fatalf("empty title: %d %v", code, b)
		}
		if code, b := e.api(tok, "POST", "/api/v1/assessments", map[string]any{"title": "x", "extra": 1}); code != 400 {
			t.Fatalf("unknown field: %d %v", code, b)
		}
		if code, b := e.api(tok, "POST", "/api/v1/assessments", `{"title":`); code != 400 || errCode(b) != "malformed" {
			t.Fatalf("bad JSON: %d %v", code, b)
		}
		if code, _ := e.api(tok, "POST", "/api/v1/assessments", map[string]any{"title": "x", "copy_from": "00000000-0000-0000-0000-000000000000"}); code != 422 {
			t.Fatalf("copy from unknown: %d", code)
		}
	})

	t.Run("Validation422", func(t *testing.T) {
		for name, body := range map[string]string{
			"LevelZero":       `{"level":0,"comment":"","points_met":[],"version":0}`,
			"LevelSix":        `{"level":6,"comment":"","points_met":[],"version":0}`,
			"LevelString":     `{"level":"3","comment":"","points_met":[],"version":0}`,
			"OtherQuestionPt": `{"level":3,"comment":"","points_met":["1-2-1"],"version":0}`,
			"CommentTooLong":  fmt.Sprintf(`{"level":3,"comment":%q,"points_met":[],"version":0}`, strings.Repeat("あ", 10001)),
			"VersionMissing":  `{"level":3,"comment":"","points_met":[]}`,
		} {
			code, b := e.api(tok, "PUT", base+"/answers/1-1", body)
			if code != 422 {
				t.Errorf("%s: %d %v", name, code, b)
			}
		}
		if code, _ := e.api(tok, "PUT", base+"/answers/9-9", `{"level":3,"version":0}`); code != 404 {
			t.Errorf("unknown question: %d", code)
		}
		_, got := e.api(tok, "GET", base, nil)
		if answers, _ := got["answers"].(map[string]any); len(answers) != 0 {
			t.Fatalf("invalid saves wrote %v", answers)
		}
	})

	t.Run("VersionConflict", func(t *testing.T) {
		code, a := e.api(tok, "PUT", base+"/answers/1-1", map[string]any{"level": 3, "comment": "規程あり", "points_met": []string{"1-1-2", "1-1-1"}, "version": 0})
		if code != 200 || a["version"].(float64) != 1 || fmt.Sprint(a["points_met"]) != "[1-1-1 1-1-2]" {
			t.Fatalf("first save: %d %v", code, a)
		}
		code, c := e.api(tok, "PUT", base+"/answers/1-1", map[string]any{"level": 4, "comment": "別", "points_met": []string{}, "version": 0})
		cur, _ := c["current"].(map[string]any)
		if code != 409 || errCode(c) != "conflict" || cur["comment"] != "規程あり" || cur["version"].(float64) != 1 {
			t.Fatalf("stale save: %d %v", code, c)
		}
		if code, _ := e.api(tok, "PUT", base+"/answers/1-1", map[string]any{"level": 3, "comment": "規程あり", "points_met": []string{"1-1-1", "1-1-2"}, "version": 0}); code != 200 {
			t.Fatalf("same values again: %d", code)
		}
	})

	t.Run("OtherOrganisation404", func(t *testing.T) {
		for _, c := range []struct{ method, path, body string }{
			{"GET", base, ""},
			{"PUT", base + "/answers/1-2", `{"level":3,"version":0}`},
			{"POST", base + "/submit", ""},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			if code, b := e.api(otok, c.method, c.path, body); code != 404 || strings.Contains(fmt.Sprint(b), "2026年度") {
				t.Errorf("%s %s as outsider: %d %v", c.method, c.path, code, b)
			}
		}
		_, list := e.api(otok, "GET", "/api/v1/assessments", nil)
		if as, _ := list["assessments"].([]any); len(as) != 0 {
			t.Fatalf("outsider lists %v", as)
		}
		oc := e.login(outsider)
		for _, p := range []string{"/assessments/" + id, "/assessments/" + id + "/categories/1"} {
			if res, body := e.get(oc, p); res.StatusCode != 404 || strings.Contains(body, "2026年度") {
				t.Errorf("page %s as outsider: %d", p, res.StatusCode)
			}
		}
		if res := e.postForm(oc, "/assessments/"+id+"/answers/1-2", map[string][]string{"level": {"3"}, "version": {"0"}}); res.StatusCode != 404 {
			t.Errorf("page save as outsider: %d", res.StatusCode)
		}
	})

	t.Run("ManagerReadsButCannotWrite", func(t *testing.T) {
		if code, _ := e.api(mtok, "GET", base, nil); code != 200 {
			t.Fatalf("manager read: %d", code)
		}
		if code, _ := e.api(mtok, "PUT", base+"/answers/1-2", `{"level":3,"version":0}`); code != 403 {
			t.Fatalf("manager write: %d", code)
		}
	})

	t.Run("SubmitRules", func(t *testing.T) {
		code, b := e.api(tok, "POST", base+"/submit", nil)
		un, _ := b["unanswered"].([]any)
		if code != 422 || len(un) != 26 || un[0] != "1-2" {
			t.Fatalf("incomplete submit: %d unanswered=%d %v", code, len(un), errCode(b))
		}
		for _, qid := range checklist.Default().QuestionIDs()[1:] {
			if code, b := e.api(tok, "PUT", base+"/answers/"+qid, map[string]any{"level": 2, "comment": "", "points_met": []string{}, "version": 0}); code != 200 {
				t.Fatalf("answer %s: %d %v", qid, code, b)
			}
		}
		_, got := e.api(tok, "GET", base, nil)
		if p := got["progress"].(map[string]any); p["answered"].(float64) != 27 || p["total"].(float64) != 27 {
			t.Fatalf("progress %v", p)
		}
		if code, b := e.api(tok, "POST", base+"/submit", nil); code != 200 || b["status"] != "submitted" {
			t.Fatalf("submit: %d %v", code, b)
		}
		if code, b := e.api(tok, "PUT", base+"/answers/1-1", map[string]any{"level": 5, "comment": "", "points_met": []string{}, "version": 1}); code != 409 {
			t.Fatalf("save after submit: %d %v", code, b)
		}
		if code, _ := e.api(tok, "POST", base+"/submit", nil); code != 409 {
			t.Fatalf("second submit: %d", code)
		}
	})

	t.Run("CopyFromCarriesOver", func(t *testing.T) {
		code, b := e.api(tok, "POST", "/api/v1/assessments", map[string]any{"title": "2027年度", "copy_from": id})
		if code != 201 {
			t.Fatalf("copy: %d %v", code, b)
		}
		p := b["progress"].(map[string]any)
		if p["answered"].(float64) != 27 || p["carried_over"].(float64) != 27 {
			t.Fatalf("copied progress %v", p)
		}
		nid := b["id"].(string)
		code, s := e.api(tok, "POST", "/api/v1/assessments/"+nid+"/submit", nil)
		if code != 422 || len(s["unconfirmed"].([]any)) != 27 {
			t.Fatalf("submit with unconfirmed carried answers: %d %v", code, s)
		}
		// Saving an unchanged carried-over answer confirms it.
		ans := b["answers"].(map[string]any)["1-1"].(map[string]any)
		code, a := e.api(tok, "PUT", "/api/v1/assessments/"+nid+"/answers/1-1", map[string]any{"level": ans["level"], "comment": ans["comment"], "points_met": ans["points_met"], "version": ans["version"]})
		if code != 200 || a["carried_over"] != false || a["version"].(float64) != ans["version"].(float64)+1 {
			t.Fatalf("confirm: %d %v", code, a)
		}
	})

	if res, _ := e.get(e.browser(), "/api/v1/assessments"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous API: %d", res.StatusCode)
	}
}
