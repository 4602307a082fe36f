package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/score"
	"mamori/internal/server"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/web"
)

// BenchmarkPages measures, in the same run and interleaved so that the
// machine's load weighs on each alike, a static asset, the category page
// and the report page of an officer's draft (27 answers, a previous
// submitted assessment, evidence), each through the same server and
// database; and the report page through a second server whose store runs
// no cache listener (the organisation cache unused). Reported: microseconds
// per request of each, and the static asset's time divided by each page's
// (the ratio docs/performance.md compares).
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	url0 := storetest.URL(b)
	st := storetest.Open(b, url0)
	listenForChanges(b, st)
	cold := storetest.Open(b, url0) // no listener: every read from the database
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)))
	b.Cleanup(ts.Close)
	tsCold := httptest.NewServer(server.New(cfg, cold, slog.New(slog.DiscardHandler)))
	b.Cleanup(tsCold.Close)

	org, err := st.CreateOrg(ctx, "ベンチ株式会社", nil, "manufacturing")
	if err != nil {
		b.Fatal(err)
	}
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "bench-officer@example.jp", Name: "ベンチ 担当", PasswordHash: hash, Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		b.Fatal(err)
	}
	by := store.Actor{UserID: u.ID, Email: u.Email, Name: u.Name}
	if _, _, err := st.SaveProfile(ctx, org.ID, score.Profile{Industry: "manufacturing", Employees: 300, ITDependence: 3}, nil, by); err != nil {
		b.Fatal(err)
	}
	if _, err := st.SetTargetOverrides(ctx, org.ID, map[string]int{"1-1": 4}, by); err != nil {
		b.Fatal(err)
	}
	answerAll := func(a store.Assessment, level int) {
		for _, q := range checklist.Default().QuestionIDs() {
			if _, err := st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &level, Comment: "ベンチマーク"}, by); err != nil {
				b.Fatal(err)
			}
		}
	}
	prev, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "2025年度", ChecklistID: checklist.Default().ID, Actor: by})
	if err != nil {
		b.Fatal(err)
	}
	answerAll(prev, 2)
	if _, err := st.Submit(ctx, prev.ID, assessment.Draft, by); err != nil {
		b.Fatal(err)
	}
	a, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "2026年度", ChecklistID: checklist.Default().ID, Actor: by})
	if err != nil {
		b.Fatal(err)
	}
	answerAll(a, 3)
	for i, q := range []string{"1-1", "1-2", "1-3"} {
		ev, err := st.CreateEvidence(ctx, store.NewEvidence{OrgID: org.ID, Title: "規程 " + q, URL: "https://wiki.example.jp/" + q,
			EffectiveDate: time.Now().AddDate(0, -i, 0), Actor: by})
		if err != nil {
			b.Fatal(err)
		}
		if err := st.LinkEvidence(ctx, a.ID, q, ev.ID, nil, by); err != nil {
			b.Fatal(err)
		}
	}

	login := func(base string) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.PostForm(base+"/login", url.Values{"email": {u.Email}, "password": {testPassword}})
		if err != nil || res.StatusCode != http.StatusSeeOther {
			b.Fatalf("login: %v %v", err, res)
		}
		res.Body.Close()
		return c
	}
	c, cCold := login(ts.URL), login(tsCold.URL)
	get := func(c *http.Client, u string) time.Duration {
		start := time.Now()
		res, err := c.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: status %d", u, res.StatusCode)
		}
		return time.Since(start)
	}
	paths := []struct {
		name string
		c    *http.Client
		url  string
	}{
		{"static", c, ts.URL + web.Asset("app.css")},
		{"category", c, ts.URL + "/assessments/" + a.ID + "/categories/1"},
		{"report", c, ts.URL + "/assessments/" + a.ID + "/report"},
		{"report-nocache", cCold, tsCold.URL + "/assessments/" + a.ID + "/report"},
	}
	total := make([]time.Duration, len(paths))
	for _, p := range paths { // warm the caches and the connection pools
		get(p.c, p.url)
	}
	n := 0
	for b.Loop() {
		for i, p := range paths {
			total[i] += get(p.c, p.url)
		}
		n++
	}
	for i, p := range paths {
		b.ReportMetric(float64(total[i].Microseconds())/float64(n), p.name+"-us")
		if i > 0 {
			b.ReportMetric(float64(total[0])/float64(total[i]), p.name+"-ratio")
		}
	}
}
