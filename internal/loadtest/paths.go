package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mamori/checklist"
	"mamori/internal/auth"
	"mamori/internal/store"
	"mamori/web"
)

// bench holds the signed-in clients and the operations of every path.
type bench struct {
	o      Options
	ds     *Dataset
	srv    *server
	second *server       // a second instance, for the two-instance save
	bin    string        // the server binary, to start it
	st     *store.Store  // baselines through the store, pool as the server's
	pool   *pgxpool.Pool // harness queries
	client *http.Client
	logf   func(string, ...any)
	meter  cpuMeter
	cl     *checklist.Checklist

	officers                []Officer // signed in, one session each
	cookies                 []*http.Cookie
	tokens                  []string
	admin, top, holdingMgr  *http.Cookie
	topVisible, holdVisible []string // organisations the managers see
}

func newBench(ctx context.Context, o Options, ds *Dataset, srv *server, st *store.Store, pool *pgxpool.Pool, logf func(string, ...any)) (*bench, error) {
	b := &bench{o: o, ds: ds, srv: srv, st: st, pool: pool, logf: logf, cl: checklist.Default(),
		client: newClient(max(o.Concurrency, o.DashboardConc, o.MixedConc)),
		meter:  cpuMeter{server: srv.cmd.Process.Pid, postmaster: postmasterPID(ctx, pool)}}
	n := min(o.Sessions, len(ds.Officers))
	logf("signing in %d officers and 3 managers through the login form", n)
	for _, off := range ds.Officers[:n] {
		c, err := login(b.client, srv.base, off.Email)
		if err != nil {
			return nil, err
		}
		tok := auth.NewToken()
		if _, err := st.CreateToken(ctx, off.UserID, "bench", auth.HashToken(tok), store.Actor{UserID: off.UserID, Email: off.Email}); err != nil {
			return nil, err
		}
		b.officers, b.cookies, b.tokens = append(b.officers, off), append(b.cookies, c), append(b.tokens, tok)
	}
	var err error
	for _, m := range []struct {
		email string
		dst   **http.Cookie
	}{{ds.Admin, &b.admin}, {ds.TopManager, &b.top}, {ds.HoldingManager, &b.holdingMgr}} {
		if *m.dst, err = login(b.client, srv.base, m.email); err != nil {
			return nil, err
		}
	}
	if b.topVisible, err = b.visible(ctx, ds.TopManager); err != nil {
		return nil, err
	}
	if b.holdVisible, err = b.visible(ctx, ds.HoldingManager); err != nil {
		return nil, err
	}
	return b, nil
}

