package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/export"
	"mamori/internal/score"
	"mamori/internal/store"
)

// sample is an assessment with answers that test the formats' edges:
// Japanese, line breaks, quotes and commas, values a spreadsheet would take
// for a formula, an unanswered question with a comment, an untouched one.
func sample(t testing.TB) *export.Assessment {
	t.Helper()
	cl := checklist.Default()
	answers := map[string]store.Answer{}
	comments := []string{
		"規程類は整備済み。\n運用状況は年1回確認しています。",
		`"引用", カンマ, and 'quotes'`,
		"=HYPERLINK(\"http://evil.example\",\"click\")",
		"+81 3-1234-5678",
		"-- 箇条書き\n- 二つ目",
		"@SUM(A1)",
		"'先頭がアポストロフィ",
		"''二つ",
		"'=式",
		"",
		"  前後に空白  ",
	}
	when := time.Date(2026, 4, 1, 0, 30, 0, 0, time.UTC)
	for i, id := range cl.QuestionIDs() {
		q, _ := cl.Question(id)
		if i == 25 {
			continue // never answered
		}
		a := store.Answer{QuestionID: id, Comment: comments[i%len(comments)], PointsMet: []string{}, Version: 1,
			UpdatedAt: when, UpdatedByName: "山田 花子"}
		if i != 24 { // 24: a comment but no level yet
			lv := i%5 + 1
			a.Level = &lv
			for k, p := range q.Points {
				if k%(lv+1) == 0 {
					a.PointsMet = append(a.PointsMet, p.ID)
				}
			}
		}
		answers[id] = a
	}
	targets := score.DefaultTargets(score.GII, cl.QuestionIDs(), nil)
	rep := score.Compute(store.ScoreChecklist(cl, false), store.ScoreAnswers(answers), targets)
	sub := when.Add(time.Hour)
	qid := "1-1"
	return &export.Assessment{
		Assessment: store.Assessment{ID: "a1", OrgID: "o1", OrgName: "デモ株式会社", Title: "2026年度 自己評価", ChecklistID: cl.ID,
			Status: assessment.Submitted, CreatedAt: when, UpdatedAt: when, SubmittedAt: &sub},
		Checklist: cl, Answers: answers, Report: rep, RiskGroup: score.GII, ExportedAt: sub,
		Comments: []store.Comment{
			{ID: "c1", QuestionID: &qid, AuthorName: "佐藤 健", AuthorRole: assessment.Auditor, Body: "根拠資料を添付してください。", CreatedAt: sub},
			{ID: "c2", AuthorName: "佐藤 健", AuthorRole: assessment.Auditor, Body: "全体として良好です。", CreatedAt: sub},
		},
		Actions: []store.Action{
			{ID: "x1", Title: "=規程の整備", Questions: []action.Planned{{QuestionID: "1-1", PlannedLevel: 4}, {QuestionID: "1-2", PlannedLevel: 3}},
				OwnerName: "山田 花子", DueOn: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), Priority: action.High, Status: action.InProgress},
			{ID: "x2", Title: "バックアップ", Questions: []action.Planned{{QuestionID: "3-2", PlannedLevel: 5}},
				OwnerName: "佐藤 健", DueOn: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Priority: action.Low, Status: action.Done,
				EvidenceIDs: []string{"e1", "e2"}},
		},
	}
}

