package store_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestReviewInheritance: the organisations an auditor sees (Principal, in
// SQL) are exactly those policy.Reviewers names them for, on a tree where a
// subsidiary inherits its holding's auditor, another has its own assigned
// auditor, and a third has a deactivated one (which does not count).
func TestReviewInheritance(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	org := func(name string, parent *string) store.Org {
		o, err := st.CreateOrg(ctx, name, parent, "manufacturing")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	h := org("ホールディングス", nil)
	k := org("九州工場", &h.ID)
	l := org("九州工場 第1ライン", &k.ID)
	f := org("大阪支社", &h.ID)
	g := org("名古屋支社", &h.ID)
	x := org("無関係株式会社", nil)
	firm := org("監査法人", nil)
	sato := rvUser(t, st, h.ID, assessment.Auditor, "sato@h.example")
	kimura := rvUser(t, st, firm.ID, assessment.Auditor, "kimura@firm.example")
	if err := st.AssignAuditor(ctx, kimura.ID, f.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	gone := rvUser(t, st, g.ID, assessment.Auditor, "gone@g.example")
	if _, _, err := st.UpdateUser(ctx, gone.ID, store.UserUpdate{Name: gone.Name, Role: gone.Role, OrgID: gone.OrgID, Actor: store.Actor{Email: "test"}}); err != nil {
		t.Fatal(err)
	}

	nodes, err := st.ReviewNodes(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, aud := range []store.User{sato, kimura} {
		p, err := st.Principal(ctx, aud.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for id := range nodes {
			rs, _ := policy.Reviewers(id, nodes)
			if slices.ContainsFunc(rs, func(r policy.Reviewer) bool { return r.UserID == aud.ID }) {
				want = append(want, id)
			}
		}
		want = append(want, aud.OrgID) // auditors see their own organisation
		slices.Sort(want)
		want = slices.Compact(want)
		got := slices.Sorted(maps.Keys(p.Visible))
		if !slices.Equal(got, want) {
			t.Errorf("%s sees %v, policy says %v", aud.Email, got, want)
		}
	}
	// The expectations spelled out: 佐藤 reviews the holding, the factory
	// and its line, and the branch whose only auditor left; not the branch
	// with its own assigned auditor, nor the unrelated company.
	p, _ := st.Principal(ctx, sato.ID)
	for id, want := range map[string]bool{h.ID: true, k.ID: true, l.ID: true, g.ID: true, f.ID: false, x.ID: false} {
		if p.Visible[id] != want {
			t.Errorf("佐藤 sees %s: %v, want %v", id, p.Visible[id], want)
		}
	}
	chain, err := st.ReviewNodes(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rs, via := policy.Reviewers(l.ID, chain); len(rs) != 1 || rs[0].Name != sato.Name || via != h.ID || len(chain) != 3 {
		t.Errorf("reviewers of the line = %v via %s (chain %d)", rs, via, len(chain))
	}
	if rs, _ := policy.Reviewers(x.ID, nodes); len(rs) != 0 {
		t.Errorf("the unrelated company has reviewers %v", rs)
	}
}
