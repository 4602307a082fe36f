package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/export"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// importRaw posts a file to the import API with a content type.
func (f *exportFixture) importRaw(tok, id, contentType string, body []byte) (int, map[string]any) {
	f.e.t.Helper()
	req, _ := http.NewRequest("POST", f.e.ts.URL+"/api/v1/assessments/"+id+"/import", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.e.t.Fatal(err)
	}
	return res.StatusCode, decodeBody(f.e.t, res)
}

func decodeBody(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	var m map[string]any
	raw := readBody(t, res)
	if strings.HasPrefix(raw, "{") {
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("bad JSON %q: %v", raw, err)
		}
	}
	return m
}

// sameAnswers compares the answer values (level, key points, comment) of
// two assessments.
func (f *exportFixture) sameAnswers(t *testing.T, a, b string) {
	t.Helper()
	ctx := context.Background()
	x, err := f.e.st.Answers(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := f.e.st.Answers(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != len(y) {
		t.Fatalf("%d answers, want %d", len(y), len(x))
	}
	for q, want := range x {
		got := y[q]
		if (got.Level == nil) != (want.Level == nil) || (got.Level != nil && *got.Level != *want.Level) ||
			got.Comment != want.Comment || !slices.Equal(got.PointsMet, want.PointsMet) {
			t.Errorf("%s: got %+v, want %+v", q, got, want)
		}
	}
}

func TestImportRoundTrip(t *testing.T) {
	f := newExportFixture(t)
	for _, c := range []struct{ format, contentType string }{
		{"xlsx", export.XLSXContentType},
		{"csv", "text/csv; charset=utf-8"},
	} {
		t.Run(c.format, func(t *testing.T) {
			_, file := f.download("/api/v1/assessments/" + f.a.ID + "/export?format=" + c.format)
			// Into a fresh draft with different answers: afterwards it
			// answers exactly as the exported one.
			b := f.e.draft(f.officer)
			f.fill(b.ID, 2)
			status, m := f.importRaw(f.tok, b.ID, c.contentType, file)
			if status != http.StatusOK {
				t.Fatalf("status %d %v", status, m)
			}
			if changed := m["changed"].([]any); len(changed) != 26 || m["unchanged"] != 1.0 {
				t.Errorf("changed %d unchanged %v", len(changed), m["unchanged"])
			}
			f.sameAnswers(t, f.a.ID, b.ID)
			// Importing the same file again changes nothing.
			if status, m := f.importRaw(f.tok, b.ID, c.contentType, file); status != http.StatusOK || len(m["changed"].([]any)) != 0 {
				t.Errorf("second import: %d %v", status, m)
			}
		})
	}
}

func TestImportInvalid(t *testing.T) {
	f := newExportFixture(t)
	ctx := context.Background()
	before, _ := f.e.st.Answers(ctx, f.a.ID)
	auditCount := func() int {
		var n int
		if err := storetest.DB(t, f.e.st).QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE assessment_id = $1 AND action = 'answer.imported'`, f.a.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	bad := "\ufeff設問ID / Question ID,回答レベル / Level,実施済みの対策のポイント / Key points in place,コメント / Comment\r\n" +
		"1-1,5,1-1-1,直してよい行\r\n" +
		"1-2,6,,\r\n" +
		"9-9,1,,\r\n" +
		"1-3,2,1-1-1,\r\n"
	wantRows := []float64{3, 4, 5}

	t.Run("API422WithRowsAndNothingWritten", func(t *testing.T) {
		status, m := f.importRaw(f.tok, f.a.ID, "text/csv", []byte(bad))
		if status != http.StatusUnprocessableEntity || errCode(m) != "invalid" {
			t.Fatalf("status %d %v", status, m)
		}
		var rows []float64
		for _, r := range m["rows"].([]any) {
			re := r.(map[string]any)
			rows = append(rows, re["row"].(float64))
			if re["message"] == "" || re["code"] == "" {
				t.Errorf("row error %v", re)
			}
		}
		if !slices.Equal(rows, wantRows) {
			t.Errorf("rows %v, want %v", rows, wantRows)
		}
		after, _ := f.e.st.Answers(ctx, f.a.ID)
		if *after["1-1"].Level != *before["1-1"].Level || after["1-1"].Comment != before["1-1"].Comment || auditCount() != 0 {
			t.Error("a refused import wrote something")
		}
	})
	t.Run("FileErrors", func(t *testing.T) {
		for _, c := range []struct{ ct, body string }{
			{"text/csv", "a,b\r\n1,2\r\n"},
			{export.XLSXContentType, "not a zip"},
			{export.XLSXContentType, "PK\x03\x04broken"},
			{"text/csv", strings.Repeat(",", 4<<20)},
		} {
			status, m := f.importRaw(f.tok, f.a.ID, c.ct, []byte(c.body))
			if status != http.StatusUnprocessableEntity {
				t.Errorf("%.20q: status %d %v", c.body, status, m)
			}
			// Each file message is shown with its detail: none ends in "%s".
			if msg, _ := m["error"].(map[string]any)["message"].(string); msg == "" || strings.Contains(msg, "%") {
				t.Errorf("%.20q: message %q", c.body, msg)
			}
		}
		if status, _ := f.importRaw(f.tok, f.a.ID, "application/json", []byte("{}")); status != http.StatusBadRequest {
			t.Errorf("wrong content type: status %d", status)
		}
	})
	t.Run("PageListsRowErrors", func(t *testing.T) {
		c := f.e.login(f.officer)
		res, body := f.upload(c, f.a.ID, "answers.csv", []byte(bad))
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", res.StatusCode)
		}
		doc := parseDoc(t, body)
		items := testid(doc, "import-row-errors").Find("li")
		if items.Length() != 3 || items.First().AttrOr("data-row", "") != "3" || !strings.Contains(items.First().Text(), "3行目") {
			t.Errorf("row errors: %d %q", items.Length(), items.First().Text())
		}
		if auditCount() != 0 {
			t.Error("a refused upload wrote something")
		}
	})
	t.Run("PageUploadSucceeds", func(t *testing.T) {
		c := f.e.login(f.officer)
		if res, body := f.e.get(c, "/assessments/"+f.a.ID+"/import"); res.StatusCode != http.StatusOK || testid(parseDoc(t, body), "import-form").Length() != 1 {
			t.Fatalf("form: status %d", res.StatusCode)
		}
		good := "設問ID,回答レベル,実施済みの対策のポイント,コメント\r\n1-1,5,\"1-1-1, 1-1-2\",取り込み\r\n"
		res, _ := f.upload(c, f.a.ID, "answers.csv", []byte(good))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/assessments/"+f.a.ID {
			t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
		}
		got, _ := f.e.st.Answers(ctx, f.a.ID)
		if x := got["1-1"]; *x.Level != 5 || x.Comment != "取り込み" || !slices.Equal(x.PointsMet, []string{"1-1-1", "1-1-2"}) {
			t.Errorf("1-1 = %+v", x)
		}
		if auditCount() != 1 {
			t.Errorf("audit entries %d, want 1", auditCount())
		}
		_, body := f.e.get(c, "/assessments/"+f.a.ID)
		if !strings.Contains(body, "1問の回答を取り込みました") {
			t.Error("no confirmation after the import")
		}
	})
	t.Run("WhoMayImport", func(t *testing.T) {
		good := []byte("question_id,level,points_met,comment\n1-1,1,,\n")
		for _, role := range []assessment.Role{assessment.Manager, assessment.Auditor} {
			u := f.e.user(f.officer.OrgID, role, false)
			if status, _ := f.importRaw(f.e.token(u), f.a.ID, "text/csv", good); status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", role, status)
			}
		}
		if status, _ := f.importRaw(f.e.token(f.outsider), f.a.ID, "text/csv", good); status != http.StatusNotFound {
			t.Errorf("outsider: status %d, want 404", status)
		}
		if res, _ := f.e.get(f.e.login(f.outsider), "/assessments/"+f.a.ID+"/import"); res.StatusCode != http.StatusNotFound {
			t.Errorf("outsider page: status %d, want 404", res.StatusCode)
		}
		// Submitted: no longer editable.
		sub := f.e.draft(f.officer)
		f.fill(sub.ID, 1)
		if _, err := f.e.st.ImportAnswers(ctx, sub.ID, []store.ImportRow{{QuestionID: checklist.Default().QuestionIDs()[26], Level: intPtr(2)}}, store.Actor{}); err != nil {
			t.Fatal(err)
		}
		if status, m := f.e.api(f.tok, "POST", "/api/v1/assessments/"+sub.ID+"/submit", nil); status != http.StatusOK {
			t.Fatalf("submit: %d %v", status, m)
		}
		if status, _ := f.importRaw(f.tok, sub.ID, "text/csv", good); status != http.StatusConflict {
			t.Errorf("submitted: status %d, want 409", status)
		}
	})
}

// upload posts a file through the import page's multipart form.
func (f *exportFixture) upload(c *http.Client, id, name string, data []byte) (*http.Response, string) {
	f.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(data)
	_ = mw.Close()
	res, err := c.Post(f.e.ts.URL+"/assessments/"+id+"/import", mw.FormDataContentType(), &buf)
	if err != nil {
		f.e.t.Fatal(err)
	}
	return res, readBody(f.e.t, res)
}

// A small XLSX upload must not make the server hold gigabytes: rows padded
// to the sheet's last column are refused as they are read.
func TestXLSXImportBombRefused(t *testing.T) {
	e := newEnv(t)
	org := e.org("爆弾株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	a := e.draft(u)
	for _, tc := range []struct {
		name         string
		file         []byte
		code         string
		rows, shared int
	}{
		// 1,500 rows × 16,384 cells × 16 bytes is 390 MB (1.7 GB allocated
		// before the fix); the refusal costs a row.
		{name: "WideRows", rows: 1500, code: export.FileTooManyColumns},
		// 3.5 million shared strings: 60 MB of XML from a 140 KB upload,
		// 2.8 GB allocated before the fix; refused before unpacking.
		{name: "SharedStrings", rows: 1, shared: 3_500_000, code: export.FileTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := bombXLSX(t, tc.rows, tc.shared)
			if len(file) > 256<<10 {
				t.Fatalf("the bomb is %d bytes: it should be small", len(file))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, body := e.send(nil, "POST", "/api/v1/assessments/"+a.ID+"/import", bytes.NewReader(file),
				map[string]string{"Authorization": "Bearer " + tok, "Content-Type": export.XLSXContentType})
			runtime.ReadMemStats(&after)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"file":"`+tc.code+`"`) {
				t.Errorf("status %d, want 422 with file error %s: %.300s", res.StatusCode, tc.code, body)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("importing a %d KB file allocated %d MB", len(file)>>10, alloc>>20)
			}
			if answers, _ := e.st.Answers(context.Background(), a.ID); len(answers) != 0 {
				t.Errorf("%d answers written by a refused import", len(answers))
			}
		})
	}
}

