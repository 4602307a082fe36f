package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/sessions"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/policy"
	"mamori/web/i18n"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
	keySession
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// principal returns the signed-in caller, or nil.
func principal(ctx context.Context) *policy.Principal {
	p, _ := ctx.Value(keyPrincipal).(*policy.Principal)
	return p
}

func sessionOf(ctx context.Context) *sessions.Session {
	s, _ := ctx.Value(keySession).(*sessions.Session)
	return s
}

// withRequestID gives every request an id, echoed in X-Request-Id and logs.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

// logRequests logs one line per request and turns panics into 500s.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()), "request_id", requestID(r.Context()), "path", r.URL.Path)
				if ww.Status() == 0 {
					http.Error(ww, "internal error", http.StatusInternalServerError)
				}
			}
			route := chi.RouteContext(r.Context()).RoutePattern()
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "route", route, "status", ww.Status(),
				"bytes", ww.BytesWritten(), "duration_ms", float64(time.Since(start).Microseconds())/1000,
				"request_id", requestID(r.Context()))
		}()
		next.ServeHTTP(ww, r)
	})
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.isTLS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) isTLS(r *http.Request) bool {
	return r.TLS != nil || (s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// limitBody caps request bodies.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// withTimeout bounds the work of a request (MAMORI_REQUEST_TIMEOUT): a
// database that hangs makes the request fail with 503 instead of holding the
// client and a connection forever.
func (s *Server) withTimeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// crossOrigin refuses state-changing requests from another origin with 403,
// pages and API alike (Sec-Fetch-Site / Origin checks of net/http).
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"), "request_id", requestID(r.Context()))
		if isAPI(r) {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "cross_origin", "message": "cross-origin request refused"}})
			return
		}
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// sameSiteDownload refuses an export that another site started. A top-level
// GET from any page carries the session cookie, and every export is recorded
// in the audit trail: a link elsewhere must not make a user download, nor
// write entries in their name. An export is a deliberate act in Mamori's own
// pages, so it is refused rather than served unrecorded. Same-origin,
// same-site and "none" (a typed address or a bookmark) pass, and so does a
// request without Sec-Fetch-Site (API clients, older browsers).
func (s *Server) sameSiteDownload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			s.log.Warn("cross-site download refused", "path", r.URL.Path, "request_id", requestID(r.Context()))
			s.fail(w, r, apperr.K(apperr.Forbidden, "err.cross_site_download"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// authenticate establishes the caller from a bearer token or the session
// cookie, and the language of the response. It never refuses a request:
// requireUser does.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var p *policy.Principal
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok || tok == "" {
				s.apiError(w, r, apperr.E(apperr.Unauthorized, "Authorization must be a Bearer token"))
				return
			}
			t, err := s.store.TokenUser(ctx, auth.HashToken(strings.TrimSpace(tok)))
			if err != nil {
				if !apperr.Is(err, apperr.NotFound) {
					s.apiError(w, r, err)
					return
				}
				s.apiError(w, r, apperr.E(apperr.Unauthorized, "invalid or revoked token"))
				return
			}
			if p, err = s.store.Principal(ctx, t.UserID); err != nil {
				if !apperr.Is(err, apperr.NotFound) {
					s.apiError(w, r, err)
					return
				}
				s.apiError(w, r, apperr.E(apperr.Unauthorized, "invalid or revoked token"))
				return
			}
			p.TokenID = t.ID
		} else {
			sess, err := s.sessions.Get(r, auth.SessionCookie)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, keySession, sess)
			if uid := auth.UserID(sess); uid != "" {
				p, err = s.store.Principal(ctx, uid)
				switch {
				case apperr.Is(err, apperr.NotFound):
					p = nil // deactivated or deleted: treat as signed out
				case err != nil:
					s.fail(w, r.WithContext(ctx), err)
					return
				default:
					if err := s.sessions.Touch(r, sess); err != nil {
						s.fail(w, r.WithContext(ctx), err)
						return
					}
				}
			}
		}
		ctx = context.WithValue(ctx, keyPrincipal, p)
		ctx = i18n.WithLang(ctx, s.language(r, p))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// language: the user's setting, then ?lang= for the API, then the lang
// cookie of a signed-out visitor, then Accept-Language, then Japanese.
func (s *Server) language(r *http.Request, p *policy.Principal) string {
	if l := r.URL.Query().Get("lang"); isAPI(r) && i18n.Supported(l) {
		return l
	}
	if p != nil && i18n.Supported(p.Locale) {
		return p.Locale
	}
	if c, err := r.Cookie("mamori_lang"); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	if l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return i18n.Langs[0]
}

// fail answers with a JSON or page error depending on the route.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, err)
}

// requireUser refuses anonymous callers: 401 JSON for the API, a redirect to
// the sign-in page for pages.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if principal(r.Context()) == nil {
			s.fail(w, r, apperr.E(apperr.Unauthorized, "sign in required"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr is the caller's address for throttling. Behind the trusted
// proxy it is the last X-Forwarded-For entry, the one the proxy appended:
// the entries before it are whatever the client sent, and taking the first
// would let a client escape the sign-in throttle by changing it each time.
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if addr := strings.TrimSpace(last[strings.LastIndex(last, ",")+1:]); addr != "" {
				return addr
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
