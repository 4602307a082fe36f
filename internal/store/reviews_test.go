package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// rvEnv is a store with two organisations, an officer in the first and an
// auditor assigned to both.
type rvEnv struct {
	st               *store.Store
	org, org2        store.Org
	officer, auditor store.Actor
	auditorName      string
}

func rvSetup(t *testing.T) rvEnv {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	e := rvEnv{st: st}
	var err error
	if e.org, err = st.CreateOrg(ctx, "レビュー株式会社", nil, "manufacturing"); err != nil {
		t.Fatal(err)
	}
	if e.org2, err = st.CreateOrg(ctx, "第二株式会社", nil, "retail"); err != nil {
		t.Fatal(err)
	}
	off := rvUser(t, st, e.org.ID, assessment.Officer, "officer@review.example")
	aud := rvUser(t, st, e.org.ID, assessment.Auditor, "auditor@review.example")
	e.officer, e.auditor, e.auditorName = store.Actor{UserID: off.ID, Email: off.Email}, store.Actor{UserID: aud.ID, Email: aud.Email}, aud.Name
	for _, o := range []string{e.org.ID, e.org2.ID} {
		if err := st.AssignAuditor(ctx, aud.ID, o, store.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func rvUser(t *testing.T, st *store.Store, orgID string, role assessment.Role, email string) store.User {
	t.Helper()
	u, err := st.CreateUser(context.Background(), store.NewUser{Email: email, Name: "名前 " + string(role), PasswordHash: "x", Role: role, OrgID: orgID})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// draft starts an assessment in org.
func (e rvEnv) draft(t *testing.T, orgID, title string) store.Assessment {
	t.Helper()
	a, err := e.st.CreateAssessment(context.Background(), store.NewAssessment{OrgID: orgID, Title: title, ChecklistID: checklist.Default().ID, Actor: e.officer})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// move applies a workflow action (without the server's checks).
func (e rvEnv) move(t *testing.T, a store.Assessment, action assessment.Action, by store.Actor, comment string) store.Assessment {
	t.Helper()
	role := assessment.Auditor
	if action == assessment.Submit {
		role = assessment.Officer
	}
	to, err := assessment.Transition(a.Status, action, role)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.st.ChangeStatus(context.Background(), store.StatusChange{AssessmentID: a.ID, From: a.Status, To: to, Action: action, Actor: by, Comment: comment})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e rvEnv) submitted(t *testing.T, orgID, title string) store.Assessment {
	t.Helper()
	return e.move(t, e.draft(t, orgID, title), assessment.Submit, e.officer, "")
}

// auditCount counts the audit entries of an action.
func (e rvEnv) auditCount(t *testing.T, action string) int {
	t.Helper()
	var n int
	if err := e.st.PoolForTest().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReviewQueue(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	org3, err := e.st.CreateOrg(ctx, "見えない株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	first := e.submitted(t, e.org.ID, "最初の提出")
	second := e.submitted(t, e.org2.ID, "二番目の提出")
	e.draft(t, e.org.ID, "下書き")
	e.submitted(t, org3.ID, "担当外")

	q, _, err := e.st.ReviewQueue(ctx, store.Reach{OrgIDs: []string{e.org.ID, e.org2.ID}}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].AssessmentID != first.ID || q[1].AssessmentID != second.ID {
		t.Fatalf("queue = %+v, want the two submitted of the visible organisations, oldest first", q)
	}
	if q[0].OrgName != e.org.Name || q[0].SubmittedByName != "名前 officer" || q[0].Round != 1 || q[0].SubmittedAt.IsZero() {
		t.Fatalf("queue item = %+v", q[0])
	}

	t.Run("ResubmissionCountsRounds", func(t *testing.T) {
		a := e.move(t, first, assessment.Return, e.auditor, "直してください")
		a = e.move(t, a, assessment.Submit, e.officer, "")
		q, _, err := e.st.ReviewQueue(ctx, store.Reach{OrgIDs: []string{e.org.ID, e.org2.ID}}, 1, 50)
		if err != nil {
			t.Fatal(err)
		}
		// Resubmitted now: it waits less than the other one.
		if len(q) != 2 || q[0].AssessmentID != second.ID || q[1].AssessmentID != a.ID || q[1].Round != 2 {
			t.Fatalf("queue = %+v", q)
		}
	})
	t.Run("NoOrganisations", func(t *testing.T) {
		q, _, err := e.st.ReviewQueue(ctx, store.Reach{}, 1, 50)
		if err != nil || len(q) != 0 {
			t.Fatalf("queue = %+v, %v", q, err)
		}
	})
}

func TestRecentDecisions(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	other := rvUser(t, e.st, e.org.ID, assessment.Auditor, "other-auditor@review.example")
	a := e.submitted(t, e.org.ID, "A")
	a = e.move(t, a, assessment.Return, e.auditor, "理由A")
	b := e.submitted(t, e.org2.ID, "B")
	b = e.move(t, b, assessment.Approve, e.auditor, "")
	c := e.submitted(t, e.org.ID, "C")
	e.move(t, c, assessment.Approve, store.Actor{UserID: other.ID, Email: other.Email}, "")

	ds, err := e.st.RecentDecisions(ctx, e.auditor.UserID, store.Reach{OrgIDs: []string{e.org.ID, e.org2.ID}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].AssessmentID != b.ID || ds[0].Action != assessment.Approve || ds[1].AssessmentID != a.ID ||
		ds[1].Action != assessment.Return || ds[1].Comment != "理由A" || ds[1].Status != assessment.Returned || ds[0].OrgName != e.org2.Name {
		t.Fatalf("decisions = %+v", ds)
	}
	t.Run("OnlyVisibleOrganisations", func(t *testing.T) {
		ds, err := e.st.RecentDecisions(ctx, e.auditor.UserID, store.Reach{OrgIDs: []string{e.org.ID}}, 10)
		if err != nil || len(ds) != 1 || ds[0].AssessmentID != a.ID {
			t.Fatalf("decisions = %+v, %v", ds, err)
		}
	})
	t.Run("Limit", func(t *testing.T) {
		ds, err := e.st.RecentDecisions(ctx, e.auditor.UserID, store.Reach{OrgIDs: []string{e.org.ID, e.org2.ID}}, 1)
		if err != nil || len(ds) != 1 || ds[0].AssessmentID != b.ID {
			t.Fatalf("decisions = %+v, %v", ds, err)
		}
	})
	t.Run("LatestStatusEvent", func(t *testing.T) {
		ev, err := e.st.LatestStatusEvent(ctx, b.ID)
		if err != nil || ev.Action != assessment.Approve || ev.Actor != e.auditor.Email || ev.ActorName != e.auditorName || ev.Status != assessment.Approved {
			t.Fatalf("event = %+v, %v", ev, err)
		}
		d := e.draft(t, e.org.ID, "D")
		if _, err := e.st.LatestStatusEvent(ctx, d.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("draft: %v, want NotFound", err)
		}
	})
}

func TestSubmissions(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	a := e.draft(t, e.org.ID, "スナップショット")
	three := 3
	if _, err := e.st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: &three, Comment: "初回"}, e.officer); err != nil {
		t.Fatal(err)
	}
	a = e.move(t, a, assessment.Submit, e.officer, "")
	a = e.move(t, a, assessment.Return, e.auditor, "根拠を追記")
	four := 4
	if _, err := e.st.SaveAnswer(ctx, a.ID, "1-1", assessment.AnswerValues{Level: &four, Comment: "追記しました", PointsMet: []string{}, Version: 1}, e.officer); err != nil {
		t.Fatal(err)
	}
	e.move(t, a, assessment.Submit, e.officer, "")

	subs, err := e.st.Submissions(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].Seq != 1 || subs[1].Seq != 2 || subs[0].SubmittedByName != "名前 officer" {
		t.Fatalf("submissions = %+v", subs)
	}
	s1, s2 := subs[0].Answers["1-1"], subs[1].Answers["1-1"]
	if s1.Level == nil || *s1.Level != 3 || s1.Comment != "初回" || s2.Level == nil || *s2.Level != 4 || s2.Comment != "追記しました" || s2.PointsMet == nil {
		t.Fatalf("snapshots = %+v / %+v", s1, s2)
	}
}

func TestDecide(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)

	t.Run("ApprovalFreezesTheResult", func(t *testing.T) {
		a := e.submitted(t, e.org.ID, "承認")
		if _, err := e.st.GetResult(ctx, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("result before approval: %v", err)
		}
		out, err := e.st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Approved,
			Action: assessment.Approve, Actor: e.auditor})
		if err != nil || out.Status != assessment.Approved || out.DecidedAt == nil {
			t.Fatalf("approve = %+v, %v", out, err)
		}
		if _, err := e.st.GetResult(ctx, a.ID); err != nil {
			t.Fatalf("result after approval: %v", err)
		}
		if cs, err := e.st.Comments(ctx, a.ID); err != nil || len(cs) != 0 {
			t.Fatalf("an approval without a comment wrote %d comments, %v", len(cs), err)
		}
	})
	t.Run("ReturnKeepsItsCommentInTheThreadAndTheAudit", func(t *testing.T) {
		a := e.submitted(t, e.org.ID, "差し戻し")
		before := e.auditCount(t, "assessment.return")
		out, err := e.st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Returned,
			Action: assessment.Return, Comment: "根拠を追記してください。", Actor: e.auditor})
		if err != nil || out.Status != assessment.Returned {
			t.Fatalf("return = %+v, %v", out, err)
		}
		cs, err := e.st.Comments(ctx, a.ID)
		if err != nil || len(cs) != 1 || cs[0].Body != "根拠を追記してください。" || cs[0].QuestionID != nil {
			t.Fatalf("comments = %+v, %v", cs, err)
		}
		if e.auditCount(t, "assessment.return") != before+1 {
			t.Fatal("return not audited")
		}
		if _, err := e.st.GetResult(ctx, a.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a return froze a result: %v", err)
		}
	})
	t.Run("SubmissionIsNotADecision", func(t *testing.T) {
		a := e.draft(t, e.org.ID, "提出")
		_, err := e.st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Draft, To: assessment.Submitted,
			Action: assessment.Submit, Actor: e.officer})
		if err == nil {
			t.Fatal("Decide submitted an assessment")
		}
		if got, _ := e.st.GetAssessment(ctx, a.ID); got.Status != assessment.Draft {
			t.Fatalf("status = %s", got.Status)
		}
	})
}

