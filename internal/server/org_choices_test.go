package server_test

import (
	"fmt"
	"strings"
	"testing"

	"mamori/internal/assessment"
)

// TestOrgPickersNarrowByName: a caller who sees more organisations than a
// picker offers gets the first 50 by name and a search by name; nothing of
// an organisation they do not see is offered; the profile page keeps the
// organisation it shows selectable.
func TestOrgPickersNarrowByName(t *testing.T) {
	e := newEnv(t)
	top := e.org("持株会社", nil)
	var subs []string
	for i := range 60 {
		o := e.org(fmt.Sprintf("子会社 %02d", i), &top.ID)
		subs = append(subs, o.ID)
	}
	other := e.org("無関係株式会社", nil)
	manager := e.login(e.user(top.ID, assessment.Manager, false))
	options := func(body, testid string) int {
		i := strings.Index(body, `data-testid="`+testid+`"`)
		if i < 0 {
			return -1
		}
		j := strings.Index(body[i:], "</select>")
		return strings.Count(body[i:i+j], "<option") - 1 // less "any"
	}

	_, body := e.get(manager, "/actions")
	if n := options(body, "filter-org"); n != 50 {
		t.Errorf("actions filter offers %d organisations, want 50", n)
	}
	if !strings.Contains(body, `data-testid="org-search"`) || !strings.Contains(body, `data-testid="org-more"`) {
		t.Error("actions: no search by name while more organisations match")
	}
	if n := strings.Count(body, `data-testid="new-action-`); n > 50 {
		t.Errorf("actions: %d buttons to plan an action, want at most 50", n)
	}
	_, body = e.get(manager, "/actions?org_q="+"子会社+5")
	if n := options(body, "filter-org"); n != 10 || strings.Contains(body, `data-testid="org-more"`) {
		t.Errorf("actions narrowed to 子会社 5x: %d organisations, want 10 and no more", n)
	}
	if _, body = e.get(manager, "/actions?org_q=無関係"); strings.Contains(body, other.ID) {
		t.Error("actions: another organisation offered")
	}

	res, body := e.get(manager, "/orgs/"+subs[59]+"/profile")
	if res.StatusCode != 200 || !strings.Contains(body, `data-testid="org-search"`) {
		t.Fatalf("profile: %d, no search by name", res.StatusCode)
	}
	if !strings.Contains(body, `value="`+subs[59]+`" selected`) {
		t.Error("profile: the organisation shown is not selectable in the picker")
	}
	// The picker's form narrowed by name goes to the organisation chosen
	// and stays narrowed.
	res, _ = e.get(manager, "/profile?org="+subs[3]+"&org_q=子会社+0")
	if loc := res.Header.Get("Location"); loc != "/orgs/"+subs[3]+"/profile?org_q=%E5%AD%90%E4%BC%9A%E7%A4%BE+0" {
		t.Errorf("picker redirect: %d %q", res.StatusCode, loc)
	}
}
