package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// rvFix is an organisation with an officer, a manager and an assigned
// auditor; another organisation with its own officer and auditor; and
// tokens for each of them.
type rvFix struct {
	*env
	org, other                   store.Org
	officer, auditor, manager    store.User
	outsider, otherOfficer       store.User // an auditor not assigned to org; an officer of other
	tOfficer, tAuditor, tManager string
	tOutsider                    string
}

func newRvFix(t *testing.T) *rvFix {
	e := newEnv(t)
	f := &rvFix{env: e}
	f.org = e.org("レビュー株式会社", nil)
	f.other = e.org("よそ株式会社", nil)
	f.officer = e.user(f.org.ID, assessment.Officer, false)
	f.manager = e.user(f.org.ID, assessment.Manager, false)
	auditFirm := e.org("監査法人", nil)
	f.auditor = e.user(auditFirm.ID, assessment.Auditor, false)
	f.outsider = e.user(auditFirm.ID, assessment.Auditor, false)
	f.otherOfficer = e.user(f.other.ID, assessment.Officer, false)
	f.assign(f.auditor, f.org)
	f.assign(f.outsider, f.other)
	f.tOfficer, f.tAuditor, f.tManager, f.tOutsider = e.token(f.officer), e.token(f.auditor), e.token(f.manager), e.token(f.outsider)
	return f
}

func (f *rvFix) assign(u store.User, o store.Org) {
	f.t.Helper()
	if err := f.st.AssignAuditor(context.Background(), u.ID, o.ID, store.Actor{Email: "test"}); err != nil {
		f.t.Fatal(err)
	}
}

// answered is a draft of the officer's organisation with every question
// answered (level 3), ready to submit.
func (f *rvFix) answered(title string) store.Assessment {
	f.t.Helper()
	return f.answeredBy(f.officer, title)
}

func (f *rvFix) answeredBy(officer store.User, title string) store.Assessment {
	f.t.Helper()
	ctx := context.Background()
	by := store.Actor{UserID: officer.ID, Email: officer.Email}
	a, err := f.st.CreateAssessment(ctx, store.NewAssessment{OrgID: officer.OrgID, Title: title, ChecklistID: checklist.Default().ID, Actor: by})
	if err != nil {
		f.t.Fatal(err)
	}
	three := 3
	for _, q := range checklist.Default().QuestionIDs() {
		if _, err := f.st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &three, Comment: "規程あり"}, by); err != nil {
			f.t.Fatal(err)
		}
	}
	return a
}

// submitted is an answered assessment submitted through the API.
func (f *rvFix) submitted(title string) store.Assessment {
	f.t.Helper()
	a := f.answered(title)
	if code, m := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+a.ID+"/submit", nil); code != 200 {
		f.t.Fatalf("submit: %d %v", code, m)
	}
	return a
}