// padded is ids with n ids of no organisation added: enough of them make
// the queries walk their order's index instead of sorting.
func padded(ids []string, n int) []string {
	out := slices.Clone(ids)
	for i := range n {
		out = append(out, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	return out
}

func TestReviewQueuePages(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	var want []string
	for i := range 5 {
		org := []string{e.org.ID, e.org2.ID}[i%2]
		want = append(want, e.submitted(t, org, "提出 "+strconv.Itoa(i)).ID)
	}
	e.draft(t, e.org.ID, "下書き")
	for name, ids := range map[string][]string{"sorted": {e.org.ID, e.org2.ID}, "walked": padded([]string{e.org.ID, e.org2.ID}, 1000)} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for page, wantMore := range []bool{true, true, false} {
				q, more, err := e.st.ReviewQueue(ctx, store.Reach{OrgIDs: ids}, page+1, 2)
				if err != nil {
					t.Fatal(err)
				}
				if more != wantMore {
					t.Fatalf("page %d: more = %v, want %v", page+1, more, wantMore)
				}
				for _, x := range q {
					got = append(got, x.AssessmentID)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pages = %v, want every submitted assessment once, oldest first: %v", got, want)
			}
			if n, err := e.st.ReviewQueueCount(ctx, store.Reach{OrgIDs: ids}); err != nil || n != 5 {
				t.Fatalf("count = %d, %v; want 5", n, err)
			}
		})
	}
	if n, err := e.st.ReviewQueueCount(ctx, store.Reach{OrgIDs: []string{e.org2.ID}}); err != nil || n != 2 {
		t.Fatalf("count of the second organisation = %d, %v; want 2", n, err)
	}
}

