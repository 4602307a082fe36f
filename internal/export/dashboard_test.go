package export_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/export"
	"mamori/internal/store"
)

// TestDashboardXLSX streams two organisations and reads the workbook back:
// the values, the heat map's fill on a difference, the frozen header and
// first column, the filter and the page set-up.
func TestDashboardXLSX(t *testing.T) {
	cl := checklist.Default()
	when := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	rows := []store.DashboardRow{
		{OrgID: "a", OrgName: "株式会社あおば", Industry: "manufacturing",
			Latest: &store.FrozenResult{Title: "2025年度 自己評価", DecidedAt: when, RiskGroup: "GII", TotalScore: 81, TotalAverage: 3,
				CategoryAverages: map[string]float64{"1": 2.25, "2": 3, "3": 3, "4": 3, "5": 3.5},
				CategoryTargets:  map[string]float64{"1": 3, "2": 3, "3": 3, "4": 3, "5": 3}},
			Current: &store.Cycle{Title: "2026年度 自己評価", Status: assessment.Draft, Answered: 4}},
		{OrgID: "b", OrgName: "みどり商事", Industry: "other"},
	}
	var buf bytes.Buffer
	n, err := export.WriteDashboardXLSX(&buf, func(fn func(store.DashboardRow) error) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}, cl, when)
	if err != nil || n != 2 {
		t.Fatalf("write: %d, %v", n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.GetRows(export.SheetDashboard)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1][0] != "株式会社あおば" || got[1][6] != "81" || got[2][0] != "みどり商事" {
		t.Fatalf("rows: %q", got)
	}
	// Category 1's difference (column 11: after eight columns, its average
	// and target) is 0.75 below: the "below" fill.
	if got[1][10] != "-0.75" {
		t.Errorf("category 1 difference %q, want -0.75", got[1][10])
	}
	style, err := f.GetCellStyle(export.SheetDashboard, "K2")
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(style)
	if err != nil || len(s.Fill.Color) != 1 || s.Fill.Color[0] != "FFD39B" {
		t.Errorf("K2 fill: %+v %v", s, err)
	}
	panes, err := f.GetPanes(export.SheetDashboard)
	if err != nil || !panes.Freeze || panes.XSplit != 1 || panes.YSplit != 1 {
		t.Errorf("panes: %+v %v", panes, err)
	}
	names := f.GetDefinedName()
	if len(names) != 1 || names[0].Name != "_xlnm._FilterDatabase" {
		t.Errorf("filter: %+v", names)
	}
	layout, err := f.GetPageLayout(export.SheetDashboard)
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" {
		t.Errorf("page layout: %+v %v", layout, err)
	}
	if w, err := f.GetColWidth(export.SheetDashboard, "A"); err != nil || w != 30 {
		t.Errorf("column A width %v %v", w, err)
	}
	if cats, _ := f.GetRows(export.SheetCategories); len(cats) != len(cl.Categories)+1 {
		t.Errorf("categories sheet: %d rows", len(cats))
	}
}
