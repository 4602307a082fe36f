package score

import (
	"encoding/json"
	"math"
	"math/big"
)

// MinPeers is the smallest group Benchmark reports statistics for; smaller
// groups would let an organisation infer its peers' results.
const MinPeers = 5

// Histogram bins: HistogramBins bins of HistogramWidth points from
// HistogramFrom, i.e. [20,29], [30,39], …, [130,139], which cover every
// complete total (27–135).
const (
	HistogramFrom  = 20
	HistogramWidth = 10
	HistogramBins  = 12
)

// Peer is one organisation's latest approved assessment. Benchmark uses
// Total and CategoryAverages; RiskIndex is carried for callers that group or
// filter peers by it.
type Peer struct {
	Total            int                `json:"total"`
	RiskIndex        int                `json:"risk_index"`
	CategoryAverages map[string]float64 `json:"category_averages"`
}

// GroupStats compares an organisation's total with one peer group, e.g.
// Kind "industry", Key "manufacturing". When EnoughData is false (fewer than
// MinPeers peers) only Kind, Key and N are set, and only they (with
// enough_data) are encoded; when it is true every field is encoded, zeros
// included (see MarshalJSON).
type GroupStats struct {
	Kind             string             `json:"kind"`
	Key              string             `json:"key"`
	N                int                `json:"n"`
	EnoughData       bool               `json:"enough_data"`
	Mean             float64            `json:"mean,omitempty"`
	SD               float64            `json:"sd,omitempty"`
	DeviationScore   float64            `json:"deviation_score,omitempty"`
	Percentile       float64            `json:"percentile,omitempty"`
	Histogram        []Bin              `json:"histogram,omitempty"`
	CategoryAverages map[string]float64 `json:"category_averages,omitempty"`
}

// Bin is one histogram bin: Count totals in From..To inclusive.
type Bin struct {
	From  int `json:"from"`
	To    int `json:"to"`
	Count int `json:"count"`
}

// Benchmark computes the statistics of peers' totals and where own (the
// organisation's own total) stands among them. The caller includes the
// organisation itself in peers (its latest approved assessment), so N counts
// it and the percentile ranks it among a group it belongs to.
//
//   - Mean and SD are the mean and the POPULATION standard deviation
//     (÷ n, not n − 1) of the totals, rounded to 2 decimals.
//   - DeviationScore (偏差値) is 50 + 10 × (own − mean) ÷ sd from the
//     unrounded mean and sd, or 50 when sd is 0, rounded to 1 decimal.
//   - Percentile is the mid-rank percentile: (peers strictly below own +
//     ½ × peers equal to own) ÷ n × 100, rounded to 1 decimal. Own at the
//     median of a symmetric group is 50; everyone tied is 50.
//   - Histogram has all HistogramBins bins, empty ones included; a total
//     below 20 or above 139 is counted in the first or last bin.
//   - CategoryAverages is, per category id, the mean of the peers'
//     category averages over the peers that have that category, rounded to
//     2 decimals.
//
// All rounding is half away from zero and exact: the statistics are
// computed in integers (math/big where squares could overflow), so a value
// exactly on a half always rounds away from zero.
func Benchmark(kind, key string, peers []Peer, own int) GroupStats {
	n := len(peers)
	g := GroupStats{Kind: kind, Key: key, N: n, EnoughData: n >= MinPeers}
	if !g.EnoughData {
		return g
	}

	var sum, sumSq int64
	var below, equal int
	g.Histogram = make([]Bin, HistogramBins)
	for i := range g.Histogram {
		from := HistogramFrom + i*HistogramWidth
		g.Histogram[i] = Bin{From: from, To: from + HistogramWidth - 1}
	}
	for i := range peers {
		t := peers[i].Total
		sum += int64(t)
		sumSq += int64(t) * int64(t)
		switch {
		case t < own:
			below++
		case t == own:
			equal++
		}
		b := 0
		if t >= HistogramFrom {
			b = min((t-HistogramFrom)/HistogramWidth, HistogramBins-1)
		}
		g.Histogram[b].Count++
	}

	g.Mean = Round2(int(sum), n)
	// n²·variance = n·Σt² − (Σt)², exact in integers; sd = √V ÷ n.
	bn := big.NewInt(int64(n))
	v := new(big.Int).Mul(bn, big.NewInt(sumSq))
	v.Sub(v, new(big.Int).Mul(big.NewInt(sum), big.NewInt(sum)))
	g.SD = roundSD(v, bn)
	// own − mean = A ÷ n with A = n·own − Σt, so (own − mean) ÷ sd = A ÷ √V.
	a := new(big.Int).Mul(bn, big.NewInt(int64(own)))
	a.Sub(a, big.NewInt(sum))
	g.DeviationScore = deviation(a, v)
	q, _, _ := roundQuot(2*below+equal, n, 500) // (below + equal/2)/n·100, in tenths
	g.Percentile = float64(q) / 10
	g.CategoryAverages = categoryMeans(peers)
	return g
}

