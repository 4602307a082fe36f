package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// textFixture is an organisation with a user of every role, its
// assessments in each state, and a platform administrator.
type textFixture struct {
	e                                *env
	org                              store.Org
	officer, auditor, manager, admin store.User
	draft, submitted, approved       string
	tokens                           map[string]string
	browsers                         map[string]*http.Client
}

func newTextFixture(t *testing.T) *textFixture {
	e := newEnv(t)
	f := &textFixture{e: e, org: e.org("制御文字株式会社", nil), tokens: map[string]string{}, browsers: map[string]*http.Client{}}
	f.officer = e.user(f.org.ID, assessment.Officer, false)
	f.auditor = e.user(f.org.ID, assessment.Auditor, false)
	f.manager = e.user(f.org.ID, assessment.Manager, false)
	f.admin = e.user(e.org("運営", nil).ID, assessment.Manager, true)
	for name, u := range map[string]store.User{"officer": f.officer, "auditor": f.auditor, "manager": f.manager, "admin": f.admin} {
		f.tokens[name] = e.token(u)
		f.browsers[name] = e.login(u)
	}
	f.draft = e.draft(f.officer).ID
	f.submitted = f.complete(t)
	if code, body := e.api(f.tokens["officer"], "POST", "/api/v1/assessments/"+f.submitted+"/submit", nil); code != 200 {
		t.Fatalf("submit: %d %v", code, body)
	}
	f.approved = f.complete(t)
	for _, step := range []struct{ tok, action string }{{f.tokens["officer"], "submit"}, {f.tokens["auditor"], "approve"}} {
		if code, body := e.api(step.tok, "POST", "/api/v1/assessments/"+f.approved+"/"+step.action, map[string]any{}); code != 200 {
			t.Fatalf("%s: %d %v", step.action, code, body)
		}
	}
	return f
}

