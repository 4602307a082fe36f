package export

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// streamSheet fills one sheet row by row through excelize's StreamWriter,
// in the house style of sheetWriter: a sheet of any number of rows costs
// the memory of one row (excelize keeps the written rows in a temporary
// file past 16 MiB) until the workbook is written.
type streamSheet struct {
	wb   *workbook
	name string
	cols []Column
	sw   *excelize.StreamWriter
	next int // the next row to write, 1-based
	err  error
}

// streamSheet adds a sheet (the first reuses the new file's default sheet)
// laid out as finishTable lays out a table (landscape, one page wide, the
// header row and first column frozen), and writes its header row.
func (wb *workbook) streamSheet(name string, cols []Column) *streamSheet {
	s := &streamSheet{wb: wb, name: name, cols: cols, next: 1}
	f := wb.f
	if wb.sheets == 0 {
		s.err = f.SetSheetName(f.GetSheetName(0), name)
	} else {
		_, s.err = f.NewSheet(name)
	}
	wb.sheets++
	// The page settings go with the sheet's first bytes: before the stream.
	landscape, one, auto, fit := "landscape", 1, 0, true
	if s.err == nil {
		s.err = f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &auto})
	}
	if s.err == nil {
		s.err = f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit})
	}
	if s.err == nil {
		s.sw, s.err = f.NewStreamWriter(name)
	}
	for i, c := range cols {
		if s.err == nil && c.Width > 0 {
			s.err = s.sw.SetColWidth(i+1, i+1, c.Width)
		}
	}
	if s.err == nil {
		s.err = s.sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight",
			Selection: []excelize.Selection{{SQRef: "B2", ActiveCell: "B2", Pane: "bottomRight"}}})
	}
	if s.err == nil {
		headers := make([]any, len(cols))
		for i, c := range cols {
			headers[i] = c.Header()
		}
		s.err = s.write(headers, true, nil)
	}
	return s
}

// row writes one body row; styles gives some cells (by 0-based column) a
// style of their own.
func (s *streamSheet) row(cells []any, styles map[int]int) error {
	if s.err != nil {
		return s.err
	}
	s.err = s.write(cells, false, styles)
	return s.err
}

func (s *streamSheet) write(cells []any, header bool, styles map[int]int) error {
	out := make([]any, len(cells))
	lines := 1
	for i, v := range cells {
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
		if id, ok := styles[i]; ok {
			style = id
		}
		if v == "" {
			v = nil
		}
		out[i] = excelize.Cell{StyleID: style, Value: v}
		if str, ok := v.(string); ok && (col.Wrap || header) && col.Width > 0 {
			lines = max(lines, wrappedLines(str, col.Width))
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, s.next)
	if err != nil {
		return err
	}
	var opts []excelize.RowOpts
	if lines > 1 { // as sheetWriter.write: about 16 points a line
		opts = append(opts, excelize.RowOpts{Height: min(409, float64(lines)*16)})
	}
	if err := s.sw.SetRow(cell, out, opts...); err != nil {
		return fmt.Errorf("row %s!%d: %w", s.name, s.next, err)
	}
	s.next++
	return nil
}

// finishTable puts a filter on the header and ends the stream.
func (s *streamSheet) finishTable() error {
	if s.err != nil {
		return s.err
	}
	last, err := excelize.CoordinatesToCellName(len(s.cols), max(s.next-1, 2))
	if err != nil {
		return err
	}
	// Before Flush: the stream writes the sheet's filter at its end.
	if err := s.wb.f.AutoFilter(s.name, "A1:"+last, nil); err != nil {
		return err
	}
	return s.sw.Flush()
}
