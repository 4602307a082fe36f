package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// diag is an organisation with an officer and a manager, and their API
// tokens, for the diagnosis tests.
type diag struct {
	*env
	home                store.Org
	officer, manager    store.User
	offTok, mgrTok      string
	offActor            store.Actor
	questions           []string // checklist order
	categorySizes       []int
	categoryOfQuestions map[string]string
}

func newDiag(t *testing.T) *diag {
	t.Helper()
	e := newEnv(t)
	d := &diag{env: e, home: e.org("診断株式会社", nil)}
	d.officer = e.user(d.home.ID, assessment.Officer, false)
	d.manager = e.user(d.home.ID, assessment.Manager, false)
	d.offTok, d.mgrTok = e.token(d.officer), e.token(d.manager)
	d.offActor = store.Actor{UserID: d.officer.ID, Email: d.officer.Email}
	cl := checklist.Default()
	d.questions = cl.QuestionIDs()
	d.categoryOfQuestions = map[string]string{}
	for _, c := range cl.Categories {
		d.categorySizes = append(d.categorySizes, len(c.Questions))
		for _, q := range c.Questions {
			d.categoryOfQuestions[q.ID] = c.ID
		}
	}
	return d
}

// answer saves levels by question id (0 = leave unanswered) with the given
// ticked points.
func (d *diag) answer(id string, levels map[string]int, points map[string][]string) {
	d.t.Helper()
	for q, lv := range levels {
		if lv == 0 {
			continue
		}
		l := lv
		if _, err := d.st.SaveAnswer(context.Background(), id, q, assessment.AnswerValues{Level: &l, PointsMet: points[q]}, d.offActor); err != nil {
			d.t.Fatal(err)
		}
	}
}

// uniformLevels gives every question the same level.
func (d *diag) uniformLevels(lv int) map[string]int {
	m := map[string]int{}
	for _, q := range d.questions {
		m[q] = lv
	}
	return m
}

// byCategory gives the questions of category i (0-based) the levels
// levels[i], in order.
func (d *diag) byCategory(levels ...[]int) map[string]int {
	m := map[string]int{}
	i := 0
	for ci, n := range d.categorySizes {
		for j := 0; j < n; j++ {
			m[d.questions[i]] = levels[ci][j]
			i++
		}
	}
	return m
}

func (d *diag) report(tok, id string) map[string]any {
	d.t.Helper()
	st, m := d.api(tok, "GET", "/api/v1/assessments/"+id+"/report", nil)
	if st != http.StatusOK {
		d.t.Fatalf("report: status %d %v", st, m)
	}
	return m
}

func (d *diag) putProfile(tok string, orgID string, body map[string]any) (int, map[string]any) {
	d.t.Helper()
	return d.api(tok, "PUT", "/api/v1/orgs/"+orgID+"/profile", body)
}

// profileBody is a valid profile: small, low risk (GIII), changed by over.
func profileBody(over map[string]any) map[string]any {
	b := map[string]any{"industry": "manufacturing", "employees": 10, "annual_sales_million_jpy": 100, "personal_records": 100,
		"it_dependence": 1, "online_services": false, "critical_infrastructure": false}
	for k, v := range over {
		b[k] = v
	}
	return b
}

// totals is the part of a report the hand computations check.
type totals struct {
	Score, Max, Target       float64
	Average, TargetAverage   float64
	Answered, TotalQuestions float64
}

func totalsOf(m map[string]any) totals {
	t := m["total"].(map[string]any)
	return totals{Score: t["score"].(float64), Max: t["max"].(float64), Target: t["target"].(float64),
		Average: t["average"].(float64), TargetAverage: t["target_average"].(float64),
		Answered: m["answered"].(float64), TotalQuestions: m["total_questions"].(float64)}
}

// category is one category of a report: score, max, average, target,
// target_average, answered, questions.
func category(m map[string]any, id string) [7]float64 {
	for _, c := range m["categories"].([]any) {
		c := c.(map[string]any)
		if c["id"] == id {
			avg, _ := c["average"].(float64) // null (no answers) reads as 0 here; TestReportAPI checks the null
			return [7]float64{c["score"].(float64), c["max"].(float64), avg, c["target"].(float64),
				c["target_average"].(float64), c["answered"].(float64), c["questions"].(float64)}
		}
	}
	return [7]float64{}
}

