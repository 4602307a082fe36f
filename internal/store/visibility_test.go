package store_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestVisibleOrgsFollowEveryChange: the organisations a manager or an
// auditor sees are cached by each instance, and still every change to the
// tree, the auditors or their assignments made through one instance is seen
// by the next request on another; a cached set costs no statement.
func TestVisibleOrgsFollowEveryChange(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	a := storetest.Open(t, url)                                             // where the changes are made
	b := storetest.Open(t, url, store.WithTracer(store.QueryCountTracer{})) // the other instance, reading
	org := func(name string, parent *string) store.Org {
		t.Helper()
		o, err := a.CreateOrg(ctx, name, parent, "manufacturing")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	h := org("ホールディングス", nil)
	k := org("九州工場", &h.ID)
	x := org("別会社", nil)
	manager := rvUser(t, a, h.ID, assessment.Manager, "m@h.example")
	auditor := rvUser(t, a, h.ID, assessment.Auditor, "sato@h.example")

	sees := func(u store.User, want ...string) {
		t.Helper()
		p, err := b.Principal(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		if got := slices.Sorted(maps.Keys(p.Visible)); !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", u.Email, got, want)
		}
	}
	statements := func(u store.User) int64 {
		t.Helper()
		cctx, n := store.CountQueries(ctx)
		if _, err := b.Principal(cctx, u.ID); err != nil {
			t.Fatal(err)
		}
		return n.Load()
	}

	sees(manager, h.ID, k.ID)
	sees(auditor, h.ID, k.ID)
	if n := statements(manager); n != 1 {
		t.Errorf("a manager's principal, cached: %d statements, want 1", n)
	}

	n := org("九州工場 第1ライン", &k.ID) // a new organisation in the subtree
	if c := statements(manager); c != 2 {
		t.Errorf("after a change: %d statements, want 2 (the set is read again)", c)
	}
	sees(manager, h.ID, k.ID, n.ID)
	if _, err := a.UpdateOrg(ctx, n.ID, n.Name, &x.ID, n.Industry); err != nil { // moved out
		t.Fatal(err)
	}
	sees(manager, h.ID, k.ID)
	sees(auditor, h.ID, k.ID)

	own := rvUser(t, a, k.ID, assessment.Auditor, "k@k.example") // k gets its own auditor
	sees(auditor, h.ID)
	if err := a.AssignAuditor(ctx, auditor.ID, x.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	sees(auditor, h.ID, x.ID, n.ID) // x and its subsidiary without an auditor
	if _, _, err := a.UpdateUser(ctx, own.ID, store.UserUpdate{Name: own.Name, Role: own.Role, OrgID: own.OrgID, Actor: store.Actor{Email: "test"}}); err != nil {
		t.Fatal(err) // deactivated: k falls back to the holding's auditor
	}
	sees(auditor, h.ID, k.ID, x.ID, n.ID)
	if err := a.UnassignAuditor(ctx, auditor.ID, x.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	sees(auditor, h.ID, k.ID)

	// A change that rolls back moves nothing.
	tx, err := storetest.DB(t, a).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO orgs (name, parent_id, industry) VALUES ('取り消し', $1, 'manufacturing')`, h.ID); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback(ctx)
	statements(manager) // whatever the cache held, it is now current
	if c := statements(manager); c != 1 {
		t.Errorf("after a rolled back change: %d statements, want 1", c)
	}
	sees(manager, h.ID, k.ID)

	// The user's own role is part of the key: a manager made officer sees
	// their organisation only, on the next request.
	if _, _, err := a.UpdateUser(ctx, manager.ID, store.UserUpdate{Name: manager.Name, Role: assessment.Officer, OrgID: h.ID, Active: true, Actor: store.Actor{Email: "test"}}); err != nil {
		t.Fatal(err)
	}
	sees(manager, h.ID)
}
