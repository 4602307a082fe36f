package server_test

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
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
			return [7]float64{c["score"].(float64), c["max"].(float64), c["average"].(float64), c["target"].(float64),
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
		// Category 1: one answered (2), average 2/1 = 2.00; category 2:
		// none answered, average 0; category 5: 12/3 = 4.00.
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

// outsider is a manager of another organisation.
type outsider struct {
	org store.Org
	mgr store.User
	tok string
}

func (d *diag) org2() outsider {
	d.t.Helper()
	o := d.org("他社株式会社", nil)
	u := d.user(o.ID, assessment.Manager, false)
	return outsider{org: o, mgr: u, tok: d.token(u)}
}

func TestProfileAPIRiskBoundaries(t *testing.T) {
	d := newDiag(t)
	tests := []struct {
		name    string
		over    map[string]any
		group   string
		index   float64
		reasons []string
	}{
		{"Employees299", map[string]any{"employees": 299}, "GIII", 0, nil},
		{"Employees300", map[string]any{"employees": 300}, "GII", 25, []string{"employees_ge_300"}},
		{"Records4999", map[string]any{"personal_records": 4999}, "GIII", 0, nil},
		{"Records5000", map[string]any{"personal_records": 5000}, "GII", 10, []string{"records_ge_5000"}},
		{"Records99999", map[string]any{"personal_records": 99999}, "GII", 10, []string{"records_ge_5000"}},
		// 100,000 records weigh on both axes: 20 + 10.
		{"Records100000", map[string]any{"personal_records": 100000}, "GI", 30, []string{"records_ge_100000", "records_ge_5000"}},
		{"Sales9999", map[string]any{"annual_sales_million_jpy": 9999}, "GIII", 0, nil},
		{"Sales10000", map[string]any{"annual_sales_million_jpy": 10000}, "GII", 15, []string{"sales_ge_10000"}},
		{"ITDependence3", map[string]any{"it_dependence": 3}, "GIII", 0, nil},
		{"ITDependence4", map[string]any{"it_dependence": 4}, "GII", 10, []string{"it_dependence_ge_4"}},
		{"CriticalInfrastructure", map[string]any{"critical_infrastructure": true}, "GII", 10, []string{"critical_infrastructure"}},
		{"EmployeesAndIT", map[string]any{"employees": 300, "it_dependence": 4}, "GI", 35, []string{"employees_ge_300", "it_dependence_ge_4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, m := d.putProfile(d.offTok, d.home.ID, profileBody(tt.over))
			if st != 200 {
				t.Fatalf("PUT %d %v", st, m)
			}
			for _, got := range []map[string]any{m, func() map[string]any {
				_, g := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil)
				return g
			}()} {
				var codes []string
				for _, r := range got["reasons"].([]any) {
					r := r.(map[string]any)
					codes = append(codes, r["code"].(string))
					if r["text"] == "" || r["axis"] == "" {
						t.Errorf("reason without text or axis: %v", r)
					}
				}
				if got["risk_group"] != tt.group || got["risk_index"] != tt.index || !reflect.DeepEqual(codes, tt.reasons) {
					t.Fatalf("group %v index %v reasons %v, want %s %v %v", got["risk_group"], got["risk_index"], codes, tt.group, tt.index, tt.reasons)
				}
			}
		})
	}
	t.Run("ReasonTextCarriesTheValue", func(t *testing.T) {
		_, m := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 1234}))
		if txt := m["reasons"].([]any)[0].(map[string]any)["text"].(string); !strings.Contains(txt, "1,234") {
			t.Fatalf("reason text %q", txt)
		}
		_, en := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile?lang=en", nil)
		if txt := en["reasons"].([]any)[0].(map[string]any)["text"].(string); !strings.Contains(txt, "300 or more employees (1,234)") {
			t.Fatalf("English reason text %q", txt)
		}
	})
}

