package sso

import (
	"reflect"
	"testing"

	"mamori/internal/assessment"
)

func TestCheckIssuer(t *testing.T) {
	for issuer, ok := range map[string]bool{
		"https://login.microsoftonline.com/tid/v2.0": true,
		"https://accounts.google.com":                true,
		"http://127.0.0.1:8081/realms/mamori":        true,
		"http://localhost:8081":                      true,
		"http://[::1]:9000":                          true,
		"http://idp.example.co.jp":                   false,
		"ftp://idp.example":                          false,
		"https://":                                   false,
		"not a url":                                  false,
		"https://idp.example/?x=1":                   false,
		"https://user:pw@idp.example":                false,
	} {
		if err := CheckIssuer(issuer); (err == nil) != ok {
			t.Errorf("CheckIssuer(%q) = %v, want ok=%v", issuer, err, ok)
		}
	}
}

func TestParseDomains(t *testing.T) {
	got, err := ParseDomains(" Example.co.jp, @sub.example.co.jp example.co.jp")
	if err != nil || !reflect.DeepEqual(got, []string{"example.co.jp", "sub.example.co.jp"}) {
		t.Fatalf("ParseDomains = %v, %v", got, err)
	}
	for _, bad := range []string{"", " , ", "localhost", "exa mple", "ex..ample.jp", "例え.jp", ".example.jp"} {
		if _, err := ParseDomains(bad); err == nil {
			t.Errorf("ParseDomains(%q) accepted", bad)
		}
	}
}

func TestDomainOf(t *testing.T) {
	for email, want := range map[string]string{"a@Example.JP": "example.jp", "noat": "", "@x.jp": "", "a@": "", "a@b@c.jp": "c.jp"} {
		if got := DomainOf(email); got != want {
			t.Errorf("DomainOf(%q) = %q, want %q", email, got, want)
		}
	}
}

func TestRoleFor(t *testing.T) {
	m, err := ParseGroupRoles([]string{"sec-audit=auditor", "board=manager", ""})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		groups []string
		want   assessment.Role
	}{
		"NoGroups":      {nil, assessment.Officer},
		"Unmapped":      {[]string{"sales"}, assessment.Officer},
		"Auditor":       {[]string{"sales", "sec-audit"}, assessment.Auditor},
		"HighestWins":   {[]string{"sec-audit", "board"}, assessment.Manager},
		"CaseSensitive": {[]string{"Board"}, assessment.Officer},
	} {
		if got := RoleFor(tc.groups, m, assessment.Officer); got != tc.want {
			t.Errorf("%s: RoleFor = %s, want %s", name, got, tc.want)
		}
	}
	for _, bad := range []string{"x", "=auditor", "g=admin", "g=root"} {
		if _, err := ParseGroupRoles([]string{bad}); err == nil {
			t.Errorf("ParseGroupRoles(%q) accepted", bad)
		}
	}
}

func TestGroups(t *testing.T) {
	if g := Groups([]any{"a", 1, "b"}); !reflect.DeepEqual(g, []string{"a", "b"}) {
		t.Fatalf("Groups = %v", g)
	}
	if g := Groups("a"); !reflect.DeepEqual(g, []string{"a"}) {
		t.Fatalf("Groups = %v", g)
	}
	if g := Groups(nil); g != nil {
		t.Fatalf("Groups(nil) = %v", g)
	}
}