func TestReviewedOrgsPages(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	firm, err := e.st.CreateOrg(ctx, "あ監査法人", nil, "other") // sorts first: left out while it has no assessment
	if err != nil {
		t.Fatal(err)
	}
	org3, err := e.st.CreateOrg(ctx, "第三株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	e.draft(t, e.org.ID, "古い")
	newest := e.draft(t, e.org.ID, "新しい")
	e.submitted(t, org3.ID, "提出")
	ids := []string{firm.ID, e.org.ID, e.org2.ID, org3.ID}
	wantNames := []string{e.org2.Name, org3.Name, e.org.Name} // 第二, 第三, レビュー: by name
	slices.Sort(wantNames)

	page := func(t *testing.T, ids []string, n int) ([]store.OrgLatest, int) {
		t.Helper()
		os, total, err := e.st.ReviewedOrgs(ctx, store.Reach{OrgIDs: ids}, firm.ID, n, 2)
		if err != nil {
			t.Fatal(err)
		}
		return os, total
	}
	for name, ids := range map[string][]string{"sorted": ids, "walked": padded(ids, 1000)} {
		t.Run(name, func(t *testing.T) {
			p1, total := page(t, ids, 1)
			p2, _ := page(t, ids, 2)
			var names []string
			for _, o := range append(p1, p2...) {
				names = append(names, o.OrgName)
				switch o.OrgID {
				case e.org.ID:
					if o.Assessment == nil || o.Assessment.ID != newest.ID {
						t.Errorf("%s: latest = %+v, want the newest assessment", o.OrgName, o.Assessment)
					}
				case e.org2.ID:
					if o.Assessment != nil {
						t.Errorf("%s: latest = %+v, want none", o.OrgName, o.Assessment)
					}
				case org3.ID:
					if o.Assessment == nil || o.Assessment.Status != assessment.Submitted {
						t.Errorf("%s: latest = %+v, want the submitted one", o.OrgName, o.Assessment)
					}
				}
			}
			if len(p1) != 2 || !slices.Equal(names, wantNames) {
				t.Fatalf("pages = %v, want %v: the firm without assessments left out", names, wantNames)
			}
			if name == "sorted" && total != 3 {
				t.Fatalf("total = %d, want 3", total)
			}
		})
	}
	t.Run("EveryOrganisation", func(t *testing.T) { // an administrator who is an auditor too
		os, total, err := e.st.ReviewedOrgs(ctx, store.Reach{All: true}, firm.ID, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(os) != 2 || os[0].OrgID == firm.ID {
			t.Fatalf("total = %d, page = %+v; want the 3 organisations but the firm, 2 a page", total, os)
		}
	})
	t.Run("TheFirmWithAnAssessment", func(t *testing.T) {
		e.draft(t, firm.ID, "自社")
		os, total := page(t, ids, 1)
		if total != 4 || len(os) != 2 || os[0].OrgID != firm.ID {
			t.Fatalf("total = %d, first = %+v; want the firm listed once it has an assessment", total, os)
		}
	})
}
