package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestUnreviewedOrgsAgreesWithPolicy: the organisations counted and
// listed in SQL are exactly those policy.Reviewers finds no one for, on a
// tree with an inherited auditor, an assigned one, a deactivated one and
// organisations with none; the list is bounded, the count is not.
func TestUnreviewedOrgsAgreesWithPolicy(t *testing.T) {
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
	org("九州工場 第1ライン", &k.ID)
	x := org("無関係株式会社", nil)
	xs := org("無関係 子会社", &x.ID)
	org("無関係 孫会社", &xs.ID)
	g := org("名古屋支社", nil)
	firm := org("監査法人", nil)
	f := org("大阪支社", nil)
	rvUser(t, st, h.ID, assessment.Auditor, "sato@h.example")
	kimura := rvUser(t, st, firm.ID, assessment.Auditor, "kimura@firm.example")
	if err := st.AssignAuditor(ctx, kimura.ID, f.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	gone := rvUser(t, st, g.ID, assessment.Auditor, "gone@g.example")
	if _, _, err := st.UpdateUser(ctx, gone.ID, store.UserUpdate{Name: gone.Name, Role: gone.Role, OrgID: gone.OrgID, Actor: store.Actor{Email: "test"}}); err != nil {
		t.Fatal(err)
	}
	rvUser(t, st, x.ID, assessment.Officer, "officer@x.example") // not an auditor

	all, err := st.ListOrgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := st.ReviewNodes(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(all))
	for i, o := range all {
		ids[i] = o.ID
	}
	want := policy.Unreviewed(ids, nodes) // by name, as ListOrgs
	if len(want) != 4 {
		t.Fatalf("the tree has %d unreviewed organisations, the test wants 4", len(want))
	}
	got, total, err := st.UnreviewedOrgs(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	gotIDs := make([]string, len(got))
	for i, o := range got {
		gotIDs[i] = o.ID
	}
	if total != len(want) || !slices.Equal(gotIDs, want) {
		t.Errorf("UnreviewedOrgs = %v (%d in all), policy says %v", gotIDs, total, want)
	}
	got, total, err = st.UnreviewedOrgs(ctx, 2)
	if err != nil || len(got) != 2 || total != 4 || got[0].ID != want[0] {
		t.Errorf("UnreviewedOrgs(limit 2) = %d organisations, %d in all, %v", len(got), total, err)
	}
}

// TestAdminPages: the administrator's lists read one page, by name or by
// email, narrowed by a search, with the names they show resolved.
func TestAdminListPages(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	top, err := st.CreateOrg(ctx, "A 持株会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	var subs []store.Org
	for i := range 7 {
		o, err := st.CreateOrg(ctx, fmt.Sprintf("B 子会社 %02d", i), &top.ID, "other")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, o)
	}
	t.Run("OrgPage", func(t *testing.T) {
		page, more, err := st.OrgPage(ctx, "", 0, 3)
		if err != nil || !more || len(page) != 3 || page[0].ID != top.ID || page[0].ParentName != "" || page[1].ParentName != "A 持株会社" {
			t.Fatalf("first page: %+v more=%v %v", page, more, err)
		}
		page, more, err = st.OrgPage(ctx, "", 6, 3)
		if err != nil || more || len(page) != 2 || page[1].ID != subs[6].ID {
			t.Fatalf("last page: %d more=%v %v", len(page), more, err)
		}
		page, more, err = st.OrgPage(ctx, "子会社 0", 0, 50)
		if err != nil || more || len(page) != 7 {
			t.Fatalf("search: %d more=%v %v", len(page), more, err)
		}
		if page, _, _ = st.OrgPage(ctx, "", 1000, 50); len(page) != 0 {
			t.Fatalf("beyond the end: %d", len(page))
		}
	})
	t.Run("OrgIDsByRef", func(t *testing.T) {
		twin, err := st.CreateOrg(ctx, "B 子会社 03", nil, "other") // a second organisation of the name
		if err != nil {
			t.Fatal(err)
		}
		last := max(twin.ID, subs[3].ID)
		got, err := st.OrgIDsByRef(ctx, []string{"A 持株会社", subs[1].ID, "B 子会社 03", "存在しない", "not-a-uuid"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got["A 持株会社"] != top.ID || got[subs[1].ID] != subs[1].ID || got["B 子会社 03"] != last {
			t.Errorf("OrgIDsByRef = %v", got)
		}
	})
	var users []store.User
	for i := range 6 {
		org := subs[i%2]
		users = append(users, rvUser(t, st, org.ID, assessment.Auditor, fmt.Sprintf("user%d@example.jp", 5-i)))
	}
	t.Run("UserPage", func(t *testing.T) {
		page, more, err := st.UserPage(ctx, store.UserFilter{}, 0, 4)
		if err != nil || !more || len(page) != 4 || page[0].Email != "user0@example.jp" || page[0].OrgName != subs[1].Name {
			t.Fatalf("first page: %+v more=%v %v", page, more, err)
		}
		page, more, err = st.UserPage(ctx, store.UserFilter{}, 4, 4)
		if err != nil || more || len(page) != 2 || page[1].Email != "user5@example.jp" {
			t.Fatalf("second page: %d more=%v %v", len(page), more, err)
		}
		page, _, err = st.UserPage(ctx, store.UserFilter{Q: "子会社 00"}, 0, 50)
		if err != nil || len(page) != 3 {
			t.Fatalf("search by organisation name: %d %v", len(page), err)
		}
		page, _, err = st.UserPage(ctx, store.UserFilter{Q: "USER3@"}, 0, 50)
		if err != nil || len(page) != 1 || page[0].Email != "user3@example.jp" {
			t.Fatalf("search by email: %+v %v", page, err)
		}
		page, _, err = st.UserPage(ctx, store.UserFilter{OrgID: subs[1].ID}, 0, 50)
		if err != nil || len(page) != 3 || page[0].OrgID != subs[1].ID {
			t.Fatalf("one organisation's: %d %v", len(page), err)
		}
		if page, _, err = st.UserPage(ctx, store.UserFilter{Q: "%"}, 0, 50); err != nil || len(page) != 0 {
			t.Fatalf("a wildcard is a character: %d %v", len(page), err)
		}
		if page, _, err = st.UserPage(ctx, store.UserFilter{OrgID: "not-a-uuid"}, 0, 50); err != nil || len(page) != 0 {
			t.Fatalf("a malformed organisation id: %d %v", len(page), err)
		}
	})
	t.Run("AssignmentsOf", func(t *testing.T) {
		by := store.Actor{Email: "test"}
		for _, o := range subs[2:5] {
			if err := st.AssignAuditor(ctx, users[0].ID, o.ID, by); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AssignAuditor(ctx, users[1].ID, subs[2].ID, by); err != nil {
			t.Fatal(err)
		}
		as, more, err := st.AssignmentsOf(ctx, "", []string{users[0].ID}, 2)
		if err != nil || !more || len(as) != 2 || as[0].OrgID != subs[2].ID || as[0].UserID != users[0].ID {
			t.Fatalf("of a user, limit 2: %+v more=%v %v", as, more, err)
		}
		as, more, err = st.AssignmentsOf(ctx, subs[2].ID, nil, 50)
		if err != nil || more || len(as) != 2 {
			t.Fatalf("of an organisation: %+v more=%v %v", as, more, err)
		}
		if as, _, err = st.AssignmentsOf(ctx, "", []string{users[5].ID}, 50); err != nil || len(as) != 0 {
			t.Fatalf("of a user with none: %+v %v", as, err)
		}
	})
}
