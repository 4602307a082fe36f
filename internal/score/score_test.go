package score

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// benchmarkShape is the real checklist's shape: 5 categories of 8, 4, 7, 5
// and 3 questions, 27 in all. Question "c-q" has key points "c-q-1".."c-q-3".
var benchmarkShape = []int{8, 4, 7, 5, 3}

func testChecklist() []Category {
	cats := make([]Category, len(benchmarkShape))
	for ci, nq := range benchmarkShape {
		c := strconv.Itoa(ci + 1)
		cats[ci] = Category{ID: c, Title: "カテゴリ" + c}
		for qi := 1; qi <= nq; qi++ {
			id := c + "-" + strconv.Itoa(qi)
			cats[ci].Questions = append(cats[ci].Questions, Question{
				ID: id, CategoryID: c, PointIDs: []string{id + "-1", id + "-2", id + "-3"},
			})
		}
	}
	return cats
}

// answersOf builds answers from levels per category (0 = no answer entry).
func answersOf(levels [][]int) map[string]Answer {
	m := map[string]Answer{}
	for ci, ls := range levels {
		for qi, lv := range ls {
			if lv != 0 {
				m[strconv.Itoa(ci+1)+"-"+strconv.Itoa(qi+1)] = Answer{Level: lv}
			}
		}
	}
	return m
}

func uniform(level int) [][]int {
	out := make([][]int, len(benchmarkShape))
	for i, n := range benchmarkShape {
		out[i] = make([]int, n)
		for j := range out[i] {
			out[i][j] = level
		}
	}
	return out
}

func targetsFor(g RiskGroup, cats []Category, overrides map[string]int) map[string]int {
	return DefaultTargets(g, QuestionIDs(cats), overrides)
}

func checkCategories(t *testing.T, got []CategoryScore, want []CategoryScore) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d categories, want %d", len(got), len(want))
	}
	for i := range want {
		want[i].ID = strconv.Itoa(i + 1)
		want[i].Title = "カテゴリ" + want[i].ID
		want[i].Questions = benchmarkShape[i]
		want[i].Max = 5 * benchmarkShape[i]
		if got[i] != want[i] {
			t.Errorf("category %d:\n got %+v\nwant %+v", i+1, got[i], want[i])
		}
	}
}

func recIDs(recs []Recommendation) string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.QuestionID + ":" + strconv.Itoa(r.Gap)
	}
	return strings.Join(ids, " ")
}

func TestComputeAllOne(t *testing.T) {
	cats := testChecklist()
	r := Compute(cats, answersOf(uniform(1)), targetsFor(GII, cats, nil))
	// 27 × 1 = 27 of 135, average 27/27 = 1.00; GII target 3 everywhere:
	// 27 × 3 = 81, target average 3.00.
	wantTotal := Totals{Score: 27, Max: 135, Average: 1, Target: 81, TargetAverage: 3}
	if r.Answered != 27 || r.TotalQuestions != 27 || r.Total != wantTotal {
		t.Fatalf("answered %d/%d total %+v", r.Answered, r.TotalQuestions, r.Total)
	}
	// Category c with n questions: score n, average 1.00, target 3n, 3.00.
	checkCategories(t, r.Categories, []CategoryScore{
		{Score: 8, Average: 1, Target: 24, TargetAverage: 3, Answered: 8},
		{Score: 4, Average: 1, Target: 12, TargetAverage: 3, Answered: 4},
		{Score: 7, Average: 1, Target: 21, TargetAverage: 3, Answered: 7},
		{Score: 5, Average: 1, Target: 15, TargetAverage: 3, Answered: 5},
		{Score: 3, Average: 1, Target: 9, TargetAverage: 3, Answered: 3},
	})
	// Every gap is 3 − 1 = 2, so all 27 are recommended in checklist order,
	// each with all three points (none ticked).
	if len(r.Recommendations) != 27 {
		t.Fatalf("%d recommendations, want 27", len(r.Recommendations))
	}
	for i, q := range QuestionIDs(cats) {
		rec := r.Recommendations[i]
		want := Recommendation{QuestionID: q, CategoryID: q[:1], Gap: 2, Level: 1, Target: 3,
			MissingPoints: []string{q + "-1", q + "-2", q + "-3"}}
		if !reflect.DeepEqual(rec, want) {
			t.Errorf("recommendation %d = %+v, want %+v", i, rec, want)
		}
		if qs := r.Questions[i]; qs != (QuestionScore{ID: q, CategoryID: q[:1], Level: 1, Target: 3, Gap: 2}) {
			t.Errorf("question %d = %+v", i, qs)
		}
	}
}

