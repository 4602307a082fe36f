package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

// BenchmarkPages measures, in the same run, a static asset, the category
// page and the report page of an officer's draft (27 answers, a previous
// submitted assessment, evidence), each through the same server and
// database; and the report page through a second server whose store runs
// no cache listener (the organisation cache unused). Each path runs alone
// for a while in turn, one request at a time. Reported per request: the
// wall time (-us), and the CPU it cost this process (server and client)
// plus the database's backends (-cpu-us), read from the kernel's counters:
// on a machine shared with other work the CPU is the steadier measure;
// -pg-us is the database's part of it.
// -ratio is the static asset's CPU divided by the page's.
func BenchmarkPages(b *testing.B) {
	paths, get, st := pagesBench(b)
	for _, p := range paths { // warm the caches and the connection pools
		get(p.c, p.url)
	}
	wall := make([]time.Duration, len(paths))
	cpu := make([]time.Duration, len(paths))
	pg := make([]time.Duration, len(paths))
	n := make([]int, len(paths))
	for b.Loop() {
		for i, p := range paths {
			c0 := cpuNow(b, st)
			stop := time.Now().Add(250 * time.Millisecond)
			for time.Now().Before(stop) {
				wall[i] += get(p.c, p.url)
				n[i]++
			}
			c1 := cpuNow(b, st)
			cpu[i] += c1.since(c0)
			pg[i] += c1.since(c0) - (c1.self - c0.self)
		}
	}
	for i, p := range paths {
		b.ReportMetric(float64(wall[i].Microseconds())/float64(n[i]), p.name+"-us")
		b.ReportMetric(float64(cpu[i].Microseconds())/float64(n[i]), p.name+"-cpu-us")
		b.ReportMetric(float64(pg[i].Microseconds())/float64(n[i]), p.name+"-pg-us")
		if i > 0 {
			b.ReportMetric((float64(cpu[0])/float64(n[0]))/(float64(cpu[i])/float64(n[i])), p.name+"-ratio")
		}
	}
}

// cpuSample is this process's CPU time and that of every PostgreSQL
// backend (by pid) at one moment.
type cpuSample struct {
	self     time.Duration
	backends map[int]time.Duration
}

func cpuNow(b *testing.B, st *store.Store) cpuSample {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	s := cpuSample{self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), backends: map[int]time.Duration{}}
	rows, err := storetest.DB(b, st).Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // ended, or another host
		}
		// utime and stime are fields 14 and 15, after the parenthesised name.
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
		ut, _ := strconv.Atoi(f[11])
		kt, _ := strconv.Atoi(f[12])
		s.backends[pid] = time.Duration(ut+kt) * 10 * time.Millisecond // USER_HZ = 100
	}
	return s
}

// since is the CPU used between s0 and s: this process's and the
// backends' (a backend that appeared counts in full).
func (s cpuSample) since(s0 cpuSample) time.Duration {
	d := s.self - s0.self
	for pid, t := range s.backends {
		d += t - s0.backends[pid]
	}
	return d
}

// BenchmarkPagesConcurrent is BenchmarkPages with 16 clients: each
// iteration runs every path in turn for 0.5 s and counts the requests
// answered. Reported: requests per second of each, and each page's rate
// divided by the static asset's (the ratio). Run it with
// -benchtime 3x: three rounds, interleaved.
func BenchmarkPagesConcurrent(b *testing.B) {
	const clients = 16
	paths, get, _ := pagesBench(b)
	for _, p := range paths {
		get(p.c, p.url)
	}
	counts := make([]int64, len(paths))
	var secs float64
	for b.Loop() {
		for i, p := range paths {
			var n atomic.Int64
			var wg sync.WaitGroup
			stop := time.Now().Add(500 * time.Millisecond)
			for range clients {
				wg.Go(func() {
					for time.Now().Before(stop) {
						get(p.c, p.url)
						n.Add(1)
					}
				})
			}
			wg.Wait()
			counts[i] += n.Load()
		}
		secs += 0.5
	}
	for i, p := range paths {
		b.ReportMetric(float64(counts[i])/secs, p.name+"-req/s")
		if i > 0 {
			b.ReportMetric(float64(counts[i])/float64(counts[0]), p.name+"-ratio")
		}
	}
}

type benchPath struct {
	name string
	c    *http.Client
	url  string
}

// pagesBench seeds the officer's draft and returns the paths to measure
// and a function that requests one (failing on anything but 200), and the
// store.
func pagesBench(b *testing.B) ([]benchPath, func(*http.Client, string) time.Duration, *store.Store) {
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
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{MaxIdleConnsPerHost: 64}} // the clients keep their connections
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
			b.Error(err) // not Fatal: called from the clients' goroutines too
			return 0
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Errorf("%s: status %d", u, res.StatusCode)
		}
		return time.Since(start)
	}
	paths := []benchPath{
		{"static", c, ts.URL + web.Asset("app.css")},
		{"category", c, ts.URL + "/assessments/" + a.ID + "/categories/1"},
		{"report", c, ts.URL + "/assessments/" + a.ID + "/report"},
		{"report-nocache", cCold, tsCold.URL + "/assessments/" + a.ID + "/report"},
	}
	return paths, get, st
}
