package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/internal/testdb"
)

func TestMain(m *testing.M) {
	auth.UseFastHashesForTests()
	os.Exit(testdb.Main(m))
}

// env is a running server on a fresh database.
type env struct {
	t   *testing.T
	st  *store.Store
	ts  *httptest.Server
	cfg config.Config
}

func newEnv(t *testing.T, mutate ...func(*config.Config)) *env {
	t.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate {
		m(&cfg)
	}
	st := storetest.New(t)
	listenForChanges(t, st)
	srv := server.New(cfg, st, slog.New(slog.DiscardHandler))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, st: st, ts: ts, cfg: cfg}
}

// listenForChanges runs the store's cache listener as `mamori serve` does,
// and waits until the cache is in use.
func listenForChanges(tb testing.TB, st *store.Store) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.ListenForChanges(ctx, slog.New(slog.DiscardHandler)); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for !st.CacheStats().Live {
		if time.Now().After(deadline) {
			tb.Fatal("cache listener not up within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *env) org(name string, parent *string) store.Org {
	e.t.Helper()
	o, err := e.st.CreateOrg(context.Background(), name, parent, "manufacturing")
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

const testPassword = "correct-horse-battery"

func (e *env) user(orgID string, role assessment.Role, admin bool) store.User {
	e.t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	email := string(role) + "-" + strings.ToLower(auth.RandomID()[:8]) + "@example.jp"
	u, err := e.st.CreateUser(context.Background(), store.NewUser{Email: email, Name: "テスト " + string(role), PasswordHash: hash, Role: role, OrgID: orgID, Admin: admin})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs in through the form and returns the signed-in client.
func (e *env) login(u store.User) *http.Client {
	e.t.Helper()
	c := e.browser()
	res := e.postForm(c, "/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d", u.Email, res.StatusCode)
	}
	return c
}

func (e *env) postForm(c *http.Client, path string, v url.Values) *http.Response {
	e.t.Helper()
	res, err := c.PostForm(e.ts.URL+path, v)
	if err != nil {
		e.t.Fatal(err)
	}
	readBody(e.t, res)
	return res
}

func (e *env) get(c *http.Client, path string) (*http.Response, string) {
	e.t.Helper()
	res, err := c.Get(e.ts.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, readBody(e.t, res)
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}

func (e *env) token(u store.User) string {
	e.t.Helper()
	tok := auth.NewToken()
	if _, err := e.st.CreateToken(context.Background(), u.ID, "test", auth.HashToken(tok), store.Actor{Email: "test"}); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// api calls the JSON API with a bearer token and decodes the answer.
func (e *env) api(token, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	raw := readBody(e.t, res)
	var out map[string]any
	if strings.HasPrefix(strings.TrimSpace(raw), "{") {
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			e.t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
	} else if strings.HasPrefix(strings.TrimSpace(raw), "[") {
		var arr []any
		_ = json.Unmarshal([]byte(raw), &arr)
		out = map[string]any{"items": arr}
	}
	return res.StatusCode, out
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func storeUpdate(u store.User, active bool) store.UserUpdate {
	return store.UserUpdate{Name: u.Name, Role: u.Role, OrgID: u.OrgID, Admin: u.Admin, Active: active}
}

// send makes a request with headers and returns the response with its body.
func (e *env) send(c *http.Client, method, path string, body io.Reader, headers map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = e.browser()
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, readBody(e.t, res)
}

const formType = "application/x-www-form-urlencoded"