func (f *rvFix) status(id string) assessment.Status {
	f.t.Helper()
	a, err := f.st.GetAssessment(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a.Status
}

// expect checks an API call's status and error code.
func (f *rvFix) expect(token, method, path string, body any, wantStatus int, wantCode string) map[string]any {
	f.t.Helper()
	code, m := f.api(token, method, path, body)
	if code != wantStatus || (wantCode != "" && errCode(m) != wantCode) {
		f.t.Fatalf("%s %s %v: %d %v, want %d %s", method, path, body, code, m, wantStatus, wantCode)
	}
	return m
}

func generalComments(f *rvFix, id string) []string {
	f.t.Helper()
	_, m := f.api(f.tOfficer, "GET", "/api/v1/assessments/"+id+"/comments", nil)
	var out []string
	for _, c := range m["comments"].([]any) {
		c := c.(map[string]any)
		if c["question_id"] == nil {
			out = append(out, c["body"].(string))
		}
	}
	return out
}

func TestReviewDecisionsAPI(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("判定API")
	base := "/api/v1/assessments/" + a.ID

	t.Run("ReturnNeedsComment", func(t *testing.T) {
		for _, body := range []any{nil, map[string]any{}, map[string]any{"comment": "  \n "}, map[string]any{"comment": nil}} {
			m := f.expect(f.tAuditor, "POST", base+"/return", body, 422, "invalid")
			if m["error"].(map[string]any)["fields"].(map[string]any)["comment"] != "required" {
				t.Fatalf("fields = %v", m["error"])
			}
		}
		f.expect(f.tAuditor, "POST", base+"/return", map[string]any{"comment": strings.Repeat("長", 5001)}, 422, "invalid")
		f.expect(f.tAuditor, "POST", base+"/return", map[string]any{"reason": "x"}, 400, "malformed")
	})
	t.Run("OtherRolesForbidden", func(t *testing.T) {
		for _, tok := range []string{f.tOfficer, f.tManager} {
			for _, p := range []string{"/return", "/approve", "/reopen"} {
				f.expect(tok, "POST", base+p, map[string]any{}, 403, "forbidden")
			}
		}
		// Authorisation comes before validation: no comment, still 403.
		f.expect(f.tOfficer, "POST", base+"/return", nil, 403, "forbidden")
	})
	t.Run("UnassignedAuditorNotFound", func(t *testing.T) {
		for _, p := range []string{"/return", "/approve", "/reopen"} {
			f.expect(f.tOutsider, "POST", base+p, map[string]any{}, 404, "not_found")
		}
		f.expect(f.tAuditor, "POST", "/api/v1/assessments/00000000-0000-0000-0000-000000000000/approve", nil, 404, "not_found")
	})
	if f.status(a.ID) != assessment.Submitted {
		t.Fatal("a refused decision changed the status")
	}

	t.Run("Return", func(t *testing.T) {
		m := f.expect(f.tAuditor, "POST", base+"/return", map[string]any{"comment": "1-1 の根拠を追記してください。"}, 200, "")
		if m["status"] != "returned" {
			t.Fatalf("status = %v", m["status"])
		}
		if got := generalComments(f, a.ID); len(got) != 1 || got[0] != "1-1 の根拠を追記してください。" {
			t.Fatalf("general comments = %q", got)
		}
	})
	t.Run("ReturnAgainConflicts", func(t *testing.T) {
		m := f.expect(f.tAuditor, "POST", base+"/return", map[string]any{"comment": "もう一度"}, 409, "conflict")
		last, _ := m["last_action"].(map[string]any)
		if m["status"] != "returned" || last["action"] != "return" || last["actor"] != f.auditor.Email {
			t.Fatalf("conflict body = %v", m)
		}
		f.expect(f.tAuditor, "POST", base+"/approve", nil, 409, "conflict")
		f.expect(f.tAuditor, "POST", base+"/reopen", map[string]any{"reason": "x"}, 409, "conflict")
	})
	t.Run("ResubmitAndApprove", func(t *testing.T) {
		f.expect(f.tOfficer, "POST", base+"/submit", nil, 200, "")
		atSubmit, err := f.st.GetResult(context.Background(), a.ID)
		if err != nil {
			t.Fatalf("no frozen result after submission: %v", err)
		}
		m := f.expect(f.tAuditor, "POST", base+"/approve", nil, 200, "")
		if m["status"] != "approved" {
			t.Fatalf("status = %v", m["status"])
		}
		// Approval freezes the result again, in the same transaction.
		atApproval, err := f.st.GetResult(context.Background(), a.ID)
		if err != nil || !atApproval.ComputedAt.After(atSubmit.ComputedAt) {
			t.Fatalf("result not frozen again at approval: %v → %v, %v", atSubmit.ComputedAt, atApproval.ComputedAt, err)
		}
	})
	t.Run("Reopen", func(t *testing.T) {
		m := f.expect(f.tAuditor, "POST", base+"/reopen", map[string]any{}, 422, "invalid")
		if m["error"].(map[string]any)["fields"].(map[string]any)["reason"] != "required" {
			t.Fatalf("fields = %v", m["error"])
		}
		m = f.expect(f.tAuditor, "POST", base+"/reopen", map[string]any{"reason": "誤って承認しました。"}, 200, "")
		if m["status"] != "returned" {
			t.Fatalf("status = %v", m["status"])
		}
		if got := generalComments(f, a.ID); len(got) != 2 || got[1] != "誤って承認しました。" {
			t.Fatalf("general comments = %q", got)
		}
		f.expect(f.tAuditor, "POST", base+"/reopen", map[string]any{"reason": "again"}, 409, "conflict")
	})
	t.Run("ApproveWithComment", func(t *testing.T) {
		b := f.submitted("承認コメント")
		f.expect(f.tAuditor, "POST", "/api/v1/assessments/"+b.ID+"/approve", map[string]any{"comment": "良好です。"}, 200, "")
		if got := generalComments(f, b.ID); len(got) != 1 || got[0] != "良好です。" {
			t.Fatalf("general comments = %q", got)
		}
	})
	t.Run("DraftCannotBeDecided", func(t *testing.T) {
		d := f.answered("下書き")
		f.expect(f.tAuditor, "POST", "/api/v1/assessments/"+d.ID+"/approve", nil, 409, "conflict")
	})
}

func TestCommentsAPI(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("コメントAPI")
	path := "/api/v1/assessments/" + a.ID + "/comments"

	c := f.expect(f.tAuditor, "POST", path, map[string]any{"question_id": "1-1", "body": "根拠は？"}, 201, "")
	if c["question_id"] != "1-1" || c["author_role"] != "auditor" || c["author_name"] != f.auditor.Name || c["id"] == "" {
		t.Fatalf("comment = %v", c)
	}
	f.expect(f.tOfficer, "POST", path, map[string]any{"question_id": "1-1", "body": "情報セキュリティ規程 第3条です。"}, 201, "")
	f.expect(f.tOfficer, "POST", path, map[string]any{"question_id": nil, "body": strings.Repeat("あ", 5000)}, 201, "")

	for _, tc := range []struct {
		name   string
		token  string
		body   any
		status int
		code   string
	}{
		{"ManagerForbidden", f.tManager, map[string]any{"question_id": nil, "body": "x"}, 403, "forbidden"},
		{"OutsiderNotFound", f.tOutsider, map[string]any{"question_id": nil, "body": "x"}, 404, "not_found"},
		{"EmptyBody", f.tOfficer, map[string]any{"question_id": nil, "body": " \n"}, 422, "invalid"},
		{"MissingBody", f.tOfficer, map[string]any{"question_id": "1-1"}, 422, "invalid"},
		{"TooLong", f.tOfficer, map[string]any{"question_id": nil, "body": strings.Repeat("あ", 5001)}, 422, "invalid"},
		{"UnknownQuestion", f.tAuditor, map[string]any{"question_id": "9-9", "body": "x"}, 422, "invalid"},
		{"EmptyQuestion", f.tAuditor, map[string]any{"question_id": "", "body": "x"}, 422, "invalid"},
		{"UnknownField", f.tAuditor, map[string]any{"question": "1-1", "body": "x"}, 400, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) { f.expect(tc.token, "POST", path, tc.body, tc.status, tc.code) })
	}

	t.Run("ListOldestFirst", func(t *testing.T) {
		for _, tok := range []string{f.tOfficer, f.tManager, f.tAuditor} {
			m := f.expect(tok, "GET", path, nil, 200, "")
			cs := m["comments"].([]any)
			if len(cs) != 3 || cs[0].(map[string]any)["body"] != "根拠は？" || cs[2].(map[string]any)["question_id"] != nil {
				t.Fatalf("comments = %v", cs)
			}
		}
		f.expect(f.tOutsider, "GET", path, nil, 404, "not_found")
	})
}

