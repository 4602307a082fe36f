package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// actionsEnv: organisation A (a subsidiary of P) with an assessment whose
// 1-1 is at level 2 and 3-2 at 5, and organisation B.
type actionsEnv struct {
	*env
	p, a, b                                  store.Org
	officer, owner, auditor, manager, parent store.User
	officerB, managerB                       store.User
	tok                                      map[string]string
	assessmentID, assessmentB                string
}

func newActionsEnv(t *testing.T) *actionsEnv {
	e := newEnv(t)
	x := &actionsEnv{env: e, tok: map[string]string{}}
	x.p = e.org("親会社", nil)
	x.a = e.org("子会社A", &x.p.ID)
	x.b = e.org("他社B", nil)
	x.officer = e.user(x.a.ID, assessment.Officer, false)
	x.owner = e.user(x.a.ID, assessment.Officer, false)
	x.auditor = e.user(x.a.ID, assessment.Auditor, false)
	x.manager = e.user(x.a.ID, assessment.Manager, false)
	x.parent = e.user(x.p.ID, assessment.Manager, false)
	x.officerB = e.user(x.b.ID, assessment.Officer, false)
	x.managerB = e.user(x.b.ID, assessment.Manager, false)
	for name, u := range map[string]store.User{"officer": x.officer, "owner": x.owner, "auditor": x.auditor, "manager": x.manager,
		"parent": x.parent, "officerB": x.officerB, "managerB": x.managerB} {
		x.tok[name] = e.token(u)
	}
	ctx := context.Background()
	a, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: x.a.ID, Title: "2026年度", ChecklistID: "ipa-benchmark-4", Actor: store.Actor{UserID: x.officer.ID}})
	if err != nil {
		t.Fatal(err)
	}
	x.assessmentID = a.ID
	for q, lv := range map[string]int{"1-1": 2, "3-2": 5} {
		l := lv
		if _, err := e.st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &l}, store.Actor{UserID: x.officer.ID}); err != nil {
			t.Fatal(err)
		}
	}
	ab, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: x.b.ID, Title: "B", ChecklistID: "ipa-benchmark-4", Actor: store.Actor{UserID: x.officerB.ID}})
	if err != nil {
		t.Fatal(err)
	}
	x.assessmentB = ab.ID
	return x
}

func dateIn(days int) string {
	return action.Today(time.Now()).AddDate(0, 0, days).Format(time.DateOnly)
}

// validAction is a valid creation body, changed by over.
func (x *actionsEnv) validAction(over map[string]any) map[string]any {
	b := map[string]any{"title": "情報セキュリティ規程の整備", "description": "規程を改訂する",
		"questions": []map[string]any{{"question_id": "1-1", "planned_level": 4}}, "point_ids": []string{"1-1-1", "1-1-2"},
		"owner_id": x.owner.ID, "due_on": dateIn(60), "priority": "high", "source_assessment_id": x.assessmentID}
	for k, v := range over {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

func (x *actionsEnv) create(t *testing.T, over map[string]any) map[string]any {
	t.Helper()
	st, m := x.api(x.tok["officer"], "POST", "/api/v1/orgs/"+x.a.ID+"/actions", x.validAction(over))
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, m)
	}
	return m
}

