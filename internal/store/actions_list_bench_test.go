package store_test

import (
	"cmp"
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// seedActions fills a database with orgs organisations, each with an
// owner, an assessment answering every question and perActions actions.
// It returns the organisations' ids.
func seedActions(tb testing.TB, db *pgxpool.Pool, orgs, perOrg int) []string {
	tb.Helper()
	ctx := context.Background()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO orgs (name) SELECT 'bench ' || lpad(g::text, 6, '0') FROM generate_series(1, $1::int) g`, []any{orgs}},
		{`INSERT INTO users (email, display_name, password_hash, role, org_id)
			SELECT 'owner-' || o.id || '@bench.example', 'owner ' || o.name, 'x', 'officer', o.id FROM orgs o`, nil},
		{`INSERT INTO assessments (org_id, title, checklist_id) SELECT id, 'bench', $1 FROM orgs`, []any{checklist.Default().ID}},
		{`INSERT INTO answers (assessment_id, question_id, level)
			SELECT a.id, q, 1 + abs(hashtext(a.id::text || q)) % 5 FROM assessments a, unnest($1::text[]) q`, []any{checklist.Default().QuestionIDs()}},
		{`INSERT INTO actions (org_id, title, questions, owner_id, due_on, priority)
			SELECT o.id, 'action ' || i, jsonb_build_array(jsonb_build_object('question_id', ($1::text[])[1 + abs(hashtext(o.id::text || i)) % 27],
				'planned_level', 5)), u.id, current_date - 60 + abs(hashtext(o.name || i)) % 365, (ARRAY['high', 'medium', 'low'])[1 + i % 3]
			FROM orgs o JOIN users u ON u.org_id = o.id, generate_series(1, $2::int) i`, []any{checklist.Default().QuestionIDs(), perOrg}},
		{`ANALYZE`, nil},
	} {
		if _, err := db.Exec(ctx, q.sql, q.args...); err != nil {
			tb.Fatalf("seed: %v\n%s", err, q.sql)
		}
	}
	rows, err := db.Query(ctx, `SELECT id::text FROM orgs`)
	if err != nil {
		tb.Fatal(err)
	}
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// BenchmarkActionsList is the /actions list of an administrator (every
// organisation) and of a manager at the top of all of them, sorted by
// expected gain: the old path (every organisation's id, every action, the
// newest levels of every organisation, the gains and the sort in Go, every
// owner) against one page in SQL, the manager's with the ids of every
// organisation they see and with their subtree (the dashboard's scope rows). MAMORI_BENCH_ORGS sets the number of
// organisations (2,000 by default), with 5 actions each.
//
//	go test ./internal/store -run '^$' -bench ActionsList -benchtime 20x
func BenchmarkActionsList(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b)
	db := storetest.DB(b, st)
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("MAMORI_BENCH_ORGS")); err == nil && v > 0 {
		n = v
	}
	ids := seedActions(b, db, n, 5)
	today := action.Today(time.Now())
	// The manager at the top: every organisation a subsidiary of one more.
	var top string
	if err := db.QueryRow(ctx, `INSERT INTO orgs (name) VALUES ('bench top') RETURNING id::text`).Scan(&top); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE orgs SET parent_id = $1 WHERE id <> $1`, top); err != nil {
		b.Fatal(err)
	}
	if _, err := st.RebuildDashboard(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	subtree := store.Reach{OrgIDs: append(slices.Clone(ids), top), Subtree: top}

	old := func(b *testing.B, visible []string) int {
		if visible == nil {
			orgs, err := st.ListOrgs(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, o := range orgs {
				visible = append(visible, o.ID)
			}
		}
		var owners int
		err := db.QueryRow(ctx, `SELECT count(*) FROM (SELECT u.id, u.display_name FROM users u
			WHERE EXISTS (SELECT 1 FROM actions a WHERE a.owner_id = u.id AND a.org_id = ANY($1::uuid[]))
			ORDER BY u.display_name, u.id) o`, visible).Scan(&owners)
		if err != nil {
			b.Fatal(err)
		}
		as, err := st.ListActions(ctx, store.ActionFilter{OrgIDs: visible})
		if err != nil {
			b.Fatal(err)
		}
		levels, err := st.NewestLevels(ctx, visible)
		if err != nil {
			b.Fatal(err)
		}
		type row struct {
			a    store.Action
			gain int
		}
		rows := make([]row, len(as))
		for i, a := range as {
			rows[i].a = a
			for _, q := range a.Questions {
				rows[i].gain += max(0, q.PlannedLevel-levels[a.OrgID][q.QuestionID])
			}
			_ = action.Overdue(a.Status, a.DueOn, today)
		}
		slices.SortStableFunc(rows, func(x, y row) int { return cmp.Or(cmp.Compare(y.gain, x.gain), x.a.DueOn.Compare(y.a.DueOn)) })
		return min(len(rows), 50)
	}
	page := func(b *testing.B, scope store.Reach) int {
		if _, err := st.ActionOwners(ctx, scope, "", 50); err != nil {
			b.Fatal(err)
		}
		p, err := st.ListActionsPage(ctx, scope, store.ActionQuery{Today: today, Sort: store.SortByGain, Page: 1, Size: 50})
		if err != nil {
			b.Fatal(err)
		}
		return len(p.Actions)
	}
	for _, bb := range []struct {
		name string
		run  func(*testing.B) int
	}{
		{"Administrator/Old", func(b *testing.B) int { return old(b, nil) }},
		{"Administrator/New", func(b *testing.B) int { return page(b, store.Reach{All: true}) }},
		{"Manager/Old", func(b *testing.B) int { return old(b, ids) }},
		{"Manager/New", func(b *testing.B) int { return page(b, store.Reach{OrgIDs: ids}) }},
		{"Manager/Subtree", func(b *testing.B) int { return page(b, subtree) }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if got := bb.run(b); got != 50 {
					b.Fatalf("%d rows, want 50", got)
				}
			}
		})
	}
}