func TestMarksAPI(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("マークAPI")
	base := "/api/v1/assessments/" + a.ID

	m := f.expect(f.tAuditor, "PUT", base+"/marks/1-1", map[string]any{"mark": "needs_attention"}, 200, "")
	if m["mark"] != "needs_attention" || m["question_id"] != "1-1" {
		t.Fatalf("mark = %v", m)
	}
	f.expect(f.tAuditor, "PUT", base+"/marks/1-2", map[string]any{"mark": "ok"}, 200, "")
	f.expect(f.tAuditor, "PUT", base+"/marks/1-3", map[string]any{"mark": "ok"}, 200, "")
	if m := f.expect(f.tAuditor, "PUT", base+"/marks/1-3", map[string]any{"mark": nil}, 200, ""); m["mark"] != nil {
		t.Fatalf("cleared mark = %v", m)
	}

	for _, tc := range []struct {
		name, token, path string
		body              any
		status            int
		code              string
	}{
		{"Invalid", f.tAuditor, "/marks/1-1", map[string]any{"mark": "great"}, 422, "invalid"},
		{"Missing", f.tAuditor, "/marks/1-1", map[string]any{}, 422, "invalid"},
		{"NotAString", f.tAuditor, "/marks/1-1", map[string]any{"mark": 1}, 422, "invalid"},
		{"UnknownQuestion", f.tAuditor, "/marks/9-9", map[string]any{"mark": "ok"}, 404, "not_found"},
		{"OfficerForbidden", f.tOfficer, "/marks/1-1", map[string]any{"mark": "ok"}, 403, "forbidden"},
		{"ManagerForbidden", f.tManager, "/marks/1-1", map[string]any{"mark": "ok"}, 403, "forbidden"},
		{"OutsiderNotFound", f.tOutsider, "/marks/1-1", map[string]any{"mark": "ok"}, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) { f.expect(tc.token, "PUT", base+tc.path, tc.body, tc.status, tc.code) })
	}

	t.Run("List", func(t *testing.T) {
		m := f.expect(f.tOfficer, "GET", base+"/marks", nil, 200, "")
		marks := m["marks"].(map[string]any)
		if len(marks) != 2 || marks["1-1"].(map[string]any)["mark"] != "needs_attention" || marks["1-2"].(map[string]any)["mark"] != "ok" {
			t.Fatalf("marks = %v", marks)
		}
		f.expect(f.tOutsider, "GET", base+"/marks", nil, 404, "not_found")
	})
	t.Run("OnlyWhileSubmitted", func(t *testing.T) {
		f.expect(f.tAuditor, "POST", base+"/return", map[string]any{"comment": "直してください"}, 200, "")
		f.expect(f.tAuditor, "PUT", base+"/marks/1-1", map[string]any{"mark": "ok"}, 409, "conflict")
		d := f.answered("下書き")
		f.expect(f.tAuditor, "PUT", "/api/v1/assessments/"+d.ID+"/marks/1-1", map[string]any{"mark": "ok"}, 409, "conflict")
	})
}