func fields(m map[string]any) map[string]any {
	e, _ := m["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func TestActionsAPI(t *testing.T) {
	x := newActionsEnv(t)
	act := x.create(t, nil)
	id := act["id"].(string)

	t.Run("CreatedAsSpecified", func(t *testing.T) {
		want := map[string]any{"org_id": x.a.ID, "title": "情報セキュリティ規程の整備", "owner_id": x.owner.ID, "owner_name": x.owner.Name,
			"due_on": dateIn(60), "priority": "high", "status": "open", "version": 1.0, "risk_acceptance": nil}
		for k, v := range want {
			if act[k] != v {
				t.Errorf("%s = %v, want %v", k, act[k], v)
			}
		}
		if ev, ok := act["evidence_ids"].([]any); !ok || len(ev) != 0 {
			t.Errorf("evidence_ids = %v, want []", act["evidence_ids"])
		}
		if qs := act["questions"].([]any); len(qs) != 1 || qs[0].(map[string]any)["planned_level"] != 4.0 {
			t.Errorf("questions = %v", qs)
		}
	})

	t.Run("BadInputNamesTheField", func(t *testing.T) {
		tests := []struct {
			name  string
			over  map[string]any
			field string
		}{
			{"UnknownQuestion", map[string]any{"questions": []map[string]any{{"question_id": "9-9", "planned_level": 4}}, "point_ids": nil}, "questions[0].question_id"},
			{"UnknownKeyPoint", map[string]any{"point_ids": []string{"1-1-99"}}, "point_ids[0]"},
			{"KeyPointOfAnotherQuestion", map[string]any{"point_ids": []string{"1-1-1", "2-1-1"}}, "point_ids[1]"},
			{"PlannedLevelZero", map[string]any{"questions": []map[string]any{{"question_id": "1-1", "planned_level": 0}}}, "questions[0].planned_level"},
			{"PlannedLevelSix", map[string]any{"questions": []map[string]any{{"question_id": "1-1", "planned_level": 6}}}, "questions[0].planned_level"},
			{"PlannedLevelNotAboveCurrent", map[string]any{"questions": []map[string]any{{"question_id": "1-1", "planned_level": 2}}}, "questions[0].planned_level"},
			{"AlreadyAtTheTop", map[string]any{"questions": []map[string]any{{"question_id": "3-2", "planned_level": 5}}, "point_ids": nil}, "questions[0].planned_level"},
			{"OwnerOfAnotherOrganisation", map[string]any{"owner_id": x.officerB.ID}, "owner_id"},
			{"OwnerUnknown", map[string]any{"owner_id": "00000000-0000-0000-0000-000000000000"}, "owner_id"},
			{"DueDateInThePast", map[string]any{"due_on": dateIn(-1)}, "due_on"},
			{"DueDateMalformed", map[string]any{"due_on": "2027/01/01"}, "due_on"},
			{"NoTitle", map[string]any{"title": " "}, "title"},
			{"BadPriority", map[string]any{"priority": "urgent"}, "priority"},
			{"SourceOfAnotherOrganisation", map[string]any{"source_assessment_id": x.assessmentB}, "source_assessment_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				st, m := x.api(x.tok["officer"], "POST", "/api/v1/orgs/"+x.a.ID+"/actions", x.validAction(tt.over))
				if st != http.StatusUnprocessableEntity || fields(m)[tt.field] == nil {
					t.Fatalf("%d %v, want 422 naming %s", st, m, tt.field)
				}
			})
		}
		_, m := x.api(x.tok["officer"], "GET", "/api/v1/orgs/"+x.a.ID+"/actions", nil)
		if n := len(m["actions"].([]any)); n != 1 {
			t.Fatalf("refused creations left %d actions", n)
		}
	})

	t.Run("AnotherOrganisationsActionIsNotFound", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/orgs/" + x.a.ID + "/actions", nil},
			{"POST", "/api/v1/orgs/" + x.a.ID + "/actions", x.validAction(nil)},
			{"GET", "/api/v1/actions/" + id, nil},
			{"PATCH", "/api/v1/actions/" + id, map[string]any{"title": "乗っ取り", "version": 1}},
			{"POST", "/api/v1/actions/" + id + "/status", map[string]any{"status": "in_progress"}},
			{"GET", "/api/v1/actions/" + id + "/notes", nil},
			{"POST", "/api/v1/actions/" + id + "/notes", map[string]any{"body": "覗き見"}},
			{"POST", "/api/v1/assessments/" + x.assessmentID + "/what-if", map[string]any{"levels": map[string]int{"1-1": 5}}},
			{"GET", "/api/v1/actions/not-a-uuid", nil},
		} {
			for _, who := range []string{"officerB", "managerB"} {
				st, m := x.api(x.tok[who], c.method, c.path, c.body)
				if st != http.StatusNotFound || strings.Contains(fmt.Sprint(m), "規程") {
					t.Errorf("%s %s as %s: %d %v, want 404", c.method, c.path, who, st, m)
				}
			}
		}
		_, m := x.api(x.tok["officerB"], "GET", "/api/v1/me/actions", nil)
		if n := len(m["actions"].([]any)); n != 0 {
			t.Errorf("B's officer owns %d actions", n)
		}
	})

	t.Run("EditIsVersioned", func(t *testing.T) {
		st, m := x.api(x.tok["owner"], "PATCH", "/api/v1/actions/"+id, map[string]any{"title": "規程の整備と周知", "priority": "medium", "version": 1})
		if st != 200 || m["version"] != 2.0 || m["title"] != "規程の整備と周知" || m["priority"] != "medium" || m["due_on"] != dateIn(60) {
			t.Fatalf("edit: %d %v", st, m)
		}
		st, m = x.api(x.tok["manager"], "PATCH", "/api/v1/actions/"+id, map[string]any{"title": "古い版からの変更", "version": 1})
		cur, _ := m["current"].(map[string]any)
		if st != http.StatusConflict || cur["version"] != 2.0 || cur["title"] != "規程の整備と周知" {
			t.Fatalf("stale edit: %d %v", st, m)
		}
		_, m = x.api(x.tok["officer"], "GET", "/api/v1/actions/"+id, nil)
		if m["title"] != "規程の整備と周知" {
			t.Fatalf("stale edit overwrote: %v", m["title"])
		}
		for name, body := range map[string]map[string]any{
			"version":                    {"title": "版なし"},
			"due_on":                     {"due_on": dateIn(-3), "version": 2},
			"owner_id":                   {"owner_id": x.managerB.ID, "version": 2},
			"questions[0].planned_level": {"questions": []map[string]any{{"question_id": "1-1", "planned_level": 9}}, "version": 2},
		} {
			st, m := x.api(x.tok["officer"], "PATCH", "/api/v1/actions/"+id, body)
			if st != 422 || fields(m)[name] == nil {
				t.Errorf("PATCH %v: %d %v, want 422 naming %s", body, st, m, name)
			}
		}
		if st, _ := x.api(x.tok["auditor"], "PATCH", "/api/v1/actions/"+id, map[string]any{"title": "監査人", "version": 2}); st != 403 {
			t.Errorf("auditor edit: %d, want 403", st)
		}
	})

	t.Run("StatusRules", func(t *testing.T) {
		link := func(org, title string, retired bool) string {
			ev, err := x.st.CreateEvidence(context.Background(), store.NewEvidence{OrgID: org, Title: title, URL: "https://example.com/" + title,
				EffectiveDate: time.Now(), Actor: store.Actor{UserID: x.owner.ID}})
			if err != nil {
				t.Fatal(err)
			}
			if retired {
				if _, err := x.st.UpdateEvidence(context.Background(), ev.ID, store.EvidencePatch{Retired: &retired}, store.Actor{UserID: x.owner.ID}); err != nil {
					t.Fatal(err)
				}
			}
			return ev.ID
		}
		evA, evOld, evB := link(x.a.ID, "規程改訂版", false), link(x.a.ID, "旧規程", true), link(x.b.ID, "他社の規程", false)
		status := func(who string, body map[string]any) (int, map[string]any) {
			return x.api(x.tok[who], "POST", "/api/v1/actions/"+id+"/status", body)
		}
		if st, m := status("owner", map[string]any{"status": "in_progress", "note": "着手しました"}); st != 200 || m["status"] != "in_progress" {
			t.Fatalf("start: %d %v", st, m)
		}
		for _, c := range []struct {
			name, who string
			body      map[string]any
			want      int
			field     string
		}{
			{"CloseWithoutEvidence", "owner", map[string]any{"status": "done", "note": strings.Repeat("長", 25)}, 422, "evidence_ids"},
			{"CloseWithUnknownEvidence", "owner", map[string]any{"status": "done", "evidence_ids": []string{"e-1"}}, 422, "evidence_ids"},
			{"CloseWithOtherOrgsEvidence", "owner", map[string]any{"status": "done", "evidence_ids": []string{evB}}, 422, "evidence_ids"},
			{"CloseWithRetiredEvidence", "owner", map[string]any{"status": "done", "evidence_ids": []string{evOld}}, 422, "evidence_ids"},
			{"OfficerAcceptsRisk", "officer", map[string]any{"status": "risk_accepted", "reason": "費用", "review_on": dateIn(90)}, 403, ""},
			{"OwnerAcceptsRisk", "owner", map[string]any{"status": "risk_accepted", "reason": "費用", "review_on": dateIn(90)}, 403, ""},
			{"AuditorMoves", "auditor", map[string]any{"status": "open"}, 403, ""},
			{"RiskWithoutReason", "parent", map[string]any{"status": "risk_accepted", "review_on": dateIn(90)}, 422, "reason"},
			{"RiskWithoutReviewDate", "parent", map[string]any{"status": "risk_accepted", "reason": "費用"}, 422, "review_on"},
			{"RiskReviewBeyondAYear", "parent", map[string]any{"status": "risk_accepted", "reason": "費用", "review_on": dateIn(400)}, 422, "review_on"},
			{"UnknownStatus", "owner", map[string]any{"status": "closed"}, 422, "status"},
		} {
			st, m := status(c.who, c.body)
			if st != c.want || (c.field != "" && fields(m)[c.field] == nil) {
				t.Errorf("%s: %d %v, want %d naming %q", c.name, st, m, c.want, c.field)
			}
		}
		note := "規程を改訂し、取締役会で承認を得て全社に周知しました。"
		st, m := status("owner", map[string]any{"status": "done", "note": note, "evidence_ids": []string{evA}})
		if ev, _ := m["evidence_ids"].([]any); st != 200 || m["status"] != "done" || m["closing_note"] != note || len(ev) != 1 || ev[0] != evA {
			t.Fatalf("close: %d %v", st, m)
		}
		if _, got := x.api(x.tok["manager"], "GET", "/api/v1/actions/"+id, nil); fmt.Sprint(got["evidence_ids"]) != "["+evA+"]" {
			t.Errorf("GET evidence_ids = %v", got["evidence_ids"])
		}
		if st, _ := status("owner", map[string]any{"status": "open"}); st != http.StatusConflict {
			t.Errorf("done → open: %d, want 409", st)
		}
		if st, m := status("owner", map[string]any{"status": "in_progress", "note": "再開: 周知が不十分"}); st != 200 || m["closing_note"] != nil || len(m["evidence_ids"].([]any)) != 0 {
			t.Fatalf("reopen done: %d %v", st, m)
		}
		// A manager of the parent organisation approves a risk acceptance.
		st, m = status("parent", map[string]any{"status": "risk_accepted", "reason": "代替策で十分", "review_on": dateIn(365)})
		ra, _ := m["risk_acceptance"].(map[string]any)
		if st != 200 || m["status"] != "risk_accepted" || ra["approved_by"] != x.parent.ID || ra["reason"] != "代替策で十分" || ra["review_on"] != dateIn(365) {
			t.Fatalf("accept: %d %v", st, m)
		}
		var n int
		storetest.DB(t, x.st).QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'action.status_changed'`, x.a.ID).Scan(&n)
		if n != 4 {
			t.Errorf("%d status audit entries, want 4", n)
		}
		var claimed string
		storetest.DB(t, x.st).QueryRow(context.Background(), `SELECT detail->>'closing_note' FROM audit_log WHERE org_id = $1 AND detail->>'to' = 'done'`, x.a.ID).Scan(&claimed)
		if claimed != note {
			t.Errorf("audit trail's closing note %q", claimed)
		}
	})

	t.Run("AcceptedRiskReopensWhenTheReviewDatePasses", func(t *testing.T) {
		if _, err := storetest.DB(t, x.st).Exec(context.Background(), `UPDATE actions SET risk_review_on = current_date - 1 WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		_, m := x.api(x.tok["manager"], "GET", "/api/v1/orgs/"+x.a.ID+"/actions", nil)
		got := m["actions"].([]any)[0].(map[string]any)
		if got["status"] != "open" || got["reopened_reason"] != "review_date_passed" || got["risk_acceptance"] != nil {
			t.Fatalf("after the review date: %v", got)
		}
		_, m = x.api(x.tok["manager"], "GET", "/api/v1/actions/"+id+"/notes", nil)
		notes := m["notes"].([]any)
		if last := notes[len(notes)-1].(map[string]any); last["kind"] != "reopened" {
			t.Fatalf("notes %v", notes)
		}
	})

	t.Run("NotesThread", func(t *testing.T) {
		st, m := x.api(x.tok["owner"], "POST", "/api/v1/actions/"+id+"/notes", map[string]any{"body": "見積もりを依頼しました。"})
		if st != 201 || m["author_name"] != x.owner.Name || m["kind"] != "note" {
			t.Fatalf("note: %d %v", st, m)
		}
		if st, m := x.api(x.tok["owner"], "POST", "/api/v1/actions/"+id+"/notes", map[string]any{"body": "  "}); st != 422 || fields(m)["body"] == nil {
			t.Errorf("blank note: %d %v", st, m)
		}
		if st, _ := x.api(x.tok["auditor"], "POST", "/api/v1/actions/"+id+"/notes", map[string]any{"body": "監査人"}); st != 403 {
			t.Errorf("auditor note: %d, want 403", st)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		x.create(t, map[string]any{"title": "バックアップ", "questions": []map[string]any{{"question_id": "3-3", "planned_level": 3}},
			"point_ids": nil, "owner_id": x.officer.ID, "due_on": dateIn(10), "priority": "low"})
		count := func(q string) int {
			st, m := x.api(x.tok["auditor"], "GET", "/api/v1/orgs/"+x.a.ID+"/actions"+q, nil)
			if st != 200 {
				t.Fatalf("%s: %d %v", q, st, m)
			}
			return len(m["actions"].([]any))
		}
		for q, want := range map[string]int{"": 2, "?status=open": 2, "?status=done,risk_accepted": 0, "?owner=" + x.owner.ID: 1,
			"?due_before=" + dateIn(30): 1, "?question=3-3": 1, "?question=1-1": 1, "?question=2-1": 0, "?category=3": 1} {
			if got := count(q); got != want {
				t.Errorf("%q: %d actions, want %d", q, got, want)
			}
		}
		for q, field := range map[string]string{"?status=closed": "status", "?due_before=tomorrow": "due_before", "?question=9-9": "question"} {
			if st, m := x.api(x.tok["auditor"], "GET", "/api/v1/orgs/"+x.a.ID+"/actions"+q, nil); st != 422 || fields(m)[field] == nil {
				t.Errorf("%s: %d %v", q, st, m)
			}
		}
		_, m := x.api(x.tok["owner"], "GET", "/api/v1/me/actions", nil)
		if mine := m["actions"].([]any); len(mine) != 1 || mine[0].(map[string]any)["id"] != id {
			t.Errorf("my actions: %v", mine)
		}
	})
}

