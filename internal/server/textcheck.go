package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// refuseControlText answers 422, naming the field, when a form or JSON body
// holds a value assessment.ValidText refuses: NUL (which PostgreSQL
// refuses, so a save failed with 500) and the other C0 control characters
// but tab and line breaks. Every text field of the pages and the API passes
// here before a handler reads it, so none can forget the check. Multipart
// uploads (the import) carry a file, which the importer checks cell by cell.
// A path with such a character (an id in it) is not found; a query (a
// search, a filter) is refused like a form.
func (s *Server) refuseControlText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		switch ct := mediaType(r); {
		case !assessment.ValidText(r.URL.Path):
			// An id with a NUL names nothing; PostgreSQL would refuse it.
			err = apperr.ErrNotFound
		case r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions:
			// A search or a filter in the query: PostgreSQL refuses NUL too.
			err = checkValues(r.URL.Query())
		case ct == "application/x-www-form-urlencoded":
			err = checkForm(r)
		case principal(r.Context()) == nil:
			// No JSON body is read for an anonymous caller, who gets 401:
			// decoding megabytes for them first would be work for nothing.
		case strings.HasPrefix(ct, "application/json") || (ct == "" && isAPI(r)):
			err = checkJSON(r)
		}
		if err != nil {
			if !isAPI(r) && r.Header.Get("HX-Request") != "" {
				// The error page replaces the page, not the fragment the
				// form would have swapped.
				w.Header().Set("HX-Retarget", "body")
				w.Header().Set("HX-Reswap", "innerHTML")
			}
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func mediaType(r *http.Request) string {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct
}

// checkForm parses the form (the handler's ParseForm then finds it parsed)
// and checks every name and value, the URL's query included.
func checkForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("form: %w", err)
		}
		return apperr.K(apperr.Malformed, "error.form")
	}
	return checkValues(r.Form)
}

// checkValues refuses the first field, by name, whose name or a value
// assessment.ValidText refuses.
func checkValues(form url.Values) error {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same field is named every time
	for _, k := range keys {
		if !assessment.ValidText(k) {
			return assessment.TextError(printable(k))
		}
		for _, v := range form[k] {
			if !assessment.ValidText(v) {
				return assessment.TextError(k)
			}
		}
	}
	return nil
}

// checkJSON reads the body, checks every string of it (names too), and puts
// it back for the handler. A body that is no JSON is left for the
// handler's decoder to refuse, with its own message.
func checkJSON(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	raw, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("json body: %w", err)
		}
		return apperr.K(apperr.Malformed, "error.form")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	if field, bad := badText(v, ""); bad {
		return assessment.TextError(field)
	}
	return nil
}

// badText finds the first string of a decoded JSON value that ValidText
// refuses, and names its field: "comment", "points_met[0]", "targets.1-1".
func badText(v any, path string) (field string, bad bool) {
	name := path
	if name == "" {
		name = "body"
	}
	switch x := v.(type) {
	case string:
		return name, !assessment.ValidText(x)
	case []any:
		for i, e := range x {
			if f, bad := badText(e, fmt.Sprintf("%s[%d]", path, i)); bad {
				return f, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !assessment.ValidText(k) {
				return name, true
			}
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if f, bad := badText(x[k], sub); bad {
				return f, true
			}
		}
	}
	return "", false
}

// printable is a refused field name as it can be shown: without its
// control characters.
func printable(s string) string {
	s = strings.Map(func(c rune) rune {
		if c < 0x20 {
			return -1
		}
		return c
	}, strings.ToValidUTF8(s, ""))
	if s == "" {
		return "?"
	}
	return s
}
