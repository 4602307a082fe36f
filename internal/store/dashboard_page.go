package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
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
	// Campaign, when set, lists the campaign's organisations within the
	// scope, its assessment as their current cycle.
	Campaign string
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

// dashSource is the set of organisations a dashboard lists: a scope of
// org_dash d, or (campaign set) the organisations of a campaign within a
// scope, campaign_orgs co with org_dash d. A campaign's rows are bounded by
// its organisations: a page reads the scope's index in the order asked for
// and probes campaign_orgs, or the campaign's rows and probes org_dash,
// whichever the planner finds cheaper.
type dashSource struct{ campaign string }

// order is the ORDER BY of sort, each served by an index that leads with
// the scope (or, for a campaign, a join bounded by its organisations).
func (src dashSource) order(sort string) string {
	if src.campaign != "" && sort == "updated" {
		// By key, one probe per campaign organisation: a join let the
		// planner hash every organisation's assessments.
		return "(SELECT a.updated_at FROM assessments a WHERE a.id = co.assessment_id) DESC, d.name, d.org_id"
	}
	if o, ok := dashboardOrders[sort]; ok {
		return o
	}
	return dashboardOrders["name"]
}

// from is the FROM item of the order.
func (src dashSource) from(sort string) string {
	if src.campaign != "" {
		return "campaign_orgs co JOIN org_dash d ON d.org_id = co.org_id"
	}
	return dashboardFrom(sort)
}

// where is the condition for the scope and filter, its parameters appended
// to args; base is the same without the filter.
func (src dashSource) where(scope string, f DashboardFilter, args []any) (where, base string, _ []any) {
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	conds := []string{"d.scope_id = " + arg(scope) + "::uuid"}
	status := "d.cycle_status"
	if src.campaign != "" { // the campaign's assessment is the current cycle
		conds, status = append(conds, "co.campaign_id = "+arg(src.campaign)+"::uuid"), "co.status"
	}
	base = strings.Join(conds, " AND ")
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
		conds = append(conds, status+" = "+arg(f.Status)+"::text")
	}
	return strings.Join(conds, " AND "), base, args
}

