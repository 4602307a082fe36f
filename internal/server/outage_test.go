package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/pgembed"
	"mamori/internal/server"
	"mamori/internal/store"
)

// privateCluster starts a PostgreSQL cluster of the test's own, so stopping
// it disturbs no other test, and removes what pgembed keeps outside the
// test's directory (as root, the cluster lives in a mapped dir under /tmp).
func privateCluster(t *testing.T) (pgembed.Options, *pgembed.Cluster) {
	t.Helper()
	opts := pgembed.Options{DataDir: filepath.Join(t.TempDir(), "pg")}
	c, err := pgembed.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(opts.DataDir)
	sum := sha256.Sum256([]byte(abs))
	key := hex.EncodeToString(sum[:8])
	t.Cleanup(func() {
		_ = pgembed.StopDir(context.Background(), opts)
		if d := c.DataDir(); d != abs {
			os.RemoveAll(d)
		}
		for _, tmp := range []string{os.TempDir(), "/tmp"} {
			os.Remove(filepath.Join(tmp, "mamori-pg-"+key+".lock"))
			os.RemoveAll(filepath.Join(tmp, "mamori-pgs-"+key))
		}
	})
	if err := c.EnsureDatabase(context.Background(), "mamori"); err != nil {
		t.Fatal(err)
	}
	return opts, c
}

// outcome is one request of the load.
type outcome struct {
	at       time.Time
	kind     string // api-read, api-save, page
	status   int    // 0: transport error
	took     time.Duration
	friendly bool // a 503 with the JSON error or the error page's message
}

// outageEnv is a server on a private cluster with an officer's token, a
// signed-in browser and a draft.
type outageEnv struct {
	opts    pgembed.Options
	cluster *pgembed.Cluster
	cfg     config.Config
	logs    *syncLog
	ts      *httptest.Server
	token   string
	browser *http.Client
	aid     string
}

