package server

// Fuzz tests of what reads untrusted input before any authorisation: the
// JSON and form decoders and the post-login redirect. `go test` runs their
// seed corpus; `make fuzz` fuzzes each for FUZZTIME.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// answerBody is the shape of PUT .../answers/{qid} (assessments_api.go).
type answerBody struct {
	Level     json.RawMessage `json:"level"`
	Comment   string          `json:"comment"`
	PointsMet []string        `json:"points_met"`
	Version   *int            `json:"version"`
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"level":3,"comment":"ok","points_met":["1-1-1"],"version":0}`,
		`{"level":null,"version":2}`,
		`{"level":"3","version":-1}`,
		`{"comment":"<script>alert(1)</script>\"'\u0001","version":0}`,
		`{"level":3}{"level":4}`,
		`{"unknown":1}`,
		`[1,2,3]`,
		`{"comment":"` + strings.Repeat("あ", 300) + `"}`,
		`{"level":1e309}`,
		"{\"comment\":\"\xff\xfe\"}",
		``,
		`{"version":99999999999999999999}`,
		`{"points_met":[null,"",1]}`,
		`{"level":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{"level":3}`), "text/plain")
	f.Add([]byte(`{"level":3}`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r := httptest.NewRequest("PUT", "/api/v1/x", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1024)
		var v answerBody
		err := decodeJSON(r, &v)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || (e.Code != apperr.Malformed && e.Code != apperr.TooLarge) {
				t.Fatalf("decode error %v is not malformed/too large", err)
			}
			if e.Code == apperr.TooLarge && len(body) <= 1024 {
				t.Fatalf("%d bytes called too large", len(body))
			}
			return
		}
		if len(body) > 1024 {
			t.Fatalf("%d bytes accepted under a 1024-byte limit", len(body))
		}
		if ct := contentType; ct != "" && !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("content type %q accepted", ct)
		}
		// What was accepted survives a round trip unchanged.
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		r2 := httptest.NewRequest("PUT", "/api/v1/x", bytes.NewReader(again))
		var w answerBody
		if err := decodeJSON(r2, &w); err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		if v.Comment != w.Comment || !reflect.DeepEqual(v.PointsMet, w.PointsMet) || !reflect.DeepEqual(v.Version, w.Version) {
			t.Fatalf("round trip changed %+v into %+v", v, w)
		}
	})
}

func FuzzAnswerFromForm(f *testing.F) {
	for _, s := range []string{
		"level=3&version=0&comment=hello&points=1-1-1&points=1-1-2",
		"level=&version=4",
		"level=6&version=0",
		"level=abc&version=x",
		"level=3&version=1&override_version=7",
		"comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27%01&version=0",
		"comment=a%0D%0Ab&version=0&points=9-9-9",
		"version=-1",
		"level=%E3%81%82&version=0",
		"comment=%FF%FE&version=0",
		"level=99999999999999999999&version=0",
		"points=1-1-1&points=1-1-1&version=0",
		"%zz=1",
		"",
	} {
		f.Add(s, 0)
	}
	cl := checklist.Default()
	ids := cl.QuestionIDs()
	f.Fuzz(func(t *testing.T, form string, qi int) {
		if qi < 0 {
			qi = -qi
		}
		q, _ := cl.Question(ids[qi%len(ids)])
		r := httptest.NewRequest("POST", "/assessments/x/answers/"+q.ID, strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := r.ParseForm(); err != nil {
			return // the handler answers 400 before answerFromForm
		}
		v, _, err := answerFromForm(r, q)
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("error %v is not Invalid with fields", err)
			}
			return
		}
		if v.Level != nil && (*v.Level < 1 || *v.Level > 5) {
			t.Fatalf("level %d accepted", *v.Level)
		}
		if v.Version < 0 {
			t.Fatalf("version %d accepted", v.Version)
		}
		if !utf8.ValidString(v.Comment) || utf8.RuneCountInString(v.Comment) > assessment.MaxComment || strings.Contains(v.Comment, "\r\n") {
			t.Fatalf("comment %q accepted", v.Comment)
		}
		seen, last := map[string]bool{}, -1
		for _, id := range v.PointsMet {
			idx := -1
			for i, p := range q.Points {
				if p.ID == id {
					idx = i
				}
			}
			if idx < 0 || seen[id] || idx < last {
				t.Fatalf("points %v of question %s: unknown, repeated or out of order", v.PointsMet, q.ID)
			}
			seen[id], last = true, idx
		}
	})
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/assessments/1", "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "", "/%2F%2Fevil", "\t//evil", "/a?next=//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
		// What a browser makes of it stays on this origin: the WHATWG URL
		// parser drops tabs and newlines, trims C0 controls and spaces, and
		// reads a backslash as a slash.
		browser := strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\r':
				return -1
			case '\\':
				return '/'
			}
			return r
		}, strings.TrimFunc(got, func(r rune) bool { return r <= ' ' }))
		if strings.HasPrefix(browser, "//") || !strings.HasPrefix(browser, "/") {
			t.Fatalf("safeNext(%q) = %q, which a browser reads as %q", next, got, browser)
		}
		base, _ := url.Parse("https://mamori.example/login")
		if u, err := base.Parse(browser); err == nil && u.Host != "mamori.example" {
			t.Fatalf("safeNext(%q) = %q resolves to %s", next, got, u)
		}
	})
}
