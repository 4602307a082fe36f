package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// fixture is a store with one organisation and one officer in it.
type fixture struct {
	st    *store.Store
	org   store.Org
	actor store.Actor
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st := storetest.New(t)
	ctx := context.Background()
	org, err := st.CreateOrg(ctx, "プロフィール株式会社", nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "officer@example.jp", Name: "担当 一郎", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{st: st, org: org, actor: store.Actor{UserID: u.ID, Email: u.Email}}
}

// auditDetails returns the detail of every audit entry of the action for
// the organisation, oldest first.
func (f fixture) auditDetails(t *testing.T, action string) []map[string]any {
	t.Helper()
	rows, err := f.st.PoolForTest().Query(context.Background(), `SELECT detail::text FROM audit_log WHERE org_id = $1 AND action = $2 ORDER BY seq`, f.org.ID, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var smallProfile = score.Profile{Industry: "manufacturing", Employees: 120, AnnualSalesMillionJPY: 3_000,
	PersonalRecords: 1_000, ITDependence: 3}

func intp(n int) *int { return &n }

func TestSaveProfile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	t.Run("NoneYetIsNotFound", func(t *testing.T) {
		if _, err := f.st.GetProfile(ctx, f.org.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("err %v", err)
		}
		b, err := f.st.CurrentBasis(ctx, f.org.ID)
		if err != nil || b.Profile != nil || b.Risk().Group != score.GII || len(b.Overrides) != 0 {
			t.Fatalf("basis %+v, %v", b, err)
		}
	})

	t.Run("FirstSaveIsVersion1WithHistoryAndAudit", func(t *testing.T) {
		p, changed, err := f.st.SaveProfile(ctx, f.org.ID, smallProfile, intp(0), f.actor)
		if err != nil || !changed || p.Version != 1 || p.Profile != smallProfile || p.UpdatedByName != "担当 一郎" {
			t.Fatalf("saved %+v changed %v err %v", p, changed, err)
		}
		got, err := f.st.GetProfile(ctx, f.org.ID)
		if err != nil || got.Profile != smallProfile || got.Version != 1 {
			t.Fatalf("get %+v, %v", got, err)
		}
		audits := f.auditDetails(t, "profile.updated")
		if len(audits) != 1 || audits[0]["old"] != nil || audits[0]["new"].(map[string]any)["employees"] != 120.0 {
			t.Fatalf("audit %v", audits)
		}
	})

	t.Run("SameValuesChangeNothing", func(t *testing.T) {
		p, changed, err := f.st.SaveProfile(ctx, f.org.ID, smallProfile, nil, f.actor)
		if err != nil || changed || p.Version != 1 {
			t.Fatalf("saved %+v changed %v err %v", p, changed, err)
		}
		if n := len(f.auditDetails(t, "profile.updated")); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})

	bigger := smallProfile
	bigger.Employees, bigger.OnlineServices = 320, true
	t.Run("ChangeIsVersion2WithOldAndNew", func(t *testing.T) {
		p, changed, err := f.st.SaveProfile(ctx, f.org.ID, bigger, intp(1), f.actor)
		if err != nil || !changed || p.Version != 2 {
			t.Fatalf("saved %+v changed %v err %v", p, changed, err)
		}
		audits := f.auditDetails(t, "profile.updated")
		last := audits[len(audits)-1]
		if last["old"].(map[string]any)["employees"] != 120.0 || last["new"].(map[string]any)["employees"] != 320.0 {
			t.Fatalf("audit %v", last)
		}
		if ch := last["changed"].([]any); len(ch) != 2 || ch[0] != "employees" || ch[1] != "online_services" {
			t.Fatalf("changed %v", ch)
		}
		h, err := f.st.ProfileHistory(ctx, f.org.ID, 10)
		if err != nil || len(h) != 2 || h[0].Version != 2 || h[0].Profile != bigger || h[1].Profile != smallProfile {
			t.Fatalf("history %+v, %v", h, err)
		}
		// Employees 320 and online services: both axes high, GI.
		b, _ := f.st.CurrentBasis(ctx, f.org.ID)
		if r := b.Risk(); r.Group != score.GI || r.Index != 35 {
			t.Fatalf("risk %+v", r)
		}
	})

	t.Run("StaleVersionConflicts", func(t *testing.T) {
		other := bigger
		other.Employees = 10
		_, _, err := f.st.SaveProfile(ctx, f.org.ID, other, intp(1), f.actor)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Conflict {
			t.Fatalf("err %v", err)
		}
		if cur, ok := e.Detail.(store.Profile); !ok || cur.Version != 2 {
			t.Fatalf("detail %#v", e.Detail)
		}
		if got, _ := f.st.GetProfile(ctx, f.org.ID); got.Employees != 320 {
			t.Fatalf("overwritten: %+v", got)
		}
	})

	t.Run("InvalidListsFieldsAndWritesNothing", func(t *testing.T) {
		bad := score.Profile{Industry: "fishing", Employees: 0, AnnualSalesMillionJPY: -1, PersonalRecords: -5, ITDependence: 6}
		_, _, err := f.st.SaveProfile(ctx, f.org.ID, bad, nil, f.actor)
		e, ok := apperr.As(err)
		want := map[string]string{"industry": "invalid_choice", "employees": "out_of_range", "annual_sales_million_jpy": "out_of_range",
			"personal_records": "out_of_range", "it_dependence": "out_of_range"}
		if !ok || e.Code != apperr.Invalid || !reflect.DeepEqual(e.Fields, want) {
			t.Fatalf("err %v", err)
		}
		if n := len(f.auditDetails(t, "profile.updated")); n != 2 {
			t.Fatalf("%d audit entries", n)
		}
	})

	t.Run("UnknownOrgNotFound", func(t *testing.T) {
		_, _, err := f.st.SaveProfile(ctx, "00000000-0000-0000-0000-000000000000", smallProfile, nil, f.actor)
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestSetTargetOverrides(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	changed, err := f.st.SetTargetOverrides(ctx, f.org.ID, map[string]int{"1-1": 5, "2-3": 1}, f.actor)
	if err != nil || !changed {
		t.Fatalf("set: %v %v", changed, err)
	}
	got, err := f.st.TargetOverrides(ctx, f.org.ID)
	if err != nil || !reflect.DeepEqual(got, map[string]int{"1-1": 5, "2-3": 1}) {
		t.Fatalf("overrides %v, %v", got, err)
	}

	// The full set replaces: 2-3 left out goes back to the default.
	if changed, err = f.st.SetTargetOverrides(ctx, f.org.ID, map[string]int{"1-1": 4}, f.actor); err != nil || !changed {
		t.Fatalf("replace: %v %v", changed, err)
	}
	b, _ := f.st.CurrentBasis(ctx, f.org.ID)
	targets := b.Targets([]string{"1-1", "2-3"})
	if !reflect.DeepEqual(targets, map[string]int{"1-1": 4, "2-3": 3}) {
		t.Fatalf("targets %v", targets)
	}

	// Unchanged: no audit entry.
	if changed, err = f.st.SetTargetOverrides(ctx, f.org.ID, map[string]int{"1-1": 4}, f.actor); err != nil || changed {
		t.Fatalf("repeat: %v %v", changed, err)
	}
	audits := f.auditDetails(t, "targets.updated")
	if len(audits) != 2 {
		t.Fatalf("%d audit entries", len(audits))
	}
	if old, nw := audits[1]["old"].(map[string]any), audits[1]["new"].(map[string]any); old["2-3"] != 1.0 || nw["1-1"] != 4.0 || len(nw) != 1 {
		t.Fatalf("audit %v", audits[1])
	}

	// Out of range: refused, nothing written.
	_, err = f.st.SetTargetOverrides(ctx, f.org.ID, map[string]int{"1-1": 6, "1-2": 0, "1-3": 2}, f.actor)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || len(e.Fields) != 2 || e.Fields["1-1"] != "out_of_range" {
		t.Fatalf("err %v", err)
	}
	if got, _ := f.st.TargetOverrides(ctx, f.org.ID); !reflect.DeepEqual(got, map[string]int{"1-1": 4}) {
		t.Fatalf("overrides after refusal %v", got)
	}

	// Clearing every override.
	if changed, err = f.st.SetTargetOverrides(ctx, f.org.ID, map[string]int{}, f.actor); err != nil || !changed {
		t.Fatalf("clear: %v %v", changed, err)
	}
	if got, _ := f.st.TargetOverrides(ctx, f.org.ID); len(got) != 0 {
		t.Fatalf("overrides after clear %v", got)
	}
}
