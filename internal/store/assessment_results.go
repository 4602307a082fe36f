package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/checklist"
	"mamori/internal/score"
)

// Result is an assessment's frozen result: the risk group and targets in
// force when it was submitted (or approved), and its scores then. The
// report of a submitted or approved assessment uses these targets, so later
// profile or target changes never rewrite a past result.
type Result struct {
	AssessmentID     string
	OrgID            string
	RiskGroup        score.RiskGroup
	RiskIndex        int
	Targets          map[string]int
	TotalScore       int
	TotalAverage     float64
	TotalTarget      int
	CategoryAverages map[string]float64
	CategoryTargets  map[string]float64
	Answered         int
	ComputedAt       time.Time
}

// ScoreChecklist is the checklist as package score sees it. Category titles
// are in English when en is set (for reports), Japanese otherwise.
func ScoreChecklist(cl *checklist.Checklist, en bool) []score.Category {
	cats := make([]score.Category, len(cl.Categories))
	for i := range cl.Categories {
		c := &cl.Categories[i]
		title := c.Title
		if en && c.TitleEN != "" {
			title = c.TitleEN
		}
		cats[i] = score.Category{ID: c.ID, Title: title, Questions: make([]score.Question, len(c.Questions))}
		for j := range c.Questions {
			q := &c.Questions[j]
			pts := make([]string, len(q.Points))
			for k := range q.Points {
				pts[k] = q.Points[k].ID
			}
			cats[i].Questions[j] = score.Question{ID: q.ID, CategoryID: c.ID, PointIDs: pts}
		}
	}
	return cats
}

// ScoreAnswers converts stored answers for score.Compute (no level = 0,
// unanswered).
func ScoreAnswers(answers map[string]Answer) map[string]score.Answer {
	m := make(map[string]score.Answer, len(answers))
	for id, a := range answers {
		lv := 0
		if a.Level != nil {
			lv = *a.Level
		}
		m[id] = score.Answer{Level: lv, PointsMet: a.PointsMet}
	}
	return m
}

// freezeResult computes an assessment's result with the risk group and
// targets in force now (the organisation's profile and own targets) and
// stores it, replacing an earlier one. It runs inside the caller's
// transaction: Submit and Decide (an approval) call it from their status
// change, so the result is written if and only if the status changes.
func freezeResult(ctx context.Context, tx pgx.Tx, assessmentID string) error {
	var orgID, checklistID string
	err := tx.QueryRow(ctx, `SELECT org_id, checklist_id FROM assessments WHERE id = $1`, assessmentID).Scan(&orgID, &checklistID)
	if err != nil {
		return fmt.Errorf("store: freeze result %s: %w", assessmentID, notFound(err))
	}
	cl, ok := checklist.Get(checklistID)
	if !ok {
		return fmt.Errorf("store: freeze result %s: checklist %s is not in this build", assessmentID, checklistID)
	}
	if err := lockOrg(ctx, tx, orgID, false); err != nil {
		return fmt.Errorf("store: freeze result %s: %w", assessmentID, err)
	}
	b, err := loadBasis(ctx, tx, orgID)
	if err != nil {
		return fmt.Errorf("store: freeze result %s: %w", assessmentID, err)
	}
	answers, err := loadScoreAnswers(ctx, tx, assessmentID)
	if err != nil {
		return fmt.Errorf("store: freeze result %s: %w", assessmentID, err)
	}
	risk := b.Risk()
	targets := b.Targets(cl.QuestionIDs())
	rep := score.Compute(ScoreChecklist(cl, false), answers, targets)
	catAvg := make(map[string]float64, len(rep.Categories))
	catTgt := make(map[string]float64, len(rep.Categories))
	for _, c := range rep.Categories {
		catAvg[c.ID], catTgt[c.ID] = c.Average, c.TargetAverage
	}
	tj, _ := json.Marshal(targets)
	aj, _ := json.Marshal(catAvg)
	cj, _ := json.Marshal(catTgt)
	// clock_timestamp, read after the org lock: ProfileAt(computed_at)
	// finds exactly the profile version this result was computed with.
	_, err = tx.Exec(ctx, `
		INSERT INTO assessment_results (assessment_id, org_id, risk_group, risk_index, targets, total_score, total_average,
			total_target, category_averages, category_targets, answered, computed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, clock_timestamp())
		ON CONFLICT (assessment_id) DO UPDATE SET org_id = EXCLUDED.org_id, risk_group = EXCLUDED.risk_group,
			risk_index = EXCLUDED.risk_index, targets = EXCLUDED.targets, total_score = EXCLUDED.total_score,
			total_average = EXCLUDED.total_average, total_target = EXCLUDED.total_target,
			category_averages = EXCLUDED.category_averages, category_targets = EXCLUDED.category_targets,
			answered = EXCLUDED.answered, computed_at = EXCLUDED.computed_at`,
		assessmentID, orgID, string(risk.Group), risk.Index, string(tj), rep.Total.Score, rep.Total.Average,
		rep.Total.Target, string(aj), string(cj), rep.Answered)
	if err != nil {
		return fmt.Errorf("store: freeze result %s: %w", assessmentID, err)
	}
	return nil
}