// complete is a draft with every question answered.
func (f *textFixture) complete(t *testing.T) string {
	id := f.e.draft(f.officer).ID
	var rows []store.ImportRow
	for _, q := range checklist.Default().QuestionIDs() {
		rows = append(rows, store.ImportRow{QuestionID: q, Level: intPtr(3)})
	}
	if _, err := f.e.st.ImportAnswers(context.Background(), id, rows, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	return id
}

// writes sums up what the database holds, to tell that a request wrote
// nothing.
func (f *textFixture) writes(t *testing.T) string {
	var s string
	err := storetest.DB(t, f.e.st).QueryRow(context.Background(), `SELECT concat_ws(' ',
		(SELECT count(*) FROM audit_log), (SELECT count(*) FROM answers), (SELECT count(*) FROM comments),
		(SELECT string_agg(name || updated_at::text, ',' ORDER BY id) FROM orgs), (SELECT count(*) FROM users), (SELECT count(*) FROM api_tokens),
		(SELECT count(*) FROM login_failures), (SELECT count(*) FROM org_profile_history), (SELECT count(*) FROM org_targets),
		(SELECT count(*) FROM review_marks), (SELECT count(*) FROM assessments),
		(SELECT string_agg(status || status_version::text || updated_at::text, ',' ORDER BY id) FROM assessments),
		(SELECT max(updated_at) FROM answers), (SELECT string_agg(display_name || password_hash || locale || updated_at::text, ',' ORDER BY id) FROM users))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestControlCharactersRefused: a NUL (which PostgreSQL refuses: a 500
// before) or another control character in any text field of a page or the
// API answers 422 naming the field, and nothing is written.
func TestControlCharactersRefused(t *testing.T) {
	f := newTextFixture(t)
	const nul, bell = "a\x00b", "a\x07b"
	org, victim := "/admin/orgs/"+f.org.ID, "/admin/users/"+f.officer.ID
	pages := []struct {
		name, who, path, field string
		form                   url.Values
		htmx                   bool
	}{
		{"Login", "", "/login", "email", url.Values{"email": {nul}, "password": {"x"}}, false},
		{"LoginPassword", "", "/login", "password", url.Values{"email": {f.officer.Email}, "password": {nul}}, false},
		{"Language", "officer", "/lang", "next", url.Values{"lang": {"en"}, "next": {"/" + nul}}, false},
		{"NewPassword", "officer", "/account/password", "new", url.Values{"current": {testPassword}, "new": {"long-enough-" + nul}}, false},
		{"TokenName", "officer", "/account/tokens", "label", url.Values{"label": {nul}}, false},
		{"TOTPCode", "officer", "/account/totp/confirm", "code", url.Values{"code": {nul}}, false},
		{"AssessmentTitle", "officer", "/assessments", "title", url.Values{"title": {nul}}, false},
		{"AnswerComment", "officer", "/assessments/" + f.draft + "/answers/1-1", "comment", url.Values{"level": {"3"}, "version": {"0"}, "comment": {nul}}, false},
		{"AnswerCommentHTMX", "officer", "/assessments/" + f.draft + "/answers/1-1", "comment", url.Values{"level": {"3"}, "version": {"0"}, "comment": {bell}}, true},
		{"AnswerPoint", "officer", "/assessments/" + f.draft + "/answers/1-1", "points", url.Values{"level": {"3"}, "version": {"0"}, "points": {"1-1-1" + nul}}, false},
		{"ReturnReason", "auditor", "/assessments/" + f.submitted + "/return", "comment", url.Values{"comment": {nul}}, false},
		{"ApproveComment", "auditor", "/assessments/" + f.submitted + "/approve", "comment", url.Values{"comment": {nul}}, false},
		{"ReopenReason", "auditor", "/assessments/" + f.approved + "/reopen", "reason", url.Values{"reason": {nul}}, false},
		{"Comment", "officer", "/assessments/" + f.submitted + "/comments", "body", url.Values{"body": {nul}}, false},
		{"CommentQuestion", "officer", "/assessments/" + f.submitted + "/comments", "question_id", url.Values{"body": {"ok"}, "question_id": {nul}}, false},
		{"Mark", "auditor", "/assessments/" + f.submitted + "/marks/1-1", "mark", url.Values{"mark": {nul}}, false},
		{"ProfileIndustry", "officer", "/orgs/" + f.org.ID + "/profile", "industry", url.Values{"industry": {nul}, "employees": {"10"}, "version": {"0"}}, false},
		{"ProfileNumber", "officer", "/orgs/" + f.org.ID + "/profile", "employees", url.Values{"industry": {"other"}, "employees": {"1" + bell}, "version": {"0"}}, false},
		{"Target", "manager", "/orgs/" + f.org.ID + "/targets", "t-1-1", url.Values{"t-1-1": {"4" + nul}}, false},
		{"AdminOrgName", "admin", "/admin/orgs", "name", url.Values{"name": {nul}, "industry": {"other"}}, false},
		{"AdminOrgRename", "admin", org, "name", url.Values{"name": {"改名" + nul}, "industry": {"other"}}, false},
		{"AdminUserName", "admin", "/admin/users", "name", url.Values{"email": {"new@example.jp"}, "name": {nul}, "role": {"officer"}, "org_id": {f.org.ID}}, false},
		{"AdminUserEmail", "admin", "/admin/users", "email", url.Values{"email": {"new@example.jp" + nul}, "name": {"新規"}, "role": {"officer"}, "org_id": {f.org.ID}}, false},
		{"AdminUserRename", "admin", victim, "name", url.Values{"name": {nul}, "role": {"officer"}, "org_id": {f.org.ID}, "active": {"1"}}, false},
		{"AdminPassword", "admin", victim + "/password", "password", url.Values{"password": {"long-enough-" + nul}}, false},
		{"AdminAssign", "admin", "/admin/assignments", "org_id", url.Values{"user_id": {f.auditor.ID}, "org_id": {nul}}, false},
		{"FieldName", "officer", "/account/tokens", "labelab?", url.Values{"label" + nul + "?": {"x"}}, false},
	}
	for _, c := range pages {
		t.Run("Page/"+c.name, func(t *testing.T) {
			client := f.e.browser()
			if c.who != "" {
				client = f.browsers[c.who]
			}
			h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			if c.htmx {
				h["HX-Request"] = "true"
			}
			before := f.writes(t)
			res, body := f.e.send(client, "POST", c.path, strings.NewReader(c.form.Encode()), h)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n\t%.300s", res.StatusCode, body)
			}
			if !strings.Contains(body, "「"+c.field+"」に使用できない文字") {
				t.Errorf("the page does not name the field %q:\n\t%.2000s", c.field, body)
			}
			if c.htmx && res.Header.Get("HX-Retarget") != "body" {
				t.Error("an htmx form's error page would be swapped into the fragment")
			}
			if after := f.writes(t); after != before {
				t.Errorf("something was written:\n\tbefore %s\n\tafter  %s", before, after)
			}
		})
	}

	api := []struct {
		name, who, method, path, field string
		body                           any
	}{
		{"AssessmentTitle", "officer", "POST", "/api/v1/assessments", "title", map[string]any{"title": nul}},
		{"AnswerComment", "officer", "PUT", "/api/v1/assessments/" + f.draft + "/answers/1-1", "comment", map[string]any{"level": 3, "version": 0, "comment": nul}},
		{"AnswerCommentBell", "officer", "PUT", "/api/v1/assessments/" + f.draft + "/answers/1-1", "comment", map[string]any{"level": 3, "version": 0, "comment": bell}},
		{"AnswerPoint", "officer", "PUT", "/api/v1/assessments/" + f.draft + "/answers/1-1", "points_met[1]", map[string]any{"level": 3, "version": 0, "points_met": []string{"1-1-1", nul}}},
		{"ReturnReason", "auditor", "POST", "/api/v1/assessments/" + f.submitted + "/return", "comment", map[string]any{"comment": nul}},
		{"ApproveComment", "auditor", "POST", "/api/v1/assessments/" + f.submitted + "/approve", "comment", map[string]any{"comment": nul}},
		{"ReopenReason", "auditor", "POST", "/api/v1/assessments/" + f.approved + "/reopen", "reason", map[string]any{"reason": nul}},
		{"Comment", "officer", "POST", "/api/v1/assessments/" + f.submitted + "/comments", "body", map[string]any{"body": nul}},
		{"CommentQuestion", "auditor", "POST", "/api/v1/assessments/" + f.submitted + "/comments", "question_id", map[string]any{"body": "ok", "question_id": nul}},
		{"Mark", "auditor", "PUT", "/api/v1/assessments/" + f.submitted + "/marks/1-1", "mark", map[string]any{"mark": nul}},
		{"ProfileIndustry", "officer", "PUT", "/api/v1/orgs/" + f.org.ID + "/profile", "industry", map[string]any{"industry": nul, "employees": 10, "version": 0}},
		{"TargetKey", "manager", "PUT", "/api/v1/orgs/" + f.org.ID + "/targets", "targets", map[string]any{"targets": map[string]int{"1-1" + nul: 4}}},
		{"Unknown", "officer", "POST", "/api/v1/assessments", "extra.note", map[string]any{"title": "ok", "extra": map[string]string{"note": nul}}},
	}
	for _, c := range api {
		t.Run("API/"+c.name, func(t *testing.T) {
			before := f.writes(t)
			code, body := f.e.api(f.tokens[c.who], c.method, c.path+"?lang=en", c.body)
			if code != http.StatusUnprocessableEntity || errCode(body) != "invalid" {
				t.Fatalf("status %d %v, want 422 invalid", code, body)
			}
			e := body["error"].(map[string]any)
			fields, _ := e["fields"].(map[string]any)
			msg, _ := e["message"].(string)
			if fields[c.field] == nil || !strings.Contains(msg, "“"+c.field+"” contains characters") {
				t.Errorf("the error does not name the field %q: %v", c.field, e)
			}
			if after := f.writes(t); after != before {
				t.Errorf("something was written:\n\tbefore %s\n\tafter  %s", before, after)
			}
		})
	}

	t.Run("API/Import", func(t *testing.T) {
		before := f.writes(t)
		csv := "question_id,level,points_met,comment\r\n1-1,3,,\"" + nul + "\"\r\n1-2,3,,\"" + bell + "\"\r\n"
		res, body := f.e.send(nil, "POST", "/api/v1/assessments/"+f.draft+"/import", strings.NewReader(csv),
			map[string]string{"Authorization": "Bearer " + f.tokens["officer"], "Content-Type": "text/csv"})
		if res.StatusCode != http.StatusUnprocessableEntity || strings.Count(body, `"code":"invalid_text"`) != 2 {
			t.Fatalf("status %d %s", res.StatusCode, body)
		}
		if after := f.writes(t); after != before {
			t.Errorf("something was written:\n\tbefore %s\n\tafter  %s", before, after)
		}
	})

	// An id with a NUL names nothing: 404, not a database error.
	t.Run("IDsInPaths", func(t *testing.T) {
		for _, p := range []string{"/api/v1/assessments/%00", "/api/v1/assessments/" + f.draft + "%00/comments", "/assessments/%00", "/assessments/" + f.draft + "/categories/1%07"} {
			res, body := f.e.send(f.browsers["officer"], "GET", p, nil, nil)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404\n\t%.200s", p, res.StatusCode, body)
			}
		}
	})

	// A search or a filter with a NUL: 422 naming it, not a database error.
	t.Run("Queries", func(t *testing.T) {
		for _, p := range []string{"/actions?org_q=%00", "/dashboard?q=a%00", "/assessments?page=1%00", "/api/v1/assessments?page=%00"} {
			c := f.browsers["officer"]
			headers := map[string]string{}
			if strings.HasPrefix(p, "/api/") {
				c, headers["Authorization"] = nil, "Bearer "+f.tokens["officer"]
			}
			res, body := f.e.send(c, "GET", p, nil, headers)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "invalid_text") && !strings.Contains(body, "制御文字") {
				t.Errorf("GET %s: %d, want 422\n\t%.300s", p, res.StatusCode, body)
			}
		}
	})

	// Tabs and line breaks are text.
	t.Run("TabsAndLineBreaksKept", func(t *testing.T) {
		text := "一行目\r\n\t二行目\n"
		code, body := f.e.api(f.tokens["officer"], "PUT", "/api/v1/assessments/"+f.draft+"/answers/1-2", map[string]any{"level": 3, "version": 0, "comment": text})
		if code != http.StatusOK || body["comment"] != text {
			t.Fatalf("status %d %v", code, body)
		}
	})
}

// TestUserTextRoundTrips: markup, quotes and tabs come back from the API
// exactly as sent, and pages show them escaped. (Other control characters
// are refused: TestControlCharactersRefused.)
func TestUserTextRoundTrips(t *testing.T) {
	e := newEnv(t)
	org := e.org("エスケープ株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	a := e.draft(u)
	evil := "<script>alert(1)</script>\"'\t &amp; <img src=x onerror=alert(2)>"
	code, saved := e.api(tok, "PUT", "/api/v1/assessments/"+a.ID+"/answers/1-1", map[string]any{"level": 2, "version": 0, "comment": evil})
	if code != 200 || saved["comment"] != evil {
		t.Fatalf("save: %d %q", code, saved["comment"])
	}
	code, got := e.api(tok, "GET", "/api/v1/assessments/"+a.ID, nil)
	ans, _ := got["answers"].(map[string]any)
	one, _ := ans["1-1"].(map[string]any)
	if code != 200 || one["comment"] != evil {
		t.Fatalf("read back: %d %q", code, one["comment"])
	}
	raw, _ := e.st.Answers(context.Background(), a.ID)
	if raw["1-1"].Comment != evil {
		t.Fatalf("stored %q", raw["1-1"].Comment)
	}
	res, body := e.get(e.login(u), "/assessments/"+a.ID+"/categories/1")
	if res.StatusCode != 200 {
		t.Fatalf("category page: %d", res.StatusCode)
	}
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
		t.Fatal("the comment is rendered unescaped")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;\t &amp;amp; &lt;img src=x onerror=alert(2)&gt;") {
		i := strings.Index(body, "alert(1)")
		t.Fatalf("escaped comment not found; near: %q", body[max(0, i-40):min(len(body), i+80)])
	}
	// JSON responses escape markup too, so a response sniffed as HTML is inert.
	res, rawJSON := e.send(nil, "GET", "/api/v1/assessments/"+a.ID, nil, map[string]string{"Authorization": "Bearer " + tok})
	if strings.Contains(rawJSON, "<script>") || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON carries raw markup or the wrong type (%q)", res.Header.Get("Content-Type"))
	}
}
