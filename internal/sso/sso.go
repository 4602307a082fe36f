// Package sso holds the rules of single sign-on that need neither HTTP nor
// the database: which issuer URLs are acceptable, how email domains are
// written, and which role a provider's claims give. The protocol itself
// (discovery, the code flow, token verification) is coreos/go-oidc and
// golang.org/x/oauth2, used by internal/server.
package sso

import (
	"net"
	"net/url"
	"sort"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// SecretPurpose binds a sealed client secret to its use (secretbox).
const SecretPurpose = "mamori sso client secret"

// CheckIssuer accepts an https issuer URL, or http on a loopback address
// (a provider on the same machine, and the tests).
func CheckIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	bad := apperr.InvalidFieldsK("sso.issuer_invalid", map[string]string{"issuer": "invalid"})
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return bad
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return bad
}

// ParseDomains reads a comma- or space-separated list of email domains,
// lower-cased, without duplicates, sorted; at least one is needed.
func ParseDomains(s string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, d := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		d = strings.TrimPrefix(strings.TrimSpace(d), "@")
		if !validDomain(d) {
			return nil, apperr.InvalidFieldsK("sso.domain_invalid", map[string]string{"domains": "invalid"}, d)
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, apperr.InvalidFieldsK("sso.domains_required", map[string]string{"domains": "required"})
	}
	sort.Strings(out)
	return out, nil
}

func validDomain(d string) bool {
	if len(d) < 3 || len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// DomainOf returns the lower-cased domain of an email address, or "".
func DomainOf(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(email[at+1:]))
}

// ParseGroupRoles reads GROUP=ROLE pairs (one per entry); the roles are
// officer, auditor or manager.
func ParseGroupRoles(pairs []string) (map[string]assessment.Role, error) {
	m := map[string]assessment.Role{}
	for _, p := range pairs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		g, r, ok := strings.Cut(p, "=")
		g, r = strings.TrimSpace(g), strings.TrimSpace(r)
		if !ok || g == "" || !assessment.ValidRole(r) {
			return nil, apperr.InvalidFieldsK("sso.group_role_invalid", map[string]string{"group_roles": "invalid"}, p)
		}
		m[g] = assessment.Role(r)
	}
	return m, nil
}

// rank orders roles when a user is in several mapped groups: the one that
// may see the most wins.
var rank = map[assessment.Role]int{assessment.Officer: 1, assessment.Auditor: 2, assessment.Manager: 3}

// RoleFor is the role a sign-in gets: the highest role mapped from the
// user's groups, or the default when no group is mapped.
func RoleFor(groups []string, mapping map[string]assessment.Role, def assessment.Role) assessment.Role {
	best := assessment.Role("")
	for _, g := range groups {
		if r, ok := mapping[g]; ok && rank[r] > rank[best] {
			best = r
		}
	}
	if best == "" {
		return def
	}
	return best
}

// Groups reads a groups claim: a list of strings, or one string.
func Groups(claim any) []string {
	switch v := claim.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return v
	}
	return nil
}
