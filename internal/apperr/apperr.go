// Package apperr is the one coded error type of Mamori. Domain and store code
// return these codes; the HTTP layer maps them to a status in one place.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the caller.
type Code string

const (
	Invalid      Code = "invalid"      // 422: values out of range
	Malformed    Code = "malformed"    // 400: cannot be decoded at all
	NotFound     Code = "not_found"    // 404: unknown, or not the caller's to see
	Conflict     Code = "conflict"     // 409: stale version or state does not allow it
	Forbidden    Code = "forbidden"    // 403: role not allowed
	Unauthorized Code = "unauthorized" // 401: not signed in
	TooLarge     Code = "too_large"    // 413
	TooMany      Code = "too_many"     // 429
	Unavailable  Code = "unavailable"  // 503: database down
	Internal     Code = "internal"     // 500
)

// Error is an error with a code, a message safe to show to the user, and
// optional field details.
//
// Domain and store code do not know the user's language: they name the
// message by its catalog key (K), and the layer that shows the error puts it
// into words (Localized). Message then holds the key, a safe fallback.
type Error struct {
	Code    Code
	Message string
	Key     string            // message-catalog key of Message ("" when Message is final)
	Args    []any             // the key's arguments; a KeyArg is translated too
	Fields  map[string]string // field -> problem, for Invalid
	Detail  any               // extra JSON for the client (e.g. the current answer on conflict)
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// K builds an *Error whose message is the catalog entry key, formatted with
// args when it is shown.
func K(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Message: key, Key: key, Args: args}
}

// InvalidFieldsK builds an Invalid error listing the bad fields, its message
// named by a catalog key as with K.
func InvalidFieldsK(key string, fields map[string]string, args ...any) *Error {
	e := K(Invalid, key, args...)
	e.Fields = fields
	return e
}

// WithDetail sets the extra JSON for the client and returns e, so that an
// error can be built in one expression. Use it on a new error, never on a
// shared value such as ErrNotFound.
func (e *Error) WithDetail(detail any) *Error {
	e.Detail = detail
	return e
}

// KeyArg is an argument of K that is itself a catalog key, translated with
// the message: a status is shown as "提出済み" or "submitted", not as its code.
type KeyArg string

// Localized returns e with its message put into words by translate (the
// catalog lookup of one language, e.g. i18n.T bound to a request). It returns
// a copy and never changes e: keyed errors are often shared values
// (ErrNotFound). An error without a key is returned as it is.
func (e *Error) Localized(translate func(key string, args ...any) string) *Error {
	if e.Key == "" {
		return e
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if k, ok := a.(KeyArg); ok {
			a = translate(string(k))
		}
		args[i] = a
	}
	c := *e
	c.Message = translate(e.Key, args...)
	return &c
}

// CodeOf returns the code of the first *Error in err's chain, Internal otherwise.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// ErrNotFound is the shared not-found error value of the store.
var ErrNotFound = K(NotFound, "err.not_found")