func TestProfileAPI(t *testing.T) {
	d := newDiag(t)

	t.Run("UnsetProfileIsNullAndGII", func(t *testing.T) {
		st, m := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil)
		if st != 200 || m["profile"] != nil || m["risk_group"] != "GII" || m["risk_index"] != 0.0 || len(m["reasons"].([]any)) != 0 {
			t.Fatalf("status %d %v", st, m)
		}
	})

	t.Run("Invalid422ListsFields", func(t *testing.T) {
		st, m := d.putProfile(d.offTok, d.home.ID, map[string]any{"industry": "fishing", "employees": 0, "annual_sales_million_jpy": -1,
			"personal_records": -1, "it_dependence": 6, "online_services": false})
		fields, _ := m["error"].(map[string]any)["fields"].(map[string]any)
		want := map[string]any{"industry": "invalid_choice", "employees": "out_of_range", "annual_sales_million_jpy": "out_of_range",
			"personal_records": "out_of_range", "it_dependence": "out_of_range", "critical_infrastructure": "required"}
		if st != http.StatusUnprocessableEntity || errCode(m) != "invalid" || !reflect.DeepEqual(fields, want) {
			t.Fatalf("status %d fields %v", st, fields)
		}
		st, m = d.putProfile(d.offTok, d.home.ID, map[string]any{})
		if fields := m["error"].(map[string]any)["fields"].(map[string]any); st != 422 || len(fields) != 7 || fields["employees"] != "required" {
			t.Fatalf("empty body: %d %v", st, m)
		}
		if st, m := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 10_000_001})); st != 422 {
			t.Fatalf("too many employees: %d %v", st, m)
		}
		// Wrong types and unknown fields cannot be decoded: 400.
		if st, _ := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": "many"})); st != http.StatusBadRequest {
			t.Fatalf("string employees: %d", st)
		}
		if st, _ := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"shoe_size": 42})); st != http.StatusBadRequest {
			t.Fatalf("unknown field: %d", st)
		}
		// Nothing was written.
		if _, m := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil); m["profile"] != nil {
			t.Fatalf("profile written by a refused request: %v", m["profile"])
		}
	})

	t.Run("SaveAndVersion", func(t *testing.T) {
		st, m := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"version": 0}))
		p, _ := m["profile"].(map[string]any)
		if st != 200 || p["version"] != 1.0 || p["employees"] != 10.0 || m["risk_group"] != "GIII" || m["default_target"] != 2.0 {
			t.Fatalf("status %d %v", st, m)
		}
		// A client that read version 0 is too late now: 409 with the current.
		st, m = d.putProfile(d.mgrTok, d.home.ID, profileBody(map[string]any{"employees": 50, "version": 0}))
		if st != http.StatusConflict || m["current"].(map[string]any)["version"] != 1.0 {
			t.Fatalf("stale: %d %v", st, m)
		}
		// The manager saves on top of version 1; the audit trail has old → new.
		if st, m = d.putProfile(d.mgrTok, d.home.ID, profileBody(map[string]any{"employees": 50, "version": 1})); st != 200 || m["profile"].(map[string]any)["version"] != 2.0 {
			t.Fatalf("manager save: %d %v", st, m)
		}
		var old, nw int
		err := storetest.DB(t, d.st).QueryRow(context.Background(), `SELECT (detail->'old'->>'employees')::int, (detail->'new'->>'employees')::int
			FROM audit_log WHERE org_id = $1 AND action = 'profile.updated' ORDER BY seq DESC LIMIT 1`, d.home.ID).Scan(&old, &nw)
		if err != nil || old != 10 || nw != 50 {
			t.Fatalf("audit old %d new %d: %v", old, nw, err)
		}
	})

	t.Run("AuditorReadsButCannotEdit", func(t *testing.T) {
		aud := d.user(d.home.ID, assessment.Auditor, false)
		tok := d.token(aud)
		if st, _ := d.api(tok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil); st != 200 {
			t.Fatalf("GET %d", st)
		}
		if st, m := d.putProfile(tok, d.home.ID, profileBody(nil)); st != http.StatusForbidden || errCode(m) != "forbidden" {
			t.Fatalf("PUT %d %v", st, m)
		}
	})

	t.Run("OtherOrganisation404", func(t *testing.T) {
		o := d.org2()
		for _, method := range []string{"GET", "PUT"} {
			var body any
			if method == "PUT" {
				body = profileBody(nil)
			}
			for _, path := range []string{"/profile", "/targets"} {
				b := body
				if method == "PUT" && path == "/targets" {
					b = map[string]any{"targets": map[string]any{}}
				}
				st, m := d.api(o.tok, method, "/api/v1/orgs/"+d.home.ID+path, b)
				if st != http.StatusNotFound || errCode(m) != "not_found" {
					t.Fatalf("%s %s: %d %v", method, path, st, m)
				}
			}
		}
		// An organisation that does not exist looks the same.
		if st, _ := d.api(d.offTok, "GET", "/api/v1/orgs/00000000-0000-0000-0000-000000000000/profile", nil); st != http.StatusNotFound {
			t.Fatalf("unknown org %d", st)
		}
	})
}

