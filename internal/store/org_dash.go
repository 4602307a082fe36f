package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/width"

	"mamori/checklist"
)

// AllScope is the scope of org_dash that lists every organisation (the
// administrators' dashboard); any other scope is an organisation's id and
// lists it and its descendants (a manager's).
const AllScope = "00000000-0000-0000-0000-000000000000"

// dashShards is how many rows of org_dash_rollup each scope's counts are
// spread over.
const dashShards = 16

// noTotal sorts an organisation without an approved result last.
const noTotal = 1 << 30

// FoldName makes a name search ignore case and full/half width.
func FoldName(s string) string { return strings.ToLower(width.Fold.String(s)) }

// orgDash is what org_dash keeps of an organisation.
type orgDash struct {
	Name, RiskGroup, Status string
	LatestID, CycleID       *string
	TotalKey, Shortfall     int
}

// Shortfall is the hundredths a frozen result falls below its targets,
// summed over the checklist's categories (the dashboard's shortfall).
func Shortfall(r *FrozenResult) int {
	if r == nil {
		return 0
	}
	sum := 0
	for _, c := range checklist.Default().Categories {
		avg, ok := r.CategoryAverages[c.ID]
		if !ok {
			continue
		}
		if g := int(math.Round(avg*100)) - int(math.Round(r.CategoryTargets[c.ID]*100)); g < 0 {
			sum -= g
		}
	}
	return sum
}

func dashOf(d DashboardRow) orgDash {
	o := orgDash{Name: d.OrgName, RiskGroup: string(d.RiskGroup()), Status: "none", TotalKey: noTotal}
	if d.Latest != nil {
		o.LatestID, o.TotalKey, o.Shortfall = &d.Latest.AssessmentID, d.Latest.TotalScore, Shortfall(d.Latest)
	}
	if d.Current != nil {
		o.CycleID, o.Status = &d.Current.AssessmentID, string(d.Current.Status)
	}
	return o
}

// dashCounts is an organisation's contribution to its scopes' summary
// counts (org_dash_rollup), or the difference between two.
type dashCounts struct {
	Orgs, None, Draft, Submitted, Returned, Approved, WithResult, BelowTarget int
	SumTotal                                                                  int64
}

func (o orgDash) counts() dashCounts {
	c := dashCounts{Orgs: 1}
	switch o.Status {
	case "none":
		c.None = 1
	case "draft":
		c.Draft = 1
	case "submitted":
		c.Submitted = 1
	case "returned":
		c.Returned = 1
	case "approved":
		c.Approved = 1
	}
	if o.LatestID != nil {
		c.WithResult, c.SumTotal = 1, int64(o.TotalKey)
		if o.Shortfall > 0 {
			c.BelowTarget = 1
		}
	}
	return c
}

func (c dashCounts) plus(d dashCounts, sign int) dashCounts {
	return dashCounts{c.Orgs + sign*d.Orgs, c.None + sign*d.None, c.Draft + sign*d.Draft, c.Submitted + sign*d.Submitted,
		c.Returned + sign*d.Returned, c.Approved + sign*d.Approved, c.WithResult + sign*d.WithResult,
		c.BelowTarget + sign*d.BelowTarget, c.SumTotal + int64(sign)*d.SumTotal}
}

func dashShard(orgID string) int {
	h := fnv.New32a()
	h.Write([]byte(orgID))
	return int(h.Sum32() % dashShards)
}

