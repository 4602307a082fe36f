// Package ssotest runs a real OpenID provider inside a test process: the
// provider side of github.com/zitadel/oidc (package op) with the in-memory
// storage and username/password login page of its example server, plus a
// groups claim. The tests of single sign-on (internal/server, internal/e2e)
// sign in through it as a browser would. Only tests import this package.
package ssotest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Password is every test user's password at the provider.
const Password = "provider-password-1"

// User is an account at the provider.
type User struct {
	ID, Email, First, Last string
	Groups                 []string
	Unverified             bool // email_verified false
}

// Provider is a running OpenID provider.
type Provider struct {
	Issuer, ClientID, ClientSecret string
	srv                            *httptest.Server
	st                             *groupsStorage
}

// groupsStorage adds a "groups" claim to the example storage's userinfo.
type groupsStorage struct {
	*storage.Storage
	mu     sync.Mutex
	groups map[string][]string
}

func (s *groupsStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	s.addGroups(ui)
	return nil
}

func (s *groupsStorage) addGroups(ui *oidc.UserInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[ui.Subject]; ok {
		ui.AppendClaims("groups", g)
	}
}

// Start runs a provider with users and one web client (basic
// authentication, PKCE accepted) whose redirect URI is redirectURI.
func Start(t testing.TB, redirectURI string, users ...User) *Provider {
	t.Helper()
	byID := map[string]*storage.User{}
	groups := map[string][]string{}
	for _, u := range users {
		byID[u.ID] = &storage.User{ID: u.ID, Username: u.Email, Password: Password, FirstName: u.First, LastName: u.Last,
			Email: u.Email, EmailVerified: !u.Unverified}
		groups[u.ID] = u.Groups
	}
	b, err := json.Marshal(byID)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	us, err := storage.StoreFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: "mamori-" + strings.ToLower(t.Name()), ClientSecret: "op-client-secret"}
	p.ClientID = regexp.MustCompile(`[^a-z0-9-]`).ReplaceAllString(p.ClientID, "-")
	storage.RegisterClients(storage.WebClient(p.ClientID, p.ClientSecret, redirectURI))
	p.st = &groupsStorage{Storage: storage.NewStorage(us), groups: groups}
	p.srv = httptest.NewUnstartedServer(nil)
	p.Issuer = "http://" + p.srv.Listener.Addr().String()
	p.srv.Config.Handler = exampleop.SetupServer(p.Issuer, p.st, nil, false)
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

// SetGroups changes a user's groups for the next sign-ins.
func (p *Provider) SetGroups(userID string, groups ...string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.groups[userID] = groups
}

// Login plays the browser at the provider: from the authorisation URL
// through the login form to the redirect back to the relying party, whose
// URL it returns. c must not follow redirects.
func (p *Provider) Login(c *http.Client, authorizeURL, email string) (string, error) {
	next := authorizeURL
	for range 10 {
		res, err := c.Get(next)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case res.StatusCode/100 == 3:
			loc, err := res.Location()
			if err != nil {
				return "", err
			}
			if !strings.HasPrefix(loc.String(), p.Issuer) {
				return loc.String(), nil // back to the relying party
			}
			next = loc.String()
		case res.StatusCode == http.StatusOK && strings.Contains(string(body), `name="username"`):
			id := res.Request.URL.Query().Get("authRequestID")
			res, err := c.PostForm(p.Issuer+"/login/username", url.Values{"id": {id}, "username": {email}, "password": {Password}})
			if err != nil {
				return "", err
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			loc, err := res.Location()
			if err != nil {
				return "", fmt.Errorf("ssotest: login form answered %d", res.StatusCode)
			}
			next = loc.String()
		default:
			return "", fmt.Errorf("ssotest: %s answered %d: %.200s", next, res.StatusCode, body)
		}
	}
	return "", fmt.Errorf("ssotest: too many redirects from %s", authorizeURL)
}