func TestTargetsAPI(t *testing.T) {
	d := newDiag(t)
	path := "/api/v1/orgs/" + d.home.ID + "/targets"

	t.Run("DefaultsForTheGroup", func(t *testing.T) {
		st, m := d.api(d.offTok, "GET", path, nil)
		tg := m["targets"].(map[string]any)
		if st != 200 || len(tg) != 27 || tg["1-1"] != 3.0 || tg["5-3"] != 3.0 || m["risk_group"] != "GII" || len(m["overrides"].(map[string]any)) != 0 {
			t.Fatalf("status %d %v", st, m)
		}
	})

	t.Run("OfficerForbidden", func(t *testing.T) {
		st, m := d.api(d.offTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 5}})
		if st != http.StatusForbidden || errCode(m) != "forbidden" {
			t.Fatalf("status %d %v", st, m)
		}
	})

	t.Run("Invalid422", func(t *testing.T) {
		st, m := d.api(d.mgrTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 6, "1-2": 0, "9-9": 3, "2-1": "3", "2-2": 2.5, "2-3": 4}})
		fields, _ := m["error"].(map[string]any)["fields"].(map[string]any)
		want := map[string]any{"1-1": "out_of_range", "1-2": "out_of_range", "9-9": "unknown_question", "2-1": "out_of_range", "2-2": "out_of_range"}
		if st != 422 || !reflect.DeepEqual(fields, want) {
			t.Fatalf("status %d fields %v", st, fields)
		}
		if st, m := d.api(d.mgrTok, "PUT", path, map[string]any{}); st != 422 || m["error"].(map[string]any)["fields"].(map[string]any)["targets"] != "required" {
			t.Fatalf("no targets: %d %v", st, m)
		}
		// Nothing written: 2-3 (valid) was not stored either.
		if _, m := d.api(d.mgrTok, "GET", path, nil); len(m["overrides"].(map[string]any)) != 0 {
			t.Fatalf("overrides after refusal %v", m["overrides"])
		}
	})

	t.Run("SetReplaceAndAudit", func(t *testing.T) {
		st, m := d.api(d.mgrTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 5, "3-2": 1}})
		tg := m["targets"].(map[string]any)
		if st != 200 || tg["1-1"] != 5.0 || tg["3-2"] != 1.0 || tg["3-3"] != 3.0 || len(m["overrides"].(map[string]any)) != 2 {
			t.Fatalf("status %d %v", st, m)
		}
		// The full set replaces: 3-2 left out is back to the default.
		_, m = d.api(d.mgrTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 4}})
		if tg := m["targets"].(map[string]any); tg["3-2"] != 3.0 || tg["1-1"] != 4.0 {
			t.Fatalf("after replace %v", tg)
		}
		// A profile change moves the defaults, not the overrides: GI → 4.
		d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 300, "online_services": true}))
		_, m = d.api(d.offTok, "GET", path, nil)
		if tg := m["targets"].(map[string]any); tg["3-2"] != 4.0 || tg["1-1"] != 4.0 || m["risk_group"] != "GI" || m["default_target"] != 4.0 {
			t.Fatalf("after profile %v", m)
		}
		var n int
		var old, nw string
		db := storetest.DB(t, d.st)
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'targets.updated'`, d.home.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(context.Background(), `SELECT detail->>'old', detail->>'new' FROM audit_log WHERE org_id = $1 AND action = 'targets.updated' ORDER BY seq DESC LIMIT 1`, d.home.ID).Scan(&old, &nw); err != nil {
			t.Fatal(err)
		}
		if n != 2 || strings.ReplaceAll(old, " ", "") != `{"1-1":5,"3-2":1}` || strings.ReplaceAll(nw, " ", "") != `{"1-1":4}` {
			t.Fatalf("audit: %d entries, last %s → %s", n, old, nw)
		}
	})

	t.Run("ManagerOfParentSetsChildTargets", func(t *testing.T) {
		child := d.org("診断株式会社 子会社", &d.home.ID)
		st, m := d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+child.ID+"/targets", map[string]any{"targets": map[string]any{"2-2": 2}})
		if st != 200 || m["overrides"].(map[string]any)["2-2"] != 2.0 {
			t.Fatalf("status %d %v", st, m)
		}
	})
}

func TestFrozenTargets(t *testing.T) {
	d := newDiag(t)
	// GII (no profile), 1-1 set to 5 by the manager.
	d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+d.home.ID+"/targets", map[string]any{"targets": map[string]any{"1-1": 5}})
	a := d.draft(d.officer)
	d.answer(a.ID, d.uniformLevels(3), nil)
	if st, m := d.api(d.offTok, "POST", "/api/v1/assessments/"+a.ID+"/submit", map[string]any{}); st != 200 {
		t.Fatalf("submit: %d %v", st, m)
	}
	before := d.report(d.offTok, a.ID)
	// 26 × 3 + 5 = 83; 1-1 gap 2.
	if tt := totalsOf(before); tt.Target != 83 || before["targets_frozen"] != true || before["frozen_at"] == nil || recs(before) != "1-1:2" {
		t.Fatalf("submitted report %+v frozen %v recs %s", tt, before["targets_frozen"], recs(before))
	}

	// Change both the targets and the profile (GI: default 4).
	d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+d.home.ID+"/targets", map[string]any{"targets": map[string]any{"2-1": 1}})
	d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 300, "online_services": true}))

	after := d.report(d.offTok, a.ID)
	for _, k := range []string{"total", "categories", "questions", "recommendations", "risk_group", "risk_index"} {
		if !reflect.DeepEqual(before[k], after[k]) {
			t.Fatalf("%s of the submitted assessment changed:\n before %v\n after  %v", k, before[k], after[k])
		}
	}
	if after["risk_group"] != "GII" {
		t.Fatalf("frozen risk group %v", after["risk_group"])
	}

	// A new draft (a copy, confirmed) uses the new ones: GI, 4 everywhere
	// but 2-1 → 26 × 4 + 1 = 105.
	st, m := d.api(d.offTok, "POST", "/api/v1/assessments", map[string]any{"title": "次年度", "copy_from": a.ID})
	if st != 201 {
		t.Fatalf("copy: %d %v", st, m)
	}
	draft := d.report(d.offTok, m["id"].(string))
	if tt := totalsOf(draft); tt.Target != 105 || draft["risk_group"] != "GI" || draft["targets_frozen"] != false || draft["frozen_at"] != nil {
		t.Fatalf("draft report %+v %v %v", tt, draft["risk_group"], draft["targets_frozen"])
	}
	// The frozen row says the same.
	res, err := d.st.GetResult(context.Background(), a.ID)
	if err != nil || res.TotalTarget != 83 || res.TotalScore != 81 || res.Targets["1-1"] != 5 || res.RiskGroup != "GII" {
		t.Fatalf("frozen row %+v %v", res, err)
	}
}
