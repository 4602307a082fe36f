package score

import (
	"cmp"
	"math"
	"slices"
)

// WithLevels returns answers with the levels of planned put in place: the
// answers a what-if projection scores. The key points met are kept, and a
// planned level for an unanswered question answers it. answers is not
// changed.
func WithLevels(answers map[string]Answer, planned map[string]int) map[string]Answer {
	out := make(map[string]Answer, len(answers)+len(planned))
	for id, a := range answers {
		out[id] = a
	}
	for id, lv := range planned {
		a := out[id]
		a.Level = lv
		out[id] = a
	}
	return out
}

// Delta is a projection minus today: the total, its average and each
// category's average (by category id), rounded to 2 decimals.
type Delta struct {
	Total      int                `json:"total"`
	Average    float64            `json:"average"`
	Categories map[string]float64 `json:"categories"`
}

// DeltaOf is projected minus today, for two reports of the same checklist.
func DeltaOf(today, projected Report) Delta {
	d := Delta{Total: projected.Total.Score - today.Total.Score,
		Average:    round2f(projected.Total.Average - today.Total.Average),
		Categories: make(map[string]float64, len(projected.Categories))}
	for i, c := range projected.Categories {
		if i < len(today.Categories) {
			d.Categories[c.ID] = round2f(c.Average - today.Categories[i].Average)
		}
	}
	return d
}

// round2f rounds a difference of two 2-decimal values to 2 decimals,
// removing the binary error of the subtraction (2.67 − 2.33 =
// 0.3400000000000003 → 0.34).
func round2f(x float64) float64 { return math.Round(x*100) / 100 }

// PeerOf is the peer a report makes: its total and category averages, with
// the given risk index.
func PeerOf(r Report, riskIndex int) Peer {
	avgs := make(map[string]float64, len(r.Categories))
	for _, c := range r.Categories {
		if c.Answered > 0 {
			avgs[c.ID] = c.Average
		}
	}
	return Peer{Total: r.Total.Score, RiskIndex: riskIndex, CategoryAverages: avgs}
}

// PlanItem is one unit of planned work the suggested order ranks: an open
// action, or a recommendation no open action covers yet (planned at its
// target). Levels is question id → planned level.
type PlanItem struct {
	Key    string // e.g. "action:<id>" or "rec:1-5"
	Levels map[string]int
}

// Suggestion is a ranked item: Gain is how many points the total rises when
// the item is done, Weight the gain weighted by the gaps to target.
type Suggestion struct {
	Key    string `json:"key"`
	Gain   int    `json:"gain"`
	Weight int    `json:"weight"`
}

// Suggest ranks plan items by expected gain per action, weighted by each
// question's gap to its target:
//
//	gain   = Σ over the item's questions of max(0, planned − level)
//	weight = Σ over the item's questions of max(0, planned − level) × gap
//
// where level is today's level (0 unanswered) and gap = max(0, target −
// level) as in Compute; an unanswered question counts with the gap of its
// whole target. The order is weight descending, then gain descending, then
// the order the items were given in (e.g. the due date). An item that
// raises nothing (gain 0) is listed last.
//
// Example: target 4 everywhere; item A raises 1-5 from 2 to 4 (gain 2,
// gap 2, weight 4); item B raises 2-1 from 3 to 5 (gain 2, gap 1, weight 2);
// item C raises 1-1 from 1 to 2 (gain 1, gap 3, weight 3): A, C, B.
func Suggest(items []PlanItem, today Report) []Suggestion {
	qs := make(map[string]QuestionScore, len(today.Questions))
	for _, q := range today.Questions {
		qs[q.ID] = q
	}
	out := make([]Suggestion, len(items))
	for i, it := range items {
		s := Suggestion{Key: it.Key}
		for id, lv := range it.Levels {
			q, ok := qs[id]
			if !ok {
				continue
			}
			up := max(0, lv-q.Level)
			gap := max(0, q.Target-q.Level)
			s.Gain += up
			s.Weight += up * gap
		}
		out[i] = s
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(b.Gain, a.Gain))
	})
	return out
}
