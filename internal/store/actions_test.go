package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mamori/internal/action"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := action.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestActions(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	owner := rvUser(t, e.st, e.org.ID, assessment.Officer, "owner@actions.example")
	stranger := rvUser(t, e.st, e.org2.ID, assessment.Officer, "stranger@actions.example")
	mgr := rvUser(t, e.st, e.org.ID, assessment.Manager, "manager@actions.example")
	src := e.draft(t, e.org.ID, "今年度")
	na := func(title, q string, due string) store.NewAction {
		return store.NewAction{OrgID: e.org.ID, Title: title, Questions: []action.Planned{{QuestionID: q, PlannedLevel: 4}},
			PointIDs: []string{q + "-1"}, OwnerID: owner.ID, DueOn: day(t, due), Priority: action.High, SourceAssessmentID: src.ID}
	}
	as, err := e.st.CreateActions(ctx, e.org.ID, []store.NewAction{na("規程の整備", "1-1", "2027-01-31"), na("バックアップ", "3-2", "2026-12-15")}, e.officer)
	if err != nil {
		t.Fatal(err)
	}
	a := as[0]
	if len(as) != 2 || a.Status != action.Open || a.Version != 1 || a.OwnerName != owner.Name || a.Questions[0].PlannedLevel != 4 ||
		a.PointIDs[0] != "1-1-1" || a.DueOn.Format(time.DateOnly) != "2027-01-31" || a.Risk != nil {
		t.Fatalf("created %+v", as)
	}
	if n := e.auditCount(t, "action.created"); n != 2 {
		t.Errorf("action.created entries: %d", n)
	}

	t.Run("OwnerOfAnotherOrganisationRefused", func(t *testing.T) {
		n := na("他社", "1-1", "2027-01-31")
		n.OwnerID = stranger.ID
		_, err := e.st.CreateActions(ctx, e.org.ID, []store.NewAction{na("先の一件", "1-2", "2027-01-31"), n}, e.officer)
		if f, _ := apperr.As(err); f == nil || f.Fields["owner_id"] != action.ProblemOrg {
			t.Fatalf("err = %v", err)
		}
		all, _ := e.st.ListActions(ctx, store.ActionFilter{OrgIDs: []string{e.org.ID}})
		if len(all) != 2 {
			t.Fatalf("a refused batch wrote %d actions", len(all)-2)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			f    store.ActionFilter
			want int
		}{
			{"Org", store.ActionFilter{OrgIDs: []string{e.org.ID}}, 2},
			{"OtherOrg", store.ActionFilter{OrgIDs: []string{e.org2.ID}}, 0},
			{"Owner", store.ActionFilter{OwnerID: owner.ID}, 2},
			{"OwnerNobody", store.ActionFilter{OwnerID: mgr.ID}, 0},
			{"Question", store.ActionFilter{OrgIDs: []string{e.org.ID}, QuestionID: "3-2"}, 1},
			{"Category", store.ActionFilter{OrgIDs: []string{e.org.ID}, CategoryID: "1"}, 1},
			{"DueBefore", store.ActionFilter{OrgIDs: []string{e.org.ID}, DueBefore: new(day(t, "2026-12-31"))}, 1},
			{"StatusDone", store.ActionFilter{OrgIDs: []string{e.org.ID}, Statuses: []action.Status{action.Done}}, 0},
		} {
			got, err := e.st.ListActions(ctx, tt.f)
			if err != nil || len(got) != tt.want {
				t.Errorf("%s: %d actions, %v; want %d", tt.name, len(got), err, tt.want)
			}
		}
	})

	t.Run("StaleEditConflictsAndKeepsTheFirst", func(t *testing.T) {
		up := store.ActionUpdate{Title: "規程の整備と周知", Questions: a.Questions, PointIDs: a.PointIDs, OwnerID: mgr.ID,
			DueOn: a.DueOn, Priority: action.Medium, Version: 1}
		got, err := e.st.UpdateAction(ctx, a.ID, up, e.officer)
		if err != nil || got.Version != 2 || got.OwnerID != mgr.ID || got.Priority != action.Medium {
			t.Fatalf("update: %+v %v", got, err)
		}
		up.Title = "上書き"
		_, err = e.st.UpdateAction(ctx, a.ID, up, e.officer)
		ae, _ := apperr.As(err)
		if ae == nil || ae.Code != apperr.Conflict {
			t.Fatalf("stale update: %v", err)
		}
		if cur, ok := ae.Detail.(store.Action); !ok || cur.Title != "規程の整備と周知" || cur.Version != 2 {
			t.Fatalf("conflict detail %+v", ae.Detail)
		}
		a, _ = e.st.GetAction(ctx, a.ID)
		if a.Title != "規程の整備と周知" {
			t.Fatalf("overwritten: %q", a.Title)
		}
	})

	t.Run("CloseRecordsTheClaim", func(t *testing.T) {
		b := as[1]
		link := func(org, title string) string {
			ev, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: org, Title: title, URL: "https://example.com/" + title,
				EffectiveDate: day(t, "2026-11-01"), Actor: e.officer})
			if err != nil {
				t.Fatal(err)
			}
			return ev.ID
		}
		yes := true
		mine, other, retired := link(e.org.ID, "backup-log"), link(e.org2.ID, "theirs"), link(e.org.ID, "old")
		if _, err := e.st.UpdateEvidence(ctx, retired, store.EvidencePatch{Retired: &yes}, e.officer); err != nil {
			t.Fatal(err)
		}
		for name, ids := range map[string][]string{"OtherOrg": {mine, other}, "Retired": {retired}, "Unknown": {"x"}, "None": nil} {
			_, err := e.st.ChangeActionStatus(ctx, b.ID, store.ActionStatusChange{From: action.Open, To: action.Done, EvidenceIDs: ids}, e.officer)
			if ae, _ := apperr.As(err); ae == nil || ae.Code != apperr.Invalid || ae.Fields["evidence_ids"] != action.ProblemUnknown {
				t.Errorf("%s: %v", name, err)
			}
		}
		if got, _ := e.st.GetAction(ctx, b.ID); got.Status != action.Open || len(got.EvidenceIDs) != 0 {
			t.Fatalf("a refused closing changed the action: %+v", got)
		}
		note := "外部媒体への週次バックアップを開始し、復元テストも実施しました。"
		got, err := e.st.ChangeActionStatus(ctx, b.ID, store.ActionStatusChange{From: action.Open, To: action.Done, Note: note,
			EvidenceIDs: []string{mine, mine}}, e.officer)
		if err != nil || got.Status != action.Done || got.DoneAt == nil || got.ClosingNote == nil || *got.ClosingNote != note ||
			len(got.EvidenceIDs) != 1 || got.EvidenceIDs[0] != mine {
			t.Fatalf("close: %+v %v", got, err)
		}
		var claimed []string
		if err := storetest.DB(t, e.st).QueryRow(ctx, `SELECT array(SELECT json_array_elements_text(detail->'evidence_ids')) FROM audit_log
			WHERE org_id = $1 AND action = 'action.status_changed' AND detail->>'to' = 'done'`, e.org.ID).Scan(&claimed); err != nil || len(claimed) != 1 || claimed[0] != mine {
			t.Errorf("audit trail's evidence %v %v", claimed, err)
		}
		// The proof stays: it can be retired, not deleted.
		if err := e.st.DeleteEvidence(ctx, mine, e.officer); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("delete the closing's evidence: %v", err)
		}
		if err := e.st.DeleteEvidence(ctx, other, e.officer); err != nil {
			t.Errorf("delete unrelated evidence: %v", err)
		}
		notes, _ := e.st.ActionNotes(ctx, b.ID)
		if len(notes) != 1 || notes[0].Kind != "status" || notes[0].Body != note {
			t.Fatalf("notes %+v", notes)
		}
		if n := e.auditCount(t, "action.status_changed"); n != 1 {
			t.Errorf("status entries %d", n)
		}
		// Someone else, who still sees it open, cannot move it.
		_, err = e.st.ChangeActionStatus(ctx, b.ID, store.ActionStatusChange{From: action.Open, To: action.InProgress}, e.officer)
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("stale move: %v", err)
		}
	})

	t.Run("AcceptedRiskReopensOnItsReviewDate", func(t *testing.T) {
		by := store.Actor{UserID: mgr.ID, Email: mgr.Email}
		got, err := e.st.ChangeActionStatus(ctx, a.ID, store.ActionStatusChange{From: action.Open, To: action.RiskAccepted,
			Reason: "費用に見合わない", ReviewOn: day(t, "2027-03-01")}, by)
		if err != nil || got.Risk == nil || got.Risk.ApprovedBy != mgr.ID || got.Risk.ApprovedByName != mgr.Name || got.Risk.Reason != "費用に見合わない" {
			t.Fatalf("accept: %+v %v", got, err)
		}
		if n, err := e.st.ReopenDueRisks(ctx, day(t, "2027-02-28")); err != nil || n != 0 {
			t.Fatalf("before the date: %d %v", n, err)
		}
		if n, err := e.st.ReopenDueRisks(ctx, day(t, "2027-03-01")); err != nil || n != 1 {
			t.Fatalf("on the date: %d %v", n, err)
		}
		got, _ = e.st.GetAction(ctx, a.ID)
		if got.Status != action.Open || got.Risk != nil || got.ReopenedReason == nil || *got.ReopenedReason != "review_date_passed" {
			t.Fatalf("reopened: %+v", got)
		}
		notes, _ := e.st.ActionNotes(ctx, a.ID)
		if last := notes[len(notes)-1]; last.Kind != "reopened" || last.Body != "2027-03-01" {
			t.Fatalf("notes %+v", notes)
		}
		if n := e.auditCount(t, "action.reopened"); n != 1 {
			t.Errorf("reopened entries %d", n)
		}
	})

	t.Run("NotesAndNotFound", func(t *testing.T) {
		if _, err := e.st.AddActionNote(ctx, a.ID, "見積もりを依頼しました。", e.officer); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.AddActionNote(ctx, "not-a-uuid", "x", e.officer); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("note on unknown action: %v", err)
		}
		if _, err := e.st.GetAction(ctx, "00000000-0000-0000-0000-000000000000"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown action: %v", err)
		}
	})
}

