package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DashboardFilter is the dashboard's filter and order, as org_dash keeps
// them.
type DashboardFilter struct {
	Q      string // part of the name, folded (FoldName); "" matches every name
	Group  string // GI, GII, GIII, "none" or "" (any)
	Status string // the current cycle's status, "none" or "" (any)
	Sort   string // name (default), total, shortfall or updated
}

func (f DashboardFilter) active() bool { return f.Q != "" || f.Group != "" || f.Status != "" }

// DashboardPageQuery asks for one page of a scope's dashboard.
type DashboardPageQuery struct {
	Scope string // AllScope, or the organisation whose subtree is listed
	DashboardFilter
	Page, PageSize int // Page from 1; a page past the last reads the last
	// TrendWant are the organisations whose trend may be drawn, in order of
	// preference: the first in scope with an approved result is Trend, else
	// the first matching the filter with one.
	TrendWant []string
}

// DashboardCounts are the summary counts of a scope.
type DashboardCounts struct {
	Orgs, WithResult, BelowTarget int
	SumTotal                      int64
	ByStatus                      map[string]int
}

// DashboardPage is one page of a dashboard.
type DashboardPage struct {
	Counts   DashboardCounts
	Matching int // organisations matching the filter
	Page     int // the page read
	Rows     []DashboardRow
	Trend    *DashboardRow
}

// dashboardOrders are the orders of org_dash d (and org_dash_recent r),
// each served by an index that leads with the scope.
var dashboardOrders = map[string]string{
	"name":      "d.name, d.org_id",
	"total":     "d.total_key, d.name, d.org_id",
	"shortfall": "d.shortfall DESC, d.name, d.org_id",
	"updated":   "r.cycle_updated_at DESC NULLS LAST, r.name, r.org_id",
}

// dashboardFrom is the FROM item of the order: org_dash d, joined to
// org_dash_recent r in the order by the last change.
func dashboardFrom(sort string) string {
	if sort == "updated" {
		return "org_dash_recent r JOIN org_dash d ON d.org_id = r.org_id AND d.scope_id = r.scope_id"
	}
	return "org_dash d"
}

// where is the condition on org_dash d for the scope and filter, its
// parameters appended to args.
func (f DashboardFilter) where(scope string, args []any) (string, []any) {
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	conds := []string{"d.scope_id = " + arg(scope) + "::uuid"}
	if f.Q != "" { // the one condition no index serves: it reads the scope's rows
		conds = append(conds, "strpos(d.name_folded, "+arg(f.Q)+"::text) > 0")
	}
	if f.Group != "" {
		g := f.Group
		if g == "none" {
			g = ""
		}
		conds = append(conds, "d.risk_group = "+arg(g)+"::text")
	}
	if f.Status != "" {
		conds = append(conds, "d.cycle_status = "+arg(f.Status)+"::text")
	}
	return strings.Join(conds, " AND "), args
}

