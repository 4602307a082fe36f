package export

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/width"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// MaxImportRows is the most rows (header included) an uploaded answers
// sheet may have; the checklist has 27 questions.
const MaxImportRows = 1000

// MaxImportColumns is the most columns a row of an uploaded workbook may
// reach (the answers sheet has a dozen). The reader pads a row up to its
// last cell, so one cell in column XFD costs 16,384 strings: a few KB of
// such rows would take gigabytes.
const MaxImportColumns = 100

// MaxImportUnzipped bounds what an uploaded workbook may unpack to. An
// exported answers workbook unpacks to well under 1 MB; the reader holds
// each unpacked part in memory, and its shared strings take tens of times
// their XML size (a 140 KB upload unpacking to 60 MB took 2.8 GB).
const MaxImportUnzipped = 8 << 20

// maxPointErrors bounds the unknown key points reported for one row: a cell
// listing a million of them must not become a million messages.
const maxPointErrors = 10

// RowError is one problem in a row of an uploaded answers sheet. Row is the
// spreadsheet row number (the header is row 1), Column the key of the
// column (AnswerColumns), Code what is wrong (Err* below) and Value the
// offending value, for the message.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Code   string `json:"code"`
	Value  string `json:"value,omitempty"`
}

// Row error codes.
const (
	ErrUnknownQuestion   = "unknown_question"   // no such question in the checklist
	ErrDuplicateQuestion = "duplicate_question" // a second row for a question
	ErrMissingQuestion   = "missing_question"   // answer values without a question id
	ErrLevel             = "level"              // not 1–5 or empty
	ErrUnknownPoint      = "unknown_point"      // not a key point of the row's question
	ErrCommentTooLong    = "comment_too_long"   // over assessment.MaxComment characters
	ErrInvalidText       = "invalid_text"       // a NUL or other character the database refuses
)

// FileError is an upload that cannot be read as an answers sheet at all.
// Detail names the missing columns or the line of a CSV syntax error.
type FileError struct {
	Code   string
	Detail string
}

func (e *FileError) Error() string { return "export: import: " + e.Code + " " + e.Detail }

// File error codes.
const (
	FileUnreadable     = "unreadable"      // neither a CSV nor an XLSX we can open
	FileEncoding       = "encoding"        // neither UTF-8 nor Shift_JIS
	FileMalformedCSV   = "malformed_csv"   // CSV syntax error (Detail: the line)
	FileMissingColumns = "missing_columns" // header lacks columns (Detail: their names)
	FileNoRows         = "no_rows"         // nothing but a header
	FileTooManyRows    = "too_many_rows"
	FileTooManyColumns = "too_many_columns"
	FileTooLarge       = "too_large" // unpacks to more than MaxImportUnzipped
)

// ParseCSV reads an answers CSV (as WriteCSV writes it, or as Excel saves
// it: UTF-8 with or without a byte-order mark, or Shift_JIS) and validates
// every row against cl. It returns the rows when all are valid, otherwise
// every row error; a file it cannot read at all is a *FileError.
func ParseCSV(r io.Reader, cl *checklist.Checklist) ([]store.ImportRow, []RowError, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("export: import: read: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	if !utf8.Valid(data) {
		// Excel's plain "CSV" in Japan is Shift_JIS (Windows-31J).
		dec, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(dec, utf8.RuneError) {
			return nil, nil, &FileError{Code: FileEncoding}
		}
		data = dec
	}
	if wide, _ := tooWide(data); wide {
		return nil, nil, &FileError{Code: FileTooManyColumns, Detail: strconv.Itoa(MaxImportColumns)}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var records [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, &FileError{Code: FileMalformedCSV, Detail: strconv.Itoa(pe.Line)}
			}
			return nil, nil, &FileError{Code: FileUnreadable}
		}
		if len(records) >= MaxImportRows {
			return nil, nil, &FileError{Code: FileTooManyRows, Detail: strconv.Itoa(MaxImportRows)}
		}
		for i := range rec {
			rec[i] = unescapeFormula(rec[i])
		}
		records = append(records, rec)
	}
	return parseRecords(records, cl)
}

// tooWide reports whether a record of CSV data has more than
// MaxImportColumns fields, and the offset where it stopped looking. It runs
// before the CSV reader, which builds a whole record before anyone can count
// its fields: a 4 MB line of commas would be four million of them. Quotes
// toggle a quoted field ("" inside one toggles twice), whose commas and line
// breaks are data; a stray quote is the CSV reader's to refuse.
func tooWide(data []byte) (wide bool, stop int) {
	fields, quoted := 1, false
	for i, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			if fields++; fields > MaxImportColumns {
				return true, i
			}
		case c == '\n':
			fields = 1
		}
	}
	return false, len(data)
}

