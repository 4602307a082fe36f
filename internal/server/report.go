package server

import (
	"context"
	"net/http"
	"time"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// diagnosis is an assessment scored against its targets, with what the
// targets rest on.
type diagnosis struct {
	Report  score.Report
	Risk    score.Risk
	Basis   views.RiskBasis
	Targets map[string]int
	// Frozen: the risk group and targets are those frozen when the
	// assessment was submitted (at FrozenAt); otherwise the current ones.
	Frozen   bool
	FrozenAt time.Time
}

// frozenStatus reports whether an assessment in this status is judged
// against the targets frozen at its submission: submitted and approved ones
// are; drafts and returned ones use the organisation's current targets.
func frozenStatus(st assessment.Status) bool {
	return st == assessment.Submitted || st == assessment.Approved
}

// diagnose scores an assessment. Category titles follow the request's
// language.
func (s *Server) diagnose(ctx context.Context, a store.Assessment, cl *checklist.Checklist, answers map[string]store.Answer) (diagnosis, error) {
	var d diagnosis
	if frozenStatus(a.Status) {
		res, profile, err := s.store.FrozenResult(ctx, a)
		switch {
		case err == nil:
			d.Frozen, d.FrozenAt = true, res.ComputedAt
			d.Risk = score.Risk{Group: res.RiskGroup, Index: res.RiskIndex, Reasons: []score.Reason{}}
			d.Targets = score.DefaultTargets(res.RiskGroup, cl.QuestionIDs(), res.Targets)
			frozenBasis(res, profile, &d)
		case !apperr.Is(err, apperr.NotFound):
			return diagnosis{}, err
		}
		// No frozen result (submitted before results were frozen): the
		// current targets, and the page says so.
	}
	if !d.Frozen {
		b, err := s.store.CurrentBasis(ctx, a.OrgID)
		if err != nil {
			return diagnosis{}, err
		}
		d.Risk, d.Targets = b.Risk(), b.Targets(cl.QuestionIDs())
		if b.Profile != nil {
			d.Basis.Profile = &b.Profile.Profile
		} else {
			d.Basis.NoProfile = true
		}
	}
	d.Report = score.Compute(store.ScoreChecklist(cl, i18n.Lang(ctx) == "en"), store.ScoreAnswers(answers), d.Targets)
	return d, nil
}

// frozenBasis says why the organisation was in its group when its result
// was frozen, from the profile in force then (nil: none). The reasons are
// shown only when that profile gives exactly the frozen group and index.
func frozenBasis(res store.Result, profile *score.Profile, d *diagnosis) {
	if profile == nil {
		d.Basis.NoProfile = res.RiskGroup == score.DefaultGroup && res.RiskIndex == 0
		return
	}
	if r := score.Assess(*profile); r.Group == res.RiskGroup && r.Index == res.RiskIndex {
		d.Risk = r
		d.Basis.Profile = profile
	}
}

// previousAndOthers returns the organisation's other assessments (newest
// first) and, among them, the previous submitted one: the latest submitted
// or approved assessment created before a.
func (s *Server) previousAndOthers(ctx context.Context, a store.Assessment) (*store.Assessment, []store.Assessment, error) {
	all, err := s.store.ListAssessmentHeads(ctx, a.OrgID)
	if err != nil {
		return nil, nil, err
	}
	prev, others := previousAndOthersOf(a, all)
	return prev, others, nil
}

// previousAndOthersOf is previousAndOthers among the organisation's
// assessments all (as store.ListAssessmentHeads lists them).
func previousAndOthersOf(a store.Assessment, all []store.Assessment) (*store.Assessment, []store.Assessment) {
	prev := -1
	others := make([]store.Assessment, 0, len(all))
	for _, o := range all {
		if o.ID == a.ID || o.ChecklistID != a.ChecklistID {
			continue
		}
		others = append(others, o)
		if frozenStatus(o.Status) && o.SubmittedAt != nil && o.CreatedAt.Before(a.CreatedAt) &&
			(prev < 0 || o.SubmittedAt.After(*others[prev].SubmittedAt)) {
			prev = len(others) - 1
		}
	}
	if prev < 0 {
		return nil, others
	}
	p := others[prev]
	return &p, others
}

// levelsReport scores an assessment's answers for their levels and averages
// only (targets do not matter): for the previous assessment and comparisons.
func (s *Server) levelsReport(ctx context.Context, a store.Assessment, cl *checklist.Checklist) (score.Report, error) {
	answers, err := s.store.Answers(ctx, a.ID)
	if err != nil {
		return score.Report{}, err
	}
	return levelsOf(ctx, cl, answers), nil
}

func levelsOf(ctx context.Context, cl *checklist.Checklist, answers map[string]store.Answer) score.Report {
	targets := score.DefaultTargets(score.DefaultGroup, cl.QuestionIDs(), nil)
	return score.Compute(store.ScoreChecklist(cl, i18n.Lang(ctx) == "en"), store.ScoreAnswers(answers), targets)
}

// frozenStatuses are the statuses frozenStatus reports.
var frozenStatuses = []assessment.Status{assessment.Submitted, assessment.Approved}

// handleReport is the diagnosis page (診断結果).
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The assessment, its answers and those of the previous submitted one,
	// the organisation's assessments and members, in one statement; the
	// profile and targets from the organisation cache.
	a, cl, sheet, err := s.loadAssessmentSheet(r, store.SheetOptions{PreviousIn: frozenStatuses, OrgLists: true})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	dg, err := s.diagnose(ctx, a, cl, sheet.Answers)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.ReportData{A: a, Checklist: cl, Report: dg.Report, Risk: dg.Risk, Basis: dg.Basis, Frozen: dg.Frozen, FrozenAt: dg.FrozenAt,
		ProfileHref: "/orgs/" + a.OrgID + "/profile", Provisional: !frozenStatus(a.Status), PrintedAt: s.now()}
	d.Previous, d.Others = previousAndOthersOf(a, sheet.OrgAssessments)
	if d.Previous != nil {
		var pr score.Report
		if d.Previous.ID == sheet.PreviousSubmittedID {
			pr = levelsOf(ctx, cl, sheet.PreviousSubmittedAnswers)
		} else if pr, err = s.levelsReport(ctx, *d.Previous, cl); err != nil { // submitted in between the two reads
			s.pageError(w, r, err)
			return
		}
		d.PrevReport = &pr
	}
	if d.Actions, err = s.store.ListActions(ctx, store.ActionFilter{OrgIDs: []string{a.OrgID}}); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.PrintPlan = r.URL.Query().Get("plan") == "1"
	if len(dg.Report.Recommendations) > 0 && policy.CreateAction(principal(ctx), a.OrgID) == nil {
		d.Plan = &views.ReportPlan{Members: sheet.Members, DefaultOwner: principal(ctx).UserID,
			DefaultDue: s.today().AddDate(0, 3, 0).Format(time.DateOnly)}
	}
	s.render(w, r, http.StatusOK, views.ReportPage(s.page(r, i18n.T(ctx, "report.heading", a.Title), "assessments"), d))
}