// refreshOrgDash brings the organisation's rows of org_dash (one per scope
// that lists it) and its share of those scopes' counts in line with the
// organisation, its profile and its assessments, inside tx. Call it in the
// transaction of anything that changes them: an organisation created,
// renamed or moved (refreshOrgDashTree), a profile, an assessment created
// or its status or decision date changed. TestDashboardMaintained compares
// the result with a rebuild after each kind of change.
func refreshOrgDash(ctx context.Context, tx pgx.Tx, orgID string) error {
	// One refresh of an organisation at a time, as refreshOrgPeer: the
	// differences added to the counts are against what the last one stored.
	if err := lockOrgSummary(ctx, tx, orgID); err != nil {
		return fmt.Errorf("dashboard refresh: %w", err)
	}
	rows, err := tx.Query(ctx, dashboardRowsSQL(`(SELECT $2::uuid AS id, 0::bigint AS n) src`, "src.n"), "", orgID)
	if err != nil {
		return fmt.Errorf("dashboard refresh: %w", err)
	}
	found, err := pgx.CollectRows(rows, scanDashboardRow)
	if err != nil {
		return fmt.Errorf("dashboard refresh: %w", err)
	}
	var oldScopes, newScopes []string
	var old orgDash
	var oldTotal, oldShortfall *int32
	var oldStatus *string
	err = tx.QueryRow(ctx, `
		WITH RECURSIVE up AS (
			SELECT id, parent_id FROM orgs WHERE id = $1
			UNION -- not ALL: ends even on a cycle
			SELECT o.id, o.parent_id FROM orgs o JOIN up ON o.id = up.parent_id
		)
		SELECT ARRAY(SELECT id FROM up)::text[], ARRAY(SELECT scope_id FROM org_dash WHERE org_id = $1)::text[],
			coalesce(d.name, ''), coalesce(d.risk_group, ''), d.latest_id, d.total_key, d.shortfall, d.cycle_id, d.cycle_status
		FROM (SELECT 1) x LEFT JOIN org_dash d ON d.org_id = $1 AND d.scope_id = $2`, orgID, AllScope).
		Scan(&newScopes, &oldScopes, &old.Name, &old.RiskGroup, &old.LatestID, &oldTotal, &oldShortfall, &old.CycleID, &oldStatus)
	if err != nil {
		return fmt.Errorf("dashboard refresh: stored: %w", err)
	}
	hasOld := oldStatus != nil
	if hasOld {
		old.TotalKey, old.Shortfall, old.Status = int(*oldTotal), int(*oldShortfall), *oldStatus
	}
	var cur orgDash
	hasCur := len(found) == 1 && len(newScopes) > 0
	if hasCur {
		cur = dashOf(found[0])
		newScopes = append(newScopes, AllScope)
	} else {
		newScopes = nil
	}
	slices.Sort(newScopes)
	slices.Sort(oldScopes)
	if hasOld && hasCur && slices.Equal(oldScopes, newScopes) && dashEqual(old, cur) {
		return nil
	}
	if hasCur {
		_, err = tx.Exec(ctx, `
			WITH gone AS (DELETE FROM org_dash WHERE org_id = $1 AND scope_id <> ALL($2::uuid[])),
			gone_recent AS (DELETE FROM org_dash_recent WHERE org_id = $1 AND scope_id <> ALL($2::uuid[])),
			recent AS (
				INSERT INTO org_dash_recent (org_id, scope_id, name, cycle_id, cycle_updated_at)
				SELECT $1, s, $3, $9, (SELECT updated_at FROM assessments WHERE id = $9) FROM unnest($2::uuid[]) s
				ON CONFLICT (org_id, scope_id) DO UPDATE SET name = EXCLUDED.name, cycle_id = EXCLUDED.cycle_id,
					cycle_updated_at = EXCLUDED.cycle_updated_at
			)
			INSERT INTO org_dash (org_id, scope_id, name, name_folded, risk_group, latest_id, total_key, shortfall,
				cycle_id, cycle_status)
			SELECT $1, s, $3, $4, $5, $6, $7, $8, $9, $10 FROM unnest($2::uuid[]) s
			ON CONFLICT (org_id, scope_id) DO UPDATE SET name = EXCLUDED.name, name_folded = EXCLUDED.name_folded,
				risk_group = EXCLUDED.risk_group, latest_id = EXCLUDED.latest_id, total_key = EXCLUDED.total_key,
				shortfall = EXCLUDED.shortfall, cycle_id = EXCLUDED.cycle_id, cycle_status = EXCLUDED.cycle_status`,
			orgID, newScopes, cur.Name, FoldName(cur.Name), cur.RiskGroup, cur.LatestID, cur.TotalKey, cur.Shortfall,
			cur.CycleID, cur.Status)
	} else {
		_, err = tx.Exec(ctx, `WITH gone AS (DELETE FROM org_dash_recent WHERE org_id = $1) DELETE FROM org_dash WHERE org_id = $1`, orgID)
	}
	if err != nil {
		return fmt.Errorf("dashboard refresh: save: %w", err)
	}
	deltas := map[string]dashCounts{}
	if hasOld {
		for _, s := range oldScopes {
			deltas[s] = deltas[s].plus(old.counts(), -1)
		}
	}
	if hasCur {
		for _, s := range newScopes {
			deltas[s] = deltas[s].plus(cur.counts(), 1)
		}
	}
	return addDashCounts(ctx, tx, deltas, dashShard(orgID))
}