// TestActionPlan: the XLSX sheet, the CSV and the JSON carry the same
// action plan.
func TestActionPlan(t *testing.T) {
	a := sample(t)
	want := [][]string{
		{"'=規程の整備", "1-1, 1-2", "4, 3", "山田 花子", "2026-09-30", "高 / high", "対応中 / in progress", "0"},
		{"バックアップ", "3-2", "5", "佐藤 健", "2026-12-01", "低 / low", "完了 / done", "2"},
	}
	var buf bytes.Buffer
	if err := export.WriteActionsCSV(&buf, a); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][0] != "改善アクション / Action" || !slices.Equal(recs[1], want[0]) || !slices.Equal(recs[2], want[1]) {
		t.Fatalf("actions csv: %q", recs)
	}
	buf.Reset()
	if err := export.WriteXLSX(&buf, a); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(export.SheetActions)
	want[0][0] = "=規程の整備" // a text cell in XLSX: nothing to escape
	if len(rows) != 3 || !slices.Equal(rows[1], want[0]) || !slices.Equal(rows[2], want[1]) {
		t.Fatalf("action-plan sheet: %q", rows)
	}
	buf.Reset()
	if err := export.WriteJSON(&buf, a); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Actions []struct {
			Title       string   `json:"title"`
			DueOn       string   `json:"due_on"`
			Status      string   `json:"status"`
			EvidenceIDs []string `json:"evidence_ids"`
			Questions   []struct {
				QuestionID   string `json:"question_id"`
				PlannedLevel int    `json:"planned_level"`
			} `json:"questions"`
		} `json:"actions"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Actions) != 2 || doc.Actions[0].DueOn != "2026-09-30" || doc.Actions[1].Status != "done" ||
		doc.Actions[0].Questions[1].PlannedLevel != 3 || doc.Actions[0].EvidenceIDs == nil || len(doc.Actions[1].EvidenceIDs) != 2 {
		t.Fatalf("json actions: %+v", doc.Actions)
	}
}

// checkRoundTrip asserts that the parsed rows reproduce the answers.
func checkRoundTrip(t *testing.T, a *export.Assessment, rows []store.ImportRow) {
	t.Helper()
	ids := a.Checklist.QuestionIDs()
	if len(rows) != len(ids) {
		t.Fatalf("rows = %d, want %d", len(rows), len(ids))
	}
	for i, r := range rows {
		want := a.Answers[ids[i]]
		if r.QuestionID != ids[i] {
			t.Errorf("row %d: question %q, want %q", i, r.QuestionID, ids[i])
		}
		if (r.Level == nil) != (want.Level == nil) || (r.Level != nil && *r.Level != *want.Level) {
			t.Errorf("%s: level %v, want %v", r.QuestionID, r.Level, want.Level)
		}
		if r.Comment != want.Comment {
			t.Errorf("%s: comment %q, want %q", r.QuestionID, r.Comment, want.Comment)
		}
		if !slices.Equal(r.PointsMet, want.PointsMet) && !(len(r.PointsMet) == 0 && len(want.PointsMet) == 0) {
			t.Errorf("%s: points %v, want %v", r.QuestionID, r.PointsMet, want.PointsMet)
		}
	}
}

func TestCSV(t *testing.T) {
	a := sample(t)
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, a); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Run("BOMAndHeader", func(t *testing.T) {
		if !strings.HasPrefix(out, "\uFEFF設問ID / Question ID,") {
			t.Fatalf("CSV starts %q", out[:min(60, len(out))])
		}
		if !strings.Contains(out, "\r\n") {
			t.Error("CSV lines should end in CRLF for Excel")
		}
	})
	t.Run("BothLanguages", func(t *testing.T) {
		q, _ := a.Checklist.Question("1-1")
		if !strings.Contains(out, q.Text) || !strings.Contains(out, q.TextEN) {
			t.Error("CSV lacks the Japanese or English question text")
		}
	})
	t.Run("NoFormulaCells", func(t *testing.T) {
		if strings.Contains(out, ",=HYPERLINK") || strings.Contains(out, ",\"=HYPERLINK") || strings.Contains(out, ",@SUM") {
			t.Error("a comment starting with = or @ reached the CSV unescaped")
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		rows, rowErrs, err := export.ParseCSV(strings.NewReader(out), a.Checklist)
		if err != nil || rowErrs != nil {
			t.Fatalf("parse: %v %v", err, rowErrs)
		}
		checkRoundTrip(t, a, rows)
	})
}

func TestXLSX(t *testing.T) {
	a := sample(t)
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, a); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Run("Sheets", func(t *testing.T) {
		want := []string{export.SheetSummary, export.SheetAnswers, export.SheetRecommendations, export.SheetActions, export.SheetComments}
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Fatalf("sheets %v, want %v", got, want)
		}
	})
	t.Run("Summary", func(t *testing.T) {
		rows, _ := f.GetRows(export.SheetSummary)
		text := flatten(rows)
		for _, want := range []string{"デモ株式会社", "2026年度 自己評価", "提出済み", "GII", "組織 / Organisation"} {
			if !strings.Contains(text, want) {
				t.Errorf("summary lacks %q", want)
			}
		}
		if strings.Contains(text, "export.") {
			t.Error("summary shows a catalog key: a label is missing from the catalogs")
		}
		total := ""
		for _, r := range rows {
			if len(r) > 1 && strings.HasPrefix(r[0], "合計点") {
				total = r[1]
			}
		}
		if total != strconv.Itoa(a.Report.Total.Score) {
			t.Errorf("summary total %q, want %d", total, a.Report.Total.Score)
		}
	})
	t.Run("AnswersReadable", func(t *testing.T) {
		panes, err := f.GetPanes(export.SheetAnswers)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("answers header not frozen: %+v %v", panes, err)
		}
		w, _ := f.GetColWidth(export.SheetAnswers, "C")
		if w < 40 {
			t.Errorf("question column width %v, want a readable width", w)
		}
		style, _ := f.GetCellStyle(export.SheetAnswers, "C2")
		st, _ := f.GetStyle(style)
		if st == nil || st.Alignment == nil || !st.Alignment.WrapText {
			t.Error("question text is not wrapped")
		}
		q, _ := a.Checklist.Question("1-1")
		if v, _ := f.GetCellValue(export.SheetAnswers, "C2"); v != q.Text {
			t.Errorf("C2 = %q, want the Japanese question text", v)
		}
		if v, _ := f.GetCellValue(export.SheetAnswers, "D2"); v != q.TextEN {
			t.Errorf("D2 = %q, want the English question text", v)
		}
	})
	t.Run("RecommendationsAndComments", func(t *testing.T) {
		rows, _ := f.GetRows(export.SheetRecommendations)
		if len(rows) != len(a.Report.Recommendations)+1 || len(a.Report.Recommendations) == 0 {
			t.Errorf("recommendation rows %d, want %d + header", len(rows), len(a.Report.Recommendations))
		}
		rows, _ = f.GetRows(export.SheetComments)
		text := flatten(rows)
		if len(rows) != 3 || !strings.Contains(text, "根拠資料を添付してください。") || !strings.Contains(text, "全般 / General") {
			t.Errorf("comments sheet: %q", text)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		rows, rowErrs, err := export.ParseXLSX(bytes.NewReader(raw), a.Checklist)
		if err != nil || rowErrs != nil {
			t.Fatalf("parse: %v %v", err, rowErrs)
		}
		checkRoundTrip(t, a, rows)
	})
}

func TestJSON(t *testing.T) {
	a := sample(t)
	var buf bytes.Buffer
	if err := export.WriteJSON(&buf, a); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Format     string         `json:"format"`
		Assessment map[string]any `json:"assessment"`
		Answers    map[string]struct {
			Comment string `json:"comment"`
		} `json:"answers"`
		Report struct {
			RiskGroup string       `json:"risk_group"`
			Total     score.Totals `json:"total"`
		} `json:"report"`
		Comments []map[string]any `json:"comments"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != export.FormatJSON || doc.Assessment["title"] != "2026年度 自己評価" || doc.Assessment["org_name"] != "デモ株式会社" {
		t.Errorf("header: %q %v", doc.Format, doc.Assessment)
	}
	if len(doc.Answers) != len(a.Answers) || doc.Answers["1-2"].Comment != a.Answers["1-2"].Comment {
		t.Errorf("answers: %d", len(doc.Answers))
	}
	if doc.Report.RiskGroup != "GII" || doc.Report.Total != a.Report.Total {
		t.Errorf("report: %+v", doc.Report)
	}
	if len(doc.Comments) != 2 {
		t.Errorf("comments: %d", len(doc.Comments))
	}
}

