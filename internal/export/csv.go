package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// bom is the UTF-8 byte-order mark: without it Excel reads a CSV in the
// system's code page (Shift_JIS in Japan) and garbles the Japanese.
const bom = "\uFEFF"

// WriteCSV writes the answers sheet as CSV: UTF-8 with a byte-order mark,
// CRLF line ends, a header row, one row per question.
func WriteCSV(w io.Writer, a *Assessment) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := make([]string, len(AnswerColumns))
	for i, c := range AnswerColumns {
		header[i] = c.Header()
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	for _, row := range a.answerRows() {
		for i := range row {
			row[i] = escapeFormula(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: csv: %w", err)
	}
	return nil
}

// escapeFormula keeps a spreadsheet from running a cell as a formula (CSV
// injection): a value starting with = + - @ or a tab or CR gets a leading
// apostrophe, which Excel takes as "text" and does not show. A value that
// already starts with an apostrophe gets one too, so unescapeFormula restores
// every value exactly.
func escapeFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unescapeFormula undoes escapeFormula.
func unescapeFormula(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r'", rune(s[1])) {
		return s[1:]
	}
	return s
}
