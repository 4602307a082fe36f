package views

import (
	"math"
	"strconv"
	"strings"
)

// HeatMap is organisations × categories, each cell coloured by how far the
// category average stands from its target (望まれる水準) and labelled with
// that difference, so colour is never the only cue.
type HeatMap struct {
	ID      string   // unique on the page
	Title   string   // the accessible name
	Columns []string // short names
	// ColumnTitles are the columns' full names (tooltips); Corner heads the
	// organisations' column.
	ColumnTitles []string
	Corner       string
	Rows         []HeatRow
}

func (h HeatMap) columnTitle(j int) string {
	if j < len(h.ColumnTitles) {
		return h.ColumnTitles[j]
	}
	return h.Columns[j]
}

// HeatRow is one organisation: Href opens its latest report ("" for none).
type HeatRow struct {
	Label string
	Href  string
	Cells []HeatCell
}

// HeatCell is one category of one organisation; Has is false when the
// organisation has no approved result.
type HeatCell struct {
	Has     bool
	Average float64
	Target  float64
}

// GapHundredths is average − target in hundredths, exact for the 2-decimal
// values results store.
func (c HeatCell) GapHundredths() int {
	return int(math.Round(c.Average*100)) - int(math.Round(c.Target*100))
}

// Band names the cell's colour band: none (no result), meets (at or above
// target), near (less than 0.5 below), below (0.5 to 1 below), far (1 or
// more below).
func (c HeatCell) Band() string {
	if !c.Has {
		return "none"
	}
	switch g := c.GapHundredths(); {
	case g >= 0:
		return "meets"
	case g > -50:
		return "near"
	case g > -100:
		return "below"
	default:
		return "far"
	}
}

// GapText is the signed difference, "+0.25", "±0.00" or "−0.50" (a true
// minus sign), or "—" without a result.
func (c HeatCell) GapText() string {
	if !c.Has {
		return "—"
	}
	return SignedHundredths(c.GapHundredths())
}

// SignedHundredths writes n hundredths with a sign: +0.25, ±0.00, −1.50.
func SignedHundredths(n int) string {
	sign := "+"
	switch {
	case n < 0:
		sign, n = "−", -n
	case n == 0:
		sign = "±"
	}
	return sign + strconv.Itoa(n/100) + "." + twoDigits(n%100)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// HeatBands lists the bands in legend order.
var HeatBands = []string{"meets", "near", "below", "far", "none"}

// Heat map geometry, in SVG user units.
const (
	heatLabelW = 230
	heatCellW  = 96
	heatCellH  = 26
	heatHeadH  = 30
)

// Width is the map's viewBox width.
func (h HeatMap) Width() int { return heatLabelW + heatCellW*len(h.Columns) + 4 }

// Height is the map's viewBox height.
func (h HeatMap) Height() int { return heatHeadH + heatCellH*len(h.Rows) + 4 }

// ViewBox is the SVG viewBox attribute.
func (h HeatMap) ViewBox() string {
	return viewBox(h.Width(), h.Height())
}

// CellX is the left edge of column j; RowY the top of row i.
func (h HeatMap) CellX(j int) int { return heatLabelW + heatCellW*j }

// RowY is the top edge of row i.
func (h HeatMap) RowY(i int) int { return heatHeadH + heatCellH*i }

// RowLabel is a row's label cut to fit the label column (about 15 wide
// characters), with "…" when cut.
func (h HeatMap) RowLabel(i int) string { return ellipsis(h.Rows[i].Label, 30) }

// ellipsis cuts s to at most w display columns (wide characters count
// 2), ending in "…" when cut.
func ellipsis(s string, w int) string {
	if displayWidth(s) <= w {
		return s
	}
	n := 0
	for i, r := range s {
		if n+runeWidth(r) > w-1 {
			return s[:i] + "…"
		}
		n += runeWidth(r)
	}
	return s
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// runeWidth is 2 for the wide characters of Japanese text, 1 otherwise.
func runeWidth(r rune) int {
	if r >= 0x1100 {
		return 2
	}
	return 1
}

// LineChart is a line chart over successive assessments: one x position per
// assessment (XLabels, oldest first, each linked to Hrefs[i]) and one line
// per series, on a y scale from YMin to YMax with grid lines every YStep.
type LineChart struct {
	ID      string
	Title   string
	XLabels []string
	Hrefs   []string
	YMin    float64
	YMax    float64
	YStep   float64
	Series  []LineSeries
}

// LineSeries is one line; Kind picks its CSS class (line-0 … line-5,
// line-target) and Values has one value per x position (NaN: none).
type LineSeries struct {
	Kind   string
	Name   string
	Values []float64
}

// Line chart geometry.
const (
	lineW      = 640
	lineH      = 260
	lineLeft   = 44
	lineRight  = 16
	lineTop    = 14
	lineBottom = 40
)

// ViewBox is the SVG viewBox attribute.
func (c LineChart) ViewBox() string {
	return viewBox(lineW, lineH)
}

// linePad keeps the first and last points (and their date labels) clear
// of the plot's edges.
const linePad = 36

// X is the x position of point i: spread evenly, a single point centred.
func (c LineChart) X(i int) float64 {
	n := len(c.XLabels)
	inner := float64(lineW - lineLeft - lineRight - 2*linePad)
	if n <= 1 {
		return lineLeft + linePad + inner/2
	}
	return lineLeft + linePad + inner*float64(i)/float64(n-1)
}

// Y is the y position of value v, clamped to the scale.
func (c LineChart) Y(v float64) float64 {
	if c.YMax <= c.YMin {
		return lineH - lineBottom
	}
	v = math.Max(c.YMin, math.Min(v, c.YMax))
	inner := float64(lineH - lineTop - lineBottom)
	return lineTop + inner*(c.YMax-v)/(c.YMax-c.YMin)
}

// Ticks are the grid values from YMin to YMax.
func (c LineChart) Ticks() []float64 {
	if c.YStep <= 0 {
		return nil
	}
	var out []float64
	for v := c.YMin; v <= c.YMax+1e-9; v += c.YStep {
		out = append(out, v)
	}
	return out
}

// Path is the SVG points of a series, skipping missing values; a gap in
// the data starts a new polyline segment, so Path returns one string per
// segment.
func (c LineChart) Path(s LineSeries) []string {
	var segs []string
	var b strings.Builder
	for i, v := range s.Values {
		if math.IsNaN(v) {
			if b.Len() > 0 {
				segs = append(segs, b.String())
				b.Reset()
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(coord(c.X(i)))
		b.WriteByte(',')
		b.WriteString(coord(c.Y(v)))
	}
	if b.Len() > 0 {
		segs = append(segs, b.String())
	}
	return segs
}

// Left, Right, Bottom are the plot area's edges.
func (c LineChart) Left() float64 { return lineLeft }

// Right is the plot area's right edge.
func (c LineChart) Right() float64 { return lineW - lineRight }

// Bottom is the plot area's lower edge.
func (c LineChart) Bottom() float64 { return lineH - lineBottom }

// FormatTick writes a grid value without needless decimals.
func FormatTick(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
