package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/metrics"
	"mamori/internal/server"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// newCountingEnv is newEnv with MAMORI_DEBUG_QUERY_COUNT on and the store
// traced as `mamori serve` opens it then.
func newCountingEnv(t *testing.T) *env {
	t.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DebugQueryCount = true
	st := storetest.New(t, store.WithTracer(store.QueryCountTracer{}))
	listenForChanges(t, st)
	ts := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)))
	t.Cleanup(ts.Close)
	return &env{t: t, st: st, ts: ts, cfg: cfg}
}

func queryCount(t *testing.T, res *http.Response) int {
	t.Helper()
	h := res.Header.Get(metrics.QueryCountHeader)
	n, err := strconv.Atoi(h)
	if err != nil {
		t.Fatalf("%s = %q, want a number", metrics.QueryCountHeader, h)
	}
	return n
}

func TestDebugAids(t *testing.T) {
	t.Run("OffByDefault", func(t *testing.T) {
		e := newEnv(t)
		o := e.org("本社", nil)
		c := e.login(e.user(o.ID, assessment.Officer, false))
		res, _ := e.get(c, "/assessments")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if h := res.Header.Get(metrics.QueryCountHeader); h != "" {
			t.Fatalf("%s = %q without MAMORI_DEBUG_QUERY_COUNT", metrics.QueryCountHeader, h)
		}
		if res, _ := e.get(c, "/debug/pprof/"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("/debug/pprof/ without MAMORI_DEBUG_PPROF: status %d, want 404", res.StatusCode)
		}
	})

	t.Run("QueryCountIsPerRequest", func(t *testing.T) {
		e := newCountingEnv(t)
		res, _ := e.get(e.browser(), "/login")
		// One query: whether identity providers exist (the email-first step
		// and the "Sign in with …" buttons).
		if n := queryCount(t, res); n != 1 {
			t.Fatalf("anonymous sign-in page: %d queries, want 1", n)
		}
		o := e.org("本社", nil)
		c := e.login(e.user(o.ID, assessment.Officer, false))
		first, _ := e.get(c, "/assessments")
		second, _ := e.get(c, "/assessments")
		n1, n2 := queryCount(t, first), queryCount(t, second)
		if n1 < 2 {
			t.Fatalf("signed-in list page: %d queries, want the session and the list at least", n1)
		}
		// Not a running total: the same page costs the same again.
		if n2 != n1 {
			t.Fatalf("same page twice: %d then %d queries", n1, n2)
		}
	})

	t.Run("PprofLoopbackOnly", func(t *testing.T) {
		e := newEnv(t, func(c *config.Config) { c.DebugPprof = true })
		res, body := e.get(e.browser(), "/debug/pprof/")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "goroutine") {
			t.Fatalf("/debug/pprof/ from loopback: status %d", res.StatusCode)
		}
		res, _ = e.get(e.browser(), "/debug/pprof/heap?debug=1")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("/debug/pprof/heap from loopback: status %d", res.StatusCode)
		}
		// Another address (never dialled: the handler is called directly),
		// even one claiming loopback through a proxy header.
		srv := server.New(e.cfg, e.st, slog.New(slog.DiscardHandler))
		req := httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil)
		req.RemoteAddr = "192.0.2.10:50000"
		req.Header.Set("X-Forwarded-For", "127.0.0.1")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Fatalf("/debug/pprof/ from 192.0.2.10: status %d, want 404", rec.Code)
		}
	})
}