// roundSD returns √v ÷ n rounded half up to 2 decimals: with y = 200·√v
// = √(40000·v), round(100·√v ÷ n) = ⌊(y + n) ÷ 2n⌋ = ⌊(⌊y⌋ + n) ÷ 2n⌋.
func roundSD(v, n *big.Int) float64 {
	if v.Sign() <= 0 {
		return 0
	}
	y := new(big.Int).Mul(v, big.NewInt(40000))
	y.Sqrt(y)
	y.Add(y, n)
	y.Quo(y, new(big.Int).Lsh(n, 1))
	return float64(y.Int64()) / 100
}

// deviation returns 50 + 10·a÷√v rounded half away from zero to 1 decimal,
// or 50 when v is 0. In tenths the value is y = 500 + s·t, where s is the
// sign of a and t = 100·|a|÷√v = √w ÷ v with w = 10⁴·a²·v. With r = ⌊√(4w)⌋:
// ⌊t + ½⌋ = ⌊(r + v) ÷ 2v⌋ and ⌈t − ½⌉ = ⌈(⌈√(4w)⌉ − v) ÷ 2v⌉.
func deviation(a, v *big.Int) float64 {
	if v.Sign() <= 0 || a.Sign() == 0 {
		return 50
	}
	w4 := new(big.Int).Mul(a, a)
	w4.Mul(w4, v)
	w4.Mul(w4, big.NewInt(40000))
	r := new(big.Int).Sqrt(w4)
	v2 := new(big.Int).Lsh(v, 1)
	// up = ⌊t + ½⌋
	up := new(big.Int).Add(r, v)
	up.Div(up, v2)
	var tenths int64
	switch {
	case a.Sign() > 0: // y > 0: round half up
		tenths = 500 + up.Int64()
	case new(big.Int).Mul(a, a).Cmp(new(big.Int).Mul(v, big.NewInt(25))) > 0:
		// t > 500, so y < 0: half away from zero is −⌊−y + ½⌋ = 500 − ⌊t + ½⌋.
		tenths = 500 - up.Int64()
	default: // 0 ≤ y = 500 − t: ⌊y + ½⌋ = 500 − ⌈t − ½⌉
		c := new(big.Int).Set(r)
		if new(big.Int).Mul(r, r).Cmp(w4) != 0 {
			c.Add(c, big.NewInt(1)) // ⌈√(4w)⌉
		}
		c.Sub(c, v)
		// ⌈c ÷ 2v⌉ = −⌊−c ÷ 2v⌋ (Div is Euclidean: floor for v2 > 0)
		c.Neg(c)
		c.Div(c, v2)
		c.Neg(c)
		tenths = 500 - c.Int64()
	}
	if tenths == 0 {
		return 0
	}
	return float64(tenths) / 10
}

// categoryMeans averages the peers' category averages per category. Each
// average is taken in millionths (exact for values with up to 6 decimals, as
// Round2 produces), so the sum carries no binary error and the mean rounds
// exactly: 2.33, 2.34, 2.33, 2.34, 2.335 → 2.335 → 2.34.
func categoryMeans(peers []Peer) map[string]float64 {
	type acc struct{ sum, n int }
	accs := map[string]*acc{}
	for i := range peers {
		for id, avg := range peers[i].CategoryAverages {
			if math.IsNaN(avg) || math.IsInf(avg, 0) {
				continue
			}
			c := accs[id]
			if c == nil {
				c = &acc{}
				accs[id] = c
			}
			c.sum += int(math.Round(avg * 1e6))
			c.n++
		}
	}
	out := make(map[string]float64, len(accs))
	for id, c := range accs {
		out[id] = Round2(c.sum, c.n*1_000_000)
	}
	return out
}

// MarshalJSON encodes only kind, key, n and enough_data when EnoughData is
// false, and every field, zero values included (sd 0, percentile 0), when
// it is true.
func (g GroupStats) MarshalJSON() ([]byte, error) {
	if !g.EnoughData {
		return json.Marshal(struct {
			Kind       string `json:"kind"`
			Key        string `json:"key"`
			N          int    `json:"n"`
			EnoughData bool   `json:"enough_data"`
		}{g.Kind, g.Key, g.N, false})
	}
	h := g.Histogram
	if h == nil {
		h = []Bin{}
	}
	ca := g.CategoryAverages
	if ca == nil {
		ca = map[string]float64{}
	}
	return json.Marshal(struct {
		Kind             string             `json:"kind"`
		Key              string             `json:"key"`
		N                int                `json:"n"`
		EnoughData       bool               `json:"enough_data"`
		Mean             float64            `json:"mean"`
		SD               float64            `json:"sd"`
		DeviationScore   float64            `json:"deviation_score"`
		Percentile       float64            `json:"percentile"`
		Histogram        []Bin              `json:"histogram"`
		CategoryAverages map[string]float64 `json:"category_averages"`
	}{g.Kind, g.Key, g.N, true, g.Mean, g.SD, g.DeviationScore, g.Percentile, h, ca})
}