// recs lists the recommendations as "question:gap".
func recs(m map[string]any) string {
	var out []string
	for _, r := range m["recommendations"].([]any) {
		r := r.(map[string]any)
		out = append(out, r["question_id"].(string)+":"+strconv.Itoa(int(r["gap"].(float64))))
	}
	return strings.Join(out, " ")
}

func question(m map[string]any, id string) map[string]any {
	for _, q := range m["questions"].([]any) {
		if q := q.(map[string]any); q["id"] == id {
			return q
		}
	}
	return nil
}

func TestReportAPI(t *testing.T) {
	d := newDiag(t)
	cl := checklist.Default()

	t.Run("AllOnesNoProfile", func(t *testing.T) {
		a := d.draft(d.officer)
		d.answer(a.ID, d.uniformLevels(1), nil)
		m := d.report(d.offTok, a.ID)
		// No profile: GII, target 3 everywhere. Score 27 × 1 = 27 of
		// 27 × 5 = 135; average 27/27 = 1.00; target 27 × 3 = 81, 81/27 = 3.00.
		if got, want := totalsOf(m), (totals{Score: 27, Max: 135, Target: 81, Average: 1, TargetAverage: 3, Answered: 27, TotalQuestions: 27}); got != want {
			t.Fatalf("totals %+v, want %+v", got, want)
		}
		if m["risk_group"] != "GII" || m["risk_index"] != 0.0 || m["status"] != "draft" || m["targets_frozen"] != false || m["assessment_id"] != a.ID {
			t.Fatalf("header %v %v %v %v", m["risk_group"], m["risk_index"], m["status"], m["targets_frozen"])
		}
		// Category 1: 8 questions, score 8 of 40, average 1.00, target
		// 8 × 3 = 24, 24/8 = 3.00. Category 5: 3 of 15, target 9.
		if got := category(m, "1"); got != [7]float64{8, 40, 1, 24, 3, 8, 8} {
			t.Fatalf("category 1 %v", got)
		}
		if got := category(m, "5"); got != [7]float64{3, 15, 1, 9, 3, 3, 3} {
			t.Fatalf("category 5 %v", got)
		}
		// Every question is 2 below: all 27, in checklist order.
		want := strings.Join(func() []string {
			var s []string
			for _, q := range d.questions {
				s = append(s, q+":2")
			}
			return s
		}(), " ")
		if got := recs(m); got != want {
			t.Fatalf("recommendations\n got %s\nwant %s", got, want)
		}
		// Nothing ticked: every key point of 1-1, as {id, text} in Japanese.
		first := m["recommendations"].([]any)[0].(map[string]any)
		pts := first["points"].([]any)
		q11, _ := cl.Question("1-1")
		if len(pts) != len(q11.Points) || pts[0].(map[string]any)["id"] != "1-1-1" || pts[0].(map[string]any)["text"] != q11.Points[0].Text {
			t.Fatalf("points %v", pts[0])
		}
		// In English on request.
		_, en := d.api(d.offTok, "GET", "/api/v1/assessments/"+a.ID+"/report?lang=en", nil)
		enPts := en["recommendations"].([]any)[0].(map[string]any)["points"].([]any)
		if enPts[0].(map[string]any)["text"] != q11.Points[0].TextEN || en["categories"].([]any)[0].(map[string]any)["title"] != cl.Categories[0].TitleEN {
			t.Fatalf("English: %v", enPts[0])
		}
	})

	t.Run("AllFives", func(t *testing.T) {
		a := d.draft(d.officer)
		d.answer(a.ID, d.uniformLevels(5), nil)
		m := d.report(d.offTok, a.ID)
		// 27 × 5 = 135 of 135, average 5.00; nothing below target.
		if got, want := totalsOf(m), (totals{Score: 135, Max: 135, Target: 81, Average: 5, TargetAverage: 3, Answered: 27, TotalQuestions: 27}); got != want {
			t.Fatalf("totals %+v, want %+v", got, want)
		}
		if got := category(m, "3"); got != [7]float64{35, 35, 5, 21, 3, 7, 7} {
			t.Fatalf("category 3 %v", got)
		}
		if r := m["recommendations"].([]any); len(r) != 0 {
			t.Fatalf("recommendations %v", r)
		}
		if q := question(m, "2-4"); q["level"] != 5.0 || q["target"] != 3.0 || q["gap"] != 0.0 {
			t.Fatalf("2-4 %v", q)
		}
	})

	t.Run("MixedGI", func(t *testing.T) {
		// Employees 300 (social) and online services (structural): GI,
		// target 4; index 25 + 10 = 35.
		if st, m := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 300, "online_services": true})); st != 200 || m["risk_group"] != "GI" {
			t.Fatalf("profile: %d %v", st, m)
		}
		// Back to GII (IT dependence 4 alone) for the other subtests.
		t.Cleanup(func() { d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"it_dependence": 4})) })
		a := d.draft(d.officer)
		d.answer(a.ID, d.byCategory(
			[]int{1, 2, 3, 4, 5, 1, 2, 3}, // 21
			[]int{5, 5, 4, 4},             // 18
			[]int{3, 3, 3, 3, 3, 3, 4},    // 22
			[]int{2, 2, 2, 2, 1},          // 9
			[]int{1, 2, 2},                // 5
		), map[string][]string{"1-1": {"1-1-1", "1-1-3"}})
		m := d.report(d.offTok, a.ID)
		// Score 21 + 18 + 22 + 9 + 5 = 75; 75/27 = 2.777… → 2.78.
		// Target 27 × 4 = 108, 4.00.
		if got, want := totalsOf(m), (totals{Score: 75, Max: 135, Target: 108, Average: 2.78, TargetAverage: 4, Answered: 27, TotalQuestions: 27}); got != want {
			t.Fatalf("totals %+v, want %+v", got, want)
		}
		if m["risk_group"] != "GI" || m["risk_index"] != 35.0 {
			t.Fatalf("risk %v %v", m["risk_group"], m["risk_index"])
		}
		// 21/8 = 2.625 → 2.63 (half up); target 8 × 4 = 32.
		if got := category(m, "1"); got != [7]float64{21, 40, 2.63, 32, 4, 8, 8} {
			t.Fatalf("category 1 %v", got)
		}
		// 18/4 = 4.50.
		if got := category(m, "2"); got != [7]float64{18, 20, 4.5, 16, 4, 4, 4} {
			t.Fatalf("category 2 %v", got)
		}
		// 22/7 = 3.1428… → 3.14.
		if got := category(m, "3"); got != [7]float64{22, 35, 3.14, 28, 4, 7, 7} {
			t.Fatalf("category 3 %v", got)
		}
		// 9/5 = 1.80.
		if got := category(m, "4"); got != [7]float64{9, 25, 1.8, 20, 4, 5, 5} {
			t.Fatalf("category 4 %v", got)
		}
		// 5/3 = 1.666… → 1.67.
		if got := category(m, "5"); got != [7]float64{5, 15, 1.67, 12, 4, 3, 3} {
			t.Fatalf("category 5 %v", got)
		}
		// Gaps to 4: gap 3 at 1-1, 1-6, 4-5, 5-1; gap 2 at 1-2, 1-7,
		// 4-1..4-4, 5-2, 5-3; gap 1 at 1-3, 1-8, 3-1..3-6. By gap, then
		// category, then question.
		want := "1-1:3 1-6:3 4-5:3 5-1:3 1-2:2 1-7:2 4-1:2 4-2:2 4-3:2 4-4:2 5-2:2 5-3:2 1-3:1 1-8:1 3-1:1 3-2:1 3-3:1 3-4:1 3-5:1 3-6:1"
		if got := recs(m); got != want {
			t.Fatalf("recommendations\n got %s\nwant %s", got, want)
		}
		// 1-1 has 12 key points, 1-1-1 and 1-1-3 ticked: 10 left, from 1-1-2.
		r0 := m["recommendations"].([]any)[0].(map[string]any)
		pts := r0["points"].([]any)
		if len(pts) != 10 || pts[0].(map[string]any)["id"] != "1-1-2" || pts[1].(map[string]any)["id"] != "1-1-4" ||
			r0["level"] != 1.0 || r0["target"] != 4.0 || r0["category_id"] != "1" {
			t.Fatalf("1-1 recommendation %v", r0)
		}
		if q := question(m, "1-5"); q["level"] != 5.0 || q["gap"] != 0.0 {
			t.Fatalf("1-5 above target: %v", q)
		}
	})

	t.Run("PartiallyAnswered", func(t *testing.T) {
		a := d.draft(d.officer)
		d.answer(a.ID, map[string]int{"1-1": 2, "5-1": 3, "5-2": 4, "5-3": 5}, nil)
		m := d.report(d.offTok, a.ID)
		// 4 answered, 2 + 3 + 4 + 5 = 14; average over the answered:
		// 14/4 = 3.50. Max and target still cover all 27: 135, 81.
		if got, want := totalsOf(m), (totals{Score: 14, Max: 135, Target: 81, Average: 3.5, TargetAverage: 3, Answered: 4, TotalQuestions: 27}); got != want {
			t.Fatalf("totals %+v, want %+v", got, want)
		}
		// A draft is provisional; category 2 has no answers: its average is
		// null, never 0.
		if m["provisional"] != true {
			t.Fatalf("a draft's report is not provisional: %v", m["provisional"])
		}
		for _, c := range m["categories"].([]any) {
			c := c.(map[string]any)
			if v, ok := c["average"]; c["id"] == "2" && (!ok || v != nil) {
				t.Fatalf("category 2 (no answers) average = %v, want null", v)
			}
		}
		// Category 1: one answered (2), average 2/1 = 2.00; category 2:
		// none answered; category 5: 12/3 = 4.00.
		if got := category(m, "1"); got != [7]float64{2, 40, 2, 24, 3, 1, 8} {
			t.Fatalf("category 1 %v", got)
		}
		if got := category(m, "2"); got != [7]float64{0, 20, 0, 12, 3, 0, 4} {
			t.Fatalf("category 2 %v", got)
		}
		if got := category(m, "5"); got != [7]float64{12, 15, 4, 9, 3, 3, 3} {
			t.Fatalf("category 5 %v", got)
		}
		// Only answered questions are recommended: 1-1 (3 − 2 = 1).
		if got := recs(m); got != "1-1:1" {
			t.Fatalf("recommendations %s", got)
		}
		if q := question(m, "2-1"); q["level"] != 0.0 || q["gap"] != 0.0 || q["target"] != 3.0 {
			t.Fatalf("unanswered 2-1 %v", q)
		}
	})

	t.Run("CustomTargets", func(t *testing.T) {
		st, m := d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+d.home.ID+"/targets", map[string]any{"targets": map[string]any{"1-1": 5, "2-1": 1, "5-3": 4}})
		if st != 200 {
			t.Fatalf("targets: %d %v", st, m)
		}
		t.Cleanup(func() {
			d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+d.home.ID+"/targets", map[string]any{"targets": map[string]any{}})
		})
		a := d.draft(d.officer)
		d.answer(a.ID, d.uniformLevels(3), nil)
		m = d.report(d.offTok, a.ID)
		// GII, default 3; 1-1 → 5 (+2), 2-1 → 1 (−2), 5-3 → 4 (+1):
		// target 81 + 2 − 2 + 1 = 82, 82/27 = 3.037… → 3.04.
		if got, want := totalsOf(m), (totals{Score: 81, Max: 135, Target: 82, Average: 3, TargetAverage: 3.04, Answered: 27, TotalQuestions: 27}); got != want {
			t.Fatalf("totals %+v, want %+v", got, want)
		}
		// Category 1: 24 + 2 = 26, 26/8 = 3.25. Category 2: 12 − 2 = 10,
		// 10/4 = 2.50. Category 5: score 3 × 3 = 9; target 9 + 1 = 10,
		// 10/3 = 3.333… → 3.33.
		if got := category(m, "1"); got != [7]float64{24, 40, 3, 26, 3.25, 8, 8} {
			t.Fatalf("category 1 %v", got)
		}
		if got := category(m, "2"); got != [7]float64{12, 20, 3, 10, 2.5, 4, 4} {
			t.Fatalf("category 2 %v", got)
		}
		if got := category(m, "5"); got != [7]float64{9, 15, 3, 10, 3.33, 3, 3} {
			t.Fatalf("category 5 %v", got)
		}
		// 1-1: 5 − 3 = 2; 5-3: 4 − 3 = 1; 2-1 above its target of 1.
		if got := recs(m); got != "1-1:2 5-3:1" {
			t.Fatalf("recommendations %s", got)
		}
		if q := question(m, "2-1"); q["target"] != 1.0 || q["gap"] != 0.0 {
			t.Fatalf("2-1 %v", q)
		}
	})

	t.Run("OtherOrganisationNotFound", func(t *testing.T) {
		a := d.draft(d.officer)
		other := d.org2()
		st, m := d.api(other.tok, "GET", "/api/v1/assessments/"+a.ID+"/report", nil)
		if st != http.StatusNotFound || errCode(m) != "not_found" {
			t.Fatalf("status %d %v", st, m)
		}
	})
}