func dashEqual(a, b orgDash) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Name == b.Name && a.RiskGroup == b.RiskGroup && a.Status == b.Status && a.TotalKey == b.TotalKey &&
		a.Shortfall == b.Shortfall && eq(a.LatestID, b.LatestID) && eq(a.CycleID, b.CycleID)
}

// addDashCounts adds deltas (by scope) to the scopes' counts in shard, in
// the order of the scopes so that two changes never wait on each other in
// a cycle.
func addDashCounts(ctx context.Context, tx pgx.Tx, deltas map[string]dashCounts, shard int) error {
	var scopes []string
	var cols [9][]int64
	for _, s := range slices.Sorted(mapsKeys(deltas)) {
		d := deltas[s]
		if d == (dashCounts{}) {
			continue
		}
		scopes = append(scopes, s)
		for i, v := range []int64{int64(d.Orgs), int64(d.None), int64(d.Draft), int64(d.Submitted), int64(d.Returned),
			int64(d.Approved), int64(d.WithResult), int64(d.BelowTarget), d.SumTotal} {
			cols[i] = append(cols[i], v)
		}
	}
	if len(scopes) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO org_dash_rollup AS r (scope_id, shard, orgs, st_none, st_draft, st_submitted, st_returned, st_approved,
			with_result, below_target, sum_total)
		SELECT s, $2, a, b, c, d, e, f, g, h, i
		FROM unnest($1::uuid[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::bigint[])
			AS x (s, a, b, c, d, e, f, g, h, i)
		ORDER BY s
		ON CONFLICT (scope_id, shard) DO UPDATE SET orgs = r.orgs + EXCLUDED.orgs, st_none = r.st_none + EXCLUDED.st_none,
			st_draft = r.st_draft + EXCLUDED.st_draft, st_submitted = r.st_submitted + EXCLUDED.st_submitted,
			st_returned = r.st_returned + EXCLUDED.st_returned, st_approved = r.st_approved + EXCLUDED.st_approved,
			with_result = r.with_result + EXCLUDED.with_result, below_target = r.below_target + EXCLUDED.below_target,
			sum_total = r.sum_total + EXCLUDED.sum_total`,
		scopes, shard, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8])
	if err != nil {
		return fmt.Errorf("dashboard counts: %w", err)
	}
	return nil
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// refreshOrgDashTree is refreshOrgDash for an organisation and every
// descendant: after it moved, their scopes changed. By id, as a campaign's
// launch refreshes its organisations, so that two never wait on each other
// in a cycle.
func refreshOrgDashTree(ctx context.Context, tx pgx.Tx, orgID string) error {
	rows, err := tx.Query(ctx, `
		WITH RECURSIVE down AS (
			SELECT id FROM orgs WHERE id = $1
			UNION -- not ALL: ends even on a cycle
			SELECT o.id FROM orgs o JOIN down ON o.parent_id = down.id
		)
		SELECT id::text FROM down ORDER BY id`, orgID)
	if err != nil {
		return fmt.Errorf("dashboard refresh: subtree: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("dashboard refresh: subtree: %w", err)
	}
	for _, id := range ids {
		if err := refreshOrgDash(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// refreshOrgDashOfAssessment is refreshOrgDash for the organisation of an
// assessment.
func refreshOrgDashOfAssessment(ctx context.Context, tx pgx.Tx, assessmentID string) error {
	var orgID string
	if err := tx.QueryRow(ctx, `SELECT org_id FROM assessments WHERE id = $1`, assessmentID).Scan(&orgID); err != nil {
		return fmt.Errorf("dashboard refresh: %w", notFound(err))
	}
	return refreshOrgDash(ctx, tx, orgID)
}

// RebuildDashboard computes every organisation's rows of org_dash and every
// scope's counts again, replacing what is stored: after the migration that
// introduced them, or after data was loaded behind the store's back.
func (s *Store) RebuildDashboard(ctx context.Context) (orgs int, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE org_dash, org_dash_recent, org_dash_rollup, dashboard_state IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM org_dash; DELETE FROM org_dash_recent; DELETE FROM org_dash_rollup`); err != nil {
			return err
		}
		scopes := map[string][]string{}
		rows, err := tx.Query(ctx, `
			WITH RECURSIVE up AS (
				SELECT id AS org_id, id AS scope_id, parent_id FROM orgs
				UNION -- not ALL: ends even on a cycle
				SELECT up.org_id, o.id, o.parent_id FROM up JOIN orgs o ON o.id = up.parent_id
			)
			SELECT org_id::text, array_agg(scope_id)::text[] FROM up GROUP BY org_id`)
		if err != nil {
			return err
		}
		var id string
		var ss []string
		_, err = pgx.ForEachRow(rows, []any{&id, &ss}, func() error {
			scopes[id] = append(ss, AllScope)
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, dashboardRowsSQL(`(SELECT id, 0::bigint AS n FROM orgs) src`, "src.n"), "")
		if err != nil {
			return err
		}
		all, err := pgx.CollectRows(rows, scanDashboardRow)
		if err != nil {
			return err
		}
		var orgIDs, scopeIDs, names, folded, groups, statuses []string
		var latest, cycles []*string
		var totals, shortfalls []int
		shards := map[int]map[string]dashCounts{}
		for _, d := range all {
			o := dashOf(d)
			if shards[dashShard(d.OrgID)] == nil {
				shards[dashShard(d.OrgID)] = map[string]dashCounts{}
			}
			for _, sc := range scopes[d.OrgID] {
				orgIDs, scopeIDs, names, folded = append(orgIDs, d.OrgID), append(scopeIDs, sc), append(names, o.Name), append(folded, FoldName(o.Name))
				groups, statuses, latest, cycles = append(groups, o.RiskGroup), append(statuses, o.Status), append(latest, o.LatestID), append(cycles, o.CycleID)
				totals, shortfalls = append(totals, o.TotalKey), append(shortfalls, o.Shortfall)
				m := shards[dashShard(d.OrgID)]
				m[sc] = m[sc].plus(o.counts(), 1)
			}
		}
		if _, err := tx.Exec(ctx, `
			WITH x AS (
				SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::int[], $8::int[], $9::uuid[], $10::text[])
					AS x (o, s, n, f, g, l, t, sh, c, st)
			), recent AS (
				INSERT INTO org_dash_recent (org_id, scope_id, name, cycle_id, cycle_updated_at)
				SELECT x.o, x.s, x.n, x.c, a.updated_at FROM x LEFT JOIN assessments a ON a.id = x.c
			)
			INSERT INTO org_dash (org_id, scope_id, name, name_folded, risk_group, latest_id, total_key, shortfall,
				cycle_id, cycle_status)
			SELECT x.o, x.s, x.n, x.f, x.g, x.l, x.t, x.sh, x.c, x.st FROM x`,
			orgIDs, scopeIDs, names, folded, groups, latest, totals, shortfalls, cycles, statuses); err != nil {
			return err
		}
		for shard, deltas := range shards {
			if err := addDashCounts(ctx, tx, deltas, shard); err != nil {
				return err
			}
		}
		orgs = len(all)
		_, err = tx.Exec(ctx, `INSERT INTO dashboard_state (built_at) VALUES (now()) ON CONFLICT (id) DO UPDATE SET built_at = now()`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: rebuild dashboard: %w", err)
	}
	return orgs, nil
}

// EnsureDashboard builds the dashboard's tables when they never were (see
// RebuildDashboard); `mamori serve` calls it at start.
func (s *Store) EnsureDashboard(ctx context.Context) (built bool, err error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dashboard_state)`).Scan(&exists); err != nil {
		return false, fmt.Errorf("store: dashboard state: %w", err)
	}
	if exists {
		return false, nil
	}
	if _, err := s.RebuildDashboard(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// lockOrgSummary takes the organisation's row as the lock of its dashboard
// summary, until tx ends. It comes before any row of org_dash, org_dash_recent
// or the counts: a transaction that updates an assessment (whose trigger
// moves org_dash_recent) takes it first, or it would wait for the lock
// holding recent rows a refresh wants (a deadlock seen between a
// submission and an assessment created at once).
func lockOrgSummary(ctx context.Context, tx pgx.Tx, orgID string) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE`, orgID); err != nil {
		return fmt.Errorf("lock organisation %s: %w", orgID, err)
	}
	return nil
}
