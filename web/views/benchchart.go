package views

import (
	"math"

	"mamori/internal/score"
)

// Histogram is the distribution of a peer group's totals in bins of 10
// points, with the bin holding the organisation's own total highlighted and
// markers at its total and at the group's mean.
type Histogram struct {
	ID    string
	Title string
	Bins  []score.Bin
	Own   int
	Mean  float64
}

// Histogram geometry.
const (
	histW      = 560
	histH      = 240
	histLeft   = 36
	histRight  = 12
	histTop    = 24
	histBottom = 36
)

// ViewBox is the SVG viewBox attribute.
func (h Histogram) ViewBox() string {
	return viewBox(histW, histH)
}

// MaxCount is the tallest bar's count (at least 1).
func (h Histogram) MaxCount() int {
	m := 1
	for _, b := range h.Bins {
		m = max(m, b.Count)
	}
	return m
}

func (h Histogram) barW() float64 {
	if len(h.Bins) == 0 {
		return 0
	}
	return float64(histW-histLeft-histRight) / float64(len(h.Bins))
}

// BarX is the left edge of bar i; BarWidth its width (with a gap).
func (h Histogram) BarX(i int) float64 { return histLeft + h.barW()*float64(i) + 1 }

// BarWidth is a bar's drawn width.
func (h Histogram) BarWidth() float64 { return math.Max(1, h.barW()-2) }

// BarY is the top of bar i; BarHeight its height.
func (h Histogram) BarY(i int) float64 { return h.Bottom() - h.BarHeight(i) }

// BarHeight is the height of bar i, proportional to its count.
func (h Histogram) BarHeight(i int) float64 {
	inner := float64(histH - histTop - histBottom)
	return inner * float64(h.Bins[i].Count) / float64(h.MaxCount())
}

// Bottom is the baseline of the bars.
func (h Histogram) Bottom() float64 { return histH - histBottom }

// Top is the top of the plot area.
func (h Histogram) Top() float64 { return histTop }

// Left and Right are the plot area's edges.
func (h Histogram) Left() float64 { return histLeft }

// Right is the plot area's right edge.
func (h Histogram) Right() float64 { return histW - histRight }

// IsOwn reports whether bar i holds the organisation's own total.
func (h Histogram) IsOwn(i int) bool {
	b := h.Bins[i]
	switch {
	case i == 0 && h.Own < b.From:
		return true
	case i == len(h.Bins)-1 && h.Own > b.To:
		return true
	}
	return h.Own >= b.From && h.Own <= b.To
}

// ValueX is the x position of a total on the bins' scale.
func (h Histogram) ValueX(v float64) float64 {
	if len(h.Bins) == 0 {
		return histLeft
	}
	from := float64(h.Bins[0].From)
	to := float64(h.Bins[len(h.Bins)-1].To + 1)
	v = math.Max(from, math.Min(v, to))
	return histLeft + float64(histW-histLeft-histRight)*(v-from)/(to-from)
}

// ScatterCell is a group of peers with the same risk index and totals in
// TotalFrom..TotalTo: the scatter plot shows counts in cells, never one
// organisation's exact total.
type ScatterCell struct {
	RiskIndex int `json:"risk_index"`
	TotalFrom int `json:"total_from"`
	TotalTo   int `json:"total_to"`
	Count     int `json:"count"`
}

// Scatter plots total score against risk index: anonymous cells sized by
// their count, and the organisation's own result as a distinct marker.
type Scatter struct {
	ID           string
	Title        string
	Cells        []ScatterCell
	OwnRiskIndex int
	OwnTotal     int
}

// Scatter geometry and scales: risk index 0–100, totals 20–140.
const (
	scatW      = 560
	scatH      = 312
	scatLeft   = 44
	scatRight  = 14
	scatTop    = 26
	scatBottom = 40
	scatTotMin = 20
	scatTotMax = 140
)

// ViewBox is the SVG viewBox attribute.
func (s Scatter) ViewBox() string {
	return viewBox(scatW, scatH)
}

// X is the x position of a risk index.
func (s Scatter) X(risk float64) float64 {
	risk = math.Max(0, math.Min(risk, 100))
	return scatLeft + float64(scatW-scatLeft-scatRight)*risk/100
}

// Y is the y position of a total.
func (s Scatter) Y(total float64) float64 {
	total = math.Max(scatTotMin, math.Min(total, scatTotMax))
	return scatTop + float64(scatH-scatTop-scatBottom)*(scatTotMax-total)/(scatTotMax-scatTotMin)
}

// CellY is the y position of a cell's middle total.
func (s Scatter) CellY(c ScatterCell) float64 { return s.Y(float64(c.TotalFrom+c.TotalTo) / 2) }

// Radius grows with the square root of the count, so a bubble's area is
// proportional to it.
func (s Scatter) Radius(c ScatterCell) float64 { return 3.5 * math.Sqrt(float64(max(1, c.Count))) }

// XTicks and YTicks are the grid values.
func (s Scatter) XTicks() []int { return []int{0, 20, 40, 60, 80, 100} }

// YTicks are the totals with grid lines.
func (s Scatter) YTicks() []int { return []int{20, 40, 60, 80, 100, 120, 140} }

// Left, Right, Top, Bottom are the plot area's edges.
func (s Scatter) Left() float64 { return scatLeft }

// Right is the plot area's right edge.
func (s Scatter) Right() float64 { return scatW - scatRight }

// Top is the plot area's top edge.
func (s Scatter) Top() float64 { return scatTop }

// Bottom is the plot area's lower edge.
func (s Scatter) Bottom() float64 { return scatH - scatBottom }

// OwnMarker is the points of a diamond around the organisation's result.
func (s Scatter) OwnMarker() string {
	x, y := s.X(float64(s.OwnRiskIndex)), s.Y(float64(s.OwnTotal))
	const r = 7
	return coord(x) + "," + coord(y-r) + " " + coord(x+r) + "," + coord(y) + " " + coord(x) + "," + coord(y+r) + " " + coord(x-r) + "," + coord(y)
}
