// Package score is the pure arithmetic of a self-assessment against IPA's
// 情報セキュリティ対策ベンチマーク: per-question gaps, category and total
// scores and averages, targets, recommendations (推奨される取り組み), the
// organisation's risk group (GI/GII/GIII) and peer-benchmark statistics.
//
// It touches no database and no network and depends on the standard library
// only; callers load the checklist, the answers and the peers and hand them
// in.
package score

import (
	"slices"
	"sort"
)

// Maturity levels run from MinLevel to MaxLevel; Level 0 means unanswered.
const (
	MinLevel = 1
	MaxLevel = 5
)

// Question is one question of the checklist as scoring sees it: its id, its
// category and its key points (対策のポイント) in checklist order.
type Question struct {
	ID         string   `json:"id"`
	CategoryID string   `json:"category_id"`
	PointIDs   []string `json:"point_ids"`
}

// Category is one 大項目 with its questions in checklist order.
type Category struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Questions []Question `json:"questions"`
}

// Answer is the answer to one question. Level 0 means unanswered; otherwise
// it is 1..5 (Compute does not re-validate it). PointsMet lists the ids of
// the key points the organisation has ticked, in any order.
type Answer struct {
	Level     int      `json:"level"`
	PointsMet []string `json:"points_met"`
}

// Report is the scored assessment, as served by the API.
type Report struct {
	Answered        int              `json:"answered"`
	TotalQuestions  int              `json:"total_questions"`
	Total           Totals           `json:"total"`
	Categories      []CategoryScore  `json:"categories"`
	Questions       []QuestionScore  `json:"questions"`
	Recommendations []Recommendation `json:"recommendations"`
}

// Totals is the whole assessment: Score is the sum of the answered levels
// (27–135 when all 27 questions are answered), Max is 5 × questions, Average
// is Score ÷ answered questions (0 when none), Target is the sum of all
// questions' targets and TargetAverage is Target ÷ questions.
type Totals struct {
	Score         int     `json:"score"`
	Max           int     `json:"max"`
	Average       float64 `json:"average"`
	Target        int     `json:"target"`
	TargetAverage float64 `json:"target_average"`
}

// CategoryScore is one category: Score is the sum of its answered levels,
// Max is 5 × its questions, Average is Score ÷ Answered (0 when none is
// answered), Target is the sum of the targets of all its questions and
// TargetAverage is Target ÷ Questions.
type CategoryScore struct {
	ID            string  `json:"id"`
	Title         string  `json:"title"`
	Score         int     `json:"score"`
	Max           int     `json:"max"`
	Average       float64 `json:"average"`
	Target        int     `json:"target"`
	TargetAverage float64 `json:"target_average"`
	Answered      int     `json:"answered"`
	Questions     int     `json:"questions"`
}

// QuestionScore is one question: its level (0 if unanswered), its target and
// the gap max(0, target − level), which is 0 for an unanswered question.
type QuestionScore struct {
	ID         string `json:"id"`
	CategoryID string `json:"category_id"`
	Level      int    `json:"level"`
	Target     int    `json:"target"`
	Gap        int    `json:"gap"`
}

// Recommendation (推奨される取り組み) is an answered question below its
// target, with the key points not yet met, in checklist order.
type Recommendation struct {
	QuestionID    string   `json:"question_id"`
	CategoryID    string   `json:"category_id"`
	Gap           int      `json:"gap"`
	Level         int      `json:"level"`
	Target        int      `json:"target"`
	MissingPoints []string `json:"points"`
}