// visible lists the organisations a user sees, as the server works it out.
func (b *bench) visible(ctx context.Context, email string) ([]string, error) {
	u, err := b.st.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	p, err := b.st.Principal(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(p.Visible))
	for id := range p.Visible {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

func (b *bench) get(path string, cookie *http.Cookie, bearer string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, b.srv.base+path, nil)
	if err != nil {
		return nil, err
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return req, nil
}

// getOp requests path(w, seq) as the caller cookie(w) or bearer(w) names.
func (b *bench) getOp(path func(w, seq int) string, cookie func(w int) *http.Cookie, bearer func(w int) string) Op {
	return func(ctx context.Context, w, seq int) (Obs, error) {
		var c *http.Cookie
		var tok string
		if cookie != nil {
			c = cookie(w)
		}
		if bearer != nil {
			tok = bearer(w)
		}
		req, err := b.get(path(w, seq), c, tok)
		if err != nil {
			return Obs{}, err
		}
		return do(b.client, req.WithContext(ctx), http.StatusOK)
	}
}

func (b *bench) officerCookie(w int) *http.Cookie { return b.cookies[w%len(b.officers)] }
func (b *bench) officerToken(w int) string        { return b.tokens[w%len(b.officers)] }
func (b *bench) officer(w int) Officer            { return b.officers[w%len(b.officers)] }

func (b *bench) staticOp() Op {
	asset := web.Asset("app.css")
	return b.getOp(func(int, int) string { return asset }, nil, nil)
}

func (b *bench) loginPageOp() Op {
	return b.getOp(func(int, int) string { return "/login" }, nil, nil)
}

func (b *bench) categoryOp() Op {
	return b.getOp(func(w, seq int) string {
		c := b.cl.Categories[(w+seq)%len(b.cl.Categories)]
		return "/assessments/" + b.officer(w).Draft + "/categories/" + c.ID
	}, b.officerCookie, nil)
}

func (b *bench) reportOp() Op {
	return b.getOp(func(w, _ int) string { return "/assessments/" + b.officer(w).Submitted + "/report" }, b.officerCookie, nil)
}

func (b *bench) dashboardOp(c *http.Cookie) Op {
	return b.getOp(func(int, int) string { return "/dashboard" }, func(int) *http.Cookie { return c }, nil)
}

func (b *bench) benchmarkOp() Op {
	return b.getOp(func(w, _ int) string { return "/api/v1/assessments/" + b.officer(w).Submitted + "/benchmark" }, nil, b.officerToken)
}

// questionsOf gives worker w of conc its own questions of its officer's
// draft: workers that share a draft never save the same question, so no
// save waits on another's row or meets a version conflict.
func (b *bench) questionsOf(w, conc int) []string {
	n := len(b.officers)
	share := min(len(b.cl.QuestionIDs()), (conc+n-1)/n)
	var out []string
	for i, q := range b.cl.QuestionIDs() {
		if i%share == (w/n)%share {
			out = append(out, q)
		}
	}
	return out
}

// saveInput is the seq-th save of a question: the level cycles, the key
// points follow it and the comment always changes, so every save writes.
func (b *bench) saveInput(qid string, w, seq int) (level int, points []string, comment string) {
	q, _ := b.cl.Question(qid)
	level = 1 + seq%5
	for _, p := range q.Points[:min(len(q.Points), level-1)] {
		points = append(points, p.ID)
	}
	return level, points, fmt.Sprintf("bench %d/%d", w, seq)
}

// saveOp posts the question form as htmx does. Each worker keeps the
// version of its questions, read from the database when the op is made.
func (b *bench) saveOp(ctx context.Context, conc int, instances ...*server) (Op, error) {
	if len(instances) == 0 {
		instances = []*server{b.srv}
	}
	drafts := make([]string, len(b.officers))
	for i, o := range b.officers {
		drafts[i] = o.Draft
	}
	rows, err := b.pool.Query(ctx, `SELECT assessment_id::text, question_id, version FROM answers WHERE assessment_id = ANY($1::uuid[])`, drafts)
	if err != nil {
		return nil, err
	}
	versions := map[string]int{}
	for rows.Next() {
		var a, q string
		var v int
		if err := rows.Scan(&a, &q, &v); err != nil {
			return nil, err
		}
		versions[a+"/"+q] = v
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	type worker struct {
		qids    []string
		version map[string]int
		n       int // saves sent: seq restarts after the warm-up, this does not
	}
	ws := make([]worker, conc)
	for w := range ws {
		ws[w] = worker{qids: b.questionsOf(w, conc), version: map[string]int{}}
		for _, q := range ws[w].qids {
			ws[w].version[q] = versions[b.officer(w).Draft+"/"+q]
		}
	}
	return func(ctx context.Context, w, seq int) (Obs, error) {
		st := &ws[w]
		st.n++
		qid := st.qids[st.n%len(st.qids)]
		level, points, comment := b.saveInput(qid, w, st.n)
		form := url.Values{"level": {strconv.Itoa(level)}, "points": points, "comment": {comment},
			"version": {strconv.Itoa(st.version[qid])}}
		path := "/assessments/" + b.officer(w).Draft + "/answers/" + qid
		base := instances[w%len(instances)].base // officers' sessions live in the database: any instance serves them
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
		if err != nil {
			return Obs{}, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.AddCookie(b.officerCookie(w))
		q, err := do(b.client, req, http.StatusOK)
		if err == nil {
			st.version[qid]++
		}
		return q, err
	}, nil
}

// upsertSQL is the single-row write at the heart of store.SaveAnswer.
const upsertSQL = `
	INSERT INTO answers (assessment_id, question_id, level, comment, points_met, carried_over, version, updated_by, updated_at)
	VALUES ($1, $2, $3, $4, $5, false, 1, $6, now())
	ON CONFLICT (assessment_id, question_id) DO UPDATE SET level = EXCLUDED.level, comment = EXCLUDED.comment,
		points_met = EXCLUDED.points_met, carried_over = false, version = answers.version + 1,
		updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
	RETURNING version, updated_at`

// upsertOp is the bare baseline of the save: the same upsert of the same
// rows through pgx, one connection per client, nothing else.
func (b *bench) upsertOp(ctx context.Context, conc int) (Op, func(), error) {
	cfg, err := pgxpool.ParseConfig(b.o.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	cfg.MaxConns, cfg.MinConns = int32(conc), int32(conc)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	qids := make([][]string, conc)
	for w := range qids {
		qids[w] = b.questionsOf(w, conc)
	}
	return func(ctx context.Context, w, seq int) (Obs, error) {
		qid := qids[w][seq%len(qids[w])]
		level, points, comment := b.saveInput(qid, w, seq)
		if points == nil {
			points = []string{}
		}
		var v int
		var at time.Time
		err := pool.QueryRow(ctx, upsertSQL, b.officer(w).Draft, qid, int16(level), comment, points, b.officer(w).UserID).Scan(&v, &at)
		return Obs{Queries: 1}, err
	}, pool.Close, nil
}

func (b *bench) dashboardSQLOp(scope store.OrgScope) Op {
	return func(ctx context.Context, _, _ int) (Obs, error) {
		_, err := b.st.Dashboard(ctx, scope)
		return Obs{Queries: 1}, err
	}
}

func (b *bench) benchmarkSQLOp() Op {
	return func(ctx context.Context, w, _ int) (Obs, error) {
		_, err := b.st.BenchmarkGroups(ctx, b.officer(w).Submitted)
		return Obs{Queries: 1}, err
	}
}

// mixedOp rotates each client through the reading paths and the save, as a
// crowd of officers and managers would.
func (b *bench) mixedOp(ctx context.Context, conc int, missing map[string]bool) (Op, error) {
	save, err := b.saveOp(ctx, conc)
	if err != nil {
		return nil, err
	}
	ops := []Op{b.categoryOp(), b.reportOp(), save}
	if !missing[nameDashTop] {
		ops = append(ops, b.dashboardOp(b.top))
	}
	if !missing[nameBenchAPI] {
		ops = append(ops, b.benchmarkOp())
	}
	return func(ctx context.Context, w, seq int) (Obs, error) {
		return ops[(w+seq)%len(ops)](ctx, w, seq/len(ops))
	}, nil
}