// TestActionTasks: "My tasks" (the page and the API) lists the open
// actions the caller owns, with their due dates, among the assigned
// questions by due date; done actions and others' actions are not listed.
func TestActionTasks(t *testing.T) {
	x := newActionsEnv(t)
	ctx := context.Background()
	later := x.create(t, map[string]any{"title": "後の対策", "due_on": dateIn(40)})["id"].(string)
	sooner := x.create(t, map[string]any{"title": "先の対策", "due_on": dateIn(5)})["id"].(string)
	x.create(t, map[string]any{"title": "他人の対策", "owner_id": x.officer.ID})
	gone := x.create(t, map[string]any{"title": "完了した対策", "due_on": dateIn(1)})["id"].(string)
	if _, err := storetest.DB(t, x.st).Exec(ctx, `UPDATE actions SET status = 'done', done_at = now() WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}
	due, _ := action.ParseDate(dateIn(20))
	if _, err := x.st.AssignQuestions(ctx, store.NewQuestionAssignment{AssessmentID: x.assessmentID, QuestionIDs: []string{"2-1"},
		UserID: x.owner.ID, DueOn: &due, Actor: store.Actor{UserID: x.officer.ID}}); err != nil {
		t.Fatal(err)
	}
	st, m := x.api(x.tok["owner"], "GET", "/api/v1/tasks", nil)
	var got []string
	for _, v := range m["tasks"].([]any) {
		task := v.(map[string]any)
		got = append(got, fmt.Sprint(task["kind"], " ", task["action_id"], task["question_id"], " ", task["due_on"]))
	}
	want := []string{"action " + sooner + "<nil> " + dateIn(5), "question <nil>2-1 " + dateIn(20), "action " + later + "<nil> " + dateIn(40)}
	if st != 200 || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("tasks %d:\n%v\nwant\n%v", st, got, want)
	}
	_, body := x.get(x.login(x.owner), "/tasks")
	doc := parseDoc(t, body)
	if doc.Find(`[data-testid="task-action-`+sooner+`"]`).Length() != 1 || doc.Find(`[data-testid="task-action-`+gone+`"]`).Length() != 0 {
		t.Fatalf("tasks page:\n%.1500s", body)
	}
	if href, _ := doc.Find(`[data-testid="task-action-` + later + `"]`).Attr("href"); href != "/actions/"+later {
		t.Errorf("link %q", href)
	}
}

// TestMovedOwnerLosesTheOldOrganisationsActions: an owner moved to another
// organisation no longer reads, in "my actions" and My tasks, the actions
// they owned in the organisation they left.
func TestMovedOwnerLosesTheOldOrganisationsActions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, b := e.org("旧所属株式会社", nil), e.org("新所属株式会社", nil)
	u := e.user(a.ID, assessment.Officer, false)
	if _, err := e.st.CreateActions(ctx, a.ID, []store.NewAction{{OrgID: a.ID, Title: "旧所属の機密対策", OwnerID: u.ID,
		DueOn: time.Now().AddDate(0, 1, 0), Priority: action.Priority("high"),
		Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 4}}}}, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	tok := e.token(u)
	if code, body := e.api(tok, "GET", "/api/v1/me/actions", nil); code != 200 || len(body["actions"].([]any)) != 1 {
		t.Fatalf("before the move: %d %v", code, body)
	}
	if _, _, err := e.st.UpdateUser(ctx, u.ID, store.UserUpdate{Name: u.Name, Role: u.Role, OrgID: b.ID, Active: true, Actor: store.Actor{Email: "test"}}); err != nil {
		t.Fatal(err)
	}
	tok = e.token(u) // the move ended the old tokens' sessions; a new one
	if code, body := e.api(tok, "GET", "/api/v1/me/actions", nil); code != 200 || len(body["actions"].([]any)) != 0 {
		t.Fatalf("after the move: %d %v, want no action of the old organisation", code, body)
	}
	c := e.login(u)
	if _, page := e.get(c, "/tasks"); strings.Contains(page, "旧所属の機密対策") {
		t.Fatal("My tasks still lists the old organisation's action")
	}
	if _, page := e.get(c, "/actions?owner=me"); strings.Contains(page, "旧所属の機密対策") {
		t.Fatal("my actions still lists the old organisation's action")
	}
}
