package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"mamori/internal/store"
)

// SheetActions is the action-plan sheet of the assessment workbook.
const SheetActions = "改善計画"

// ActionColumns is the layout of the action plan, in the XLSX sheet and its
// CSV alike.
var ActionColumns = []Column{
	{Key: "title", JA: "改善アクション", EN: "Action", Width: 40, Wrap: true},
	{Key: "questions", JA: "対象の設問", EN: "Questions", Width: 14, Wrap: true},
	{Key: "planned_levels", JA: "目標水準", EN: "Planned level", Width: 14, Wrap: true},
	{Key: "owner", JA: "担当者", EN: "Owner", Width: 20, Wrap: true},
	{Key: "due_on", JA: "期限", EN: "Due date", Width: 12},
	{Key: "priority", JA: "優先度", EN: "Priority", Width: 10},
	{Key: "status", JA: "状態", EN: "Status", Width: 16},
	{Key: "evidence_count", JA: "エビデンス数", EN: "Evidence items", Width: 12},
}

// actionRows is the action plan's body: one row per action, by due date,
// every cell as text, in ActionColumns order. The evidence count is the
// items its closing named.
func actionRows(as []store.Action) [][]string {
	out := make([][]string, 0, len(as))
	for _, a := range as {
		qs, lv := make([]string, len(a.Questions)), make([]string, len(a.Questions))
		for i, q := range a.Questions {
			qs[i], lv[i] = q.QuestionID, strconv.Itoa(q.PlannedLevel)
		}
		out = append(out, []string{a.Title, strings.Join(qs, PointSeparator), strings.Join(lv, PointSeparator), a.OwnerName,
			a.DueOn.Format(time.DateOnly), bilingual("action.priority." + string(a.Priority)),
			bilingual("action.status." + string(a.Status)), strconv.Itoa(len(a.EvidenceIDs))})
	}
	return out
}

func writeActions(wb *workbook, a *Assessment) error {
	s := wb.sheet(SheetActions, ActionColumns)
	for j, row := range actionRows(a.Actions) {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
		}
		cells[len(cells)-1] = len(a.Actions[j].EvidenceIDs)
		if err := s.row(cells); err != nil {
			return err
		}
	}
	return s.finishTable()
}

// WriteActionsCSV writes the action plan as CSV, as WriteCSV writes the
// answers: UTF-8 with a byte-order mark, CRLF, a header row.
func WriteActionsCSV(w io.Writer, a *Assessment) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("export: actions csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := make([]string, len(ActionColumns))
	for i, c := range ActionColumns {
		header[i] = c.Header()
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("export: actions csv: %w", err)
	}
	for _, row := range actionRows(a.Actions) {
		for i := range row {
			row[i] = escapeFormula(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: actions csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: actions csv: %w", err)
	}
	return nil
}
