package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// workbook builds an .xlsx with Mamori's house style: a bold shaded header
// row, wrapped text in long columns, two decimals for averages.
type workbook struct {
	f      *excelize.File
	sheets int
	styles struct{ header, text, wrap, decimal int }
}

func newWorkbook(title string) (*workbook, error) {
	wb := &workbook{f: excelize.NewFile()}
	if err := wb.f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "Mamori", Language: "ja-JP"}); err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	top := &excelize.Alignment{Vertical: "top"}
	var err error
	styles := []struct {
		dst *int
		s   *excelize.Style
	}{
		{&wb.styles.header, &excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
			Border:    []excelize.Border{{Type: "bottom", Color: "8EA9C1", Style: 1}},
		}},
		{&wb.styles.text, &excelize.Style{Alignment: top}},
		{&wb.styles.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&wb.styles.decimal, &excelize.Style{Alignment: top, NumFmt: 2}}, // 0.00
	}
	for _, st := range styles {
		if *st.dst, err = wb.f.NewStyle(st.s); err != nil {
			return nil, fmt.Errorf("export: xlsx: style: %w", err)
		}
	}
	return wb, nil
}

// finish makes the first sheet the active one and writes the file.
func (wb *workbook) finish(w io.Writer) error {
	wb.f.SetActiveSheet(0)
	if _, err := wb.f.WriteTo(w); err != nil {
		return fmt.Errorf("export: xlsx: write: %w", err)
	}
	return nil
}

// sheetWriter fills one sheet row by row.
type sheetWriter struct {
	wb        *workbook
	name      string
	cols      []Column
	next      int // the next row to write, 1-based
	headerRow int
	err       error
}

// sheet adds a sheet (the first reuses the new file's default sheet) and
// writes its header row.
func (wb *workbook) sheet(name string, cols []Column) *sheetWriter {
	s := &sheetWriter{wb: wb, name: name, cols: cols, next: 1}
	if wb.sheets == 0 {
		s.err = wb.f.SetSheetName(wb.f.GetSheetName(0), name)
	} else {
		_, s.err = wb.f.NewSheet(name)
	}
	wb.sheets++
	if s.err == nil {
		s.err = s.header(cols)
	}
	if s.err == nil {
		s.headerRow = 1
		ws := make([]float64, len(cols))
		for i, c := range cols {
			ws[i] = c.Width
		}
		s.err = s.widths(ws)
	}
	return s
}

// header writes a header row for cols ("日本語 / English" per cell).
func (s *sheetWriter) header(cols []Column) error {
	if s.err != nil {
		return s.err
	}
	s.cols = cols
	cells := make([]any, len(cols))
	for i, c := range cols {
		cells[i] = c.Header()
	}
	return s.write(cells, true)
}

// row writes one body row.
func (s *sheetWriter) row(cells []any) error {
	if s.err != nil {
		return s.err
	}
	return s.write(cells, false)
}

// merged writes a row whose last cell spans columns from..to.
func (s *sheetWriter) merged(cells []any, from, to string) error {
	if err := s.row(cells); err != nil {
		return err
	}
	r := strconv.Itoa(s.next - 1)
	return s.wb.f.MergeCell(s.name, from+r, to+r)
}

// blank leaves an empty row.
func (s *sheetWriter) blank() { s.next++ }

func (s *sheetWriter) write(cells []any, header bool) error {
	f, r := s.wb.f, s.next
	lines := 1
	for i, v := range cells {
		cell, err := excelize.CoordinatesToCellName(i+1, r)
		if err != nil {
			return err
		}
		if v != nil && v != "" {
			if err := f.SetCellValue(s.name, cell, v); err != nil {
				return fmt.Errorf("cell %s!%s: %w", s.name, cell, err)
			}
		}
		style := s.wb.styles.text
		var col Column
		if i < len(s.cols) {
			col = s.cols[i]
		}
		switch _, isFloat := v.(float64); {
		case header:
			style = s.wb.styles.header
		case isFloat:
			style = s.wb.styles.decimal
		case col.Wrap:
			style = s.wb.styles.wrap
		}
		if err := f.SetCellStyle(s.name, cell, cell, style); err != nil {
			return err
		}
		if str, ok := v.(string); ok && (col.Wrap || header) && col.Width > 0 {
			lines = max(lines, wrappedLines(str, col.Width))
		}
	}
	// Excel does not grow a row to fit wrapped text written by a program:
	// size it from the text, about 16 points a line.
	if lines > 1 {
		if err := f.SetRowHeight(s.name, r, min(409, float64(lines)*16)); err != nil {
			return err
		}
	}
	s.next++
	return nil
}

// widths sets the column widths, in characters.
func (s *sheetWriter) widths(ws []float64) error {
	if s.err != nil {
		return s.err
	}
	for i, w := range ws {
		if w <= 0 {
			continue
		}
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := s.wb.f.SetColWidth(s.name, name, name, w); err != nil {
			return err
		}
		if i < len(s.cols) {
			s.cols[i].Width = w
		}
	}
	return nil
}

// finishTable freezes the header row and the first column and puts a filter
// on the header.
func (s *sheetWriter) finishTable() error {
	if s.err != nil {
		return s.err
	}
	f := s.wb.f
	if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: s.headerRow, TopLeftCell: "B2", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "B2", ActiveCell: "B2", Pane: "bottomRight"}}}); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(s.cols), max(s.next-1, s.headerRow+1))
	if err != nil {
		return err
	}
	if err := f.AutoFilter(s.name, "A1:"+last, nil); err != nil {
		return err
	}
	landscape, one, auto := "landscape", 1, 0
	if err := f.SetPageLayout(s.name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &auto}); err != nil {
		return err
	}
	fit := true
	return f.SetSheetProps(s.name, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// wrappedLines estimates how many lines text takes in a column of the given
// width (in characters of a Latin digit): East Asian wide characters count
// twice.
func wrappedLines(text string, colWidth float64) int {
	per := max(1, int(colWidth*0.95))
	n := 0
	for _, line := range strings.Split(text, "\n") {
		w := 0
		for _, r := range line {
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				w += 2
			default:
				w++
			}
		}
		n += max(1, (w+per-1)/per)
	}
	return n
}