// ParseXLSX reads the answers sheet of a workbook (the sheet named
// SheetAnswers, else the first whose header has a question id column) and
// validates it like ParseCSV.
func ParseXLSX(r io.Reader, cl *checklist.Checklist) ([]store.ImportRow, []RowError, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("export: import: read: %w", err)
	}
	// The limits keep a small zip from unpacking into gigabytes. The sizes
	// the zip declares are checked first (archive/zip refuses a part that
	// unpacks to more than it declares), to say why the file is refused.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, &FileError{Code: FileUnreadable}
	}
	var unzipped uint64
	for _, zf := range zr.File {
		if unzipped += zf.UncompressedSize64; unzipped > MaxImportUnzipped {
			return nil, nil, &FileError{Code: FileTooLarge, Detail: strconv.Itoa(MaxImportUnzipped >> 20)}
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxImportUnzipped, UnzipXMLSizeLimit: MaxImportUnzipped})
	if err != nil {
		return nil, nil, &FileError{Code: FileUnreadable}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if i := slices.Index(sheets, SheetAnswers); i > 0 {
		sheets[0], sheets[i] = sheets[i], sheets[0]
	}
	var missing []string
	for _, name := range sheets {
		rows, err := sheetRows(f, name)
		if err != nil {
			return nil, nil, err
		}
		if len(rows) == 0 {
			continue
		}
		if _, miss := headerIndex(rows[0]); len(miss) > 0 {
			if missing == nil || name == SheetAnswers {
				missing = miss
			}
			continue
		}
		return parseRecords(rows, cl)
	}
	if missing == nil {
		missing = importColumns()
	}
	return nil, nil, &FileError{Code: FileMissingColumns, Detail: strings.Join(missing, ", ")}
}

// sheetRows reads a sheet's rows as GetRows does (trailing empty rows
// dropped), row by row, refusing the sheet as soon as a row with values
// lies beyond MaxImportRows or reaches beyond MaxImportColumns: the limits
// hold before the rows are in memory, not after.
func sheetRows(f *excelize.File, sheet string) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, &FileError{Code: FileUnreadable}
	}
	defer it.Close()
	var out [][]string
	n := 0
	for it.Next() {
		n++
		row, err := it.Columns()
		if err != nil {
			return nil, &FileError{Code: FileUnreadable}
		}
		if len(row) == 0 {
			continue // empty rows cost nothing until a row with values follows
		}
		if n > MaxImportRows {
			return nil, &FileError{Code: FileTooManyRows, Detail: strconv.Itoa(MaxImportRows)}
		}
		if len(row) > MaxImportColumns {
			return nil, &FileError{Code: FileTooManyColumns, Detail: strconv.Itoa(MaxImportColumns)}
		}
		for len(out) < n-1 {
			out = append(out, nil)
		}
		out = append(out, row)
	}
	if err := it.Error(); err != nil {
		return nil, &FileError{Code: FileUnreadable}
	}
	return out, nil
}

// importColumns are the headers the import needs.
func importColumns() []string {
	var out []string
	for _, c := range AnswerColumns {
		if c.Import {
			out = append(out, c.Header())
		}
	}
	return out
}

// headerIndex finds the import's columns in a header row, by their header
// ("設問ID / Question ID"), either half of it, or their key, ignoring case,
// width and spacing. missing lists the headers not found.
// Each header cell costs one normalisation and one map look-up.
func headerIndex(header []string) (idx map[string]int, missing []string) {
	idx = map[string]int{}
	names := headerNames()
	for i, h := range header {
		key, ok := names[normHeader(h)]
		if _, dup := idx[key]; ok && !dup {
			idx[key] = i
		}
	}
	for _, c := range AnswerColumns {
		if _, ok := idx[c.Key]; c.Import && !ok {
			missing = append(missing, c.Header())
		}
	}
	return idx, missing
}

// headerNames maps each normalised name of an imported column to its key.
var headerNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, c := range AnswerColumns {
		if !c.Import {
			continue
		}
		for _, name := range append([]string{c.Header(), c.JA, c.EN, c.Key}, c.Former...) {
			if n := normHeader(name); m[n] == "" {
				m[n] = c.Key
			}
		}
	}
	return m
})

func normHeader(s string) string {
	s = strings.ToLower(width.Fold.String(strings.TrimPrefix(s, bom)))
	return strings.Join(strings.Fields(s), " ")
}

