package server

import (
	"context"
	"net/http"
	"strings"

	"mamori/internal/middleware"

	"github.com/gorilla/sessions"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/policy"
	"mamori/web/i18n"
)

type ctxKey int

const (
	keyPrincipal ctxKey = iota
	keySession
)

// requestID is the request's id for log lines (middleware.RequestID).
func requestID(ctx context.Context) string { return middleware.RequestIDOf(ctx) }

// principal returns the signed-in caller, or nil.
func principal(ctx context.Context) *policy.Principal {
	p, _ := ctx.Value(keyPrincipal).(*policy.Principal)
	return p
}

func sessionOf(ctx context.Context) *sessions.Session {
	s, _ := ctx.Value(keySession).(*sessions.Session)
	return s
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
				s.apiError(w, r, apperr.K(apperr.Unauthorized, "err.token_bearer"))
				return
			}
			t, err := s.store.TokenUser(ctx, auth.HashToken(strings.TrimSpace(tok)))
			if err != nil {
				if !apperr.Is(err, apperr.NotFound) {
					s.apiError(w, r, err)
					return
				}
				s.apiError(w, r, apperr.K(apperr.Unauthorized, "err.token_invalid"))
				return
			}
			if p, err = s.store.Principal(ctx, t.UserID); err != nil {
				if !apperr.Is(err, apperr.NotFound) {
					s.apiError(w, r, err)
					return
				}
				s.apiError(w, r, apperr.K(apperr.Unauthorized, "err.token_invalid"))
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
				p = auth.LoadedPrincipal(sess) // loaded with the session
				if p == nil || p.UserID != uid {
					p, err = s.store.Principal(ctx, uid)
				}
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
			s.fail(w, r, apperr.K(apperr.Unauthorized, "err.sign_in"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientAddr is the caller's address for throttling (middleware.ClientAddr
// under this installation's proxy setting).
func (s *Server) clientAddr(r *http.Request) string {
	return middleware.ClientAddr(r, s.cfg.TrustProxy)
}