func TestParseErrors(t *testing.T) {
	cl := checklist.Default()
	long := strings.Repeat("あ", assessment.MaxComment+1)
	csv := "設問ID / Question ID,回答レベル / Level,実施済みの対策のポイント / Key points in place,コメント / Comment\r\n" +
		"1-1,3,1-1-1,ok\r\n" + // row 2: valid
		"9-9,3,,\r\n" + // row 3: unknown question
		"1-2,7,,\r\n" + // row 4: level out of range
		"1-3,2,1-1-1,\r\n" + // row 5: a point of another question
		"1-1,2,,\r\n" + // row 6: duplicate
		"1-4,,,\"" + long + "\"\r\n" + // row 7: comment too long
		",3,,\r\n" + // row 8: values without a question
		",,,\r\n" + // row 9: blank, skipped
		"1-5,abc,,\r\n" // row 10: level not a number
	rows, errs, err := export.ParseCSV(strings.NewReader(csv), cl)
	if err != nil || rows != nil {
		t.Fatalf("want only row errors, got rows %v err %v", rows, err)
	}
	want := []export.RowError{
		{Row: 3, Column: "question_id", Code: export.ErrUnknownQuestion, Value: "9-9"},
		{Row: 4, Column: "level", Code: export.ErrLevel, Value: "7"},
		{Row: 5, Column: "points_met", Code: export.ErrUnknownPoint, Value: "1-1-1"},
		{Row: 6, Column: "question_id", Code: export.ErrDuplicateQuestion, Value: "2"},
		{Row: 7, Column: "comment", Code: export.ErrCommentTooLong, Value: "10000"},
		{Row: 8, Column: "question_id", Code: export.ErrMissingQuestion},
		{Row: 10, Column: "level", Code: export.ErrLevel, Value: "abc"},
	}
	if !slices.Equal(errs, want) {
		t.Errorf("errors\n got %+v\nwant %+v", errs, want)
	}
}