// BenchmarkAnswerSaveActionGain is an answer save that changes a level of
// the organisation's newest assessment, with and without the triggers that
// keep the actions' gains (migration 0026): the cost they add to the save
// path, in the same run. The organisation has 5 actions; Named saves a
// question one of them names (its gain moves: the worst case), Unnamed one
// none names.
func BenchmarkAnswerSaveActionGain(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b)
	db := storetest.DB(b, st)
	seedActions(b, db, 200, 5)
	var assessmentID, named, unnamed string
	err := db.QueryRow(ctx, `
		SELECT a.id, x.questions->0->>'question_id',
			(SELECT q FROM unnest($1::text[]) q WHERE NOT EXISTS (SELECT 1 FROM actions y
				WHERE y.org_id = a.org_id AND y.questions @> jsonb_build_array(jsonb_build_object('question_id', q))) LIMIT 1)
		FROM assessments a JOIN actions x ON x.org_id = a.org_id LIMIT 1`, checklist.Default().QuestionIDs()).Scan(&assessmentID, &named, &unnamed)
	if err != nil {
		b.Fatal(err)
	}
	save := func(q string) func(b *testing.B) {
		return func(b *testing.B) {
			cur, err := st.Answers(ctx, assessmentID)
			if err != nil {
				b.Fatal(err)
			}
			v := cur[q].Version
			for i := 0; b.Loop(); i++ {
				lv := 1 + i%5
				a, err := st.SaveAnswer(ctx, assessmentID, q, assessment.AnswerValues{Level: &lv, Version: v}, store.Actor{})
				if err != nil {
					b.Fatal(err)
				}
				v = a.Version
			}
		}
	}
	triggers := func(b *testing.B, on bool) {
		for _, tr := range []string{"answers_action_gain_insert", "answers_action_gain_update", "answers_action_gain_delete"} {
			verb := map[bool]string{true: "ENABLE", false: "DISABLE"}[on]
			if _, err := db.Exec(ctx, `ALTER TABLE answers `+verb+` TRIGGER `+tr); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Alternately, so that a drift of the shared machine shows in both.
	for range 2 {
		for _, on := range []bool{true, false} {
			name := map[bool]string{true: "WithGainTriggers", false: "WithoutGainTriggers"}[on]
			b.Run(name+"/Named", func(b *testing.B) { triggers(b, on); save(named)(b) })
			b.Run(name+"/Unnamed", func(b *testing.B) { triggers(b, on); save(unnamed)(b) })
		}
	}
}
