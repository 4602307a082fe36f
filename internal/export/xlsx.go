package export

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Sheet names of the assessment workbook (at most 31 characters each).
const (
	SheetSummary         = "概要"
	SheetAnswers         = "回答"
	SheetRecommendations = "推奨される取り組み"
	SheetComments        = "レビューコメント"
)

// XLSXContentType is the media type of an .xlsx file.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// WriteXLSX writes the assessment as a workbook: a summary (organisation,
// title, status, dates, risk group, total and the category table), the
// answers (the layout the import reads back), the recommendations, the
// organisation's action plan and the review comments. Every sheet is readable as opened: column widths set,
// long text wrapped, the header row frozen, Japanese as is.
func WriteXLSX(w io.Writer, a *Assessment) error {
	wb, err := newWorkbook(a.Assessment.Title)
	if err != nil {
		return err
	}
	defer wb.f.Close()
	steps := []func(*workbook, *Assessment) error{writeSummary, writeAnswers, writeRecommendations, writeActions, writeComments}
	for _, step := range steps {
		if err := step(wb, a); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
	}
	return wb.finish(w)
}

func writeSummary(wb *workbook, a *Assessment) error {
	x, rep := a.Assessment, a.Report
	// The key/value list sits above the wider category table: its values
	// span the table's columns B–G (merged), about 72 characters.
	s := wb.sheet(SheetSummary, []Column{
		{JA: "項目", EN: "Item", Width: 42, Wrap: true},
		{JA: "内容", EN: "Value", Width: 72, Wrap: true},
	})
	kv := [][]any{
		{bilingual("export.org"), x.OrgName},
		{bilingual("export.assessment"), x.Title},
		{bilingual("common.status"), bilingual("status." + string(x.Status))},
		{bilingual("export.checklist"), a.Checklist.Title + " (" + a.Checklist.Version + ")"},
		{bilingual("common.created"), formatTime(&x.CreatedAt)},
		{bilingual("export.submitted_at"), formatTime(x.SubmittedAt)},
		{bilingual("export.decided_at"), formatTime(x.DecidedAt)},
		{bilingual("export.risk_group"), string(a.RiskGroup)},
		{bilingual("export.answered"), fmt.Sprintf("%d / %d", rep.Answered, rep.TotalQuestions)},
		{bilingual("export.total", rep.Total.Max), rep.Total.Score},
		{bilingual("export.average"), rep.Total.Average},
		{bilingual("export.target_total"), rep.Total.Target},
		{bilingual("export.target_average"), rep.Total.TargetAverage},
		{bilingual("export.exported_at"), formatTime(&a.ExportedAt)},
	}
	for _, row := range kv {
		if err := s.merged(row, "B", "G"); err != nil {
			return err
		}
	}
	s.blank()
	cats := []Column{
		{JA: "大項目", EN: "Category", Width: 42, Wrap: true},
		{JA: "平均", EN: "Average", Width: 14},
		{JA: "目標平均", EN: "Target average", Width: 14},
		{JA: "差", EN: "Difference", Width: 12},
		{JA: "合計", EN: "Score", Width: 10},
		{JA: "満点", EN: "Max", Width: 10},
		{JA: "回答数", EN: "Answered", Width: 12},
	}
	if err := s.header(cats); err != nil {
		return err
	}
	for _, c := range rep.Categories {
		title := c.Title
		if cat, ok := a.Checklist.Category(c.ID); ok {
			title = strconv.Itoa(cat.Number) + ". " + cat.Title + " / " + cat.TitleEN
		}
		// Both are 2-decimal values: subtract in hundredths, exactly.
		diff := float64(int(math.Round(c.Average*100))-int(math.Round(c.TargetAverage*100))) / 100
		if err := s.row([]any{title, c.Average, c.TargetAverage, diff, c.Score, c.Max, fmt.Sprintf("%d / %d", c.Answered, c.Questions)}); err != nil {
			return err
		}
	}
	ws := make([]float64, len(cats))
	for i, c := range cats {
		ws[i] = c.Width
	}
	return s.widths(ws)
}

func writeAnswers(wb *workbook, a *Assessment) error {
	s := wb.sheet(SheetAnswers, AnswerColumns)
	numeric := map[string]bool{ColLevel: true, "target": true, "gap": true}
	for _, row := range a.answerRows() {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
			if numeric[AnswerColumns[i].Key] && v != "" {
				n, _ := strconv.Atoi(v)
				cells[i] = n
			}
		}
		if err := s.row(cells); err != nil {
			return err
		}
	}
	return s.finishTable()
}

func writeRecommendations(wb *workbook, a *Assessment) error {
	s := wb.sheet(SheetRecommendations, []Column{
		{JA: "優先順位", EN: "Priority", Width: 10},
		{JA: "設問ID", EN: "Question ID", Width: 11},
		{JA: "設問", EN: "Question (Japanese)", Width: 45, Wrap: true},
		{JA: "設問（英語）", EN: "Question (English)", Width: 45, Wrap: true},
		{JA: "現在のレベル", EN: "Level", Width: 10},
		{JA: "目標", EN: "Target", Width: 8},
		{JA: "ギャップ", EN: "Gap", Width: 9},
		{JA: "未実施の対策のポイント", EN: "Key points not yet in place (Japanese)", Width: 50, Wrap: true},
		{JA: "未実施の対策のポイント（英語）", EN: "Key points not yet in place (English)", Width: 50, Wrap: true},
	})
	for i, r := range a.Report.Recommendations {
		q, ok := a.Checklist.Question(r.QuestionID)
		if !ok {
			continue
		}
		var ja, en []string
		for _, id := range r.MissingPoints {
			if p, ok := q.Point(id); ok {
				ja = append(ja, id+" "+p.Text)
				en = append(en, id+" "+p.TextEN)
			}
		}
		if err := s.row([]any{i + 1, q.ID, q.Text, q.TextEN, r.Level, r.Target, r.Gap,
			strings.Join(ja, "\n"), strings.Join(en, "\n")}); err != nil {
			return err
		}
	}
	return s.finishTable()
}

func writeComments(wb *workbook, a *Assessment) error {
	s := wb.sheet(SheetComments, []Column{
		{JA: "設問ID", EN: "Question ID", Width: 14},
		{JA: "投稿者", EN: "Author", Width: 22, Wrap: true},
		{JA: "役割", EN: "Role", Width: 18},
		{JA: "日時", EN: "Date", Width: 18},
		{JA: "コメント", EN: "Comment", Width: 80, Wrap: true},
	})
	for _, c := range a.Comments {
		q := bilingual("export.general_comment")
		if c.QuestionID != nil {
			q = *c.QuestionID
		}
		role := ""
		if c.AuthorRole != "" {
			role = bilingual("role." + string(c.AuthorRole))
		}
		if err := s.row([]any{q, c.AuthorName, role, formatTime(&c.CreatedAt), c.Body}); err != nil {
			return err
		}
	}
	return s.finishTable()
}
