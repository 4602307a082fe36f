package views

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRadarPoint(t *testing.T) {
	g := RadarGeom{CX: 200, CY: 200, R: 100, N: 5, Max: 5}
	sin72, cos72 := math.Sin(2*math.Pi/5), math.Cos(2*math.Pi/5)
	tests := []struct {
		name string
		axis int
		v    float64
		x, y float64
	}{
		// Axis 0 points to 12 o'clock: straight up, y decreasing.
		{"Axis0AtMaxIsTopOfRadius", 0, 5, 200, 100},
		{"Axis0HalfWay", 0, 2.5, 200, 150},
		{"ZeroIsCentre", 3, 0, 200, 200},
		{"NegativeClampedToCentre", 2, -1, 200, 200},
		{"AboveMaxClampedToRadius", 0, 7, 200, 100},
		// Axis 1 is 72° clockwise from 12 o'clock: right and up.
		{"Axis1Clockwise", 1, 5, 200 + 100*sin72, 200 - 100*cos72},
		// Axis 4 mirrors axis 1 on the left.
		{"Axis4MirrorsAxis1", 4, 5, 200 - 100*sin72, 200 - 100*cos72},
		// Level 3 of 5 on axis 2 (144°): below right, 60 from the centre.
		{"Axis2Level3", 2, 3, 200 + 60*math.Sin(4*math.Pi/5), 200 - 60*math.Cos(4*math.Pi/5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y := g.Point(tt.axis, tt.v)
			if !near(x, tt.x) || !near(y, tt.y) {
				t.Fatalf("(%v, %v), want (%v, %v)", x, y, tt.x, tt.y)
			}
			if d := math.Hypot(x-200, y-200); !near(d, 100*math.Max(0, math.Min(tt.v, 5))/5) {
				t.Fatalf("distance %v", d)
			}
		})
	}
}

func TestRadarFourAxesAreTheClock(t *testing.T) {
	// 4 axes: 12, 3, 6 and 9 o'clock.
	g := RadarGeom{CX: 50, CY: 50, R: 40, N: 4, Max: 4}
	want := [][2]float64{{50, 10}, {90, 50}, {50, 90}, {10, 50}}
	for i, w := range want {
		x, y := g.Point(i, 4)
		if !near(x, w[0]) || !near(y, w[1]) {
			t.Errorf("axis %d: (%v, %v), want %v", i, x, y, w)
		}
	}
	if got := g.Polygon([]float64{4, 4, 4, 4}); got != "50,10 90,50 50,90 10,50" {
		t.Errorf("polygon %q", got)
	}
	if got := g.Ring(2); got != "50,30 70,50 50,70 30,50" {
		t.Errorf("ring %q", got)
	}
}

func TestRadarPolygonFormat(t *testing.T) {
	g := RadarGeom{CX: 200, CY: 200, R: 100, N: 5, Max: 5}
	// 100·sin 72° = 95.105…, 100·cos 72° = 30.901…; 40·sin 144° = 23.511…,
	// 40·cos 144° = −32.360…; 0 at the centre; 20·sin 288° = −19.021…,
	// 20·cos 288° = 6.180….
	got := g.Polygon([]float64{5, 5, 2, 0, 1})
	want := "200,100 295.1,169.1 223.5,232.4 200,200 181,193.8"
	if got != want {
		t.Fatalf("polygon\n got %q\nwant %q", got, want)
	}
	if coord(-0.04) != "0" || coord(12.25) != "12.3" || coord(7) != "7" {
		t.Fatalf("coord: %q %q %q", coord(-0.04), coord(12.25), coord(7))
	}
}

func TestRadarLabels(t *testing.T) {
	g := RadarGeom{CX: 200, CY: 200, R: 100, N: 5, Max: 5}
	anchors := []string{"middle", "start", "start", "end", "end"}
	for i, want := range anchors {
		if _, _, a := g.Label(i, 10); a != want {
			t.Errorf("axis %d anchor %q, want %q", i, a, want)
		}
	}
	// Label 0 is 10 above the outer ring, nudged 4 down for the baseline.
	if x, y, _ := g.Label(0, 10); x != "200" || y != "94" {
		t.Errorf("label 0 at (%s, %s)", x, y)
	}
	// Grid values sit just inside their ring, so the outer one (5 at
	// y = 100) is written below the axis label (y = 94), not over it.
	if x, y := g.RingLabel(5); x != "204" || y != "111" {
		t.Errorf("ring label 5 at (%s, %s)", x, y)
	}
	if x, y := g.RingLabel(1); x != "204" || y != "191" {
		t.Errorf("ring label 1 at (%s, %s)", x, y)
	}
	if n := (RadarGeom{N: 0, Max: 5, CX: 3, CY: 4}); true {
		if x, y := n.Point(0, 5); x != 3 || y != 4 {
			t.Errorf("no axes: (%v, %v)", x, y)
		}
	}
}