func TestAuditAPI(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("監査証跡API")
	base := "/api/v1/assessments/" + a.ID
	f.expect(f.tAuditor, "POST", base+"/comments", map[string]any{"question_id": nil, "body": "確認します"}, 201, "")
	f.expect(f.tAuditor, "POST", base+"/return", map[string]any{"comment": "根拠不足"}, 200, "")

	for _, tok := range []string{f.tOfficer, f.tManager, f.tAuditor} {
		m := f.expect(tok, "GET", base+"/audit", nil, 200, "")
		es := m["entries"].([]any)
		var actions []string
		var prevSeq float64
		for _, x := range es {
			e := x.(map[string]any)
			actions = append(actions, e["action"].(string))
			if e["seq"].(float64) <= prevSeq || len(e["hash"].(string)) != 64 || e["actor"] == nil || e["at"] == nil || e["detail"] == nil {
				t.Fatalf("entry = %v", e)
			}
			if p, ok := e["prev_hash"].(string); !ok || len(p) != 64 {
				t.Fatalf("prev_hash = %v", e["prev_hash"])
			}
			prevSeq = e["seq"].(float64)
		}
		got := strings.Join(actions, ",")
		if !strings.HasPrefix(got, "assessment.created,answer.saved") || !strings.HasSuffix(got, "assessment.submit,comment.added,assessment.return") {
			t.Fatalf("actions = %s", got)
		}
		last := es[len(es)-1].(map[string]any)
		if d := last["detail"].(map[string]any); d["comment"] != "根拠不足" || d["from"] != "submitted" || d["to"] != "returned" {
			t.Fatalf("return detail = %v", d)
		}
	}
	f.expect(f.tOutsider, "GET", base+"/audit", nil, 404, "not_found")
	f.expect(f.otherToken(), "GET", base+"/audit", nil, 404, "not_found")
}