func loadScoreAnswers(ctx context.Context, q querier, assessmentID string) (map[string]score.Answer, error) {
	rows, err := q.Query(ctx, `SELECT question_id, coalesce(level, 0), points_met FROM answers WHERE assessment_id = $1`, assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]score.Answer{}
	for rows.Next() {
		var id string
		var lv int16
		var pts []string
		if err := rows.Scan(&id, &lv, &pts); err != nil {
			return nil, err
		}
		m[id] = score.Answer{Level: int(lv), PointsMet: pts}
	}
	return m, rows.Err()
}

// GetResult returns an assessment's frozen result, or NotFound when it was
// never submitted (or was submitted before results were frozen).
func (s *Store) GetResult(ctx context.Context, assessmentID string) (Result, error) {
	var c resultColumns
	err := s.pool.QueryRow(ctx, `SELECT `+resultSelect+` FROM assessment_results r WHERE r.assessment_id = $1`,
		uuidArg(assessmentID)).Scan(c.dest()...)
	if err != nil {
		return Result{}, fmt.Errorf("store: result of %s: %w", assessmentID, notFound(err))
	}
	r, err := c.result()
	if err != nil {
		return Result{}, fmt.Errorf("store: result of %s: %w", assessmentID, err)
	}
	return r, nil
}

// resultSelect are the columns of assessment_results r that resultColumns
// scans.
const resultSelect = `r.assessment_id, r.org_id, r.risk_group, r.risk_index, r.targets::text, r.total_score,
	r.total_average::float8, r.total_target, r.category_averages::text, r.category_targets::text, r.answered, r.computed_at`

// resultColumns scans resultSelect into a Result.
type resultColumns struct {
	r                                 Result
	group, targets, catAvg, catTgt    string
	idx, total, totalTarget, answered int16
}

func (c *resultColumns) dest() []any {
	return []any{&c.r.AssessmentID, &c.r.OrgID, &c.group, &c.idx, &c.targets, &c.total, &c.r.TotalAverage, &c.totalTarget,
		&c.catAvg, &c.catTgt, &c.answered, &c.r.ComputedAt}
}

func (c *resultColumns) result() (Result, error) {
	r := c.r
	r.RiskGroup, r.RiskIndex, r.TotalScore, r.TotalTarget, r.Answered = score.RiskGroup(c.group), int(c.idx), int(c.total), int(c.totalTarget), int(c.answered)
	for _, x := range []struct {
		doc string
		dst any
	}{{c.targets, &r.Targets}, {c.catAvg, &r.CategoryAverages}, {c.catTgt, &r.CategoryTargets}} {
		if err := json.Unmarshal([]byte(x.doc), x.dst); err != nil {
			return Result{}, err
		}
	}
	return r, nil
}
