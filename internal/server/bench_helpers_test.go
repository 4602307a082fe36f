package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/internal/store"
)

// benchClient starts a server on st for a benchmark, creates the user n
// (its password testPassword) and returns the server's URL and a client
// signed in as them that does not follow redirects.
func benchClient(b *testing.B, st *store.Store, n store.NewUser) (string, *http.Client) {
	b.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)))
	b.Cleanup(ts.Close)
	if n.PasswordHash, err = auth.HashPassword(testPassword); err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), n)
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(ts.URL+"/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("login: %v %v", err, res)
	}
	res.Body.Close()
	return ts.URL, c
}
