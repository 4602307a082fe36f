package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// FuzzCheckText: the body check of every form and JSON request gives the
// handler the body exactly as sent, refuses only with a coded error (or the
// body limit), and lets no string through that ValidText refuses.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{
		`{"comment":"ok","points_met":["1-1-1"],"version":0}`,
		`{"comment":"a\u0000b"}`,
		`{"targets":{"1-1\u0007":4}}`,
		`{"a":[[{"b":"\u001f"}]]}`,
		"{\"comment\":\"\xff\"}",
		`{"comment":"tab\tand\r\nbreaks"}`,
		`not json`,
		"comment=a%00b&version=0",
		"label%00=x",
		"%zz=1",
		"",
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		r := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(body))
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1024)
		var err error
		if isJSON {
			r.Header.Set("Content-Type", "application/json")
			err = checkJSON(r)
		} else {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			err = checkForm(r)
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			if len(body) <= 1024 {
				t.Fatalf("%d bytes called too large", len(body))
			}
			return
		}
		if err != nil {
			if e, ok := apperr.As(err); !ok || (e.Code != apperr.Invalid && e.Code != apperr.Malformed) {
				t.Fatalf("refused with %v: not a coded invalid or malformed error", err)
			}
			return
		}
		if len(body) > 1024 {
			return // a form's parser stops at the limit only when it reads it
		}
		if isJSON {
			if got, _ := io.ReadAll(r.Body); !bytes.Equal(got, body) {
				t.Fatalf("the handler would read %q, not %q", got, body)
			}
			var v any
			if json.Unmarshal(body, &v) == nil {
				if field, bad := badText(v, ""); bad {
					t.Fatalf("accepted a bad string in %s", field)
				}
			}
			return
		}
		for k, vs := range r.Form {
			for _, v := range append(vs, k) {
				if !assessment.ValidText(v) {
					t.Fatalf("accepted %q in the form", v)
				}
			}
		}
	})
}
