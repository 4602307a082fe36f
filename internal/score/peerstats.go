package score

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// PeerStats is what Benchmark needs of a peer group, kept as sums so that
// adding or removing one organisation is O(1) and the statistics cost the
// same for 10 peers or 100,000: the count, the sum and the sum of squares of
// the totals, how many peers have each total (the exact percentile and the
// histogram), per category the sum (in millionths) and count of the peers'
// averages, and the scatter counts by risk index and total band. It is
// stored as JSON, one per group, and kept up to date as results are
// approved, reopened or regrouped.
type PeerStats struct {
	N       int               `json:"n"`
	Sum     int               `json:"sum"`
	SumSq   int               `json:"sum_sq"`
	Totals  map[int]int       `json:"totals"`  // total → peers with it
	Cats    map[string]CatSum `json:"cats"`    // category id → sum of averages
	Scatter map[string]int    `json:"scatter"` // "risk index/band from" → peers
}

// CatSum is a category's averages summed in millionths (exact for values
// with up to 6 decimals, as Round2 produces) over N peers.
type CatSum struct {
	Sum int `json:"sum"`
	N   int `json:"n"`
}

// ScatterBin is the width of the total bands the scatter plot counts peers
// in: wide enough that a cell never shows one organisation's exact total.
const ScatterBin = 5

// ScatterCell is the number of peers with one risk index whose totals fall
// in From..To.
type ScatterCell struct {
	RiskIndex int
	From, To  int
	Count     int
}

// Add counts p in the group.
func (ps *PeerStats) Add(p Peer) { ps.add(p, 1) }

// Remove takes p, added before, out of the group.
func (ps *PeerStats) Remove(p Peer) { ps.add(p, -1) }

func (ps *PeerStats) add(p Peer, sign int) {
	if ps.Totals == nil {
		ps.Totals, ps.Cats, ps.Scatter = map[int]int{}, map[string]CatSum{}, map[string]int{}
	}
	t := p.Total
	ps.N += sign
	ps.Sum += sign * t
	ps.SumSq += sign * t * t
	bump(ps.Totals, t, sign)
	for id, avg := range p.CategoryAverages {
		if math.IsNaN(avg) || math.IsInf(avg, 0) {
			continue
		}
		c := ps.Cats[id]
		c.Sum += sign * int(math.Round(avg*1e6))
		c.N += sign
		if c.N == 0 {
			delete(ps.Cats, id)
		} else {
			ps.Cats[id] = c
		}
	}
	bump(ps.Scatter, strconv.Itoa(p.RiskIndex)+"/"+strconv.Itoa(t/ScatterBin*ScatterBin), sign)
}

func bump[K comparable](m map[K]int, k K, by int) {
	if m[k] += by; m[k] == 0 {
		delete(m, k)
	}
}

// Stats computes the group's statistics and where own stands among them, as
// Benchmark documents.
func (ps PeerStats) Stats(kind, key string, own int) GroupStats {
	n := ps.N
	g := GroupStats{Kind: kind, Key: key, N: n, EnoughData: n >= MinPeers}
	if !g.EnoughData {
		return g
	}
	g.Histogram = make([]Bin, HistogramBins)
	for i := range g.Histogram {
		from := HistogramFrom + i*HistogramWidth
		g.Histogram[i] = Bin{From: from, To: from + HistogramWidth - 1}
	}
	var below, equal int
	for t, c := range ps.Totals {
		switch {
		case t < own:
			below += c
		case t == own:
			equal += c
		}
		b := 0
		if t >= HistogramFrom {
			b = min((t-HistogramFrom)/HistogramWidth, HistogramBins-1)
		}
		g.Histogram[b].Count += c
	}
	sum, sumSq := ps.Sum, ps.SumSq
	g.Mean = Round2(sum, n)
	// V = n·Σt² − (Σt)² is n² × the variance, so sd = √V ÷ n; and
	// own − mean = a ÷ n with a = n·own − Σt, so (own − mean) ÷ sd = a ÷ √V.
	sqrtV := math.Sqrt(float64(n*sumSq - sum*sum))
	g.SD = math.Round(100*sqrtV/float64(n)) / 100
	g.DeviationScore = 50
	if sqrtV > 0 {
		tenths := math.Round(500 + 100*float64(n*own-sum)/sqrtV)
		if tenths == 0 {
			tenths = 0 // not −0, which would encode as "-0"
		}
		g.DeviationScore = tenths / 10
	}
	g.Percentile = float64(divRound((2*below+equal)*500, n)) / 10 // (below + equal/2) ÷ n × 100
	g.CategoryAverages = make(map[string]float64, len(ps.Cats))
	for id, c := range ps.Cats {
		g.CategoryAverages[id] = Round2(c.Sum, c.N*1_000_000)
	}
	return g
}

// ScatterCells are the group's scatter counts in order of risk index, then
// total.
func (ps PeerStats) ScatterCells() []ScatterCell {
	cells := make([]ScatterCell, 0, len(ps.Scatter))
	for k, n := range ps.Scatter {
		risk, from, _ := strings.Cut(k, "/")
		r, _ := strconv.Atoi(risk)
		f, _ := strconv.Atoi(from)
		cells = append(cells, ScatterCell{RiskIndex: r, From: f, To: f + ScatterBin - 1, Count: n})
	}
	slices.SortFunc(cells, func(a, b ScatterCell) int {
		return cmp.Or(cmp.Compare(a.RiskIndex, b.RiskIndex), cmp.Compare(a.From, b.From))
	})
	return cells
}

// Clone is a copy of the group that can change without changing ps.
func (ps PeerStats) Clone() PeerStats {
	out := ps
	out.Totals, out.Cats, out.Scatter = maps.Clone(ps.Totals), maps.Clone(ps.Cats), maps.Clone(ps.Scatter)
	return out
}

// Replace is a copy of the group with old, counted in it, replaced by new:
// an organisation's projected result ranked among the same peers.
func (ps PeerStats) Replace(old, new Peer) PeerStats {
	out := ps.Clone()
	out.Remove(old)
	out.Add(new)
	return out
}
