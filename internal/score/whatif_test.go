package score

import (
	"reflect"
	"testing"
)

// whatIfChecklist: two categories of two questions.
var whatIfChecklist = []Category{
	{ID: "1", Title: "一", Questions: []Question{{ID: "1-1", PointIDs: []string{"1-1-1"}}, {ID: "1-2"}}},
	{ID: "2", Title: "二", Questions: []Question{{ID: "2-1"}, {ID: "2-2"}}},
}

// TestWhatIfAgainstHandComputation: today 1-1 = 2, 1-2 = 3, 2-1 = 1, 2-2
// unanswered, targets 3. Today: total 6, average 6 ÷ 3 = 2, category 1
// (2 + 3) ÷ 2 = 2.5, category 2 1 ÷ 1 = 1.
func TestWhatIfAgainstHandComputation(t *testing.T) {
	answers := map[string]Answer{"1-1": {Level: 2, PointsMet: []string{"1-1-1"}}, "1-2": {Level: 3}, "2-1": {Level: 1}}
	targets := DefaultTargets(DefaultGroup, QuestionIDs(whatIfChecklist), map[string]int{"1-1": 3, "1-2": 3, "2-1": 3, "2-2": 3})
	today := Compute(whatIfChecklist, answers, targets)
	tests := []struct {
		name            string
		planned         map[string]int
		total           int
		average         float64
		cat1, cat2      float64
		delta           Delta
		recommendations int
	}{
		{"Nothing planned", nil, 6, 2, 2.5, 1, Delta{0, 0, map[string]float64{"1": 0, "2": 0}}, 2},
		// 4 + 3 + 1 + 3 = 11 over 4 answered: 2.75; (4 + 3) ÷ 2 = 3.5;
		// (1 + 3) ÷ 2 = 2.
		{"Raise 1-1 to 4, answer 2-2 at 3", map[string]int{"1-1": 4, "2-2": 3}, 11, 2.75, 3.5, 2,
			Delta{5, 0.75, map[string]float64{"1": 1, "2": 1}}, 1},
		// 2 + 3 + 3 = 8 over 3: 2.67 (2.666…); category 2: 3.
		{"Raise 2-1 to target", map[string]int{"2-1": 3}, 8, 2.67, 2.5, 3,
			Delta{2, 0.67, map[string]float64{"1": 0, "2": 2}}, 1},
		// A lower level is a projection too: 1 + 3 + 1 = 5, 1.67.
		{"Lower 1-1 to 1", map[string]int{"1-1": 1}, 5, 1.67, 2, 1,
			Delta{-1, -0.33, map[string]float64{"1": -0.5, "2": 0}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Compute(whatIfChecklist, WithLevels(answers, tt.planned), targets)
			if p.Total.Score != tt.total || p.Total.Average != tt.average || p.Categories[0].Average != tt.cat1 || p.Categories[1].Average != tt.cat2 {
				t.Errorf("projected total %d avg %v categories %v %v; want %d %v %v %v",
					p.Total.Score, p.Total.Average, p.Categories[0].Average, p.Categories[1].Average, tt.total, tt.average, tt.cat1, tt.cat2)
			}
			if d := DeltaOf(today, p); !reflect.DeepEqual(d, tt.delta) {
				t.Errorf("delta %+v, want %+v", d, tt.delta)
			}
			if len(p.Recommendations) != tt.recommendations {
				t.Errorf("%d recommendations, want %d", len(p.Recommendations), tt.recommendations)
			}
		})
	}
	if answers["1-1"].Level != 2 || len(answers) != 3 {
		t.Fatalf("WithLevels changed the answers: %+v", answers)
	}
}

