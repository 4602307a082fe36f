package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"mamori/internal/assessment"
	"mamori/web/i18n"
)

// apiIn calls the API as e.api does, asking for a language.
func (e *env) apiIn(lang, token, method, path, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", lang)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b := readBody(e.t, res)
	return res.StatusCode, b
}

// inLang makes a signed-in browser ask for lang (the user has no setting).
func (e *env) inLang(c *http.Client, lang string) *http.Client {
	u, _ := url.Parse(e.ts.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "mamori_lang", Value: lang, Path: "/"}})
	return c
}

func japanese(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }) >= 0
}

// TestErrorMessagesFollowLanguage: the refusals of domain and store code
// (policy, answer versions, unique emails, password rules) reach the user in
// the language of the page or API call, never as a catalog key, and a
// translation never sticks to the shared error value.
func TestErrorMessagesFollowLanguage(t *testing.T) {
	e := newEnv(t)
	org := e.org("言語テスト株式会社", nil)
	off := e.user(org.ID, assessment.Officer, false)
	mgr := e.user(org.ID, assessment.Manager, false)
	admin := e.user(org.ID, assessment.Manager, true)
	aud := e.user(org.ID, assessment.Auditor, false)
	a := e.draft(off)
	tok, mtok, atok := e.token(off), e.token(mgr), e.token(aud)
	answer := "/api/v1/assessments/" + a.ID + "/answers/1-1"
	if code, b := e.apiIn("ja", tok, "PUT", answer, `{"level":3,"comment":"最初","points_met":[],"version":0}`); code != 200 {
		t.Fatalf("first save: %d %s", code, b)
	}

	for _, lang := range []string{"en", "ja", "en"} { // en twice: nothing is left translated in place
		t.Run(lang, func(t *testing.T) {
			want := func(key string, args ...any) string { return i18n.TL(lang, key, args...) }
			inLang := func(msg string) bool { return japanese(msg) == (lang == "ja") && !strings.Contains(msg, "err.") }

			code, b := e.apiIn(lang, tok, "PUT", answer, `{"level":5,"comment":"古い版","points_met":[],"version":0}`)
			if msg := want("err.answer_conflict"); code != http.StatusConflict || !strings.Contains(b, msg) || !inLang(msg) {
				t.Errorf("API stale save: %d %s, want %q", code, b, msg)
			}
			code, b = e.apiIn(lang, mtok, "POST", "/api/v1/assessments", `{"title":"x"}`)
			if msg := want("err.forbidden"); code != http.StatusForbidden || !strings.Contains(b, msg) || !inLang(msg) {
				t.Errorf("API 403: %d %s, want %q", code, b, msg)
			}
			// The status in the message is a word of the reader's language.
			code, b = e.apiIn(lang, atok, "POST", "/api/v1/assessments/"+a.ID+"/approve", "")
			if msg := want("err.status_forbids", want("status.draft")); code != http.StatusConflict || !strings.Contains(b, msg) || !inLang(msg) {
				t.Errorf("API approve a draft: %d %s, want %q", code, b, msg)
			}
			code, b = e.apiIn(lang, tok, "GET", "/api/v1/assessments/00000000-0000-0000-0000-000000000000", "")
			if msg := want("err.not_found"); code != http.StatusNotFound || !strings.Contains(b, `"message":"`+msg+`"`) {
				t.Errorf("API 404: %d %s, want %q", code, b, msg)
			}

			c := e.inLang(e.login(off), lang)
			res := e.postForm(c, "/assessments/"+a.ID+"/answers/1-1", url.Values{"level": {"4"}, "comment": {"私の入力"}, "version": {"0"}})
			if body := readBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, html.EscapeString(want("question.conflict_title"))) {
				t.Errorf("page stale save: %d, want %q", res.StatusCode, want("question.conflict_title"))
			}
			res = e.postForm(c, "/account/password", url.Values{"current": {testPassword}, "new": {"short"}})
			if msg := want("err.password_short", 12); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(readBody(t, res), html.EscapeString(msg)) || !inLang(msg) {
				t.Errorf("weak password page: %d, want %q", res.StatusCode, msg)
			}

			res = e.postForm(e.inLang(e.login(mgr), lang), "/assessments", url.Values{"title": {"x"}})
			if msg := want("err.forbidden"); res.StatusCode != http.StatusForbidden || !strings.Contains(readBody(t, res), html.EscapeString(msg)) {
				t.Errorf("page 403: %d, want %q", res.StatusCode, msg)
			}

			res = e.postForm(e.inLang(e.login(admin), lang), "/admin/users", url.Values{"email": {off.Email}, "name": {"重複"}, "role": {"officer"}, "org_id": {org.ID}})
			if msg := want("err.email_taken"); res.StatusCode != http.StatusConflict || !strings.Contains(readBody(t, res), html.EscapeString(msg)) || !inLang(msg) {
				t.Errorf("duplicate email page: %d, want %q", res.StatusCode, msg)
			}
		})
	}
}