// Compute scores an assessment.
//
// cats is the checklist in order; a question's category is the category it
// is listed under (Question.CategoryID is not consulted). answers is keyed
// by question id; a missing answer or Level ≤ 0 is unanswered and counts in
// no sum, average, gap or recommendation; answers to unknown ids are
// ignored. targets must be complete — one entry per question, as built by
// DefaultTargets — since a missing entry reads as target 0.
//
// Averages are rounded half away from zero to 2 decimals (Round2).
// Recommendations are the answered questions with gap > 0, by gap
// descending, then category order, then question order. The slices of the
// Report are never nil, so they encode as [] rather than null.
func Compute(cats []Category, answers map[string]Answer, targets map[string]int) Report {
	nq, npts := 0, 0
	for i := range cats {
		nq += len(cats[i].Questions)
		for j := range cats[i].Questions {
			npts += len(cats[i].Questions[j].PointIDs)
		}
	}
	r := Report{
		TotalQuestions:  nq,
		Categories:      make([]CategoryScore, len(cats)),
		Questions:       make([]QuestionScore, 0, nq),
		Recommendations: make([]Recommendation, 0, nq),
	}
	// The missing-point lists share one backing array, large enough for
	// every point, each capped so appending to one cannot clobber the next.
	pts := make([]string, 0, npts)

	for ci := range cats {
		c := &cats[ci]
		cs := &r.Categories[ci]
		cs.ID, cs.Title = c.ID, c.Title
		cs.Questions = len(c.Questions)
		cs.Max = MaxLevel * cs.Questions
		for j := range c.Questions {
			q := &c.Questions[j]
			qs := QuestionScore{ID: q.ID, CategoryID: c.ID, Target: targets[q.ID]}
			cs.Target += qs.Target
			a := answers[q.ID]
			if a.Level > 0 {
				qs.Level = a.Level
				qs.Gap = max(0, qs.Target-a.Level)
				cs.Score += a.Level
				cs.Answered++
			}
			r.Questions = append(r.Questions, qs)
			if qs.Gap == 0 {
				continue
			}
			start := len(pts)
			for _, p := range q.PointIDs {
				if !slices.Contains(a.PointsMet, p) {
					pts = append(pts, p)
				}
			}
			r.Recommendations = append(r.Recommendations, Recommendation{
				QuestionID:    qs.ID,
				CategoryID:    qs.CategoryID,
				Gap:           qs.Gap,
				Level:         qs.Level,
				Target:        qs.Target,
				MissingPoints: pts[start:len(pts):len(pts)],
			})
		}
		cs.Average = Round2(cs.Score, cs.Answered)
		cs.TargetAverage = Round2(cs.Target, cs.Questions)
		r.Answered += cs.Answered
		r.Total.Score += cs.Score
		r.Total.Target += cs.Target
	}
	r.Total.Max = MaxLevel * nq
	r.Total.Average = Round2(r.Total.Score, r.Answered)
	r.Total.TargetAverage = Round2(r.Total.Target, nq)
	// Largest gap first; the stable sort keeps checklist order within a gap.
	slices.SortStableFunc(r.Recommendations, func(a, b Recommendation) int { return b.Gap - a.Gap })
	return r
}

// QuestionIDs lists the question ids of cats in checklist order, e.g. for
// DefaultTargets.
func QuestionIDs(cats []Category) []string {
	n := 0
	for i := range cats {
		n += len(cats[i].Questions)
	}
	ids := make([]string, 0, n)
	for i := range cats {
		for j := range cats[i].Questions {
			ids = append(ids, cats[i].Questions[j].ID)
		}
	}
	return ids
}

// DefaultTargets gives every question in questionIDs the default target of
// group (DefaultTarget), replaced by overrides[id] where the organisation set
// its own. Overrides for ids not in questionIDs are ignored; override values
// are taken as given (the caller validates them as 1..5).
func DefaultTargets(group RiskGroup, questionIDs []string, overrides map[string]int) map[string]int {
	d := DefaultTarget(group)
	m := make(map[string]int, len(questionIDs))
	for _, id := range questionIDs {
		if t, ok := overrides[id]; ok {
			m[id] = t
		} else {
			m[id] = d
		}
	}
	return m
}

// Weakest returns up to n answered categories with the lowest averages,
// lowest first (ties: the larger shortfall from the target average, then
// checklist order). Unanswered categories are left out: they have no
// average to compare.
func Weakest(r Report, n int) []CategoryScore {
	var out []CategoryScore
	for _, c := range r.Categories {
		if c.Answered > 0 {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Average != out[j].Average {
			return out[i].Average < out[j].Average
		}
		return out[i].Average-out[i].TargetAverage < out[j].Average-out[j].TargetAverage
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