// Row errors are bounded: one cell listing a million unknown key points
// must not turn a 4 MB upload into a million error messages.
func TestImportRowErrorsBounded(t *testing.T) {
	e := newEnv(t)
	org := e.org("誤り株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	a := e.draft(u)
	csv := "question_id,level,points_met,comment\r\n1-1,3," + strings.Repeat("x ", 1_000_000) + ",\r\n"
	res, body := e.send(nil, "POST", "/api/v1/assessments/"+a.ID+"/import", strings.NewReader(csv),
		map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "text/csv"})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d: %.300s", res.StatusCode, body)
	}
	if n := strings.Count(body, `"code":"unknown_point"`); n == 0 || n > 100 {
		t.Errorf("%d unknown-point errors reported for one row (response %d bytes)", n, len(body))
	}
	if len(body) > 64<<10 {
		t.Errorf("the error response is %d bytes", len(body))
	}
}

// bombXLSX is a tiny workbook whose answers sheet has the import's header
// and then rows holding one character in the last column (XFD): a reader
// that pads every row to its last cell holds 16,384 strings per row. With
// sharedStrings > 0 the workbook also carries that many one-letter shared
// strings.
func bombXLSX(t *testing.T, rows, sharedStrings int) []byte {
	t.Helper()
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
	col := 'A'
	for _, c := range export.AnswerColumns {
		if c.Import {
			fmt.Fprintf(&sheet, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, col, c.Key)
			col++
		}
	}
	sheet.WriteString(`</row>`)
	for r := 2; r <= rows+1; r++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, r, r)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	files := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="` + export.SheetAnswers + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	}
	if sharedStrings > 0 {
		files = append(files, struct{ name, body string }{"xl/sharedStrings.xml",
			`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
				strings.Repeat(`<si><t>a</t></si>`, sharedStrings) + `</sst>`})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