func newOutageEnv(t *testing.T) *outageEnv {
	ctx := context.Background()
	opts, cluster := privateCluster(t)
	dbURL := cluster.URL("mamori")
	if err := store.MigrateUp(dbURL); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	cfg, _ := config.FromEnv(func(string) string { return "" })
	cfg.RequestTimeout = 3 * time.Second
	oe := &outageEnv{opts: opts, cluster: cluster, cfg: cfg, logs: &syncLog{}}
	oe.ts = httptest.NewServer(server.New(cfg, st, slog.New(slog.NewJSONHandler(oe.logs, nil))))
	t.Cleanup(oe.ts.Close)

	org, err := st.CreateOrg(ctx, "停止テスト株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword(testPassword)
	u, err := st.CreateUser(ctx, store.NewUser{Email: "outage@example.jp", Name: "担当", PasswordHash: hash, Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	oe.token = auth.NewToken()
	if _, err := st.CreateToken(ctx, u.ID, "load", auth.HashToken(oe.token), store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "停止", ChecklistID: "ipa-benchmark-4", Actor: store.Actor{UserID: u.ID}})
	if err != nil {
		t.Fatal(err)
	}
	oe.aid = a.ID
	jar, _ := cookiejar.New(nil)
	oe.browser = &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := oe.browser.PostForm(oe.ts.URL+"/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if err != nil || res.StatusCode != 303 {
		t.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()
	return oe
}

func (oe *outageEnv) probe(t *testing.T, path string) int {
	res, err := http.Get(oe.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// load runs 4 clients of API reads, API saves (each its own question) and
// pages until stopped.
type load struct {
	mu       sync.Mutex
	outcomes []outcome
	stop     chan struct{}
	wg       sync.WaitGroup
}

func (oe *outageEnv) startLoad() *load {
	l := &load{stop: make(chan struct{})}
	api := &http.Client{Timeout: 20 * time.Second}
	for w := 0; w < 4; w++ {
		l.wg.Add(1)
		go func(w int) {
			defer l.wg.Done()
			version := 0
			qid := fmt.Sprintf("1-%d", w+1)
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				var req *http.Request
				o := outcome{at: time.Now()}
				client := api
				switch n % 3 {
				case 0:
					o.kind = "api-read"
					req, _ = http.NewRequest("GET", oe.ts.URL+"/api/v1/assessments/"+oe.aid, nil)
					req.Header.Set("Authorization", "Bearer "+oe.token)
				case 1:
					o.kind = "api-save"
					body, _ := json.Marshal(map[string]any{"level": n%5 + 1, "comment": fmt.Sprint(n), "version": version})
					req, _ = http.NewRequest("PUT", oe.ts.URL+"/api/v1/assessments/"+oe.aid+"/answers/"+qid, bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+oe.token)
					req.Header.Set("Content-Type", "application/json")
				default:
					o.kind = "page"
					req, _ = http.NewRequest("GET", oe.ts.URL+"/assessments/"+oe.aid, nil)
					client = oe.browser
				}
				res, err := client.Do(req)
				o.took = time.Since(o.at)
				if err == nil {
					raw, _ := io.ReadAll(res.Body)
					res.Body.Close()
					o.status = res.StatusCode
					switch {
					case o.kind == "api-save" && res.StatusCode == 200:
						var saved struct{ Version int }
						_ = json.Unmarshal(raw, &saved)
						version = saved.Version
					case o.kind == "api-save" && res.StatusCode == 409:
						// A save committed whose answer was lost in the outage:
						// take the current version, as a client would.
						var c struct{ Current struct{ Version int } }
						_ = json.Unmarshal(raw, &c)
						version = c.Current.Version
					}
					if res.StatusCode == 503 {
						o.friendly = res.Header.Get("Retry-After") != "" &&
							(strings.Contains(string(raw), `"code":"unavailable"`) || strings.Contains(string(raw), "データベースに接続できません"))
					}
				}
				l.mu.Lock()
				l.outcomes = append(l.outcomes, o)
				l.mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}(w)
	}
	return l
}

func (l *load) halt() []outcome {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.outcomes
}

// check judges the outcomes of an outage from down to back (when the
// database was available again) and returns a summary line.
func (oe *outageEnv) check(t *testing.T, outcomes []outcome, down, back time.Time, min503 int) string {
	var before, during, after, transport, unfriendly, slow int
	statuses := map[int]int{}
	var firstOK time.Time
	var maxDuring time.Duration
	for _, o := range outcomes {
		switch {
		case o.status == 0:
			transport++
		case o.at.Before(down):
			before++
		case o.at.Before(back):
			during++
			statuses[o.status]++
			maxDuring = max(maxDuring, o.took)
			if o.took > oe.cfg.RequestTimeout+time.Second {
				slow++
			}
			if o.status == 503 && !o.friendly {
				unfriendly++
			}
			if o.status != 503 && o.status != 200 && o.status != 409 {
				t.Errorf("%s during the outage: %d", o.kind, o.status)
			}
		default:
			after++
			if o.status == 200 && firstOK.IsZero() {
				firstOK = o.at
			}
			// Once the service answered again, it keeps answering.
			if !firstOK.IsZero() && o.at.After(firstOK.Add(200*time.Millisecond)) && o.status != 200 && o.status != 409 {
				t.Errorf("%s after recovery: %d", o.kind, o.status)
			}
		}
	}
	if transport > 0 {
		t.Errorf("%d requests got no HTTP answer at all", transport)
	}
	if statuses[503] < min503 {
		t.Errorf("only %d requests got 503 during the outage (statuses %v)", statuses[503], statuses)
	}
	if unfriendly > 0 {
		t.Errorf("%d 503 answers lacked Retry-After or the friendly message", unfriendly)
	}
	if slow > 0 {
		t.Errorf("%d requests took longer than the request timeout (max %s)", slow, maxDuring)
	}
	if firstOK.IsZero() || firstOK.Sub(back) > 5*time.Second {
		t.Errorf("service back %s after PostgreSQL (want ≤ 5 s)", firstOK.Sub(back))
	}
	return fmt.Sprintf("%d requests before, %d during (%v, slowest %s), %d after; first success %s after PostgreSQL returned",
		before, during, statuses, maxDuring.Round(time.Millisecond), after, firstOK.Sub(back).Round(time.Millisecond))
}

// TestDatabaseOutage takes PostgreSQL away under load, first stopped, then
// hung (every server process frozen with SIGSTOP, as in a network
// partition): requests must get a 503 within the request timeout (JSON or
// a friendly page), /readyz must say not ready, and the service must
// recover by itself within 5 s of PostgreSQL's return.
func TestDatabaseOutage(t *testing.T) {
	oe := newOutageEnv(t)
	ctx := context.Background()

	t.Run("Stopped", func(t *testing.T) {
		l := oe.startLoad()
		time.Sleep(time.Second)
		if code := oe.probe(t, "/readyz"); code != 200 {
			t.Fatalf("readyz before the outage: %d", code)
		}
		down := time.Now()
		if err := oe.cluster.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if code := oe.probe(t, "/readyz"); code != 503 {
			t.Errorf("readyz during the outage: %d", code)
		}
		if code := oe.probe(t, "/healthz"); code != 200 {
			t.Errorf("healthz during the outage: %d (the process is up)", code)
		}
		time.Sleep(2500 * time.Millisecond)
		if _, err := pgembed.Start(ctx, oe.opts); err != nil {
			t.Fatal(err)
		}
		back := time.Now()
		ready := waitReady(t, oe)
		time.Sleep(1500 * time.Millisecond)
		summary := oe.check(t, l.halt(), down, back, 20)
		t.Logf("stopped for %s: %s; readyz ready %s after", back.Sub(down).Round(100*time.Millisecond), summary, ready.Sub(back).Round(time.Millisecond))
	})

	t.Run("Hung", func(t *testing.T) {
		pids := clusterPIDs(t, oe.cluster)
		resume := func() {
			for i := len(pids) - 1; i >= 0; i-- {
				_ = syscall.Kill(pids[i], syscall.SIGCONT)
			}
		}
		t.Cleanup(resume)
		l := oe.startLoad()
		time.Sleep(time.Second)
		down := time.Now()
		for _, pid := range pids {
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(oe.cfg.RequestTimeout + 1500*time.Millisecond)
		if code := oe.probe(t, "/readyz"); code != 503 {
			t.Errorf("readyz with the database hung: %d", code)
		}
		resume()
		back := time.Now()
		ready := waitReady(t, oe)
		time.Sleep(1500 * time.Millisecond)
		// Each of the 4 clients waits out the timeout: at least one 503 each.
		summary := oe.check(t, l.halt(), down, back, 4)
		t.Logf("hung for %s: %s; readyz ready %s after", back.Sub(down).Round(100*time.Millisecond), summary, ready.Sub(back).Round(time.Millisecond))
	})

	if strings.Contains(oe.logs.String(), `"msg":"panic"`) {
		t.Error("a request panicked")
	}
	// What pgx returned, as the server classified it.
	reasons := map[string]int{}
	for _, l := range strings.Split(oe.logs.String(), "\n") {
		var e struct{ Msg, Err string }
		if json.Unmarshal([]byte(l), &e) != nil {
			continue
		}
		switch e.Msg {
		case "database unavailable":
			reasons[classifyReason(e.Err)]++
		case "request failed":
			t.Errorf("an outage error was treated as internal (500): %s", e.Err)
		case "render failed":
			t.Errorf("a page was not rendered: %s", e.Err)
		}
	}
	var rs []string
	for r, n := range reasons {
		rs = append(rs, fmt.Sprintf("%s ×%d", r, n))
	}
	sort.Strings(rs)
	t.Logf("errors classified as unavailable (503): %s", strings.Join(rs, ", "))
}

// waitReady polls /readyz until it answers 200 (at most 10 s).
func waitReady(t *testing.T, oe *outageEnv) time.Time {
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
		if oe.probe(t, "/readyz") == 200 {
			return time.Now()
		}
	}
	t.Fatal("readyz not ready 10 s after PostgreSQL returned")
	return time.Time{}
}

// clusterPIDs returns the postmaster of the test's own cluster and its
// children (the backends and background workers), postmaster first.
func clusterPIDs(t *testing.T, c *pgembed.Cluster) []int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(raw), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{postmaster}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(postmaster) {
			pids = append(pids, pid)
		}
	}
	if len(pids) < 3 {
		t.Fatalf("found only %d processes of the cluster", len(pids))
	}
	return pids
}

// classifyReason names a database error for the report.
func classifyReason(err string) string {
	switch {
	case strings.Contains(err, "57P01"):
		return "57P01 admin shutdown"
	case strings.Contains(err, "57P03"):
		return "57P03 cannot connect now"
	case strings.Contains(err, "dial error"), strings.Contains(err, "connect: "):
		return "connect refused"
	case strings.Contains(err, "broken pipe"):
		return "broken pipe"
	case strings.Contains(err, "connection reset"):
		return "connection reset"
	case strings.Contains(err, "unexpected EOF"):
		return "unexpected EOF"
	case strings.Contains(err, "conn closed"), strings.Contains(err, "closed"):
		return "connection closed"
	case strings.Contains(err, "deadline exceeded"):
		return "timeout"
	}
	return err
}

// syncLog collects log output from many goroutines.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
