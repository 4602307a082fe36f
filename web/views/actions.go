package views

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// ActionsData is /actions: the improvement actions the caller sees.
type ActionsData struct {
	Rows        []ActionRow
	Orgs        []store.Org         // the organisations the filter can pick (the first 50 matching OrgQuery)
	OrgQuery    string              // part of a name the organisations are narrowed by
	MoreOrgs    bool                // more organisations match than Orgs holds
	CanCreateIn []store.Org         // where the caller may plan actions
	Owners      []store.ActionOwner // the first by name (of the chosen organisation, else of those in view)
	MoreOwners  bool                // Owners may not be every owner in view
	Filter      ActionsFilter
	Page, Pages int  // the page shown (from 1) and the number of pages
	Capped      bool // more actions than were counted: Pages is a lower bound
	Checklist   *checklist.Checklist
}

// ActionsFilter is the list's query, as sent.
type ActionsFilter struct {
	Org, Status, Owner, Category, Sort string
	Overdue, Due30                     bool
	OrgQuery                           string // the organisation picker's search (org_q)
}

// URL is the list with the same filters and order, at page.
func (f ActionsFilter) URL(page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"org": f.Org, "status": f.Status, "owner": f.Owner, "category": f.Category,
		"sort": f.Sort, "org_q": f.OrgQuery} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.Overdue {
		v.Set("overdue", "1")
	}
	if f.Due30 {
		v.Set("due30", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/actions"
	}
	return "/actions?" + v.Encode()
}

// ActionRow is one action of the list.
type ActionRow struct {
	A       store.Action
	Overdue bool
	Gain    int // expected score gain (points of the total)
}

// ActionNewData is /actions/new: an action written from scratch.
type ActionNewData struct {
	Org       store.Org
	Members   []store.User
	Checklist *checklist.Checklist
	Form      url.Values
	Error     string
	Fields    map[string]string // field → problem code
}

// ActionData is /actions/{id}.
type ActionData struct {
	A         store.Action
	Notes     []store.ActionNote
	Checklist *checklist.Checklist
	Overdue   bool
	Gain      int
	CanEdit   bool             // may write notes
	Moves     []action.Status  // the statuses the caller may move it to
	MaxReview string           // the latest review date of a risk acceptance
	Library   []store.Evidence // the organisation's live evidence, to close with (when done is a move)
	Evidence  []store.Evidence // the items its closing named, when done
	Error     string
	Fields    map[string]string
	Form      url.Values
}

// WhatIfData is the what-if planner.
type WhatIfData struct {
	A           store.Assessment
	Checklist   *checklist.Checklist
	Today       score.Report
	Projected   score.Report
	Delta       score.Delta
	Bench       []WhatIfBench
	Levels      map[string]int // planned levels in force
	Actions     []store.Action // open actions of the organisation
	ActChecked  map[string]bool
	Recs        []score.Recommendation
	RecChecked  map[string]bool
	Suggestions []WhatIfSuggestion
}

// WhatIfBench is one peer group today and projected.
type WhatIfBench struct {
	Label            string
	Today, Projected score.GroupStats
}

// WhatIfSuggestion is one ranked item of the suggested order: an open
// action (Title, Href) or a recommendation (QuestionID, Target).
type WhatIfSuggestion struct {
	Title, Href string
	IsAction    bool
	QuestionID  string
	Target      int
	Gain        int
	Weight      int
}

// Date shows a calendar date as 2026-04-01.
func Date(t time.Time) string { return t.Format(time.DateOnly) }

// formHas reports whether the form's field name holds the value v (a
// multi-select's choices).
func formHas(f url.Values, name, v string) bool {
	for _, x := range f[name] {
		if x == v {
			return true
		}
	}
	return false
}

// evidenceLabel is how an item is named in a list: its title, and its file
// name when it is a file.
func evidenceLabel(e store.Evidence) string {
	if e.Filename != "" && e.Filename != e.Title {
		return e.Title + " (" + e.Filename + ")"
	}
	return e.Title
}

func fieldProblem(ctx context.Context, fields map[string]string, name string) string {
	if p, ok := fields[name]; ok {
		return i18n.T(ctx, "actions.problem."+p)
	}
	return ""
}

func questionLabel(ctx context.Context, cl *checklist.Checklist, id string) string {
	if q, ok := cl.Question(id); ok {
		return id + " " + tr(ctx, q.Text, q.TextEN)
	}
	return id
}

// pointLabel is a key point's id and text ("1-1-2 …").
func pointLabel(ctx context.Context, cl *checklist.Checklist, pid string) string {
	qid := pid
	if i := strings.LastIndexByte(pid, '-'); i > 0 {
		qid = pid[:i]
	}
	if q, ok := cl.Question(qid); ok {
		if p, ok := q.Point(pid); ok {
			return pid + " " + tr(ctx, p.Text, p.TextEN)
		}
	}
	return pid
}

func plannedSummary(a store.Action) string {
	s := ""
	for i, q := range a.Questions {
		if i > 0 {
			s += ", "
		}
		s += q.QuestionID + "→" + strconv.Itoa(q.PlannedLevel)
	}
	return s
}

func (d WhatIfData) levelOf(qid string) string {
	if lv, ok := d.Levels[qid]; ok {
		return strconv.Itoa(lv)
	}
	return ""
}

func (d WhatIfData) radar(ctx context.Context) RadarChart {
	c := RadarChart{ID: "whatif-radar", Title: i18n.T(ctx, "whatif.radar"), Max: score.MaxLevel}
	tgt, cur, proj := []float64{}, []float64{}, []float64{}
	for i, cs := range d.Projected.Categories {
		c.Labels = append(c.Labels, cs.ID)
		tgt = append(tgt, cs.TargetAverage)
		proj = append(proj, cs.Average)
		cur = append(cur, d.Today.Categories[i].Average)
	}
	c.Series = []RadarSeries{{Kind: "target", Name: i18n.T(ctx, "report.series.target"), Values: tgt},
		{Kind: "previous", Name: i18n.T(ctx, "whatif.today"), Values: cur},
		{Kind: "current", Name: i18n.T(ctx, "whatif.projected"), Values: proj}}
	return c
}

func signed(f float64) string {
	if f > 0 {
		return "+" + F2(f)
	}
	return F2(f)
}

func signedInt(n int) string {
	if n > 0 {
		return "+" + Itoa(n)
	}
	return Itoa(n)
}

func formVal(f url.Values, k string) string {
	if f == nil {
		return ""
	}
	return f.Get(k)
}

// ActionEditData is /actions/{id}/edit: the plan of an action, at the
// version read. After a refused save, Form holds what was sent; after a
// conflict, A is the action as someone else saved it.
type ActionEditData struct {
	A         store.Action
	Members   []store.User
	Checklist *checklist.Checklist
	Form      url.Values
	Error     string
	Fields    map[string]string
	Conflict  bool
}

// value is the form's value of a field: as sent, else the action's.
func (d ActionEditData) value(k string) string {
	if d.Form != nil && !d.Conflict {
		return d.Form.Get(k)
	}
	switch k {
	case "title":
		return d.A.Title
	case "description":
		return d.A.Description
	case "owner_id":
		return d.A.OwnerID
	case "due_on":
		return Date(d.A.DueOn)
	case "priority":
		return string(d.A.Priority)
	}
	for _, q := range d.A.Questions {
		if k == "lv-"+q.QuestionID {
			return strconv.Itoa(q.PlannedLevel)
		}
	}
	return ""
}