// DashboardPage reads one page of a dashboard in two statements whatever
// the number of organisations: the scope's counts from their maintained
// shards with the number matching the filter and the trend's organisation,
// then the page's rows (and the trend's) by index.
func (s *Store) DashboardPage(ctx context.Context, q DashboardPageQuery) (DashboardPage, error) {
	order, ok := dashboardOrders[q.Sort]
	if !ok {
		order, q.Sort = dashboardOrders["name"], "name"
	}
	from := dashboardFrom(q.Sort)
	want := uuidArray(q.TrendWant) // an id that is not one is left out
	var out DashboardPage
	err := readReport(ctx, s, func(tx pgx.Tx) error {
		where, args := q.where(q.Scope, nil)
		matching := "NULL::bigint"
		if q.active() {
			matching = "(SELECT count(*) FROM org_dash d WHERE " + where + ")"
		}
		args = append(args, want)
		wantArg := "$" + strconv.Itoa(len(args))
		args = append(args, q.Scope)
		scopeArg := "$" + strconv.Itoa(len(args))
		var c [9]int64
		var match *int64
		var trend *string
		err := tx.QueryRow(ctx, `
			SELECT coalesce(sum(orgs), 0), coalesce(sum(st_none), 0), coalesce(sum(st_draft), 0), coalesce(sum(st_submitted), 0),
				coalesce(sum(st_returned), 0), coalesce(sum(st_approved), 0), coalesce(sum(with_result), 0),
				coalesce(sum(below_target), 0), coalesce(sum(sum_total), 0)::bigint, `+matching+`,
				coalesce(
					(SELECT d.org_id::text FROM org_dash d WHERE d.scope_id = `+scopeArg+`::uuid AND d.org_id = ANY(`+wantArg+`::uuid[])
						AND d.latest_id IS NOT NULL ORDER BY array_position(`+wantArg+`::uuid[], d.org_id) LIMIT 1),
					(SELECT d.org_id::text FROM `+from+` WHERE `+where+` AND d.latest_id IS NOT NULL ORDER BY `+order+` LIMIT 1))
			FROM org_dash_rollup WHERE scope_id = `+scopeArg+`::uuid`, args...).
			Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &match, &trend)
		if err != nil {
			return fmt.Errorf("counts: %w", err)
		}
		out.Counts = DashboardCounts{Orgs: int(c[0]), WithResult: int(c[6]), BelowTarget: int(c[7]), SumTotal: c[8],
			ByStatus: map[string]int{"none": int(c[1]), "draft": int(c[2]), "submitted": int(c[3]), "returned": int(c[4]), "approved": int(c[5])}}
		for k, v := range out.Counts.ByStatus {
			if v == 0 {
				delete(out.Counts.ByStatus, k)
			}
		}
		out.Matching = out.Counts.Orgs
		if match != nil {
			out.Matching = int(*match)
		}
		size := max(q.PageSize, 1)
		pages := max(1, (out.Matching+size-1)/size)
		out.Page = min(max(q.Page, 1), pages)
		trendID := ""
		if trend != nil {
			trendID = *trend
		}
		args = []any{""}
		where, args = q.where(q.Scope, args)
		args = append(args, size, (out.Page-1)*size, trend)
		n := len(args)
		src := fmt.Sprintf(`(
			SELECT org_id AS id, n FROM (
				SELECT d.org_id, row_number() OVER (ORDER BY %[1]s) AS n FROM %[6]s WHERE %[2]s ORDER BY %[1]s LIMIT $%[3]d OFFSET $%[4]d
			) p
			UNION ALL
			SELECT $%[5]d::uuid, 0 WHERE $%[5]d::uuid IS NOT NULL
		) src`, order, where, n-2, n-1, n, from)
		rows, err := tx.Query(ctx, dashboardRowsSQL(src, "src.n"), args...)
		if err != nil {
			return fmt.Errorf("page: %w", err)
		}
		all, err := pgx.CollectRows(rows, scanDashboardRow)
		if err != nil {
			return fmt.Errorf("page: %w", err)
		}
		if trendID != "" && len(all) > 0 && all[0].OrgID == trendID {
			t := all[0]
			out.Trend, all = &t, all[1:]
		}
		out.Rows = all
		return nil
	})
	if err != nil {
		return DashboardPage{}, fmt.Errorf("store: dashboard page: %w", err)
	}
	return out, nil
}

// DashboardEach calls fn with every organisation of a scope matching the
// filter, in its order, as the rows arrive from one cursor: the export's
// memory does not grow with their number.
func (s *Store) DashboardEach(ctx context.Context, scope string, f DashboardFilter, fn func(DashboardRow) error) error {
	order, ok := dashboardOrders[f.Sort]
	if !ok {
		order, f.Sort = dashboardOrders["name"], "name"
	}
	err := readReport(ctx, s, func(tx pgx.Tx) error {
		where, args := f.where(scope, []any{""})
		rows, err := tx.Query(ctx, dashboardRowsSQL(`(
			SELECT d.org_id AS id, row_number() OVER (ORDER BY `+order+`) AS n FROM `+dashboardFrom(f.Sort)+` WHERE `+where+`
		) src`, "src.n"), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDashboardRow(rows)
			if err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("store: dashboard rows: %w", err)
	}
	return nil
}
