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
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string // field -> problem, for Invalid
	Detail  any               // extra JSON for the client (e.g. the current answer on conflict)
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// E builds an *Error.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Fields builds an Invalid error listing the bad fields.
func InvalidFields(msg string, fields map[string]string) *Error {
	return &Error{Code: Invalid, Message: msg, Fields: fields}
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
var ErrNotFound = &Error{Code: NotFound, Message: "見つかりません。"}
