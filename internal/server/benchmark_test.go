package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store"
)

// TestBenchmarkAPI checks the peer groups end to end against numbers
// worked out by hand:
//
//   - risk group GII, five organisations with totals 60 80 80 100 120 and
//     our 80: mean 88, population sd √416 = 20.40, 偏差値 50 + 10×(80−88)
//     ÷ 20.396 = 46.1, percentile (1 below + ½×2 tied) ÷ 5 = 40.0;
//   - industry manufacturing, four organisations: not enough data;
//   - size 21–100, five organisations all at 80: sd 0, 偏差値 50,
//     percentile 50.
func TestBenchmarkAPI(t *testing.T) {
	e := newEnv(t)
	own := e.org("自社", nil)
	seedProfile(t, e.st, own.ID, "manufacturing", 50)
	// An older approved result of our own does not count beside the one
	// being viewed.
	seedResult(t, e.st, own.ID, "approved", y24, 30, "GII", 10)
	viewed := seedResult(t, e.st, own.ID, "submitted", y25, 80, "GII", 10)

	var peerIDs, peerNames []string
	peer := func(name, industry string, employees, total int, group string, risk int) {
		o := e.org(name, nil)
		seedProfile(t, e.st, o.ID, industry, employees)
		seedResult(t, e.st, o.ID, "approved", y25, total, group, risk)
		peerIDs, peerNames = append(peerIDs, o.ID), append(peerNames, name)
	}
	peer("ピア教育A", "education", 10, 60, "GII", 20)
	peer("ピア教育B", "education", 10, 100, "GII", 20)
	peer("ピア教育C", "education", 10, 120, "GII", 20)
	peer("ピア教育D", "education", 30, 80, "GII", 20)
	peer("ピア製造A", "manufacturing", 5000, 90, "GI", 70)
	peer("ピア製造B", "manufacturing", 5000, 110, "GI", 70)
	peer("ピア製造C", "manufacturing", 5000, 130, "GI", 70)
	peer("ピア公共A", "public", 50, 80, "GIII", 0)
	peer("ピア公共B", "public", 50, 80, "GIII", 0)
	peer("ピア公共C", "public", 50, 80, "GIII", 0)

	officer := e.user(own.ID, assessment.Officer, false)
	tok := e.token(officer)
	status, m := e.api(tok, "GET", "/api/v1/assessments/"+viewed+"/benchmark", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d %v", status, m)
	}
	group, _ := m["group"].(map[string]any)
	industry, _ := m["industry"].(map[string]any)
	size, _ := m["size"].(map[string]any)

	t.Run("RiskGroupOfFive", func(t *testing.T) {
		want := map[string]any{"kind": "risk_group", "key": "GII", "n": 5.0, "enough_data": true, "mean": 88.0, "sd": 20.4,
			"deviation_score": 46.1, "percentile": 40.0}
		for k, v := range want {
			if group[k] != v {
				t.Errorf("group.%s = %v, want %v", k, group[k], v)
			}
		}
		var counts []float64
		for _, b := range group["histogram"].([]any) {
			bin := b.(map[string]any)
			if bin["count"].(float64) > 0 {
				counts = append(counts, bin["from"].(float64), bin["count"].(float64))
			}
		}
		if !slices.Equal(counts, []float64{60, 1, 80, 2, 100, 1, 120, 1}) {
			t.Errorf("histogram (from, count) %v", counts)
		}
		// (2.22 + 2.96 + 2.96 + 3.70 + 4.44) ÷ 5 = 3.256
		if ca := group["category_averages"].(map[string]any); ca["1"] != 3.26 {
			t.Errorf("category averages %v", ca)
		}
	})
	t.Run("GroupOfFourHasOnlyItsSize", func(t *testing.T) {
		if len(industry) != 4 || industry["n"] != 4.0 || industry["enough_data"] != false || industry["key"] != "manufacturing" {
			t.Errorf("industry %v", industry)
		}
	})
	t.Run("AllTiedSDZero", func(t *testing.T) {
		if size["key"] != "21-100" || size["n"] != 5.0 || size["sd"] != 0.0 || size["deviation_score"] != 50.0 || size["percentile"] != 50.0 || size["mean"] != 80.0 {
			t.Errorf("size %v", size)
		}
	})
	t.Run("ScatterIsAnonymousCounts", func(t *testing.T) {
		sc := m["scatter"].(map[string]any)
		total := 0.0
		for _, c := range sc["cells"].([]any) {
			cell := c.(map[string]any)
			if len(cell) != 4 || cell["total_to"].(float64)-cell["total_from"].(float64) != 4 {
				t.Errorf("cell %v", cell)
			}
			total += cell["count"].(float64)
		}
		if sc["n"] != 11.0 || total != 11 {
			t.Errorf("scatter n %v, counted %v, want 11", sc["n"], total)
		}
	})
	t.Run("NothingLeaks", func(t *testing.T) {
		raw, _ := json.Marshal(m)
		_, page := e.get(e.login(officer), "/assessments/"+viewed+"/benchmark")
		for _, s := range append(peerIDs, peerNames...) {
			if strings.Contains(string(raw), s) || strings.Contains(page, s) {
				t.Fatalf("the benchmark reveals %q", s)
			}
		}
	})
	t.Run("Page", func(t *testing.T) {
		res, body := e.get(e.login(officer), "/assessments/"+viewed+"/benchmark")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		doc := parseDoc(t, body)
		g := testid(doc, "benchmark-risk_group")
		if got := g.Find(`[data-testid="stat-deviation"]`).Text(); got != "46.1" {
			t.Errorf("偏差値 %q", got)
		}
		if got := g.Find(`[data-testid="stat-percentile"]`).Text(); got != "40.0" {
			t.Errorf("percentile %q", got)
		}
		if testid(doc, "benchmark-industry").Find(`[data-testid="not-enough"]`).Length() != 1 {
			t.Error("the industry group of four should say there is not enough data")
		}
		if testid(doc, "bench-scatter").Find("circle").Length() == 0 || testid(doc, "scatter-own").Length() != 1 {
			t.Error("the scatter plot lacks its points or our marker")
		}
		if testid(doc, "bench-radar").Length() != 1 || testid(doc, "benchmark-category-table").Find("tbody tr").Length() != 5 {
			t.Error("the category comparison is missing")
		}
	})
	t.Run("LinkedFromOverviewAndReport", func(t *testing.T) {
		c := e.login(officer)
		for _, path := range []string{"/assessments/" + viewed, "/assessments/" + viewed + "/report"} {
			_, body := e.get(c, path)
			if href, _ := testid(parseDoc(t, body), "link-benchmark").Attr("href"); href != "/assessments/"+viewed+"/benchmark" {
				t.Errorf("%s: benchmark link %q", path, href)
			}
		}
	})
	t.Run("DraftComparedProvisionally", func(t *testing.T) {
		d := e.draft(officer)
		by := store.Actor{UserID: officer.ID, Email: officer.Email}
		for q, lv := range map[string]int{"1-1": 4, "1-2": 2, "5-1": 3} {
			lv := lv
			if _, err := e.st.SaveAnswer(context.Background(), d.ID, q, assessment.AnswerValues{Level: &lv}, by); err != nil {
				t.Fatal(err)
			}
		}
		status, m := e.api(tok, "GET", "/api/v1/assessments/"+d.ID+"/benchmark", nil)
		// 9 / 3 answered × 27 questions = 81, projected.
		if status != http.StatusOK || m["provisional"] != true || m["total"] != 81.0 {
			t.Fatalf("draft: status %d %v", status, m)
		}
		res, body := e.get(e.login(officer), "/assessments/"+d.ID+"/benchmark")
		doc := parseDoc(t, body)
		if res.StatusCode != http.StatusOK || testid(doc, "provisional").Length() != 1 {
			t.Fatalf("draft page: status %d, provisional marker %d", res.StatusCode, testid(doc, "provisional").Length())
		}
		if got := testid(doc, "bench-own-2").Text(); got != "—（未回答）" {
			t.Errorf("unanswered category on the benchmark: %q", got)
		}
		if got := testid(doc, "bench-own-5").Text(); got != "3.00" {
			t.Errorf("answered category on the benchmark: %q", got)
		}
	})
	t.Run("EmptyDraftHasNothingToCompare", func(t *testing.T) {
		d := e.draft(officer)
		if status, m := e.api(tok, "GET", "/api/v1/assessments/"+d.ID+"/benchmark", nil); status != http.StatusConflict {
			t.Errorf("draft: status %d %v", status, m)
		}
		res, body := e.get(e.login(officer), "/assessments/"+d.ID+"/benchmark")
		if res.StatusCode != http.StatusOK || testid(parseDoc(t, body), "benchmark-no-result").Length() != 1 {
			t.Errorf("draft page: status %d", res.StatusCode)
		}
	})
	t.Run("OutsidersNotFound", func(t *testing.T) {
		outsider := e.user(e.org("他社", nil).ID, assessment.Officer, false)
		if status, _ := e.api(e.token(outsider), "GET", "/api/v1/assessments/"+viewed+"/benchmark", nil); status != http.StatusNotFound {
			t.Errorf("outsider API: status %d", status)
		}
		if res, _ := e.get(e.login(outsider), "/assessments/"+viewed+"/benchmark"); res.StatusCode != http.StatusNotFound {
			t.Errorf("outsider page: status %d", res.StatusCode)
		}
	})
}
