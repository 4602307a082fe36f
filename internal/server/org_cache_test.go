package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/internal/store/storetest"
)

// TestReportAcrossInstances: two servers on one database, each with its
// organisation cache. A profile saved through one changes the risk group
// on the other's report page once the database's notification arrives, and
// on its own at once.
func TestReportAcrossInstances(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	url := storetest.URL(t)
	instance := func() *env {
		st := storetest.Open(t, url)
		listenForChanges(t, st)
		ts := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)))
		t.Cleanup(ts.Close)
		return &env{t: t, st: st, ts: ts, cfg: cfg}
	}
	a, b := instance(), instance()
	o := a.org("本社", nil)
	officer := a.user(o.ID, assessment.Officer, false)
	draft := a.draft(officer)
	tok := a.token(officer)
	clients := map[*env]*http.Client{a: a.login(officer), b: b.login(officer)}
	group := func(e *env, c *testing.T) string {
		c.Helper()
		res, body := e.get(clients[e], "/assessments/"+draft.ID+"/report")
		if res.StatusCode != 200 {
			c.Fatalf("report: %d", res.StatusCode)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			c.Fatal(err)
		}
		return text(doc, "risk-group")
	}
	if st, m := a.api(tok, "PUT", "/api/v1/orgs/"+o.ID+"/profile", profileBody(nil)); st != 200 {
		t.Fatalf("profile: %d %v", st, m)
	}
	for _, e := range []*env{a, b} { // both cache the low-risk profile
		deadline := time.Now().Add(10 * time.Second)
		for group(e, t) != "GIII" {
			if time.Now().After(deadline) {
				t.Fatal("GIII not shown within 10 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// GI: employees 300 and online services.
	if st, m := a.api(tok, "PUT", "/api/v1/orgs/"+o.ID+"/profile", profileBody(map[string]any{"employees": 300, "online_services": true})); st != 200 {
		t.Fatalf("profile: %d %v", st, m)
	}
	if g := group(a, t); g != "GI" {
		t.Fatalf("the instance that saved shows %s, want GI at once", g)
	}
	deadline := time.Now().Add(10 * time.Second)
	for group(b, t) != "GI" {
		if time.Now().After(deadline) {
			t.Fatal("the other instance did not show GI within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
