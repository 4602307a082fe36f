package views

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"mamori/internal/score"
	"mamori/web/i18n"
)

// FormatTime shows a time as 2026-04-01 09:30.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(i18n.JST).Format("2006-01-02 15:04")
}

// FormatTimePtr is FormatTime for an optional time.
func FormatTimePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return FormatTime(*t)
}

// HHMM shows a time as 09:30.
func HHMM(t time.Time) string { return t.In(i18n.JST).Format("15:04") }

// F2 shows a number with two decimals.
func F2(f float64) string { return fmt.Sprintf("%.2f", f) }

// Itoa shows an integer.
func Itoa(n int) string { return strconv.Itoa(n) }

// viewBox is an SVG viewBox attribute for a chart of w × h units.
func viewBox(w, h int) string { return fmt.Sprintf("0 0 %d %d", w, h) }

// CatAverage shows a category's average, 「—（未回答）」 when none of its
// questions is answered (never 0.00, which would read as a score).
func CatAverage(ctx context.Context, c score.CategoryScore) string {
	if c.Answered == 0 {
		return i18n.T(ctx, "report.no_answers")
	}
	return F2(c.Average)
}

// CatDiff is the difference of two categories' averages, "—" when either
// has no answers: an unanswered category is left out, not counted as 0.
func CatDiff(a, b score.CategoryScore) string {
	if a.Answered == 0 || b.Answered == 0 {
		return "—"
	}
	return Diff2(a.Average, b.Average)
}

// CatVsTarget is a category's average against its target average, "—"
// when none of its questions is answered.
func CatVsTarget(c score.CategoryScore) string {
	if c.Answered == 0 {
		return "—"
	}
	return Diff2(c.Average, c.TargetAverage)
}

// FormatDate shows a date as 2026-04-01 (Japan time).
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(i18n.JST).Format("2006-01-02")
}
