package server_test

// Findings of the security review, each proved by a test that failed before
// its fix.

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/export"
)

const formType = "application/x-www-form-urlencoded"

// Behind a proxy the client's address is the entry the proxy appended (the
// last one): the first entries of X-Forwarded-For are whatever the client
// sent, so taking the first let anyone escape the sign-in throttle by
// changing it on each try.
func TestLoginThrottleIgnoresSpoofedForwardedFor(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.TrustProxy = true })
	org := e.org("プロキシ株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	post := func(password, xff string) int {
		res, _ := e.send(nil, "POST", "/login", strings.NewReader(url.Values{"email": {u.Email}, "password": {password}}.Encode()),
			map[string]string{"Content-Type": formType, "X-Forwarded-For": xff})
		return res.StatusCode
	}
	for i := 0; i < 10; i++ {
		// The attacker invents a new address each time; the proxy appends
		// the real one (203.0.113.7).
		if code := post("not-the-password", fmt.Sprintf("198.51.100.%d, 203.0.113.7", i)); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, code)
		}
	}
	if code := post(testPassword, "192.0.2.99, 203.0.113.7"); code != http.StatusTooManyRequests {
		t.Fatalf("11th try with a spoofed first address: status %d, want 429", code)
	}
	// Another real client (another last entry) is not locked out.
	if code := post(testPassword, "203.0.113.8"); code != http.StatusSeeOther {
		t.Fatalf("another client: status %d, want 303", code)
	}
}

// An API token may not change the password, the second factor or the
// tokens: those need the browser session. Before the fix a token changed
// the password (ending every session) and the request then failed with 500.
func TestAccountChangesNeedASession(t *testing.T) {
	e := newEnv(t)
	org := e.org("トークン株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	c := e.login(u)
	bearer := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": formType}
	before, _ := e.st.ListTokens(context.Background(), u.ID)

	cases := []struct{ path, body string }{
		{"/account/password", url.Values{"current": {testPassword}, "new": {"an-entirely-new-passphrase"}}.Encode()},
		{"/account/tokens", url.Values{"label": {"minted by a token"}}.Encode()},
		{"/account/tokens/" + before[0].ID + "/revoke", ""},
		{"/account/totp/recovery-codes", url.Values{"code": {"000000"}}.Encode()},
		{"/account/totp/disable", url.Values{"code": {"000000"}}.Encode()},
	}
	for _, tc := range cases {
		if res, body := e.send(nil, "POST", tc.path, strings.NewReader(tc.body), bearer); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with a token: status %d, want 403\n\t%.200s", tc.path, res.StatusCode, body)
		}
	}
	// Nothing changed: the password, the session and the tokens are as before.
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the old password no longer signs in: %d", res.StatusCode)
	}
	if res, _ := e.get(c, "/account"); res.StatusCode != http.StatusOK {
		t.Errorf("the browser session was ended: %d", res.StatusCode)
	}
	after, _ := e.st.ListTokens(context.Background(), u.ID)
	if len(after) != len(before) || after[0].RevokedAt != nil {
		t.Errorf("tokens changed: %d → %d, revoked %v", len(before), len(after), after[0].RevokedAt)
	}
	// The API itself still works with the token.
	if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != http.StatusOK {
		t.Errorf("API with the token: %d", code)
	}
}

// An administrator's API token does not administer: creating an account or
// resetting a password with it would outlive the token's revocation.
func TestAdminPagesNeedASession(t *testing.T) {
	e := newEnv(t)
	platform := e.org("運営", nil)
	admin := e.user(platform.ID, assessment.Manager, true)
	victim := e.user(platform.ID, assessment.Officer, false)
	bearer := map[string]string{"Authorization": "Bearer " + e.token(admin), "Content-Type": formType}
	users, _ := e.st.ListUsers(context.Background())
	cases := []struct{ path, body string }{
		{"/admin/users", url.Values{"email": {"mallory@example.jp"}, "name": {"Mallory"}, "role": {"manager"}, "org_id": {platform.ID}, "admin": {"1"}, "password": {"mallory-knows-this-one"}}.Encode()},
		{"/admin/users/" + victim.ID + "/password", url.Values{"password": {"mallory-knows-this-one"}}.Encode()},
		{"/admin/orgs/" + platform.ID + "/totp", ""},
	}
	for _, tc := range cases {
		if res, body := e.send(nil, "POST", tc.path, strings.NewReader(tc.body), bearer); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with an admin's token: status %d, want 403\n\t%.200s", tc.path, res.StatusCode, body)
		}
	}
	if after, _ := e.st.ListUsers(context.Background()); len(after) != len(users) {
		t.Errorf("users: %d → %d", len(users), len(after))
	}
	if res := e.postForm(e.browser(), "/login", url.Values{"email": {victim.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the victim's password was reset: %d", res.StatusCode)
	}
	// The admin's browser session administers as before.
	if res := e.postForm(e.login(admin), "/admin/orgs/"+platform.ID+"/totp", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("admin session: %d", res.StatusCode)
	}
}

// A signed-in session is no unthrottled oracle for the password (the
// password change checks the current one) or the second factor (disabling
// it checks a code): wrong answers count towards the sign-in throttle.
func TestReauthenticationIsThrottled(t *testing.T) {
	awayFromStepEdge(t)
	e := newEnv(t)
	org := e.org("再認証株式会社", nil)

	t.Run("Password", func(t *testing.T) {
		u := e.user(org.ID, assessment.Officer, false)
		c := e.login(u)
		for i := 0; i < 10; i++ {
			if res := e.postForm(c, "/account/password", url.Values{"current": {fmt.Sprintf("guess-number-%d", i)}, "new": {"an-entirely-new-passphrase"}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: status %d", i+1, res.StatusCode)
			}
		}
		res := e.postForm(c, "/account/password", url.Values{"current": {testPassword}, "new": {"an-entirely-new-passphrase"}})
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("11th try: status %d, want 429", res.StatusCode)
		}
		if res := e.postForm(e.browser(), "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.StatusCode == http.StatusSeeOther {
			// The throttle holds the sign-in too; the password must not have changed.
			t.Fatal("the throttle does not hold the sign-in")
		}
		got, _ := e.st.GetUser(context.Background(), u.ID)
		if ok, _ := auth.CheckPassword(got.PasswordHash, testPassword); !ok {
			t.Fatal("the password was changed while throttled")
		}
	})

	t.Run("SecondFactor", func(t *testing.T) {
		u := e.user(org.ID, assessment.Officer, false)
		c := e.login(u)
		secret, _ := e.setUpTOTP(c)
		for i := 0; i < 10; i++ {
			if res := e.postForm(c, "/account/totp/disable", url.Values{"code": {fmt.Sprintf("%06d", i)}}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("guess %d: status %d", i+1, res.StatusCode)
			}
		}
		if res := e.postForm(c, "/account/totp/disable", url.Values{"code": {code(t, secret, 0)}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("11th try: status %d, want 429", res.StatusCode)
		}
		if st, _ := e.st.TOTPState(context.Background(), u.ID); !st.Enabled {
			t.Fatal("the second factor was disabled while throttled")
		}
	})
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