// TestQueryBudgets pins the SQL statements of the paths every user takes
// over and over (docs/performance.md): a page reads what it needs once, and
// a save is one statement in the common case.
func TestQueryBudgets(t *testing.T) {
	e := newCountingEnv(t)
	o := e.org("本社", nil)
	officer := e.user(o.ID, assessment.Officer, false)
	c := e.login(officer)
	// Last year's assessment, submitted: the report compares with it.
	prev := e.draft(officer)
	by := store.Actor{UserID: officer.ID, Email: officer.Email}
	for _, q := range checklist.Default().QuestionIDs() {
		lv := 2
		if _, err := e.st.SaveAnswer(context.Background(), prev.ID, q, assessment.AnswerValues{Level: &lv}, by); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.Submit(context.Background(), prev.ID, assessment.Draft, by); err != nil {
		t.Fatal(err)
	}
	a := e.draft(officer)
	tok := e.token(officer)
	do := func(req *http.Request, client *http.Client) *http.Response {
		t.Helper()
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, res)
		if res.StatusCode >= 400 {
			t.Fatalf("%s %s: %d", req.Method, req.URL.Path, res.StatusCode)
		}
		return res
	}
	apiSave := func(level, version int) *http.Response {
		req, _ := http.NewRequest("PUT", e.ts.URL+"/api/v1/assessments/"+a.ID+"/answers/1-1",
			strings.NewReader(fmt.Sprintf(`{"level": %d, "version": %d}`, level, version)))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(req, http.DefaultClient)
	}
	apiSave(2, 0) // the first save of the question
	report := func() *http.Request {
		req, _ := http.NewRequest("GET", e.ts.URL+"/assessments/"+a.ID+"/report", nil)
		return req
	}
	do(report(), c) // fills the organisation cache
	for _, c := range []struct {
		name string
		res  func() *http.Response
		max  int
	}{
		// The session with its principal and the bell's count; the
		// assessment with its answer sheet (answers, marks, comments,
		// assignments, the evidence linked to the answers and, for the
		// officer who may edit, the library to pick from and last time's
		// answers).
		{"category page", func() *http.Response {
			req, _ := http.NewRequest("GET", e.ts.URL+"/assessments/"+a.ID+"/categories/1", nil)
			return do(req, c)
		}, 2},
		// The session; the assessment with its answers, those of the
		// previous submitted one, the organisation's assessments (for
		// comparing) and its members (an officer may plan an action); its
		// actions. The profile and targets come from the organisation
		// cache, filled by the first view.
		{"report page", func() *http.Response { return do(report(), c) }, 3},
		// The token, the principal, the assessment, the rate limit's count
		// (shared by every instance) and the save.
		{"answer save (API)", func() *http.Response { return apiSave(3, 1) }, 5},
		{"answer save (page, htmx)", func() *http.Response {
			req, _ := http.NewRequest("POST", e.ts.URL+"/assessments/"+a.ID+"/answers/1-2", strings.NewReader("level=3&version=0"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			return do(req, c)
		}, 4},
	} {
		if n := queryCount(t, c.res()); n > c.max {
			t.Errorf("%s: %d SQL statements, want at most %d", c.name, n, c.max)
		} else {
			t.Logf("%s: %d SQL statements (budget %d)", c.name, n, c.max)
		}
	}
	// The dashboard: the same statements for an administrator and for a
	// manager at the top of the tree, with 2 organisations or 62, filtered
	// or not: the session with its principal, the bell's count, the page
	// (BEGIN, SET LOCAL jit, the counts, the rows, COMMIT), the campaigns
	// to choose from, the trend and the page's open actions.
	top := e.org("持株会社", nil)
	admin, manager := e.login(e.user(top.ID, assessment.Manager, true)), e.login(e.user(top.ID, assessment.Manager, false))
	addOrgs := func(n int) {
		for i := range n {
			sub := e.org("子会社 "+strconv.Itoa(i)+" "+strconv.FormatInt(time.Now().UnixNano(), 36), &top.ID)
			seedResult(t, e.st, sub.ID, "approved", y25, 60+i%50, "GII", 10)
		}
	}
	// A campaign over the whole tree (the organisations of the moment),
	// whose dashboard reads as the plain one: the same statements with 2
	// organisations or 62, plus the campaign's own row.
	campaign := ""
	launch := func() {
		ids, err := e.st.OrgAndDescendants(context.Background(), top.ID)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := e.st.LaunchCampaign(context.Background(), store.NewCampaign{OrgID: top.ID, Title: "調査 " + strconv.Itoa(len(ids)),
			ChecklistID: checklist.DefaultID, OrgIDs: ids, Deadline: time.Now().AddDate(0, 1, 0), ReminderDays: []int{}, Actor: store.Actor{Email: "test"}})
		if err != nil {
			t.Fatal(err)
		}
		campaign = cm.ID
	}
	dashboard := func() [8]int {
		var n [8]int
		for i, c := range []*http.Client{admin, manager} {
			// The first request after the tree changed reads who sees
			// what again (store/visibility.go); not the page's cost.
			req, _ := http.NewRequest("GET", e.ts.URL+"/dashboard", nil)
			do(req, c)
			for j, path := range []string{"/dashboard", "/dashboard?sort=updated&status=approved&page=2",
				"/dashboard?campaign=" + campaign, "/dashboard?campaign=" + campaign + "&sort=updated&status=draft&page=2"} {
				req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
				n[4*i+j] = queryCount(t, do(req, c))
			}
		}
		return n
	}
	addOrgs(1)
	launch()
	few := dashboard()
	addOrgs(60)
	launch()
	many := dashboard()
	if few != many || few[0] != few[4] || few[1] != few[5] || few[2] != few[6] || few[3] != few[7] || few[2] != few[3] {
		t.Errorf("dashboard statements (admin, admin filtered, admin's campaign, filtered; the same for a manager): %v with 2 organisations, %v with 62: must be equal", few, many)
	}
	for i, n := range many {
		budget := 9
		if i%4 >= 2 { // the campaign asked for
			budget = 10
		}
		if n > budget {
			t.Errorf("dashboard %d: %d SQL statements, want at most %d", i, n, budget)
		}
	}
	t.Logf("dashboard: %v SQL statements (admin, admin filtered, admin's campaign, filtered; the same for a manager; budget 9, 10 with a campaign)", many)

	// The actions list: the same statements for an administrator and for
	// the manager at the top, with 62 organisations or 122 (110 actions or 170), sorted by gain
	// or filtered: the session with its principal and the bell's count,
	// the accepted risks due for review (BEGIN, the due ones, COMMIT), the
	// organisations to pick, the owners to pick, the page and its count.
	// No statement lists every organisation first.
	owner := e.user(top.ID, assessment.Officer, false)
	addActions := func(n int) {
		var ns []store.NewAction
		for i := range n {
			ns = append(ns, store.NewAction{OrgID: top.ID, Title: "対策 " + strconv.Itoa(i), Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 3}},
				OwnerID: owner.ID, DueOn: time.Now().AddDate(0, 1, i), Priority: action.Medium})
		}
		if _, err := e.st.CreateActions(context.Background(), top.ID, ns, by); err != nil {
			t.Fatal(err)
		}
	}
	actions := func() [4]int {
		var n [4]int
		for i, c := range []*http.Client{admin, manager} {
			req, _ := http.NewRequest("GET", e.ts.URL+"/actions", nil)
			do(req, c) // after the tree changed, who sees what is read again
			for j, path := range []string{"/actions?sort=gain", "/actions?status=open&sort=priority&page=2"} {
				req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
				n[2*i+j] = queryCount(t, do(req, c))
			}
		}
		return n
	}
	addActions(110) // both pages full: each counts
	fewA := actions()
	addOrgs(60)
	addActions(60)
	manyA := actions()
	if fewA != manyA || fewA[0] != fewA[2] || fewA[1] != fewA[3] {
		t.Errorf("actions list statements (admin, admin filtered, manager, manager filtered): %v with 62 organisations, %v with 122: must be equal", fewA, manyA)
	}
	for _, n := range manyA {
		if n > 8 {
			t.Errorf("actions list: %d SQL statements, want at most 8", n)
		}
	}
	t.Logf("actions list: %v SQL statements (admin, admin filtered, manager, manager filtered; budget 8)", manyA)
}
