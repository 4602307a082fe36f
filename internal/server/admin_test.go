package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/assessment"
)

func TestAdminPages(t *testing.T) {
	e := newEnv(t)
	home := e.org("管理会社", nil)
	admin := e.user(home.ID, assessment.Manager, true)
	c := e.login(admin)

	// Organisation with a subsidiary.
	if res := e.postForm(c, "/admin/orgs", url.Values{"name": {"持株会社"}, "industry": {"finance_insurance"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create org: %d", res.StatusCode)
	}
	orgs, _ := e.st.ListOrgs(context.Background())
	var holding string
	for _, o := range orgs {
		if o.Name == "持株会社" {
			holding = o.ID
		}
	}
	if holding == "" {
		t.Fatal("organisation not created")
	}
	if res := e.postForm(c, "/admin/orgs", url.Values{"name": {"子会社"}, "parent_id": {holding}, "industry": {"manufacturing"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create subsidiary: %d", res.StatusCode)
	}
	if res := e.postForm(c, "/admin/orgs", url.Values{"name": {""}, "industry": {"other"}}); res.StatusCode != 422 {
		t.Fatalf("empty name: %d", res.StatusCode)
	}
	if res := e.postForm(c, "/admin/orgs", url.Values{"name": {"x"}, "industry": {"piracy"}}); res.StatusCode != 422 {
		t.Fatalf("bad industry: %d", res.StatusCode)
	}
	// A cycle is refused.
	if res := e.postForm(c, "/admin/orgs/"+holding, url.Values{"name": {"持株会社"}, "industry": {"other"}, "parent_id": {holding}}); res.StatusCode != 422 {
		t.Fatalf("self parent: %d", res.StatusCode)
	}

	// A user with a generated password, shown once.
	res := e.postForm(c, "/admin/users", url.Values{"email": {"new.officer@example.jp"}, "name": {"新任 担当"}, "role": {"officer"}, "org_id": {holding}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusCreated || !strings.Contains(body, `data-testid="generated-password"`) {
		t.Fatalf("create user: %d", res.StatusCode)
	}
	u, err := e.st.UserByEmail(context.Background(), "new.officer@example.jp")
	if err != nil || u.Role != assessment.Officer || u.OrgID != holding {
		t.Fatalf("user %+v %v", u, err)
	}
	if res := e.postForm(c, "/admin/users", url.Values{"email": {"NEW.officer@example.jp"}, "name": {"重複"}, "role": {"officer"}, "org_id": {holding}}); res.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate email (case-insensitive): %d", res.StatusCode)
	}
	if res := e.postForm(c, "/admin/users", url.Values{"email": {"weak@example.jp"}, "name": {"弱い"}, "role": {"officer"}, "org_id": {holding}, "password": {"password1234"}}); res.StatusCode != 422 {
		t.Fatalf("common password: %d", res.StatusCode)
	}

	// Changing a user's role revokes their sessions at once.
	victim := e.user(holding, assessment.Officer, false)
	vc := e.login(victim)
	if res := e.postForm(c, "/admin/users/"+victim.ID, url.Values{"name": {victim.Name}, "role": {"manager"}, "org_id": {holding}, "active": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change: %d", res.StatusCode)
	}
	if res, _ := e.get(vc, "/assessments"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("session survived a role change: %d", res.StatusCode)
	}
	// Password reset signs the user out everywhere.
	vc = e.login(victim)
	res = e.postForm(c, "/admin/users/"+victim.ID+"/password", url.Values{})
	if !strings.Contains(readBody(t, res), `data-testid="generated-password"`) {
		t.Fatal("reset did not show the new password")
	}
	if res, _ := e.get(vc, "/assessments"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("session survived a password reset: %d", res.StatusCode)
	}
	// Admins cannot lock themselves out.
	if res := e.postForm(c, "/admin/users/"+admin.ID, url.Values{"name": {admin.Name}, "role": {"manager"}, "org_id": {home.ID}, "active": {"1"}}); res.StatusCode != 422 {
		t.Fatalf("admin removing own admin flag: %d", res.StatusCode)
	}

	// Auditor assignment.
	aud := e.user(home.ID, assessment.Auditor, false)
	if res := e.postForm(c, "/admin/assignments", url.Values{"user_id": {aud.ID}, "org_id": {holding}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d", res.StatusCode)
	}
	p, _ := e.st.Principal(context.Background(), aud.ID)
	if !p.Visible[holding] || !p.Visible[home.ID] {
		t.Fatalf("auditor visibility %v", p.Visible)
	}
	if res := e.postForm(c, "/admin/assignments", url.Values{"user_id": {victim.ID}, "org_id": {holding}}); res.StatusCode != 422 {
		t.Fatalf("assigning a non-auditor: %d", res.StatusCode)
	}

	// Non-admins are refused.
	oc := e.login(e.user(home.ID, assessment.Officer, false))
	for _, path := range []string{"/admin/orgs", "/admin/users", "/admin/orgs/" + holding} {
		if res, _ := e.get(oc, path); res.StatusCode != http.StatusForbidden {
			t.Errorf("officer GET %s: %d", path, res.StatusCode)
		}
	}
	if res := e.postForm(oc, "/admin/orgs", url.Values{"name": {"乗っ取り"}, "industry": {"other"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("officer creating org: %d", res.StatusCode)
	}

	// Managers see their organisation and its descendants.
	mgr := e.user(holding, assessment.Manager, false)
	mp, _ := e.st.Principal(context.Background(), mgr.ID)
	if len(mp.Visible) != 2 || mp.Visible[home.ID] {
		t.Fatalf("manager visibility %v", mp.Visible)
	}
}

// An administrator's API token does not administer: creating an account or
// resetting a password with it would outlive the token's revocation.
func TestAdminPagesNeedASession(t *testing.T) {
	e := newEnv(t)
	platform := e.org("運営", nil)
	admin := e.user(platform.ID, assessment.Manager, true)
	victim := e.user(platform.ID, assessment.Officer, false)
	bearer := map[string]string{"Authorization": "Bearer " + e.token(admin), "Content-Type": formType}
	users, _ := e.st.ListUsers(context.Background())
	cases := []struct{ path, body string }{
		{"/admin/users", url.Values{"email": {"mallory@example.jp"}, "name": {"Mallory"}, "role": {"manager"}, "org_id": {platform.ID}, "admin": {"1"}, "password": {"mallory-knows-this-one"}}.Encode()},
		{"/admin/users/" + victim.ID + "/password", url.Values{"password": {"mallory-knows-this-one"}}.Encode()},
		{"/admin/orgs/" + platform.ID + "/totp", ""},
	}
	for _, tc := range cases {
		if res, body := e.send(nil, "POST", tc.path, strings.NewReader(tc.body), bearer); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with an admin's token: status %d, want 403\n\t%.200s", tc.path, res.StatusCode, body)
		}
	}
	if after, _ := e.st.ListUsers(context.Background()); len(after) != len(users) {
		t.Errorf("users: %d → %d", len(users), len(after))
	}
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {victim.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the victim's password was reset: %d", res.StatusCode)
	}
	// The admin's browser session administers as before.
	if res := e.postForm(e.login(admin), "/admin/orgs/"+platform.ID+"/totp", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("admin session: %d", res.StatusCode)
	}
}
