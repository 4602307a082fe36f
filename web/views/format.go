package views

import (
	"fmt"
	"mamori/web/i18n"
	"time"
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
func Itoa(n int) string { return fmt.Sprint(n) }

// viewBox is an SVG viewBox attribute for a chart of w × h units.
func viewBox(w, h int) string { return fmt.Sprintf("0 0 %d %d", w, h) }