// parseRecords validates the rows after the header. Blank rows, and rows
// with nothing in the imported columns, are skipped.
func parseRecords(records [][]string, cl *checklist.Checklist) ([]store.ImportRow, []RowError, error) {
	if len(records) == 0 {
		return nil, nil, &FileError{Code: FileMissingColumns, Detail: strings.Join(importColumns(), ", ")}
	}
	idx, missing := headerIndex(records[0])
	if len(missing) > 0 {
		return nil, nil, &FileError{Code: FileMissingColumns, Detail: strings.Join(missing, ", ")}
	}
	cell := func(rec []string, key string) string {
		if i := idx[key]; i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var rows []store.ImportRow
	var errs []RowError
	seen := map[string]int{}
	for i, rec := range records[1:] {
		n := i + 2 // spreadsheet row number: the header is row 1
		qid := normID(cell(rec, ColQuestionID), true)
		levelText, pointsText := cell(rec, ColLevel), cell(rec, ColPoints)
		comment := strings.ReplaceAll(cell(rec, ColComment), "\r\n", "\n")
		if qid == "" {
			if strings.TrimSpace(levelText+pointsText+comment) != "" {
				errs = append(errs, RowError{Row: n, Column: ColQuestionID, Code: ErrMissingQuestion})
			}
			continue
		}
		q, ok := cl.Question(qid)
		if !ok {
			errs = append(errs, RowError{Row: n, Column: ColQuestionID, Code: ErrUnknownQuestion, Value: clip(qid)})
			continue
		}
		if first, dup := seen[qid]; dup {
			errs = append(errs, RowError{Row: n, Column: ColQuestionID, Code: ErrDuplicateQuestion, Value: strconv.Itoa(first)})
			continue
		}
		seen[qid] = n
		row, rowErrs := parseRow(n, q, levelText, pointsText, comment)
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		rows = append(rows, row)
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	if len(rows) == 0 {
		return nil, nil, &FileError{Code: FileNoRows}
	}
	return rows, nil, nil
}

// parseRow validates one question's level, key points and comment.
func parseRow(n int, q *checklist.Question, levelText, pointsText, comment string) (store.ImportRow, []RowError) {
	var errs []RowError
	row := store.ImportRow{QuestionID: q.ID, Comment: comment}
	if lt := strings.TrimSpace(width.Fold.String(levelText)); lt != "" {
		f, err := strconv.ParseFloat(lt, 64)
		if err != nil || f != float64(int(f)) || f < 1 || f > 5 {
			errs = append(errs, RowError{Row: n, Column: ColLevel, Code: ErrLevel, Value: clip(levelText)})
		} else {
			l := int(f)
			row.Level = &l
		}
	}
	unknown := 0
	for _, p := range pointSplit.Split(width.Fold.String(pointsText), -1) {
		if p = normID(p, false); p == "" {
			continue
		}
		if _, ok := q.Point(p); !ok {
			if unknown++; unknown <= maxPointErrors {
				errs = append(errs, RowError{Row: n, Column: ColPoints, Code: ErrUnknownPoint, Value: clip(p)})
			}
			continue
		}
		row.PointsMet = append(row.PointsMet, p)
	}
	switch {
	case !assessment.ValidText(comment):
		errs = append(errs, RowError{Row: n, Column: ColComment, Code: ErrInvalidText})
	case utf8.RuneCountInString(comment) > assessment.MaxComment:
		errs = append(errs, RowError{Row: n, Column: ColComment, Code: ErrCommentTooLong, Value: strconv.Itoa(assessment.MaxComment)})
	}
	if len(errs) > 0 {
		return store.ImportRow{}, errs
	}
	// ValidateAnswer puts the key points in checklist order without
	// duplicates, as a save from the form stores them.
	v, err := assessment.ValidateAnswer(q, assessment.AnswerValues{Level: row.Level, Comment: row.Comment, PointsMet: row.PointsMet})
	if err != nil {
		return store.ImportRow{}, []RowError{{Row: n, Code: ErrInvalidText}}
	}
	row.PointsMet = v.PointsMet
	return row, nil
}

// pointSplit separates key point ids: commas (also Japanese 、), semicolons
// and any space or line break.
var pointSplit = regexp.MustCompile(`[,、;；\s]+`)

// excelDate matches what Excel makes of an id typed into a cell: "1-2"
// becomes the date 1月2日 (or 1/2), "1-2-3" the date 2001/2/3.
var (
	excelMonthDay = regexp.MustCompile(`^(\d{1,2})(?:月(\d{1,2})日|/(\d{1,2}))$`)
	excelYMD      = regexp.MustCompile(`^20([0-2]\d)[/-](\d{1,2})[/-](\d{1,2})$`)
)

// normID trims an id and folds full-width characters; for a question id
// (question) it also undoes Excel's date conversion of "1-2" (1月2日, 1/2),
// for a key point id that of "1-2-3" (2001/2/3).
func normID(s string, question bool) string {
	s = strings.TrimSpace(width.Fold.String(s))
	if question {
		if m := excelMonthDay.FindStringSubmatch(s); m != nil {
			return trimZero(m[1]) + "-" + trimZero(m[2]+m[3])
		}
		return s
	}
	if m := excelYMD.FindStringSubmatch(s); m != nil {
		return trimZero(m[1]) + "-" + trimZero(m[2]) + "-" + trimZero(m[3])
	}
	return s
}

func trimZero(s string) string {
	if t := strings.TrimLeft(s, "0"); t != "" {
		return t
	}
	return "0"
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}