func TestComputeAllFive(t *testing.T) {
	cats := testChecklist()
	r := Compute(cats, answersOf(uniform(5)), targetsFor(GII, cats, nil))
	// 27 × 5 = 135 of 135, average 5.00; the target is still 81 (3.00).
	wantTotal := Totals{Score: 135, Max: 135, Average: 5, Target: 81, TargetAverage: 3}
	if r.Answered != 27 || r.Total != wantTotal {
		t.Fatalf("answered %d total %+v", r.Answered, r.Total)
	}
	for _, c := range r.Categories {
		if c.Score != c.Max || c.Average != 5 {
			t.Errorf("category %s: %+v", c.ID, c)
		}
	}
	// Above target is gap 0, not negative; nothing to recommend.
	for _, q := range r.Questions {
		if q.Gap != 0 {
			t.Errorf("question %s gap %d", q.ID, q.Gap)
		}
	}
	if r.Recommendations == nil || len(r.Recommendations) != 0 {
		t.Fatalf("recommendations = %#v, want empty non-nil", r.Recommendations)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"recommendations":[]`) {
		t.Errorf("JSON has no empty recommendations array: %s", b)
	}
}

func TestComputeMixed(t *testing.T) {
	cats := testChecklist()
	ans := answersOf([][]int{
		{3, 2, 2, 3, 2, 3, 2, 2}, // 19; 19/8 = 2.375 → 2.38 (half up)
		{1, 2, 3, 4},             // 10; 10/4 = 2.50
		{5, 4, 3, 2, 1, 5, 4},    // 24; 24/7 = 3.4285… → 3.43
		{2, 3, 3, 3, 3},          // 14; 14/5 = 2.80
		{1, 1, 2},                // 4; 4/3 = 1.333… → 1.33
	})
	ans["2-1"] = Answer{Level: 1, PointsMet: []string{"2-1-2"}}
	ans["3-5"] = Answer{Level: 1, PointsMet: []string{"3-5-3", "3-5-1", "3-5-2"}}
	r := Compute(cats, ans, targetsFor(GII, cats, nil))

	// 19+10+24+14+4 = 71; 71/27 = 2.6296… → 2.63.
	wantTotal := Totals{Score: 71, Max: 135, Average: 2.63, Target: 81, TargetAverage: 3}
	if r.Answered != 27 || r.Total != wantTotal {
		t.Fatalf("answered %d total %+v", r.Answered, r.Total)
	}
	checkCategories(t, r.Categories, []CategoryScore{
		{Score: 19, Average: 2.38, Target: 24, TargetAverage: 3, Answered: 8},
		{Score: 10, Average: 2.5, Target: 12, TargetAverage: 3, Answered: 4},
		{Score: 24, Average: 3.43, Target: 21, TargetAverage: 3, Answered: 7},
		{Score: 14, Average: 2.8, Target: 15, TargetAverage: 3, Answered: 5},
		{Score: 4, Average: 1.33, Target: 9, TargetAverage: 3, Answered: 3},
	})
	// Gaps against 3: level 1 → 2 (2-1, 3-5, 5-1, 5-2), level 2 → 1 (1-2,
	// 1-3, 1-5, 1-7, 1-8, 2-2, 3-4, 4-1, 5-3); gap 2 first, then checklist
	// order.
	want := "2-1:2 3-5:2 5-1:2 5-2:2 1-2:1 1-3:1 1-5:1 1-7:1 1-8:1 2-2:1 3-4:1 4-1:1 5-3:1"
	if got := recIDs(r.Recommendations); got != want {
		t.Errorf("recommendations\n got %s\nwant %s", got, want)
	}
	// 2-1 ticked point 2 → 1 and 3 remain; 3-5 ticked all three → still
	// recommended (the level is below target) with no points left.
	if got := r.Recommendations[0].MissingPoints; !reflect.DeepEqual(got, []string{"2-1-1", "2-1-3"}) {
		t.Errorf("2-1 points %v", got)
	}
	if got := r.Recommendations[1].MissingPoints; got == nil || len(got) != 0 {
		t.Errorf("3-5 points %#v, want empty non-nil", got)
	}
}

func TestComputePartial(t *testing.T) {
	cats := testChecklist()
	ans := answersOf([][]int{
		{3, 3, 3, 3, 3, 2, 2, 2}, // 21; 21/8 = 2.625 → 2.63
		{0, 0, 0, 0},             // none answered: score 0, average 0
		{2, 0, 0, 3, 0, 0, 3},    // 8 over 3 answered; 8/3 = 2.666… → 2.67
		{0, 0, 1, 0, 0},          // 1 over 1 → 1.00
		{5, 0, 4},                // 9 over 2 → 4.50
	})
	ans["2-1"] = Answer{Level: 0, PointsMet: []string{"2-1-1"}} // ticked points, no level
	ans["3-2"] = Answer{Level: -1}                              // treated as unanswered
	ans["9-9"] = Answer{Level: 5}                               // not in the checklist: ignored
	r := Compute(cats, ans, targetsFor(GIII, cats, nil))

	// Answered 8+0+3+1+2 = 14; score 21+0+8+1+9 = 39; 39/14 = 2.7857… →
	// 2.79. Max stays 135 and the target covers all 27 questions: GIII
	// target 2 × 27 = 54, 2.00.
	wantTotal := Totals{Score: 39, Max: 135, Average: 2.79, Target: 54, TargetAverage: 2}
	if r.Answered != 14 || r.TotalQuestions != 27 || r.Total != wantTotal {
		t.Fatalf("answered %d/%d total %+v", r.Answered, r.TotalQuestions, r.Total)
	}
	checkCategories(t, r.Categories, []CategoryScore{
		{Score: 21, Average: 2.63, Target: 16, TargetAverage: 2, Answered: 8},
		{Score: 0, Average: 0, Target: 8, TargetAverage: 2, Answered: 0},
		{Score: 8, Average: 2.67, Target: 14, TargetAverage: 2, Answered: 3},
		{Score: 1, Average: 1, Target: 10, TargetAverage: 2, Answered: 1},
		{Score: 9, Average: 4.5, Target: 6, TargetAverage: 2, Answered: 2},
	})
	// Only 4-3 (level 1, target 2) falls short; unanswered questions have
	// level 0, their target, gap 0 and no recommendation.
	if got := recIDs(r.Recommendations); got != "4-3:1" {
		t.Errorf("recommendations %s, want 4-3:1", got)
	}
	for _, q := range r.Questions {
		if q.ID == "2-1" && q != (QuestionScore{ID: "2-1", CategoryID: "2", Level: 0, Target: 2, Gap: 0}) {
			t.Errorf("unanswered 2-1 = %+v", q)
		}
		if q.ID == "3-2" && (q.Level != 0 || q.Gap != 0) {
			t.Errorf("negative level 3-2 = %+v", q)
		}
	}
}

func TestComputeCustomTargets(t *testing.T) {
	cats := testChecklist()
	ans := answersOf(uniform(3))
	ans["1-1"] = Answer{Level: 3, PointsMet: []string{"1-1-2"}}
	targets := targetsFor(GII, cats, map[string]int{"1-1": 5, "2-1": 1})
	r := Compute(cats, ans, targets)

	// Category 1: 7 × 3 + 5 = 26, 26/8 = 3.25. Category 2: 3 × 3 + 1 = 10,
	// 10/4 = 2.50. Total 81 − 3 + 5 − 3 + 1 = 81, 3.00. Score 27 × 3 = 81.
	wantTotal := Totals{Score: 81, Max: 135, Average: 3, Target: 81, TargetAverage: 3}
	if r.Total != wantTotal {
		t.Fatalf("total %+v", r.Total)
	}
	checkCategories(t, r.Categories, []CategoryScore{
		{Score: 24, Average: 3, Target: 26, TargetAverage: 3.25, Answered: 8},
		{Score: 12, Average: 3, Target: 10, TargetAverage: 2.5, Answered: 4},
		{Score: 21, Average: 3, Target: 21, TargetAverage: 3, Answered: 7},
		{Score: 15, Average: 3, Target: 15, TargetAverage: 3, Answered: 5},
		{Score: 9, Average: 3, Target: 9, TargetAverage: 3, Answered: 3},
	})
	// 1-1: 5 − 3 = 2, points 1 and 3 (2 is ticked). 2-1: 1 − 3 < 0 → gap 0.
	want := []Recommendation{{QuestionID: "1-1", CategoryID: "1", Gap: 2, Level: 3, Target: 5,
		MissingPoints: []string{"1-1-1", "1-1-3"}}}
	if !reflect.DeepEqual(r.Recommendations, want) {
		t.Errorf("recommendations %+v", r.Recommendations)
	}
	if q := r.Questions[8]; q != (QuestionScore{ID: "2-1", CategoryID: "2", Level: 3, Target: 1, Gap: 0}) {
		t.Errorf("2-1 = %+v", q)
	}
}

func TestRecommendationOrderAndPoints(t *testing.T) {
	// Categories and questions deliberately not in id order: the checklist
	// order given is what counts.
	cats := []Category{
		{ID: "c9", Questions: []Question{
			{ID: "q9", PointIDs: []string{"q9a", "q9b", "q9c"}},
			{ID: "q2", PointIDs: []string{"q2a", "q2b"}},
			{ID: "q5", PointIDs: []string{"q5a"}},
		}},
		{ID: "c1", Questions: []Question{
			{ID: "q1", PointIDs: []string{"q1a"}},
			{ID: "q0", PointIDs: []string{"q0a", "q0b", "q0c", "q0d"}},
			{ID: "q7", PointIDs: nil},
		}},
	}
	targets := map[string]int{"q9": 4, "q2": 5, "q5": 2, "q1": 5, "q0": 5, "q7": 5}
	ans := map[string]Answer{
		"q9": {Level: 3, PointsMet: []string{"q9c", "q9a"}},     // gap 1, ticked out of order → [q9b]
		"q2": {Level: 2, PointsMet: []string{"q2b", "unknown"}}, // gap 3 → [q2a]
		"q5": {Level: 4},                                        // above target: gap 0
		"q1": {Level: 2},                                        // gap 3, none ticked → all
		"q0": {Level: 4, PointsMet: []string{"q0b", "q0b"}},     // gap 1 → [q0a q0c q0d]
		"q7": {Level: 1, PointsMet: []string{"anything"}},       // gap 4, no points at all
	}
	r := Compute(cats, ans, targets)
	want := []Recommendation{
		{QuestionID: "q7", CategoryID: "c1", Gap: 4, Level: 1, Target: 5, MissingPoints: []string{}},
		{QuestionID: "q2", CategoryID: "c9", Gap: 3, Level: 2, Target: 5, MissingPoints: []string{"q2a"}},
		{QuestionID: "q1", CategoryID: "c1", Gap: 3, Level: 2, Target: 5, MissingPoints: []string{"q1a"}},
		{QuestionID: "q9", CategoryID: "c9", Gap: 1, Level: 3, Target: 4, MissingPoints: []string{"q9b"}},
		{QuestionID: "q0", CategoryID: "c1", Gap: 1, Level: 4, Target: 5, MissingPoints: []string{"q0a", "q0c", "q0d"}},
	}
	if !reflect.DeepEqual(r.Recommendations, want) {
		t.Fatalf("recommendations\n got %+v\nwant %+v", r.Recommendations, want)
	}
	// The point lists share a backing array; each is capped so appending to
	// one cannot overwrite the next.
	for _, rec := range r.Recommendations {
		if cap(rec.MissingPoints) != len(rec.MissingPoints) {
			t.Errorf("%s: cap %d > len %d", rec.QuestionID, cap(rec.MissingPoints), len(rec.MissingPoints))
		}
	}
	// Category ids come from where the question is listed.
	if r.Questions[3].CategoryID != "c1" {
		t.Errorf("q1 category %q", r.Questions[3].CategoryID)
	}
}

func TestComputeEmpty(t *testing.T) {
	r := Compute(nil, nil, nil)
	if r.Answered != 0 || r.TotalQuestions != 0 || r.Total != (Totals{}) {
		t.Errorf("%+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"answered":0,"total_questions":0,"total":{"score":0,"max":0,"average":0,"target":0,"target_average":0},"categories":[],"questions":[],"recommendations":[]}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}

func TestReportJSONShape(t *testing.T) {
	cats := []Category{{ID: "1", Title: "組織的対策", Questions: []Question{{ID: "1-1", PointIDs: []string{"1-1-1"}}}}}
	r := Compute(cats, map[string]Answer{"1-1": {Level: 2}}, map[string]int{"1-1": 3})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"answered":1,"total_questions":1,` +
		`"total":{"score":2,"max":5,"average":2,"target":3,"target_average":3},` +
		`"categories":[{"id":"1","title":"組織的対策","score":2,"max":5,"average":2,"target":3,"target_average":3,"answered":1,"questions":1}],` +
		`"questions":[{"id":"1-1","category_id":"1","level":2,"target":3,"gap":1}],` +
		`"recommendations":[{"question_id":"1-1","category_id":"1","gap":1,"level":2,"target":3,"points":["1-1-1"]}]}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
}

func TestDefaultTargets(t *testing.T) {
	ids := []string{"a", "b", "c"}
	got := DefaultTargets(GI, ids, map[string]int{"b": 5, "zz": 1})
	if want := map[string]int{"a": 4, "b": 5, "c": 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("GI = %v, want %v", got, want)
	}
	got = DefaultTargets(GIII, ids, nil)
	if want := map[string]int{"a": 2, "b": 2, "c": 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("GIII = %v, want %v", got, want)
	}
	got = DefaultTargets("", ids, map[string]int{"c": 1})
	if want := map[string]int{"a": 3, "b": 3, "c": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("no group = %v, want %v", got, want)
	}
}

func TestQuestionIDs(t *testing.T) {
	ids := QuestionIDs(testChecklist())
	if len(ids) != 27 || ids[0] != "1-1" || ids[8] != "2-1" || ids[26] != "5-3" {
		t.Errorf("%v", ids)
	}
}

func TestComputeAllocs(t *testing.T) {
	cats := testChecklist()
	ans := mixedAnswers()
	targets := targetsFor(GII, cats, nil)
	// Categories, questions, recommendations, shared point array.
	if n := testing.AllocsPerRun(100, func() { Compute(cats, ans, targets) }); n > 4 {
		t.Errorf("%v allocations per Compute, want ≤ 4", n)
	}
}

func mixedAnswers() map[string]Answer {
	ans := answersOf([][]int{{3, 2, 2, 3, 2, 3, 2, 2}, {1, 2, 3, 4}, {5, 4, 3, 2, 1, 5, 4}, {2, 3, 3, 3, 3}, {1, 1, 2}})
	for id, a := range ans {
		a.PointsMet = []string{id + "-2"}
		ans[id] = a
	}
	return ans
}

func BenchmarkCompute(b *testing.B) {
	cats := testChecklist()
	ans := mixedAnswers()
	targets := targetsFor(GII, cats, nil)
	b.ReportAllocs()
	for b.Loop() {
		Compute(cats, ans, targets)
	}
}

func TestRecommendationOrderLargeGaps(t *testing.T) {
	// Targets beyond the 1–5 scale (gap > maxSortGap) take the sorting path;
	// the order rules are the same.
	cats := []Category{
		{ID: "a", Questions: []Question{{ID: "a1"}, {ID: "a2"}, {ID: "a3"}}},
		{ID: "b", Questions: []Question{{ID: "b1"}, {ID: "b2"}}},
	}
	targets := map[string]int{"a1": 3, "a2": 20, "a3": 5, "b1": 20, "b2": 3}
	ans := map[string]Answer{"a1": {Level: 1}, "a2": {Level: 1}, "a3": {Level: 2}, "b1": {Level: 1}, "b2": {Level: 1}}
	r := Compute(cats, ans, targets)
	// Gaps: a1 2, a2 19, a3 3, b1 19, b2 2.
	if got, want := recIDs(r.Recommendations), "a2:19 b1:19 a3:3 a1:2 b2:2"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestWeakest(t *testing.T) {
	r := Report{Categories: []CategoryScore{
		{ID: "1", Answered: 8, Average: 3.0, TargetAverage: 3},
		{ID: "2", Answered: 0},
		{ID: "3", Answered: 7, Average: 2.5, TargetAverage: 3},
		{ID: "4", Answered: 5, Average: 2.5, TargetAverage: 4},
		{ID: "5", Answered: 3, Average: 4.0, TargetAverage: 3},
	}}
	var ids []string
	for _, c := range Weakest(r, 3) {
		ids = append(ids, c.ID)
	}
	// 4 and 3 tie at 2.50; 4 falls further short of its target. 2 has no
	// answers and is left out.
	if got := strings.Join(ids, ","); got != "4,3,1" {
		t.Errorf("Weakest = %s, want 4,3,1", got)
	}
	if got := Weakest(Report{}, 3); len(got) != 0 {
		t.Errorf("no categories: %v", got)
	}
}