func (f *rvFix) otherToken() string { return f.token(f.otherOfficer) }

// TestConcurrentDecisionsAPI: two auditors deciding at the same moment, one
// approving and one returning: exactly one wins (200), the other gets 409
// and is told who did what.
func TestConcurrentDecisionsAPI(t *testing.T) {
	f := newRvFix(t)
	second := f.user(f.auditor.OrgID, assessment.Auditor, false)
	f.assign(second, f.org)
	tSecond := f.token(second)
	const rounds = 8
	for i := range rounds {
		a := f.submitted("同時判定")
		base := "/api/v1/assessments/" + a.ID
		type result struct {
			code int
			body map[string]any
			who  string
		}
		results := make([]result, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for j, call := range []struct {
			token, path, who string
			body             any
		}{
			{f.tAuditor, base + "/approve", f.auditor.Email, nil},
			{tSecond, base + "/return", second.Email, map[string]any{"comment": "差し戻します"}},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				code, m := f.api(call.token, "POST", call.path, call.body)
				results[j] = result{code, m, call.who}
			}()
		}
		close(start)
		wg.Wait()
		var ok, conflict *result
		for k := range results {
			switch results[k].code {
			case http.StatusOK:
				ok = &results[k]
			case http.StatusConflict:
				conflict = &results[k]
			}
		}
		if ok == nil || conflict == nil {
			t.Fatalf("round %d: results %d %v / %d %v, want one 200 and one 409", i, results[0].code, results[0].body, results[1].code, results[1].body)
		}
		final := f.status(a.ID)
		last, _ := conflict.body["last_action"].(map[string]any)
		if string(final) != ok.body["status"] || conflict.body["status"] != string(final) || last["actor"] != ok.who {
			t.Fatalf("round %d: final %s, winner %v, loser told %v", i, final, ok.body["status"], conflict.body)
		}
		if msg := conflict.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "さん") {
			t.Fatalf("round %d: conflict message %q does not say who", i, msg)
		}
	}
}

func TestReviewsQueueAPI(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("キュー")
	// Another organisation's submission, not assigned to f.auditor.
	o := f.answeredBy(f.otherOfficer, "よその評価")
	f.expect(f.otherToken(), "POST", "/api/v1/assessments/"+o.ID+"/submit", nil, 200, "")
	m := f.expect(f.tAuditor, "GET", "/api/v1/reviews", nil, 200, "")
	q := m["queue"].([]any)
	if len(q) != 1 || q[0].(map[string]any)["assessment_id"] != a.ID || q[0].(map[string]any)["org_name"] != f.org.Name {
		t.Fatalf("queue = %v", q)
	}
	f.expect(f.tAuditor, "POST", "/api/v1/assessments/"+a.ID+"/approve", nil, 200, "")
	m = f.expect(f.tAuditor, "GET", "/api/v1/reviews", nil, 200, "")
	if ds := m["decisions"].([]any); len(ds) != 1 || ds[0].(map[string]any)["action"] != "approve" || len(m["queue"].([]any)) != 0 {
		t.Fatalf("after approval: %v", m)
	}
	f.expect(f.tOfficer, "GET", "/api/v1/reviews", nil, 403, "forbidden")
	f.expect(f.tManager, "GET", "/api/v1/reviews", nil, 403, "forbidden")
	// The outsider is assigned to the other organisation only.
	m = f.expect(f.tOutsider, "GET", "/api/v1/reviews", nil, 200, "")
	if q := m["queue"].([]any); len(m["decisions"].([]any)) != 0 || len(q) != 1 || q[0].(map[string]any)["assessment_id"] != o.ID {
		t.Fatalf("outsider sees %v", m)
	}
}
