package store_test

import (
	"context"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

func (f fixture) assessment(t *testing.T, copyFrom string) store.Assessment {
	t.Helper()
	a, err := f.st.CreateAssessment(context.Background(), store.NewAssessment{OrgID: f.org.ID, Title: "評価", ChecklistID: checklist.DefaultID, CopyFrom: copyFrom, Actor: f.actor})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// answerAll gives every question the level level(i) for the i-th question
// (0-based, checklist order).
func (f fixture) answerAll(t *testing.T, id string, level func(i int) int) {
	t.Helper()
	for i, q := range checklist.Default().QuestionIDs() {
		lv := level(i)
		if _, err := f.st.SaveAnswer(context.Background(), id, q, assessment.AnswerValues{Level: &lv}, f.actor); err != nil {
			t.Fatal(err)
		}
	}
}

func freeze(t *testing.T, st *store.Store, id string) {
	t.Helper()
	if err := st.FreezeResult(context.Background(), id); err != nil {
		t.Fatal(err)
	}
}

func TestFreezeResult(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.assessment(t, "")

	if _, err := f.st.GetResult(ctx, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("before freezing: %v", err)
	}

	// Every question at 3; GI (employees ≥ 300 and online services), target
	// 4 except 1-1 set to 5.
	f.answerAll(t, a.ID, func(int) int { return 3 })
	gi := smallProfile
	gi.Employees, gi.OnlineServices = 300, true
	if _, _, err := f.st.SaveProfile(ctx, f.org.ID, gi, nil, f.actor); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetTargetOverrides(ctx, f.org.ID, map[string]int{"1-1": 5}, f.actor); err != nil {
		t.Fatal(err)
	}
	freeze(t, f.st, a.ID)

	r, err := f.st.GetResult(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Total 27 × 3 = 81, average 81/27 = 3.00; targets 26 × 4 + 5 = 109.
	// Category 1: 8 questions, targets 7 × 4 + 5 = 33, 33/8 = 4.125 → 4.13.
	if r.RiskGroup != score.GI || r.RiskIndex != 35 || r.TotalScore != 81 || r.TotalAverage != 3 || r.TotalTarget != 109 || r.Answered != 27 {
		t.Fatalf("result %+v", r)
	}
	if r.Targets["1-1"] != 5 || r.Targets["5-3"] != 4 || len(r.Targets) != 27 {
		t.Fatalf("targets %v", r.Targets)
	}
	if r.CategoryAverages["1"] != 3 || r.CategoryTargets["1"] != 4.13 || r.CategoryTargets["2"] != 4 {
		t.Fatalf("categories %v %v", r.CategoryAverages, r.CategoryTargets)
	}

	// A later profile change does not touch the frozen row, and ProfileAt
	// still finds the version it was computed with.
	time.Sleep(5 * time.Millisecond)
	small := gi
	small.Employees, small.OnlineServices = 50, false
	if _, _, err := f.st.SaveProfile(ctx, f.org.ID, small, nil, f.actor); err != nil {
		t.Fatal(err)
	}
	r2, _ := f.st.GetResult(ctx, a.ID)
	if r2.RiskGroup != score.GI || r2.TotalTarget != 109 {
		t.Fatalf("frozen result changed: %+v", r2)
	}
	v, err := f.st.ProfileAt(ctx, f.org.ID, r.ComputedAt)
	if err != nil || v.Version != 1 || v.Profile != gi {
		t.Fatalf("profile at freeze: %+v, %v", v, err)
	}

	// Freezing again (at approval) rewrites the row with what is in force
	// now: GIII (no rule fires), target 2 everywhere but 1-1.
	freeze(t, f.st, a.ID)
	r3, _ := f.st.GetResult(ctx, a.ID)
	if r3.RiskGroup != score.GIII || r3.RiskIndex != 0 || r3.TotalTarget != 26*2+5 || !r3.ComputedAt.After(r.ComputedAt) {
		t.Fatalf("refrozen %+v", r3)
	}
	if v, _ := f.st.ProfileAt(ctx, f.org.ID, r3.ComputedAt); v.Version != 2 {
		t.Fatalf("profile at refreeze: version %d", v.Version)
	}
}

func TestCreateAssessmentCopyFrom(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src := f.assessment(t, "")
	f.answerAll(t, src.ID, func(i int) int { return 1 + i%5 })

	cp := f.assessment(t, src.ID)
	if cp.CopiedFrom == nil || *cp.CopiedFrom != src.ID || cp.Answered != 27 || cp.CarriedOver != 27 {
		t.Fatalf("copy %+v", cp)
	}
	answers, err := f.st.Answers(ctx, cp.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := answers["1-3"]
	if !a.CarriedOver || a.Level == nil || *a.Level != 3 {
		t.Fatalf("1-3 copied as %+v", a)
	}

	t.Run("SavingUnchangedValuesConfirms", func(t *testing.T) {
		saved, err := f.st.SaveAnswer(ctx, cp.ID, "1-3", assessment.AnswerValues{Level: a.Level, Comment: a.Comment, PointsMet: a.PointsMet, Version: a.Version}, f.actor)
		if err != nil || saved.Version != a.Version+1 {
			t.Fatalf("saved %+v, %v", saved, err)
		}
		after, _ := f.st.Answers(ctx, cp.ID)
		if after["1-3"].CarriedOver || *after["1-3"].Level != 3 || !after["1-4"].CarriedOver {
			t.Fatalf("after confirm: 1-3 %+v, 1-4 %+v", after["1-3"], after["1-4"])
		}
		// The source is untouched.
		orig, _ := f.st.Answers(ctx, src.ID)
		if orig["1-3"].Version != a.Version || orig["1-3"].CarriedOver {
			t.Fatalf("source changed: %+v", orig["1-3"])
		}
	})

	t.Run("OtherOrganisationRefused", func(t *testing.T) {
		other, err := f.st.CreateOrg(ctx, "別会社", nil, "other")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.st.CreateAssessment(ctx, store.NewAssessment{OrgID: other.ID, Title: "盗用", ChecklistID: checklist.DefaultID, CopyFrom: src.ID, Actor: f.actor})
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || e.Fields["copy_from"] != "unknown" {
			t.Fatalf("err %v", err)
		}
		var n int
		if err := f.st.PoolForTest().QueryRow(ctx, `SELECT count(*) FROM assessments WHERE org_id = $1`, other.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d assessments created, %v", n, err)
		}
	})

	t.Run("UnknownSourceRefused", func(t *testing.T) {
		for _, id := range []string{"00000000-0000-0000-0000-000000000000", "not-a-uuid"} {
			_, err := f.st.CreateAssessment(ctx, store.NewAssessment{OrgID: f.org.ID, Title: "x", ChecklistID: checklist.DefaultID, CopyFrom: id, Actor: f.actor})
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("%s: err %v", id, err)
			}
		}
	})
}

// TestFrozenResultKeptByVersion: the frozen result and the profile it was
// computed with come in one statement, then from memory for the same
// version of the assessment; a new version (a status change freezes again)
// reads the new result; what a caller changes in its copy stays its own.
func TestFrozenResultKeptByVersion(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	st := storetest.Open(t, url)
	org, err := st.CreateOrg(ctx, "凍結株式会社", nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "officer@example.jp", Name: "担当 一郎", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{st: st, org: org, actor: store.Actor{UserID: u.ID, Email: u.Email}}
	a := f.assessment(t, "")
	f.answerAll(t, a.ID, func(int) int { return 3 })
	gi := smallProfile
	gi.Employees, gi.OnlineServices = 300, true
	if _, _, err := f.st.SaveProfile(ctx, f.org.ID, gi, nil, f.actor); err != nil {
		t.Fatal(err)
	}
	load := func() store.Assessment {
		t.Helper()
		x, err := f.st.GetAssessmentHead(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	if _, _, err := f.st.FrozenResult(ctx, load()); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("before freezing: %v", err)
	}
	freeze(t, f.st, a.ID)
	want, err := f.st.GetResult(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur := load()
	r, p, err := f.st.FrozenResult(ctx, cur)
	if err != nil || p == nil || *p != gi || r.RiskGroup != want.RiskGroup || r.TotalTarget != want.TotalTarget || !r.ComputedAt.Equal(want.ComputedAt) {
		t.Fatalf("frozen result %+v, profile %+v, %v; want %+v with %+v", r, p, err, want, gi)
	}
	r.Targets["1-1"], p.Employees = 1, 1 // the caller's copy
	cctx, n := store.CountQueries(ctx)
	traced := storetest.Open(t, url, store.WithTracer(store.QueryCountTracer{}))
	if _, _, err := traced.FrozenResult(cctx, cur); err != nil || n.Load() != 1 {
		t.Fatalf("first read on another instance: %d statements, %v", n.Load(), err)
	}
	if again, p2, _ := traced.FrozenResult(cctx, cur); n.Load() != 1 || again.Targets["1-1"] == 1 || p2.Employees == 1 {
		t.Fatalf("second read: %d statements in all, targets %v, profile %+v", n.Load(), again.Targets, p2)
	}
	if again, p2, _ := f.st.FrozenResult(ctx, cur); again.Targets["1-1"] == 1 || p2.Employees == 1 {
		t.Fatal("a caller's change reached the kept result")
	}

	// Freezing again comes with a status change in the store: the
	// assessment's version moves, and the new result is read.
	small := gi
	small.Employees, small.OnlineServices = 50, false
	time.Sleep(5 * time.Millisecond)
	if _, _, err := f.st.SaveProfile(ctx, f.org.ID, small, nil, f.actor); err != nil {
		t.Fatal(err)
	}
	freeze(t, f.st, a.ID)
	if _, err := storetest.DB(t, f.st).Exec(ctx, `UPDATE assessments SET status_version = status_version + 1, updated_at = now() WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	r3, p3, err := traced.FrozenResult(ctx, load())
	if err != nil || r3.RiskGroup != score.GIII || p3 == nil || *p3 != small {
		t.Fatalf("after freezing again: %+v, %+v, %v", r3, p3, err)
	}
}
