package server_test

import (
	"context"
	"net/http"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store/storetest"
)

// TestWhatIfAPI checks the projection end to end against hand computation.
//
// Our submitted assessment has every question at 3 (total 81) in risk
// group GII, among peers of GII at 60, 80, 100 and 120.
//
//   - Planned 1-1 → 5 and 2-1 → 4: total 84 (+3); average 84 ÷ 27 = 3.11
//     (+0.11); category 1 (7·3 + 5) ÷ 8 = 3.25, category 2 (3·3 + 4) ÷ 4 =
//     3.25 (+0.25 each), the others unchanged.
//   - Today: n 5, Σ 441, mean 88.2, Σt² 40961, V = 5·40961 − 441² =
//     10324, sd √10324 ÷ 5 = 20.32, 偏差値 50 + 10·(405 − 441) ÷ √10324 =
//     46.46 → 46.5, percentile (2 below + ½) ÷ 5 = 50.
//   - Projected: Σ 444, mean 88.8, Σt² 41456, V = 207280 − 197136 = 10144,
//     sd √10144 ÷ 5 = 20.14, 偏差値 50 + 10·(420 − 444) ÷ √10144 = 47.62 →
//     47.6, percentile (2 below + ½) ÷ 5 = 50.
func TestWhatIfAPI(t *testing.T) {
	e := newEnv(t)
	own := e.org("自社", nil)
	viewed := seedResult(t, e.st, own.ID, "submitted", y25, 81, "GII", 10)
	for _, q := range checklist.Default().QuestionIDs() {
		if _, err := storetest.DB(t, e.st).Exec(context.Background(),
			`INSERT INTO answers (assessment_id, question_id, level) VALUES ($1, $2, 3)`, viewed, q); err != nil {
			t.Fatal(err)
		}
	}
	for i, total := range []int{60, 80, 100, 120} {
		o := e.org("ピア"+string(rune('A'+i)), nil)
		seedResult(t, e.st, o.ID, "approved", y25, total, "GII", 20)
	}
	manager := e.user(own.ID, assessment.Manager, false)
	tok := e.token(manager)

	var before int
	storetest.DB(t, e.st).QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&before)
	st, m := e.api(tok, "POST", "/api/v1/assessments/"+viewed+"/what-if", map[string]any{"levels": map[string]int{"1-1": 5, "2-1": 4}})
	if st != http.StatusOK {
		t.Fatalf("what-if: %d %v", st, m)
	}
	total := m["total"].(map[string]any)
	delta := m["delta"].(map[string]any)
	if total["score"] != 84.0 || total["average"] != 3.11 || delta["total"] != 3.0 || delta["average"] != 0.11 {
		t.Errorf("total %v delta %v", total, delta)
	}
	wantCat := map[string][2]float64{"1": {3.25, 0.25}, "2": {3.25, 0.25}, "3": {3, 0}, "4": {3, 0}, "5": {3, 0}}
	dc := delta["categories"].(map[string]any)
	for _, c := range m["categories"].([]any) {
		cm := c.(map[string]any)
		id := cm["id"].(string)
		if w := wantCat[id]; cm["average"] != w[0] || dc[id] != w[1] {
			t.Errorf("category %s: average %v delta %v, want %v", id, cm["average"], dc[id], w)
		}
	}
	g := m["benchmark"].(map[string]any)["risk_group"].(map[string]any)
	for which, want := range map[string][4]float64{"today": {88.2, 20.32, 46.5, 50}, "projected": {88.8, 20.14, 47.6, 50}} {
		s := g[which].(map[string]any)
		if s["mean"] != want[0] || s["sd"] != want[1] || s["deviation_score"] != want[2] || s["percentile"] != want[3] {
			t.Errorf("%s: mean %v sd %v 偏差値 %v percentile %v, want %v", which, s["mean"], s["sd"], s["deviation_score"], s["percentile"], want)
		}
	}

	t.Run("ReadOnly", func(t *testing.T) {
		var after, lv int
		storetest.DB(t, e.st).QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&after)
		storetest.DB(t, e.st).QueryRow(context.Background(), `SELECT level FROM answers WHERE assessment_id = $1 AND question_id = '1-1'`, viewed).Scan(&lv)
		if after != before || lv != 3 {
			t.Fatalf("what-if wrote: %d audit entries, 1-1 at %d", after-before, lv)
		}
	})

	t.Run("BadLevels", func(t *testing.T) {
		for field, levels := range map[string]map[string]int{"levels.9-9": {"9-9": 3}, "levels.1-1": {"1-1": 6}, "levels.1-2": {"1-2": 0}} {
			st, m := e.api(tok, "POST", "/api/v1/assessments/"+viewed+"/what-if", map[string]any{"levels": levels})
			if st != 422 || fields(m)[field] == nil {
				t.Errorf("%v: %d %v, want 422 naming %s", levels, st, m, field)
			}
		}
	})

	t.Run("DraftHasNoBenchmark", func(t *testing.T) {
		officer := e.user(own.ID, assessment.Officer, false)
		otok := e.token(officer)
		_, a := e.api(otok, "POST", "/api/v1/assessments", map[string]any{"title": "下書き"})
		st, m := e.api(otok, "POST", "/api/v1/assessments/"+a["id"].(string)+"/what-if", map[string]any{"levels": map[string]int{"1-1": 2}})
		if st != 200 || m["benchmark"] != nil || m["total"].(map[string]any)["score"] != 2.0 {
			t.Fatalf("draft what-if: %d %v", st, m)
		}
	})
}