// TestCopyFlagsClaimedImprovements: next year's copy flags the questions
// whose action was done since the copied assessment, and a save clears it.
func TestCopyFlagsClaimedImprovements(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	last := e.draft(t, e.org.ID, "昨年度")
	for _, q := range []string{"1-1", "1-2", "2-1"} {
		lv := 2
		if _, err := e.st.SaveAnswer(ctx, last.ID, q, assessment.AnswerValues{Level: &lv}, e.officer); err != nil {
			t.Fatal(err)
		}
	}
	owner := rvUser(t, e.st, e.org.ID, assessment.Officer, "claims@actions.example")
	mk := func(q string) store.Action {
		as, err := e.st.CreateActions(ctx, e.org.ID, []store.NewAction{{OrgID: e.org.ID, Title: q, OwnerID: owner.ID, DueOn: day(t, "2099-01-01"),
			Priority: action.Low, Questions: []action.Planned{{QuestionID: q, PlannedLevel: 4}}}}, e.officer)
		if err != nil {
			t.Fatal(err)
		}
		return as[0]
	}
	done, open := mk("1-1"), mk("1-2")
	ev, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "規程", URL: "https://example.com/policy",
		EffectiveDate: day(t, "2026-11-01"), Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ChangeActionStatus(ctx, done.ID, store.ActionStatusChange{From: action.Open, To: action.Done, EvidenceIDs: []string{ev.ID}}, e.officer); err != nil {
		t.Fatal(err)
	}
	_ = open
	next, err := e.st.CreateAssessment(ctx, store.NewAssessment{OrgID: e.org.ID, Title: "今年度", ChecklistID: last.ChecklistID, CopyFrom: last.ID, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.st.Answers(ctx, next.ID)
	if !got["1-1"].ImprovementClaimed || got["1-2"].ImprovementClaimed || got["2-1"].ImprovementClaimed || !got["1-1"].CarriedOver {
		t.Fatalf("claims: 1-1 %v, 1-2 %v, 2-1 %v", got["1-1"].ImprovementClaimed, got["1-2"].ImprovementClaimed, got["2-1"].ImprovementClaimed)
	}
	// The category page reads the answers through the sheet.
	if sheet, err := e.st.AnswerSheet(ctx, next.ID); err != nil || !sheet.Answers["1-1"].ImprovementClaimed || sheet.Answers["1-2"].ImprovementClaimed {
		t.Fatalf("the sheet's claims: %+v %v", sheet.Answers["1-1"], err)
	}
	lv := 4
	if _, err := e.st.SaveAnswer(ctx, next.ID, "1-1", assessment.AnswerValues{Level: &lv, Version: got["1-1"].Version}, e.officer); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.st.Answers(ctx, next.ID); got["1-1"].ImprovementClaimed {
		t.Fatal("the claim stays after the officer saved the level")
	}
}

// TestActionNotifications: the owner an action is given to is told in the
// transaction that gives it (not when they took it themselves); the
// planner tells owners 7 days and 1 day before the due date and once when
// it has passed, each once, and nothing for an action that is done.
func TestActionNotifications(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	owner := rvUser(t, e.st, e.org.ID, assessment.Officer, "owner@notify.example")
	next := rvUser(t, e.st, e.org.ID, assessment.Officer, "next@notify.example")
	kinds := func(u store.User) []string {
		ns, err := e.st.Notifications(ctx, u.ID, false, 50)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for i := len(ns) - 1; i >= 0; i-- { // oldest first
			out = append(out, ns[i].Kind+":"+ns[i].Link)
		}
		return out
	}
	mk := func(title string, ownerID string, due string, by store.Actor) store.Action {
		as, err := e.st.CreateActions(ctx, e.org.ID, []store.NewAction{{OrgID: e.org.ID, Title: title, OwnerID: ownerID, DueOn: day(t, due),
			Priority: action.Medium, Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 4}}}}, by)
		if err != nil {
			t.Fatal(err)
		}
		return as[0]
	}
	a := mk("教育の実施", owner.ID, "2026-12-08", e.officer)
	self := mk("自分の分", e.officer.UserID, "2026-12-08", e.officer)
	if got := kinds(owner); len(got) != 1 || got[0] != "action_assigned:/actions/"+a.ID {
		t.Fatalf("owner's notifications %v", got)
	}
	if got := kinds(store.User{ID: e.officer.UserID}); len(got) != 0 {
		t.Fatalf("told of their own action: %v", got)
	}
	// A new owner is told; the same owner is not told again by an edit.
	up := store.ActionUpdate{Title: a.Title, Questions: a.Questions, OwnerID: next.ID, DueOn: a.DueOn, Priority: a.Priority, Version: a.Version}
	if a, _ = e.st.UpdateAction(ctx, a.ID, up, e.officer); a.OwnerID != next.ID {
		t.Fatalf("owner %s", a.OwnerID)
	}
	up.Title, up.Version = "教育の実施（全社）", a.Version
	if _, err := e.st.UpdateAction(ctx, a.ID, up, e.officer); err != nil {
		t.Fatal(err)
	}
	if got := kinds(next); len(got) != 1 || got[0] != "action_assigned:/actions/"+a.ID {
		t.Fatalf("new owner's notifications %v", got)
	}
	// The planner: a week before (twice: once), a day before, then overdue.
	ev, err := e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: e.org.ID, Title: "記録", URL: "https://example.com/r",
		EffectiveDate: day(t, "2026-11-01"), Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ChangeActionStatus(ctx, self.ID, store.ActionStatusChange{From: action.Open, To: action.Done, EvidenceIDs: []string{ev.ID}}, e.officer); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2026-12-01", "2026-12-01", "2026-12-02", "2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"} {
		if err := e.st.NotifyDueActions(ctx, day(t, d)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"action_assigned", "action_due", "action_due", "action_overdue"}
	got := kinds(next)
	if len(got) != len(want) {
		t.Fatalf("new owner's notifications %v, want %v", got, want)
	}
	for i, k := range want {
		if !strings.HasPrefix(got[i], k+":") {
			t.Errorf("notification %d: %s, want %s", i, got[i], k)
		}
	}
	if got := kinds(store.User{ID: e.officer.UserID}); len(got) != 0 {
		t.Errorf("a done action reminded: %v", got)
	}
}
