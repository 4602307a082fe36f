package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
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
		if p.Role != assessment.Auditor {
			return
		}
		// An auditor's lists join the reach kept in the database: the same
		// set, listed (IN) or probed row by row (EXISTS, from 1,000).
		for _, ids := range [][]string{slices.Collect(maps.Keys(p.Visible)), padded(nil, 1000)} {
			orgs, _, err := b.OrgChoices(ctx, store.Reach{OrgIDs: ids, Reviewer: p.UserID, ReviewerOrg: p.OrgID}, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range orgs {
				got = append(got, o.ID)
			}
			if slices.Sort(got); !slices.Equal(got, want) {
				t.Errorf("%s reaches %v in the database (%d ids), want %v", u.Email, got, len(ids), want)
			}
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

	// Data loaded behind the triggers' back: `mamori benchmark rebuild`
	// makes every instance read the sets again.
	if err := a.ForgetVisibility(ctx); err != nil {
		t.Fatal(err)
	}
	if c := statements(manager); c != 2 {
		t.Errorf("after ForgetVisibility: %d statements, want 2", c)
	}

	// The user's own role is part of the key: a manager made officer sees
	// their organisation only, on the next request.
	if _, _, err := a.UpdateUser(ctx, manager.ID, store.UserUpdate{Name: manager.Name, Role: assessment.Officer, OrgID: h.ID, Active: true, Actor: store.Actor{Email: "test"}}); err != nil {
		t.Fatal(err)
	}
	sees(manager, h.ID)
}

// hookTracer runs hook before each statement whose text contains match.
type hookTracer struct {
	match string
	hook  func()
}

func (h hookTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.Contains(d.SQL, h.match) {
		h.hook()
	}
	return ctx
}

func (hookTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestVisibleOrgsOfAChangedUser: a user whose role and organisation change
// between the reading of their principal and of the organisations they see
// is refused for that request, never given their old role over their new
// organisations.
func TestVisibleOrgsOfAChangedUser(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	a := storetest.Open(t, url)
	h, err := a.CreateOrg(ctx, "持株会社", nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	x, err := a.CreateOrg(ctx, "別会社", nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	u := rvUser(t, a, h.ID, assessment.Manager, "m@h.example")
	var once sync.Once
	b := storetest.Open(t, url, store.WithTracer(hookTracer{match: "WITH RECURSIVE u AS", hook: func() {
		once.Do(func() {
			if _, _, err := a.UpdateUser(ctx, u.ID, store.UserUpdate{Name: u.Name, Role: assessment.Auditor, OrgID: x.ID, Active: true,
				Actor: store.Actor{Email: "test"}}); err != nil {
				t.Error(err)
			}
		})
	}}))
	p, err := b.Principal(ctx, u.ID)
	if !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("principal read across a role change: %+v, %v; want Unavailable", p, err)
	}
	if p, err = b.Principal(ctx, u.ID); err != nil || p.Role != assessment.Auditor || !p.Visible[x.ID] || p.Visible[h.ID] {
		t.Errorf("the next read: %+v, %v; want the auditor of 別会社", p, err)
	}
}

// TestConcurrentMovesMakeNoCycle: two organisations moved under each other
// at the same moment: one move is refused, and the tree keeps no cycle.
func TestConcurrentMovesMakeNoCycle(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	for round := range 5 {
		x, err := st.CreateOrg(ctx, fmt.Sprintf("甲 %d", round), nil, "manufacturing")
		if err != nil {
			t.Fatal(err)
		}
		y, err := st.CreateOrg(ctx, fmt.Sprintf("乙 %d", round), nil, "manufacturing")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, m := range [][2]store.Org{{x, y}, {y, x}} {
			wg.Go(func() { _, errs[i] = st.UpdateOrg(ctx, m[0].ID, m[0].Name, &m[1].ID, "manufacturing") })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: moves answered %v and %v; want exactly one refused", round, errs[0], errs[1])
		}
		if e := errs[0]; e == nil {
			e = errs[1]
			if !apperr.Is(e, apperr.Invalid) {
				t.Errorf("round %d: the refused move: %v, want Invalid (cycle)", round, e)
			}
		}
	}
}
