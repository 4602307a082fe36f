package apperr

import (
	"fmt"
	"testing"
)

// catalog stands in for web/i18n, which apperr must not import.
func catalog(key string, args ...any) string {
	msgs := map[string]string{
		"err.status_moved": "state is now %s",
		"status.submitted": "Submitted",
		"err.not_found":    "Not found.",
	}
	return fmt.Sprintf(msgs[key], args...)
}

func TestKeyedErrorIsLocalizedOnACopy(t *testing.T) {
	e := K(Conflict, "err.status_moved", KeyArg("status.submitted"))
	e.Detail = "current"
	if e.Message != "err.status_moved" || e.Key != "err.status_moved" {
		t.Fatalf("K: message %q, key %q; the key is the fallback message", e.Message, e.Key)
	}
	got := e.Localized(catalog)
	if got.Message != "state is now Submitted" {
		t.Fatalf("localized message %q: the KeyArg must be translated too", got.Message)
	}
	if got.Code != Conflict || got.Detail != "current" || e.Message != "err.status_moved" {
		t.Fatalf("localized %+v from %+v: code and detail kept, original unchanged", got, e)
	}

	shared := ErrNotFound.Localized(catalog)
	if shared.Message != "Not found." || ErrNotFound.Message != "err.not_found" || shared == ErrNotFound {
		t.Fatalf("ErrNotFound was changed in place: %+v", ErrNotFound)
	}

	f := InvalidFieldsK("err.status_moved", map[string]string{"x": "bad"}, "draft")
	if got := f.Localized(catalog); got.Code != Invalid || got.Fields["x"] != "bad" || got.Message != "state is now draft" {
		t.Fatalf("InvalidFieldsK localized: %+v", got)
	}

	plain := &Error{Code: Conflict, Message: "final text"}
	if plain.Localized(catalog) != plain {
		t.Fatal("an error without a key must be returned as it is")
	}
}
