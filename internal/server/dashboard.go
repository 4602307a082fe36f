package server

import (
	"io"
	"math"
	"net/http"
	"slices"
	"strings"

	"mamori/checklist"
	"mamori/internal/export"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// dashboardPageSize is the number of organisations per dashboard page.
const dashboardPageSize = 50

// dashboardCampaign is the campaign the dashboard's URL asks for, if the
// caller may see it: "" when none is asked for; an unknown one is 404.
func (s *Server) dashboardCampaign(r *http.Request, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	c, err := s.store.GetCampaign(r.Context(), id)
	if err != nil {
		return "", err
	}
	if err := policy.ViewCampaign(principal(r.Context()), c.OrgID); err != nil {
		return "", err
	}
	return c.ID, nil
}

// dashboardScope is the scope of org_dash the caller's dashboard lists:
// every organisation for administrators, a manager's organisation and its
// descendants (their Visible) for managers.
func dashboardScope(r *http.Request) string {
	if p := principal(r.Context()); !p.Admin {
		return p.OrgID
	}
	return store.AllScope
}

// dashboardFilter is q as the store filters and sorts.
func dashboardFilter(q views.DashboardQuery) store.DashboardFilter {
	return store.DashboardFilter{Q: foldName(q.Q), Group: q.Group, Status: q.Status, Sort: q.Sort}
}

// foldName makes a name search ignore case and full/half width.
func foldName(s string) string { return store.FoldName(s) }

// dashboardQuery reads the filter, sort and page of the URL, keeping only
// known values.
func dashboardQuery(r *http.Request) views.DashboardQuery {
	v := r.URL.Query()
	q := views.DashboardQuery{Q: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort"), Group: v.Get("group"), Status: v.Get("status"), Campaign: v.Get("campaign")}
	if len([]rune(q.Q)) > 100 {
		q.Q = string([]rune(q.Q)[:100])
	}
	if !slices.Contains(views.DashboardSorts, q.Sort) {
		q.Sort = views.DashboardSorts[0]
	}
	if !slices.Contains([]string{"GI", "GII", "GIII", "none"}, q.Group) {
		q.Group = ""
	}
	if !slices.Contains(views.DashboardStatuses, q.Status) {
		q.Status = ""
	}
	if v.Get("heat") == "projected" {
		q.Heat = "projected"
	}
	q.Page = pageParam(v.Get("page"))
	return q
}

// dashboardView turns store rows into the dashboard's rows: the risk group,
// and each category's average against its target.
func dashboardView(rows []store.DashboardRow, cl *checklist.Checklist) []views.DashboardRow {
	out := make([]views.DashboardRow, len(rows))
	for i, row := range rows {
		v := views.DashboardRow{Row: row, Group: row.RiskGroup(), Cells: make([]views.HeatCell, len(cl.Categories))}
		for j, c := range cl.Categories {
			if row.Latest == nil {
				continue
			}
			avg, ok := row.Latest.CategoryAverages[c.ID]
			cell := views.HeatCell{Has: ok, Average: avg, Target: row.Latest.CategoryTargets[c.ID]}
			if g := cell.GapHundredths(); ok && g < 0 {
				v.Shortfall -= g
			}
			v.Cells[j] = cell
		}
		out[i] = v
	}
	return out
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := policy.ViewDashboard(principal(ctx)); err != nil {
		s.pageError(w, r, err)
		return
	}
	cl := checklist.Default()
	q := dashboardQuery(r)
	d := views.DashboardData{Query: q, Checklist: cl, MaxTotal: cl.NumQuestions() * score.MaxLevel}
	campaign, err := s.dashboardCampaign(r, q.Campaign)
	if err == nil {
		err = s.dashboardPage(r, &d, campaign)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.dashboardActions(r, d.Rows, q.Heat == "projected", cl); err != nil {
		s.pageError(w, r, err)
		return
	}

	cs, err := s.visibleCampaigns(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, c := range cs {
		d.Campaigns = append(d.Campaigns, views.Link{Href: c.ID, Label: c.Title + " (" + c.Deadline.Format("2006-01-02") + ")"})
	}
	if d.TrendRow != nil {
		if d.Trend, err = s.store.ApprovedResults(ctx, d.TrendRow.Row.OrgID); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, views.DashboardPage(s.page(r, i18n.T(ctx, "dashboard.title"), "dashboard"), d))
}

// dashboardPage fills d with one page of the caller's dashboard read by
// index, the summary from maintained counts (a campaign's: counted over its
// organisations in the database), and the trend's organisation: the same
// number of statements whatever the number of organisations. With a
// campaign, it lists the campaign's organisations in the caller's scope,
// each with its assessment of the campaign as its current cycle.
func (s *Server) dashboardPage(r *http.Request, d *views.DashboardData, campaign string) error {
	cl := d.Checklist
	pg, err := s.store.DashboardPage(r.Context(), store.DashboardPageQuery{Scope: dashboardScope(r), Campaign: campaign,
		DashboardFilter: dashboardFilter(d.Query), Page: d.Query.Page, PageSize: dashboardPageSize,
		TrendWant: []string{r.URL.Query().Get("org"), principal(r.Context()).OrgID}})
	if err != nil {
		return err
	}
	c := pg.Counts
	d.Summary = views.DashboardSummary{Orgs: c.Orgs, WithResult: c.WithResult, BelowTarget: c.BelowTarget, ByStatus: c.ByStatus}
	if c.WithResult > 0 {
		d.Summary.MeanTotal = score.Round2(int(c.SumTotal), c.WithResult)
	}
	d.Matching = pg.Matching
	d.Pages = max(1, (pg.Matching+dashboardPageSize-1)/dashboardPageSize)
	d.Query.Page = pg.Page
	// The maintained tables decide the scope; the policy still has the
	// last word on every organisation shown.
	p := principal(r.Context())
	pg.Rows = slices.DeleteFunc(pg.Rows, func(x store.DashboardRow) bool { return policy.ViewOrg(p, x.OrgID) != nil })
	if pg.Trend != nil && policy.ViewOrg(p, pg.Trend.OrgID) != nil {
		pg.Trend = nil
	}
	d.Rows = dashboardView(pg.Rows, cl)
	if pg.Trend != nil { // the organisation asked for, else the caller's, else the first shown, with a result
		trend := dashboardView([]store.DashboardRow{*pg.Trend}, cl)
		d.TrendRow = &trend[0]
	}
	trendChoices(d)
	return nil
}

// trendChoices lists the organisations the trend picker offers: those of
// this page with an approved result, and the one drawn.
func trendChoices(d *views.DashboardData) {
	hasResult := func(x views.DashboardRow) bool { return x.Row.Latest != nil }
	for _, x := range d.Rows {
		if hasResult(x) {
			d.TrendChoices = append(d.TrendChoices, x.Row)
		}
	}
	if d.TrendRow != nil && !slices.ContainsFunc(d.TrendChoices, func(x store.DashboardRow) bool { return x.OrgID == d.TrendRow.Row.OrgID }) {
		d.TrendChoices = append([]store.DashboardRow{d.TrendRow.Row}, d.TrendChoices...)
	}
}

// handleDashboardExport is /dashboard/export.xlsx: the organisations the
// dashboard shows with the same filter and order, every page at once.
func (s *Server) handleDashboardExport(w http.ResponseWriter, r *http.Request) {
	if err := policy.ViewDashboard(principal(r.Context())); err != nil {
		s.pageError(w, r, err)
		return
	}
	cl := checklist.Default()
	q := dashboardQuery(r)
	campaign, err := s.dashboardCampaign(r, q.Campaign)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	n := 0
	each := func(fn func(store.DashboardRow) error) error { // one cursor, in the dashboard's order
		p := principal(r.Context())
		return s.store.DashboardEach(r.Context(), dashboardScope(r), campaign, dashboardFilter(q), func(d store.DashboardRow) error {
			if policy.ViewOrg(p, d.OrgID) != nil { // the policy has the last word, as on the page
				return nil
			}
			n++
			return fn(d)
		})
	}
	// The workbook is written once every row was read: a failure before
	// that still answers an error page rather than half a file.
	out := &firstWrite{w: w, before: func() {
		s.audit(r, store.Audit{OrgID: principal(r.Context()).OrgID, Action: "dashboard.exported", Detail: map[string]any{"orgs": n}})
		w.Header().Set("Content-Type", export.XLSXContentType)
		w.Header().Set("Content-Disposition", attachment("mamori-dashboard-"+s.fileDate()+".xlsx"))
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	}}
	if _, err := export.WriteDashboardXLSX(out, each, cl, s.now()); err != nil {
		if !out.started {
			s.pageError(w, r, err)
			return
		}
		s.log.Error("dashboard export cut short", "err", err, "request_id", requestID(r.Context()))
	}
}

// firstWrite calls before once, ahead of the first bytes written to w.
type firstWrite struct {
	w       io.Writer
	before  func()
	started bool
}

func (f *firstWrite) Write(p []byte) (int, error) {
	if !f.started {
		f.started = true
		f.before()
	}
	return f.w.Write(p)
}

// dashboardActions fills the open work of the organisations a dashboard
// page shows: open and overdue actions, and the gain their completion
// brings to the latest approved total (the projected total). One
// statement for the page, whatever its length; accepted risks past their
// review date are reopened by the sweep and the action lists, not here.
//
// With projected, the heat map's cells show each category's average once
// the open actions are done: the approved sum of the category (its average
// × its questions, every question answered) plus the category's gain, over
// its questions.
func (s *Server) dashboardActions(r *http.Request, rows []views.DashboardRow, projected bool, cl *checklist.Checklist) error {
	latest := make(map[string]string, len(rows))
	for _, x := range rows {
		latest[x.Row.OrgID] = ""
		if x.Row.Latest != nil {
			latest[x.Row.OrgID] = x.Row.Latest.AssessmentID
		}
	}
	sums, err := s.store.ActionSummaries(r.Context(), latest, s.today())
	if err != nil {
		return err
	}
	for i := range rows {
		sum, ok := sums[rows[i].Row.OrgID]
		if !ok {
			continue
		}
		rows[i].Actions = &sum
		if !projected || rows[i].Row.Latest == nil {
			continue
		}
		for j, c := range cl.Categories {
			cell := &rows[i].Cells[j]
			if g := sum.CategoryGain[c.ID]; cell.Has && g > 0 {
				n := len(c.Questions)
				cell.Average = score.Round2(int(math.Round(cell.Average*float64(n)))+g, n)
			}
		}
	}
	return nil
}