// DashboardPage reads one page of a dashboard in two statements whatever
// the number of organisations: the summary counts with the number matching
// the filter and the trend's organisation, then the page's rows (and the
// trend's) by index. A scope's counts come from their maintained shards; a
// campaign's are counted over its organisations in the scope, narrow rows
// of campaign_orgs and org_dash that never leave the database.
func (s *Store) DashboardPage(ctx context.Context, q DashboardPageQuery) (DashboardPage, error) {
	src := dashSource{campaign: q.Campaign}
	order, from := src.order(q.Sort), src.from(q.Sort)
	want := uuidArray(q.TrendWant) // an id that is not one is left out
	var out DashboardPage
	err := readReport(ctx, s, func(tx pgx.Tx) error {
		var match *int64
		var trend *string
		var err error
		if q.Campaign != "" {
			out.Counts, match, trend, err = campaignDashCounts(ctx, tx, q, want)
		} else {
			out.Counts, match, trend, err = scopeDashCounts(ctx, tx, q, want)
		}
		if err != nil {
			return fmt.Errorf("counts: %w", err)
		}
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
		where, _, args := src.where(q.Scope, q.DashboardFilter, []any{q.Campaign})
		args = append(args, size, (out.Page-1)*size, trend)
		n := len(args)
		rowsFrom := fmt.Sprintf(`(
			SELECT org_id AS id, n FROM (
				SELECT d.org_id, row_number() OVER (ORDER BY %[1]s) AS n FROM %[6]s WHERE %[2]s ORDER BY %[1]s LIMIT $%[3]d OFFSET $%[4]d
			) p
			UNION ALL
			SELECT $%[5]d::uuid, 0 WHERE $%[5]d::uuid IS NOT NULL
		) src`, order, where, n-2, n-1, n, from)
		rows, err := tx.Query(ctx, dashboardRowsSQL(rowsFrom, "src.n"), args...)
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

// trendSQL is the trend's organisation: the first of want in the scope
// with an approved result, else the first of the listed ones (from, where,
// order) with one.
func trendSQL(scopeArg, wantArg, from, where, order string) string {
	return `coalesce(
		(SELECT d.org_id::text FROM org_dash d WHERE d.scope_id = ` + scopeArg + `::uuid AND d.org_id = ANY(` + wantArg + `::uuid[])
			AND d.latest_id IS NOT NULL ORDER BY array_position(` + wantArg + `::uuid[], d.org_id) LIMIT 1),
		(SELECT d.org_id::text FROM ` + from + ` WHERE ` + where + ` AND d.latest_id IS NOT NULL ORDER BY ` + order + ` LIMIT 1))`
}

// scopeDashCounts reads a scope's counts from their maintained shards, the
// number matching the filter (nil without one) and the trend's
// organisation.
func scopeDashCounts(ctx context.Context, tx pgx.Tx, q DashboardPageQuery, want []pgtype.UUID) (DashboardCounts, *int64, *string, error) {
	src := dashSource{}
	where, _, args := src.where(q.Scope, q.DashboardFilter, nil)
	matching := "NULL::bigint"
	if q.active() {
		matching = "(SELECT count(*) FROM org_dash d WHERE " + where + ")"
	}
	args = append(args, want, q.Scope)
	wantArg, scopeArg := "$"+strconv.Itoa(len(args)-1), "$"+strconv.Itoa(len(args))
	var c [9]int64
	var match *int64
	var trend *string
	err := tx.QueryRow(ctx, `
		SELECT coalesce(sum(orgs), 0), coalesce(sum(st_none), 0), coalesce(sum(st_draft), 0), coalesce(sum(st_submitted), 0),
			coalesce(sum(st_returned), 0), coalesce(sum(st_approved), 0), coalesce(sum(with_result), 0),
			coalesce(sum(below_target), 0), coalesce(sum(sum_total), 0)::bigint, `+matching+`,
			`+trendSQL(scopeArg, wantArg, src.from(q.Sort), where, src.order(q.Sort))+`
		FROM org_dash_rollup WHERE scope_id = `+scopeArg+`::uuid`, args...).
		Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &match, &trend)
	return countsOf(c), match, trend, err
}

// campaignDashCounts counts a campaign's organisations in the scope by the
// status of their assessment of the campaign, with the number matching the
// filter and the trend's organisation, in one pass over them.
func campaignDashCounts(ctx context.Context, tx pgx.Tx, q DashboardPageQuery, want []pgtype.UUID) (DashboardCounts, *int64, *string, error) {
	src := dashSource{campaign: q.Campaign}
	where, base, args := src.where(q.Scope, q.DashboardFilter, nil)
	args = append(args, want, q.Scope)
	wantArg, scopeArg := "$"+strconv.Itoa(len(args)-1), "$"+strconv.Itoa(len(args))
	var c [9]int64
	var match *int64
	var trend *string
	err := tx.QueryRow(ctx, `
		SELECT count(*), 0, count(*) FILTER (WHERE co.status = 'draft'), count(*) FILTER (WHERE co.status = 'submitted'),
			count(*) FILTER (WHERE co.status = 'returned'), count(*) FILTER (WHERE co.status = 'approved'),
			count(*) FILTER (WHERE d.latest_id IS NOT NULL), count(*) FILTER (WHERE d.latest_id IS NOT NULL AND d.shortfall > 0),
			coalesce(sum(d.total_key) FILTER (WHERE d.latest_id IS NOT NULL), 0)::bigint,
			count(*) FILTER (WHERE `+where+`),
			`+trendSQL(scopeArg, wantArg, src.from(q.Sort), where, src.order(q.Sort))+`
		FROM `+src.from("")+` WHERE `+base, args...).
		Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7], &c[8], &match, &trend)
	return countsOf(c), match, trend, err
}

// countsOf is the counts read as orgs, the five statuses (none, draft,
// submitted, returned, approved), with a result, below target and the sum
// of the totals.
func countsOf(c [9]int64) DashboardCounts {
	return DashboardCounts{Orgs: int(c[0]), WithResult: int(c[6]), BelowTarget: int(c[7]), SumTotal: c[8],
		ByStatus: map[string]int{"none": int(c[1]), "draft": int(c[2]), "submitted": int(c[3]), "returned": int(c[4]), "approved": int(c[5])}}
}

// DashboardEach calls fn with every organisation of a scope (of a campaign
// within it, campaign set) matching the filter, in its order, as the rows
// arrive from one cursor: the export's memory does not grow with their
// number.
func (s *Store) DashboardEach(ctx context.Context, scope, campaign string, f DashboardFilter, fn func(DashboardRow) error) error {
	src := dashSource{campaign: campaign}
	order := src.order(f.Sort)
	err := readReport(ctx, s, func(tx pgx.Tx) error {
		where, _, args := src.where(scope, f, []any{campaign})
		rows, err := tx.Query(ctx, dashboardRowsSQL(`(
			SELECT d.org_id AS id, row_number() OVER (ORDER BY `+order+`) AS n FROM `+src.from(f.Sort)+` WHERE `+where+`
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