func TestRadarRenders(t *testing.T) {
	c := RadarChart{ID: "radar-test", Title: "カテゴリ別の平均", Labels: []string{"1", "2", "3", "4", "5"}, Max: 5,
		Series: []RadarSeries{
			{Kind: "target", Name: "望まれる水準", Values: []float64{3, 3, 3, 3, 3}},
			{Kind: "previous", Name: "前回", Values: []float64{2, 2, 2, 2, 2}},
			{Kind: "current", Name: "今回", Values: []float64{5, 4, 3, 2, 1}},
		}}
	var buf bytes.Buffer
	if err := Radar(c).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	svg := doc.Find(`[data-testid="radar-test"] svg[role="img"]`)
	if svg.Length() != 1 {
		t.Fatalf("%d svg", svg.Length())
	}
	if l, _ := svg.Attr("aria-label"); l != "カテゴリ別の平均" || svg.Find("title").Text() != l {
		t.Errorf("accessible name %q", l)
	}
	if n := svg.Find(".radar-grid polygon").Length(); n != 5 {
		t.Errorf("%d grid rings, want 5", n)
	}
	if n := svg.Find(".radar-grid line").Length(); n != 5 {
		t.Errorf("%d axes, want 5", n)
	}
	if n := svg.Find(".radar-dots circle").Length(); n != 5 {
		t.Errorf("%d dots", n)
	}
	cur, _ := svg.Find(`[data-testid="radar-test-current"]`).Attr("points")
	// 5 on axis 0 is the top of the radius: 210 − 150 = 60.
	if !strings.HasPrefix(cur, "210,60 ") {
		t.Errorf("current polygon %q", cur)
	}
	order := []string{}
	svg.Find("polygon.radar-series").Each(func(_ int, s *goquery.Selection) {
		cl, _ := s.Attr("class")
		order = append(order, cl)
	})
	if strings.Join(order, "|") != "radar-series series-target|radar-series series-previous|radar-series series-current" {
		t.Errorf("series order %v", order)
	}
	if legend := doc.Find(".chart-legend li").Text(); !strings.Contains(legend, "望まれる水準") || !strings.Contains(legend, "前回") {
		t.Errorf("legend %q", legend)
	}
}

// TestRadarCached: the kept drawing is the one radarSVG makes, for each
// distinct chart, and a chart that differs in one value is drawn again.
func TestRadarCached(t *testing.T) {
	ctx := context.Background()
	render := func(c templ.Component) string {
		var b strings.Builder
		if err := c.Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	c := RadarChart{ID: "r", Title: "分野別", Labels: []string{"1", "2", "3"}, Max: 5,
		Series: []RadarSeries{{Kind: "target", Name: "目標", Values: []float64{3, 3, 3}}, {Kind: "current", Name: "今回", Values: []float64{1, 2.5, 4}}}}
	want := render(radarSVG(c))
	if got := render(Radar(c)); got != want {
		t.Fatalf("first drawing differs from radarSVG's")
	}
	if got := render(Radar(c)); got != want {
		t.Fatalf("kept drawing differs from radarSVG's")
	}
	d := c
	d.Series = []RadarSeries{c.Series[0], {Kind: "current", Name: "今回", Values: []float64{1, 2.5, 4.5}}}
	if got := render(Radar(d)); got == want || got != render(radarSVG(d)) {
		t.Fatalf("a chart with another value got the kept drawing")
	}
	e := c
	e.Title = "<b>別の題</b>"
	if got := render(Radar(e)); strings.Contains(got, "<b>") || !strings.Contains(got, "&lt;b&gt;") {
		t.Fatalf("title not escaped in %q", got)
	}
}
