package views

import (
	"math"
	"strconv"
	"strings"
)

// RadarGeom is the geometry of a radar (spider) chart: N axes around the centre
// (CX, CY), the first at 12 o'clock and the others clockwise, on which a
// value v lands at distance R × v ÷ Max from the centre. Values are clamped
// to 0..Max, so an unanswered question (0) sits at the centre.
type RadarGeom struct {
	CX, CY, R float64
	N         int
	Max       float64
}

// Point is where value v lands on axis i.
func (g RadarGeom) Point(i int, v float64) (x, y float64) {
	if g.N <= 0 || g.Max <= 0 {
		return g.CX, g.CY
	}
	v = math.Max(0, math.Min(v, g.Max))
	return g.at(i, g.R*v/g.Max)
}

// at is the point at distance r from the centre on axis i.
func (g RadarGeom) at(i int, r float64) (x, y float64) {
	// Axis 0 points up (−π/2 in screen coordinates, where y grows down);
	// each next axis turns clockwise by 2π/N.
	a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(g.N)
	return g.CX + r*math.Cos(a), g.CY + r*math.Sin(a)
}

// Polygon is the SVG points list of values, one per axis in order.
func (g RadarGeom) Polygon(values []float64) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(' ')
		}
		x, y := g.Point(i, v)
		b.WriteString(coord(x))
		b.WriteByte(',')
		b.WriteString(coord(y))
	}
	return b.String()
}

// Ring is the polygon of the grid line at value v on every axis.
func (g RadarGeom) Ring(v float64) string {
	vs := make([]float64, g.N)
	for i := range vs {
		vs[i] = v
	}
	return g.Polygon(vs)
}

// Spoke is the end of axis i (at the outer ring), for drawing the axis line.
func (g RadarGeom) Spoke(i int) (x, y string) {
	px, py := g.at(i, g.R)
	return coord(px), coord(py)
}

// Label is where axis i's label goes (offset beyond the outer ring) and its
// text-anchor: labels left of the centre end at the point, labels right of
// it start there, labels on the vertical axis are centred.
func (g RadarGeom) Label(i int, offset float64) (x, y, anchor string) {
	px, py := g.at(i, g.R+offset)
	switch dx := px - g.CX; {
	case dx > 1:
		anchor = "start"
	case dx < -1:
		anchor = "end"
	default:
		anchor = "middle"
	}
	// Text sits on its baseline: nudge it down by a third of the font's
	// height so it is centred on the point.
	return coord(px), coord(py + 4), anchor
}

// RingLabel is where the grid value v is written: just right of axis 0 and
// just inside its ring, clear of the axis label above the outer ring.
func (g RadarGeom) RingLabel(v float64) (x, y string) {
	px, py := g.Point(0, v)
	return coord(px + 4), coord(py + 11)
}

// coord writes a coordinate with one decimal, without a trailing ".0" and
// never as "-0".
func coord(f float64) string {
	f = math.Round(f*10) / 10
	if f == 0 {
		f = 0 // −0 → 0
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// RadarChart is what the radar chart component draws: one axis per label,
// grid rings at 1..Max, and its series as polygons (the first drawn first,
// so the current result goes last, on top).
type RadarChart struct {
	ID     string // unique on the page; prefixes the element ids
	Title  string // the accessible name (aria-label and <title>)
	Labels []string
	Max    int
	Series []RadarSeries
	Small  bool // many axes: smaller labels
}

// RadarSeries is one polygon: Kind is "target", "current" or "previous"
// (its CSS class and line style), Name its legend text.
type RadarSeries struct {
	Kind   string
	Name   string
	Values []float64
}

// radarSize is the chart's viewBox side; the radius leaves room for labels.
const radarSize = 420

func (c RadarChart) geom() RadarGeom {
	r := 150.0
	if c.Small {
		r = 165
	}
	return RadarGeom{CX: radarSize / 2, CY: radarSize / 2, R: r, N: len(c.Labels), Max: float64(c.Max)}
}

func (c RadarChart) rings() []float64 {
	out := make([]float64, c.Max)
	for i := range out {
		out[i] = float64(i + 1)
	}
	return out
}
