package score

import (
	"encoding/json"
	"math"
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
// All rounding is half away from zero. Mean, Percentile and
// CategoryAverages are divided in integers; SD and DeviationScore take a
// float64 square root, and can only fall exactly on a half when its
// argument is a perfect square, whose root float64 computes exactly.
func Benchmark(kind, key string, peers []Peer, own int) GroupStats {
	var ps PeerStats
	for i := range peers {
		ps.Add(peers[i])
	}
	return ps.Stats(kind, key, own)
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

// ProvisionalPeer is how an assessment not yet submitted compares with its
// peers (暫定): the category averages of the answered categories only (an
// unanswered category is left out, never counted as 0), and a total
// projected from the answered questions' average over every question (0
// when nothing is answered), so that a half-answered draft is not ranked as
// if its unanswered questions scored nothing.
func ProvisionalPeer(r Report, riskIndex int) Peer {
	p := Peer{RiskIndex: riskIndex, CategoryAverages: map[string]float64{}}
	for _, c := range r.Categories {
		if c.Answered > 0 {
			p.CategoryAverages[c.ID] = c.Average
		}
	}
	if r.Answered > 0 {
		p.Total = int(math.Round(float64(r.Total.Score) / float64(r.Answered) * float64(r.TotalQuestions)))
	}
	return p
}
