package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/jackc/pgx/v5/pgconn"

	"mamori/internal/apperr"
	"mamori/web/i18n"
	"mamori/web/views"
)

// statusOf maps an error code to its HTTP status: the one place that does.
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Malformed:
		return http.StatusBadRequest
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// classify turns any error into an *apperr.Error with a user-facing message.
// Errors without a code are internal (or an outage) and are logged once here.
func (s *Server) classify(r *http.Request, err error) *apperr.Error {
	if e, ok := userError(r, err); ok {
		return e
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return localize(r, apperr.K(apperr.TooLarge, "err.too_large"))
	}
	if isUnavailable(err) {
		s.log.Warn("database unavailable", "err", err, "request_id", requestID(r.Context()), "path", r.URL.Path)
		return localize(r, apperr.K(apperr.Unavailable, "error.unavailable"))
	}
	s.log.Error("request failed", "err", err, "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path)
	return localize(r, apperr.K(apperr.Internal, "error.internal"))
}

// userError is apperr.As with the message in the request's language, for a
// handler that shows a coded error's message on its own page.
func userError(r *http.Request, err error) (*apperr.Error, bool) {
	e, ok := apperr.As(err)
	if !ok {
		return nil, false
	}
	return localize(r, e), true
}

// messageOf is the user-facing message of a coded error, in the request's
// language.
func messageOf(r *http.Request, err error) string {
	if e, ok := userError(r, err); ok {
		return e.Message
	}
	return err.Error()
}

// localize puts the message of a keyed error (apperr.K) into the request's
// language; the error itself, maybe a shared value, is left as it is.
func localize(r *http.Request, e *apperr.Error) *apperr.Error {
	ctx := r.Context()
	return e.Localized(func(key string, args ...any) string { return i18n.T(ctx, key, args...) })
}

// apiError writes {"error":{"code","message"}} (plus details).
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	e := s.classify(r, err)
	body := map[string]any{"error": map[string]any{"code": e.Code, "message": e.Message}}
	if len(e.Fields) > 0 {
		body["error"].(map[string]any)["fields"] = e.Fields
	}
	if e.Detail != nil {
		switch d := e.Detail.(type) {
		case map[string]any:
			for k, v := range d {
				body[k] = v
			}
		default:
			body["current"] = d
		}
	}
	status := statusOf(e.Code)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, body)
}

// detailJSON gives the detail of a coded error, a store value such as the
// current answer of a conflicting save, its API shape. The error is copied:
// it may be a shared value.
func detailJSON[T, J any](err error, toJSON func(T) J) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	d, ok := e.Detail.(T)
	if !ok {
		return err
	}
	c := *e
	c.Detail = toJSON(d)
	return &c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body strictly: unknown fields, trailing data and a
// wrong content type are refused.
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.K(apperr.Malformed, "err.json_content_type")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.K(apperr.TooLarge, "err.too_large")
		}
		return apperr.K(apperr.Malformed, "err.json_malformed", strings.TrimPrefix(err.Error(), "json: "))
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return apperr.K(apperr.Malformed, "err.json_trailing")
	}
	return nil
}

// render writes a templ component with a status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	// The page is rendered whole, then sent in one write with its length:
	// streamed, a 40 KB page left in ten 4 KB chunks, a system call each
	// (docs/performance.md), and a template error left half a page behind.
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}()
	// Templ components stop at once when their context is done: the error
	// page of a request that ran out of time (MAMORI_REQUEST_TIMEOUT) must
	// still be written, and rendering needs no I/O, so it ignores the deadline.
	if err := c.Render(context.WithoutCancel(r.Context()), buf); err != nil {
		s.log.Error("render failed", "err", err, "request_id", requestID(r.Context()), "path", r.URL.Path)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageBuffers recycles render buffers; one of a rare huge page is dropped
// rather than kept.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledPage = 1 << 20

// pageError shows an error page for a browser request. Unauthorized sends
// the user to the sign-in page.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	e := s.classify(r, err)
	status := statusOf(e.Code)
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
		return
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	msg := e.Message
	title := i18n.T(r.Context(), fmt.Sprintf("error.title.%d", status))
	if status == http.StatusNotFound {
		msg = i18n.T(r.Context(), "error.not_found")
	}
	s.render(w, r, status, views.ErrorPage(s.page(r, title, ""), status, msg))
}

// safeNext keeps a post-login redirect on this site. Browsers drop tabs and
// newlines from a URL and read a backslash as a slash, so "/\t/evil.example"
// would leave the site: any control character or backslash is refused.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	return next
}

// isUnavailable reports whether err means the database cannot be reached
// (down, restarting, refusing connections): the user gets 503, not 500.
func isUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.SafeToRetry(err),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &pe):
		return strings.HasPrefix(pe.Code, "57P") || strings.HasPrefix(pe.Code, "08")
	}
	return strings.Contains(err.Error(), "closed pool")
}