func TestParseFileErrors(t *testing.T) {
	cl := checklist.Default()
	cases := []struct {
		name, data, code string
	}{
		{"MissingColumns", "設問ID,回答レベル\r\n1-1,3\r\n", export.FileMissingColumns},
		{"Empty", "", export.FileMissingColumns},
		{"HeaderOnly", "question_id,level,points_met,comment\r\n", export.FileNoRows},
		{"BadQuote", "question_id,level,points_met,comment\r\n1-1,3,\"x,\r\n", export.FileMalformedCSV},
		{"NotText", "question_id,level,points_met,comment\r\n1-1,3,,\x82\xff\r\n", export.FileEncoding},
		{"TooMany", "question_id,level,points_met,comment\r\n" + strings.Repeat(",,,\r\n", export.MaxImportRows), export.FileTooManyRows},
		{"WideHeader", strings.Repeat(",", 4<<20) + "\r\n1-1,3,,\r\n", export.FileTooManyColumns},
		{"WideRow", "question_id,level,points_met,comment\r\n1-1,3,," + strings.Repeat(",", export.MaxImportColumns) + "\r\n", export.FileTooManyColumns},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := export.ParseCSV(strings.NewReader(c.data), cl)
			var fe *export.FileError
			if !errors.As(err, &fe) || fe.Code != c.code {
				t.Fatalf("err = %v, want file error %s", err, c.code)
			}
		})
	}
	t.Run("XLSXGarbage", func(t *testing.T) {
		_, _, err := export.ParseXLSX(strings.NewReader("PK\x03\x04 not really a zip"), cl)
		var fe *export.FileError
		if !errors.As(err, &fe) || fe.Code != export.FileUnreadable {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestParseLenient: what Excel and Japanese keyboards do to a file is read
// back correctly.
func TestParseLenient(t *testing.T) {
	cl := checklist.Default()
	t.Run("ShiftJIS", func(t *testing.T) {
		src := "設問ID,回答レベル,実施済みの対策のポイント,コメント\r\n1-1,3,1-1-2,規程は整備済み\r\n"
		sjis, err := japanese.ShiftJIS.NewEncoder().String(src)
		if err != nil {
			t.Fatal(err)
		}
		rows, errs, err := export.ParseCSV(strings.NewReader(sjis), cl)
		if err != nil || errs != nil || len(rows) != 1 || rows[0].Comment != "規程は整備済み" {
			t.Fatalf("rows %+v errs %v err %v", rows, errs, err)
		}
	})
	t.Run("ExcelDatesFullWidthAndSeparators", func(t *testing.T) {
		src := "Question ID,Level,Key points in place,Comment\n" +
			"1月2日,３,\"2001/2/3、1-2-1；1-2-1\",\n" +
			"１－３,2.0,,\n"
		rows, errs, err := export.ParseCSV(strings.NewReader(src), cl)
		if err != nil || errs != nil {
			t.Fatalf("errs %v err %v", errs, err)
		}
		if rows[0].QuestionID != "1-2" || *rows[0].Level != 3 || !slices.Equal(rows[0].PointsMet, []string{"1-2-1", "1-2-3"}) {
			t.Errorf("row 2: %+v %v", rows[0], rows[0].PointsMet)
		}
		if rows[1].QuestionID != "1-3" || *rows[1].Level != 2 {
			t.Errorf("row 3: %+v", rows[1])
		}
	})
}

// FuzzParseCSV: no input makes the parser panic, and whatever it accepts is
// valid for the checklist.
func FuzzParseCSV(f *testing.F) {
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, sample(f)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("question_id,level,points_met,comment\n1-1,3,1-1-1,x\n"))
	f.Add([]byte("設問ID,回答レベル,実施済みの対策のポイント,コメント\r\n1月1日,５,\"1-1-1、2001/1/2\",'=1\r\n"))
	f.Add([]byte("\"unterminated"))
	cl := checklist.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs, err := export.ParseCSV(bytes.NewReader(data), cl)
		if err != nil && (rows != nil || errs != nil) {
			t.Fatal("a file error came with rows or row errors")
		}
		if rows != nil && errs != nil {
			t.Fatal("rows returned despite row errors")
		}
		seen := map[string]bool{}
		for _, r := range rows {
			q, ok := cl.Question(r.QuestionID)
			if !ok || seen[r.QuestionID] {
				t.Fatalf("accepted unknown or duplicate question %q", r.QuestionID)
			}
			seen[r.QuestionID] = true
			if r.Level != nil && (*r.Level < 1 || *r.Level > 5) {
				t.Fatalf("accepted level %d", *r.Level)
			}
			for _, p := range r.PointsMet {
				if _, ok := q.Point(p); !ok {
					t.Fatalf("accepted point %q for %s", p, q.ID)
				}
			}
			if _, err := assessment.ValidateAnswer(q, assessment.AnswerValues{Level: r.Level, Comment: r.Comment, PointsMet: r.PointsMet}); err != nil {
				t.Fatalf("accepted an invalid answer: %v", err)
			}
			if strings.ContainsRune(r.Comment, 0) {
				t.Fatal("accepted a NUL in a comment")
			}
		}
		for _, e := range errs {
			if e.Row < 2 || e.Code == "" {
				t.Fatalf("bad row error %+v", e)
			}
		}
	})
}

func flatten(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}
