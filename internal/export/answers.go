// Package export writes an assessment as a spreadsheet (XLSX), its answers
// as CSV, or the whole as JSON, and reads an edited answers sheet back for
// an import. The answers sheet of the XLSX and the CSV share one layout
// (AnswerColumns), so either file can be imported into a draft again.
package export

import (
	"strconv"
	"strings"
	"time"

	"mamori/checklist"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// Assessment is everything an export carries.
type Assessment struct {
	Assessment store.Assessment
	Checklist  *checklist.Checklist
	Answers    map[string]store.Answer
	// Report is scored against the targets in force: the frozen ones once
	// submitted, the organisation's current ones for a draft.
	Report    score.Report
	RiskGroup score.RiskGroup
	Comments  []store.Comment
	// Actions is the organisation's action plan (every improvement action,
	// by due date).
	Actions    []store.Action
	ExportedAt time.Time
}

// Column is one column of the answers sheet: Key names it in code and in
// the import; the header shows Japanese and English.
type Column struct {
	Key    string
	JA, EN string
	Width  float64 // XLSX column width, in characters
	Wrap   bool
	Import bool // read back by the import
	// Former names the import still accepts (files exported before a
	// header was renamed to follow docs/glossary.md).
	Former []string
}

// Header is the column's header cell, e.g. "設問ID / Question ID".
func (c Column) Header() string { return c.JA + " / " + c.EN }

// Keys of the answers columns the import reads.
const (
	ColQuestionID = "question_id"
	ColLevel      = "level"
	ColPoints     = "points_met"
	ColComment    = "comment"
)

// AnswerColumns is the layout of the answers sheet, in order.
var AnswerColumns = []Column{
	{Key: ColQuestionID, JA: "設問ID", EN: "Question ID", Width: 11, Import: true},
	{Key: "category", JA: "大項目", EN: "Category", Width: 24, Wrap: true},
	{Key: "question_ja", JA: "設問", EN: "Question (Japanese)", Width: 50, Wrap: true},
	{Key: "question_en", JA: "設問（英語）", EN: "Question (English)", Width: 50, Wrap: true},
	{Key: ColLevel, JA: "回答レベル", EN: "Level", Width: 11, Import: true},
	{Key: "level_label", JA: "レベルの説明", EN: "Level label", Width: 22, Wrap: true},
	{Key: "target", JA: "望まれる水準", EN: "Target", Width: 8},
	{Key: "gap", JA: "ギャップ", EN: "Gap", Width: 9},
	{Key: ColPoints, JA: "実施済みの対策のポイント", EN: "Key points in place", Width: 26, Wrap: true, Import: true},
	// 根拠・備考, not コメント: comments are the discussion threads.
	{Key: ColComment, JA: "根拠・備考", EN: "Evidence and remarks", Width: 50, Wrap: true, Import: true,
		Former: []string{"コメント / Comment", "コメント", "Comment"}},
	{Key: "updated_by", JA: "最終更新者", EN: "Last edited by", Width: 20, Wrap: true},
	{Key: "updated_at", JA: "最終更新日時", EN: "Last edited at", Width: 18},
}

// PointSeparator joins key point ids in the points column.
const PointSeparator = ", "

// formatTime shows a time in JST as 2026-04-01 09:30, or "" for none.
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(i18n.JST).Format("2006-01-02 15:04")
}

// answerRows is the answers sheet's body: one row per question in
// checklist order, every cell as text, in AnswerColumns order.
func (a *Assessment) answerRows() [][]string {
	qs := map[string]score.QuestionScore{}
	for _, q := range a.Report.Questions {
		qs[q.ID] = q
	}
	var rows [][]string
	for _, c := range a.Checklist.Categories {
		for _, q := range c.Questions {
			ans, answered := a.Answers[q.ID]
			level, label := "", ""
			if answered && ans.Level != nil {
				level = strconv.Itoa(*ans.Level)
				if l, ok := a.Checklist.Level(*ans.Level); ok {
					label = l.Label
				}
			}
			sc := qs[q.ID]
			gap := ""
			if level != "" {
				gap = strconv.Itoa(sc.Gap)
			}
			target := ""
			if sc.Target > 0 {
				target = strconv.Itoa(sc.Target)
			}
			var by, at string
			if answered {
				by = ans.UpdatedByName
				at = formatTime(&ans.UpdatedAt)
			}
			rows = append(rows, []string{
				q.ID,
				strconv.Itoa(c.Number) + ". " + c.Title,
				q.Text,
				q.TextEN,
				level,
				label,
				target,
				gap,
				strings.Join(ans.PointsMet, PointSeparator),
				ans.Comment,
				by,
				at,
			})
		}
	}
	return rows
}

// bilingual is a catalog message in Japanese and English, e.g. "承認済み /
// Approved".
func bilingual(key string, args ...any) string {
	ja, en := i18n.TL("ja", key, args...), i18n.TL("en", key, args...)
	if ja == en {
		return ja
	}
	return ja + " / " + en
}
