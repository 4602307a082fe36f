package views

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mamori/internal/score"
)

func TestHeatCell(t *testing.T) {
	for _, c := range []struct {
		cell       HeatCell
		band, text string
	}{
		{HeatCell{}, "none", "—"},
		{HeatCell{Has: true, Average: 3, Target: 3}, "meets", "±0.00"},
		{HeatCell{Has: true, Average: 3.25, Target: 3}, "meets", "+0.25"},
		{HeatCell{Has: true, Average: 2.51, Target: 3}, "near", "−0.49"},
		{HeatCell{Has: true, Average: 2.5, Target: 3}, "below", "−0.50"},
		{HeatCell{Has: true, Average: 2.01, Target: 3}, "below", "−0.99"},
		{HeatCell{Has: true, Average: 2, Target: 3}, "far", "−1.00"},
		{HeatCell{Has: true, Average: 1.07, Target: 4}, "far", "−2.93"},
		// 2.3 − 2.2 in floating point is 0.0999…: computed in hundredths.
		{HeatCell{Has: true, Average: 2.3, Target: 2.2}, "meets", "+0.10"},
	} {
		if b, txt := c.cell.Band(), c.cell.GapText(); b != c.band || txt != c.text {
			t.Errorf("%+v: %s %s, want %s %s", c.cell, b, txt, c.band, c.text)
		}
	}
}

func TestEllipsis(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"短い名前", 30, "短い名前"},
		{"ABC", 3, "ABC"},
		{"ABCD", 3, "AB…"},
		{"株式会社とても長い名前の子会社九州工場", 10, "株式会社…"},
	} {
		if got := ellipsis(c.in, c.w); got != c.want {
			t.Errorf("ellipsis(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

func TestLineChart(t *testing.T) {
	c := LineChart{XLabels: []string{"a", "b", "c"}, YMin: 1, YMax: 5, YStep: 1}
	if c.X(0) >= c.X(1) || c.X(1) >= c.X(2) || c.X(0) <= c.Left() || c.X(2) >= c.Right() {
		t.Errorf("x positions %v %v %v not increasing inside the plot", c.X(0), c.X(1), c.X(2))
	}
	if c.Y(5) >= c.Y(1) || c.Y(9) != c.Y(5) || c.Y(-3) != c.Y(1) || c.Y(1) != c.Bottom() {
		t.Error("y scale wrong or not clamped")
	}
	if got := len(c.Ticks()); got != 5 {
		t.Errorf("ticks %d, want 5", got)
	}
	// A missing value splits the line.
	segs := c.Path(LineSeries{Values: []float64{2, math.NaN(), 4}})
	if len(segs) != 2 || strings.Contains(segs[0], " ") {
		t.Errorf("segments %q", segs)
	}
	one := LineChart{XLabels: []string{"a"}, YMin: 0, YMax: 135, YStep: 27}
	if x := one.X(0); math.Abs(x-(one.Left()+one.Right())/2) > 0.01 {
		t.Errorf("a single point at x %v, want centred", x)
	}
}

func TestHistogramOwnBin(t *testing.T) {
	h := Histogram{Bins: []score.Bin{{From: 20, To: 29}, {From: 30, To: 39}, {From: 130, To: 139}}}
	for _, c := range []struct {
		own, bin int
	}{{25, 0}, {27, 0}, {10, 0}, {30, 1}, {39, 1}, {135, 2}, {150, 2}} {
		h.Own = c.own
		for i := range h.Bins {
			if h.IsOwn(i) != (i == c.bin) {
				t.Errorf("own %d: bin %d IsOwn %v", c.own, i, h.IsOwn(i))
			}
		}
	}
}

func TestScatterGeometry(t *testing.T) {
	s := Scatter{}
	if s.X(0) != s.Left() || s.X(100) != s.Right() || s.X(150) != s.Right() {
		t.Error("risk index scale")
	}
	if s.Y(140) != s.Top() || s.Y(20) != s.Bottom() || s.Y(0) != s.Bottom() {
		t.Error("total scale")
	}
	if a, b := s.Radius(ScatterCell{Count: 1}), s.Radius(ScatterCell{Count: 4}); math.Abs(b-2*a) > 1e-9 {
		t.Errorf("radius of 4 (%v) should be twice that of 1 (%v): area ∝ count", b, a)
	}
}

func TestChartsRender(t *testing.T) {
	var buf bytes.Buffer
	h := HeatMap{ID: "hm", Title: "ヒートマップ", Columns: []string{"1", "2"},
		Rows: []HeatRow{{Label: "A社", Href: "/assessments/x/report", Cells: []HeatCell{{Has: true, Average: 2, Target: 3}, {}}}}}
	if err := HeatMapChart(h).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	l := LineChart{ID: "lc", Title: "推移", XLabels: []string{"2025-06-01"}, Hrefs: []string{"/r"}, YMin: 0, YMax: 135, YStep: 27,
		Series: []LineSeries{{Kind: "target", Name: "望まれる水準", Values: []float64{81}}, {Kind: "total", Name: "合計点", Values: []float64{70}}}}
	if err := LineChartSVG(l).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("svg[role=img]").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("aria-label", "") == "" || s.ChildrenFiltered("title").Length() != 1 {
			t.Error("a chart without its accessible name")
		}
	})
	if doc.Find("svg[role=img]").Length() != 2 {
		t.Fatalf("charts %d, want 2", doc.Find("svg[role=img]").Length())
	}
	if got := doc.Find(`[data-testid="hm"] svg[role=img] rect.band-far`).Length(); got != 1 {
		t.Errorf("far cells %d", got)
	}
	// The points are drawn, but links live in the data tables: a link
	// inside a role="img" picture is nested interactive content.
	if doc.Find(`[data-testid="lc"] circle`).Length() != 1 || doc.Find(`svg[role=img] a`).Length() != 0 || doc.Find(`[data-testid="lc"] svg[role=img] line.line-target`).Length() != 1 {
		t.Error("the trend point should be drawn without a link and the target show as a tick")
	}
	// The heat map's table (phones) links each organisation's report.
	if doc.Find(`[data-testid="hm-table"] a[href="/assessments/x/report"]`).Length() != 1 {
		t.Error("the heat map's table does not link the report")
	}
	if strings.Contains(doc.Text(), "NaN") {
		t.Error("NaN in a chart")
	}
}
