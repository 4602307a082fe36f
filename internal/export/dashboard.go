package export

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"mamori/checklist"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// Sheet names of the dashboard workbook.
const (
	SheetDashboard  = "ダッシュボード"
	SheetCategories = "大項目"
)

// gapFills colour a category's difference from its target as the
// dashboard's heat map does: meets, near (< 0.5 below), below (< 1 below),
// far (1 or more below).
var gapFills = map[string]string{"meets": "CFE8D5", "near": "FFF1C2", "below": "FFD39B", "far": "F4B6B6"}

// gapBand names the band of a difference in hundredths.
func gapBand(g int) string {
	switch {
	case g >= 0:
		return "meets"
	case g > -50:
		return "near"
	case g > -100:
		return "below"
	}
	return "far"
}

// WriteDashboardXLSX writes the dashboard's organisations × categories:
// per organisation its risk group, latest approved assessment (total, and
// per category the average, the target and their difference, coloured like
// the heat map) and where its current cycle stands; and a sheet naming the
// categories. rows calls its argument with each organisation in order; the
// sheet is streamed, so memory does not grow with their number, and
// nothing is written to w before every row was read. It returns the
// number of organisations.
func WriteDashboardXLSX(w io.Writer, rows func(func(store.DashboardRow) error) error, cl *checklist.Checklist, now time.Time) (int, error) {
	n := 0
	wb, err := newWorkbook("Mamori " + SheetDashboard + " " + now.In(i18n.JST).Format("2006-01-02"))
	if err != nil {
		return 0, err
	}
	defer wb.f.Close()
	fills := map[string]int{}
	for band, color := range gapFills {
		id, err := wb.f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}, NumFmt: 2,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}})
		if err != nil {
			return 0, fmt.Errorf("export: dashboard xlsx: %w", err)
		}
		fills[band] = id
	}
	cols := []Column{
		{JA: "組織", EN: "Organisation", Width: 30, Wrap: true},
		{JA: "親組織", EN: "Parent", Width: 22, Wrap: true},
		{JA: "リスク区分", EN: "Risk group", Width: 10},
		{JA: "業種", EN: "Industry", Width: 18, Wrap: true},
		{JA: "最新の承認済み評価", EN: "Latest approved assessment", Width: 28, Wrap: true},
		{JA: "承認日", EN: "Approved", Width: 12},
		{JA: "合計点", EN: "Total", Width: 9},
		{JA: "平均", EN: "Average", Width: 9},
	}

	for _, c := range cl.Categories {
		n := strconv.Itoa(c.Number)
		cols = append(cols,
			Column{JA: "大項目" + n + " 平均", EN: "Category " + n + " average", Width: 11, Wrap: true},
			Column{JA: "大項目" + n + " 望まれる水準", EN: "Category " + n + " target", Width: 11, Wrap: true},
			Column{JA: "大項目" + n + " 差", EN: "Category " + n + " difference", Width: 11, Wrap: true})
	}
	cols = append(cols,
		Column{JA: "現在の評価", EN: "Current assessment", Width: 28, Wrap: true},
		Column{JA: "状態", EN: "Status", Width: 18},
		Column{JA: "回答数", EN: "Answered", Width: 9})
	s := wb.streamSheet(SheetDashboard, cols)
	err = rows(func(r store.DashboardRow) error {
		n++
		group := ""
		if g := r.RiskGroup(); g != "" {
			group = string(g)
		}
		cells := []any{r.OrgName, r.ParentName, group, bilingual("industry." + r.Industry)}
		styles := map[int]int{}
		if l := r.Latest; l != nil {
			cells = append(cells, l.Title, l.DecidedAt.In(i18n.JST).Format("2006-01-02"), l.TotalScore, l.TotalAverage)
			for _, c := range cl.Categories {
				avg, ok := l.CategoryAverages[c.ID]
				if !ok {
					cells = append(cells, nil, nil, nil)
					continue
				}
				tgt := l.CategoryTargets[c.ID]
				g := int(math.Round(avg*100)) - int(math.Round(tgt*100))
				cells = append(cells, avg, tgt, float64(g)/100)
				styles[len(cells)-1] = fills[gapBand(g)]
			}
		} else {
			cells = append(cells, nil, nil, nil, nil)
			for range cl.Categories {
				cells = append(cells, nil, nil, nil)
			}
		}
		if c := r.Current; c != nil {
			cells = append(cells, c.Title, bilingual("status."+string(c.Status)), fmt.Sprintf("%d / %d", c.Answered, cl.NumQuestions()))
		} else {
			cells = append(cells, nil, bilingual("dashboard.cycle.none"), nil)
		}
		return s.row(cells, styles)
	})
	if err == nil {
		err = s.finishTable()
	}
	if err != nil {
		return 0, fmt.Errorf("export: dashboard xlsx: %w", err)
	}
	cs := wb.sheet(SheetCategories, []Column{
		{JA: "大項目", EN: "Category", Width: 10},
		{JA: "名称", EN: "Title (Japanese)", Width: 50, Wrap: true},
		{JA: "名称（英語）", EN: "Title (English)", Width: 50, Wrap: true},
	})
	for _, c := range cl.Categories {
		if err := cs.row([]any{c.Number, c.Title, c.TitleEN}); err != nil {
			return 0, fmt.Errorf("export: dashboard xlsx: %w", err)
		}
	}
	return n, wb.finish(w)
}