// TestProjectedDeviationScore: the peers' totals 4, 6, 8, 10 and the
// organisation's own 6, kept as sums (PeerStats) as the store keeps them.
//
// Today: n 5, Σ 34, mean 6.8, Σt² 252, V = 5·252 − 34² = 104, sd √104 ÷ 5
// = 2.04; 偏差値 50 + 10·(5·6 − 34) ÷ √104 = 46.08 → 46.1; percentile
// (1 below + ½·2 equal) ÷ 5 = 40.
//
// Projected to 11: Σ 39, mean 7.8, Σt² 337, V = 1685 − 1521 = 164, sd
// √164 ÷ 5 = 2.56; 偏差値 50 + 10·(55 − 39) ÷ √164 = 62.49 → 62.5;
// percentile (4 below + ½·1 equal, itself) ÷ 5 = 90.
func TestProjectedDeviationScore(t *testing.T) {
	own := Peer{Total: 6, RiskIndex: 2}
	var group PeerStats
	for _, p := range []Peer{{Total: 4, RiskIndex: 1}, {Total: 6, RiskIndex: 3}, {Total: 8, RiskIndex: 1}, {Total: 10, RiskIndex: 2}, own} {
		group.Add(p)
	}
	proj := Peer{Total: 11, RiskIndex: 2}
	tests := []struct {
		name                      string
		peers                     PeerStats
		own                       int
		mean, sd, dev, percentile float64
	}{
		{"Today", group, 6, 6.8, 2.04, 46.1, 40},
		{"Projected", group.Replace(own, proj), 11, 7.8, 2.56, 62.5, 90},
	}
	for _, tt := range tests {
		g := tt.peers.Stats("risk_group", "GII", tt.own)
		if !g.EnoughData || g.Mean != tt.mean || g.SD != tt.sd || g.DeviationScore != tt.dev || g.Percentile != tt.percentile {
			t.Errorf("%s: mean %v sd %v 偏差値 %v percentile %v; want %v %v %v %v", tt.name, g.Mean, g.SD, g.DeviationScore, g.Percentile,
				tt.mean, tt.sd, tt.dev, tt.percentile)
		}
	}
	// Replace leaves the group it was given as it was.
	if g := group.Stats("risk_group", "GII", 6); g.Mean != 6.8 || group.Totals[6] != 2 || group.Totals[11] != 0 {
		t.Fatalf("Replace changed the group it was given: %+v", group)
	}
}

// TestSuggestOrder is the example of Suggest's documentation, with an
// unanswered question and an item that raises nothing.
func TestSuggestOrder(t *testing.T) {
	cats := []Category{{ID: "1", Questions: []Question{{ID: "1-1"}, {ID: "1-5"}}}, {ID: "2", Questions: []Question{{ID: "2-1"}, {ID: "2-2"}}}}
	answers := map[string]Answer{"1-1": {Level: 1}, "1-5": {Level: 2}, "2-1": {Level: 3}}
	today := Compute(cats, answers, DefaultTargets(DefaultGroup, QuestionIDs(cats), map[string]int{"1-1": 4, "1-5": 4, "2-1": 4, "2-2": 4}))
	items := []PlanItem{
		{Key: "B", Levels: map[string]int{"2-1": 5}},            // gain 2, gap 1: weight 2
		{Key: "C", Levels: map[string]int{"1-1": 2}},            // gain 1, gap 3: weight 3
		{Key: "none", Levels: map[string]int{"2-1": 3}},         // gain 0
		{Key: "A", Levels: map[string]int{"1-5": 4}},            // gain 2, gap 2: weight 4
		{Key: "D", Levels: map[string]int{"2-2": 1, "1-1": 2}},  // unanswered: gain 1 × gap 4 = 4; 1-1: 1 × 3 = 3; weight 7, gain 2
		{Key: "A2", Levels: map[string]int{"1-5": 4, "9-9": 5}}, // unknown questions count nothing: as A, after it
	}
	want := []Suggestion{{"D", 2, 7}, {"A", 2, 4}, {"A2", 2, 4}, {"C", 1, 3}, {"B", 2, 2}, {"none", 0, 0}}
	if got := Suggest(items, today); !reflect.DeepEqual(got, want) {
		t.Fatalf("Suggest = %+v\nwant %+v", got, want)
	}
}
