package score

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func peersOf(totals ...int) []Peer {
	ps := make([]Peer, len(totals))
	for i, t := range totals {
		ps[i] = Peer{Total: t}
	}
	return ps
}

func repeat(total, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = total
	}
	return out
}

func TestBenchmarkNotEnoughData(t *testing.T) {
	for n := 0; n < MinPeers; n++ {
		g := Benchmark("industry", "manufacturing", peersOf(repeat(80, n)...), 80)
		want := GroupStats{Kind: "industry", Key: "manufacturing", N: n}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("n=%d: %+v", n, g)
		}
	}
	g := Benchmark("industry", "manufacturing", peersOf(60, 70, 80, 90), 90)
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"kind":"industry","key":"manufacturing","n":4,"enough_data":false}`; string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	// Even if a caller fills the other fields, they stay hidden.
	g.Mean, g.Histogram = 1, []Bin{{}}
	if b2, _ := json.Marshal(&g); string(b2) != string(b) {
		t.Errorf("JSON via pointer %s", b2)
	}
}

// bins returns the 12 bins [20,29]..[130,139] with the given counts by From.
func bins(counts map[int]int) []Bin {
	out := make([]Bin, 12)
	for i := range out {
		from := 20 + 10*i
		out[i] = Bin{From: from, To: from + 9, Count: counts[from]}
	}
	return out
}

func TestBenchmarkStats(t *testing.T) {
	tests := []struct {
		name  string
		peers []int
		own   int
		mean  float64
		sd    float64
		dev   float64
		pct   float64
	}{
		// Σ = 400, mean 80; deviations −20,−10,0,10,20, Σd² = 1000,
		// variance 1000/5 = 200, sd √200 = 14.1421… → 14.14.
		// 偏差値 50 + 10 × (90 − 80) / 14.1421… = 57.0710… → 57.1.
		// Below 90: 60,70,80 = 3; equal 1: (3 + 0.5)/5 × 100 = 70.0.
		{"five", []int{60, 70, 80, 90, 100}, 90, 80, 14.14, 57.1, 70},
		// Same group, own the lowest: 50 − 10 × 20/14.1421… = 35.857… → 35.9;
		// (0 + 0.5)/5 × 100 = 10.0.
		{"five lowest", []int{60, 70, 80, 90, 100}, 60, 80, 14.14, 35.9, 10},
		// All equal: sd 0 → 偏差値 50; all five tie: (0 + 2.5)/5 = 50.0.
		{"all equal", repeat(80, 5), 80, 80, 0, 50, 50},
		// Ties: Σ = 450, mean 75; Σt² = 2500 + 3×4900 + 8100 + 10000 = 35300;
		// n·Σt² − (Σt)² = 211800 − 202500 = 9300, sd √9300/6 = 16.0727… →
		// 16.07. 偏差値 50 + 10 × (6×70 − 450)/√9300 = 50 − 300/96.436… =
		// 46.889… → 46.9. Below 70: 1, equal 3: (1 + 1.5)/6 = 41.666… → 41.7.
		{"ties", []int{50, 70, 70, 70, 90, 100}, 70, 75, 16.07, 46.9, 41.7},
		// Exact halves: mean 80, sd exactly 40 (V = 57600 = 240²).
		// 50 + 10 × 1/40 = 50.25 → 50.3 (half away from zero, not to even);
		// 50 − 0.25 = 49.75 → 49.8. (Own outside the group only to reach the
		// half; callers include own.) Below 81: 3 of 6 → 50.0; below 79: 3 → 50.0.
		{"half up", []int{40, 40, 40, 120, 120, 120}, 81, 80, 40, 50.3, 50},
		{"half below mean", []int{40, 40, 40, 120, 120, 120}, 79, 80, 40, 49.8, 50},
		// An outlier in 30: Σ = 29×100 + 27 = 2927, mean 97.5666… → 97.57;
		// Σt² = 290000 + 729 = 290729; V = 30×290729 − 2927² = 154541,
		// sd √154541/30 = 13.1039… → 13.10. A = 30×27 − 2927 = −2117;
		// 偏差値 50 − 21170/393.117… = −3.8516… → −3.9 (negative is possible
		// for n > 26). Percentile 0.5/30 = 1.666…% → 1.7.
		{"negative deviation", append(repeat(100, 29), 27), 27, 97.57, 13.1, -3.9, 1.7},
		// 40 peers: Σ = 39×100 + 27 = 3927, mean 98.175 → 98.18 (exact half);
		// V = 40×390729 − 3927² = 207831, sd 11.3971… → 11.40;
		// 偏差値 50 − 28470/455.88… = −12.44997… → −12.4 (not −12.5);
		// percentile 0.5/40 = 1.25% → 1.3 (exact half).
		{"forty", append(repeat(100, 39), 27), 27, 98.18, 11.4, -12.4, 1.3},
		// The mirror image (t → 127 − t): Σ = 39×27 + 100 = 1153, mean 28.825
		// → 28.83 (exact half); sd 11.40; 偏差値 50 + 62.44997… = 112.44997… →
		// 112.4; own the unique highest: (39 + 0.5)/40 = 98.75% → 98.8.
		{"forty top", append(repeat(27, 39), 100), 100, 28.83, 11.4, 112.4, 98.8},
	}
	for _, tt := range tests {
		g := Benchmark("all", "", peersOf(tt.peers...), tt.own)
		if !g.EnoughData || g.N != len(tt.peers) {
			t.Errorf("%s: enough %v n %d", tt.name, g.EnoughData, g.N)
		}
		if g.Mean != tt.mean || g.SD != tt.sd || g.DeviationScore != tt.dev || g.Percentile != tt.pct {
			t.Errorf("%s: mean %v sd %v dev %v pct %v, want %v %v %v %v",
				tt.name, g.Mean, g.SD, g.DeviationScore, g.Percentile, tt.mean, tt.sd, tt.dev, tt.pct)
		}
		sum := 0
		for _, b := range g.Histogram {
			sum += b.Count
		}
		if len(g.Histogram) != 12 || sum != len(tt.peers) {
			t.Errorf("%s: histogram %v", tt.name, g.Histogram)
		}
	}
}

func TestBenchmarkDeviationMatchesFloat(t *testing.T) {
	// Away from exact halves the exact integer path must agree with the
	// textbook float formula.
	for own := 27; own <= 135; own++ {
		totals := []int{31, 47, 58, 64, 77, 81, 99, 103, 120, 135, own}
		g := Benchmark("all", "", peersOf(totals...), own)
		var s, sq float64
		for _, t := range totals {
			s += float64(t)
		}
		mean := s / float64(len(totals))
		for _, t := range totals {
			sq += (float64(t) - mean) * (float64(t) - mean)
		}
		sd := math.Sqrt(sq / float64(len(totals)))
		want := math.Round((50+10*(float64(own)-mean)/sd)*10) / 10
		if g.DeviationScore != want {
			t.Errorf("own %d: %v, float formula %v", own, g.DeviationScore, want)
		}
	}
}

func TestBenchmarkHistogram(t *testing.T) {
	// 27 and 29 in [20,29], 30 in [30,39], 135 and 139 in [130,139]; out of
	// range totals go to the edge bins (10 → first, 140 → last).
	g := Benchmark("size_band", "1-20", peersOf(27, 29, 30, 135, 139, 140, 10, 75), 75)
	want := bins(map[int]int{20: 3, 30: 1, 70: 1, 130: 3})
	if !reflect.DeepEqual(g.Histogram, want) {
		t.Errorf("histogram\n got %v\nwant %v", g.Histogram, want)
	}
	// Five peers at 60..100: one in each of [60,69] … [100,109]; the empty
	// bins are present.
	g = Benchmark("all", "", peersOf(60, 70, 80, 90, 100), 90)
	if want := bins(map[int]int{60: 1, 70: 1, 80: 1, 90: 1, 100: 1}); !reflect.DeepEqual(g.Histogram, want) {
		t.Errorf("histogram\n got %v\nwant %v", g.Histogram, want)
	}
}

func TestBenchmarkCategoryAverages(t *testing.T) {
	peers := []Peer{
		{Total: 60, CategoryAverages: map[string]float64{"1": 2.5, "2": 2.33, "3": 1.1}},
		{Total: 70, CategoryAverages: map[string]float64{"1": 2.25, "2": 2.34, "3": 1.2}},
		{Total: 80, CategoryAverages: map[string]float64{"1": 2.125, "2": 2.33}},
		{Total: 90, CategoryAverages: map[string]float64{"1": 3, "2": 2.34}},
		{Total: 100, CategoryAverages: map[string]float64{"1": 2, "2": 2.335}},
	}
	g := Benchmark("risk_group", "GII", peers, 80)
	// 1: (2.5 + 2.25 + 2.125 + 3 + 2)/5 = 11.875/5 = 2.375 → 2.38.
	// 2: (2.33 + 2.34 + 2.33 + 2.34 + 2.335)/5 = 11.675/5 = 2.335 → 2.34
	//    (exactly on the half; binary float sums would land either side).
	// 3: only two peers have it: (1.1 + 1.2)/2 = 1.15.
	want := map[string]float64{"1": 2.38, "2": 2.34, "3": 1.15}
	if !reflect.DeepEqual(g.CategoryAverages, want) {
		t.Errorf("category averages %v, want %v", g.CategoryAverages, want)
	}
}

func TestBenchmarkJSON(t *testing.T) {
	// sd 0 and an empty category map must still be encoded when there is
	// enough data.
	g := Benchmark("all", "", peersOf(repeat(80, 5)...), 80)
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"all","key":"","n":5,"enough_data":true,"mean":80,"sd":0,"deviation_score":50,"percentile":50,` +
		`"histogram":[{"from":20,"to":29,"count":0},{"from":30,"to":39,"count":0},{"from":40,"to":49,"count":0},` +
		`{"from":50,"to":59,"count":0},{"from":60,"to":69,"count":0},{"from":70,"to":79,"count":0},` +
		`{"from":80,"to":89,"count":5},{"from":90,"to":99,"count":0},{"from":100,"to":109,"count":0},` +
		`{"from":110,"to":119,"count":0},{"from":120,"to":129,"count":0},{"from":130,"to":139,"count":0}],` +
		`"category_averages":{}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	// Own below every peer: percentile 0 is still encoded.
	g = Benchmark("all", "", peersOf(60, 70, 80, 90, 100), 50)
	b, _ = json.Marshal(g)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if p, ok := m["percentile"]; !ok || p != 0.0 {
		t.Errorf("percentile %v in %s", p, b)
	}
	// The JSON decodes back into GroupStats.
	var back GroupStats
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, g) {
		t.Errorf("round trip %+v, %v", back, err)
	}
}

func BenchmarkBenchmark(b *testing.B) {
	peers := make([]Peer, 200)
	for i := range peers {
		peers[i] = Peer{Total: 27 + i%109, CategoryAverages: map[string]float64{"1": 2.5, "2": 3.25, "3": 1.75, "4": 4, "5": 2}}
	}
	b.ReportAllocs()
	for b.Loop() {
		Benchmark("all", "", peers, 90)
	}
}

func TestProvisionalPeer(t *testing.T) {
	r := Report{Answered: 4, TotalQuestions: 27, Total: Totals{Score: 14},
		Categories: []CategoryScore{{ID: "1", Answered: 1, Average: 2}, {ID: "2"}, {ID: "5", Answered: 3, Average: 4}}}
	p := ProvisionalPeer(r, 35)
	// 14 / 4 × 27 = 94.5 → 95.
	if p.Total != 95 || p.RiskIndex != 35 {
		t.Errorf("total %d risk %d, want 95 35", p.Total, p.RiskIndex)
	}
	if _, ok := p.CategoryAverages["2"]; ok || p.CategoryAverages["1"] != 2 || p.CategoryAverages["5"] != 4 || len(p.CategoryAverages) != 2 {
		t.Errorf("category averages %v: the unanswered category must be left out", p.CategoryAverages)
	}
	if got := ProvisionalPeer(Report{TotalQuestions: 27}, 0); got.Total != 0 || len(got.CategoryAverages) != 0 {
		t.Errorf("nothing answered: %+v", got)
	}
}
