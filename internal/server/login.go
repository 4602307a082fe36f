package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// throttle is the sign-in throttle (auth.Throttle) on the server's database.
func (s *Server) throttle() auth.Throttle { return auth.Throttle{DB: s.store} }

// throttled is the error for a caller the throttle holds until until; it
// sets Retry-After.
func throttled(w http.ResponseWriter, until time.Time) *apperr.Error {
	wait := max(time.Until(until).Round(time.Minute), time.Minute)
	w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())))
	return apperr.K(apperr.TooMany, "login.throttled", until.In(i18n.JST).Format("15:04"), int(wait.Minutes()))
}

// busy is auth.ErrBusy with its Retry-After: every slot for password
// checks stayed taken.
func busy(w http.ResponseWriter) error {
	w.Header().Set("Retry-After", "5")
	return auth.ErrBusy
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if principal(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d := views.LoginData{Next: safeNext(r.URL.Query().Get("next"))}
	// With identity providers configured the email comes first
	// (POST /login/sso decides between the provider and the password).
	providers, err := s.store.ListSSOProviders(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(providers) > 0 {
		d.Step = views.LoginEmail
	}
	var origins []string
	for _, p := range providers {
		origins = append(origins, s.ssoClients.formOrigins(p, s.log)...)
		if p.ShowButton {
			d.Buttons = append(d.Buttons, views.SSOButton{ID: p.ID, Name: p.Name})
		}
	}
	allowFormTargets(w, origins)
	s.render(w, r, http.StatusOK, views.Login(s.page(r, i18n.T(r.Context(), "login.title"), ""), d))
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess := sessionOf(ctx)
	if sess == nil {
		// A bearer token: the form signs a browser session in, and there is none.
		s.pageError(w, r, apperr.K(apperr.Malformed, "err.login_form_browser"))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	email, password := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	client := s.clientAddr(r)
	loginPage := func(status int, err error) {
		s.render(w, r, status, views.Login(s.page(r, i18n.T(ctx, "login.title"), ""), views.LoginData{Email: email, Error: messageOf(r, err), Next: next}))
	}

	// The attempt is counted before the password is checked, so parallel
	// guesses cannot all pass a count taken before any of them failed.
	attempt, until, err := s.throttle().Reserve(ctx, email, client, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if !until.IsZero() {
		s.auditLogin(r, "", email, "login.throttled")
		loginPage(http.StatusTooManyRequests, throttled(w, until))
		return
	}
	// Only a password checked and found wrong stays counted.
	wrong := false
	defer func() {
		if !wrong {
			if err := attempt.Release(ctx); err != nil {
				s.log.Warn("release sign-in attempt", "err", err, "request_id", requestID(ctx))
			}
		}
	}()

	u, err := s.store.UserByEmail(ctx, email)
	ok := false
	switch {
	case err == nil && u.PasswordHash == "":
		// An account made by single sign-on has no password.
		err = auth.CheckDummyContext(ctx, password)
	case err == nil:
		ok, err = auth.CheckPasswordContext(ctx, u.PasswordHash, password)
		if err != nil && !errors.Is(err, auth.ErrBusy) {
			s.log.Error("password check failed", "err", err, "user_id", u.ID)
			ok, err = false, nil
		}
		ok = ok && u.Active
	case apperr.Is(err, apperr.NotFound):
		err = auth.CheckDummyContext(ctx, password)
	default:
		s.pageError(w, r, err)
		return
	}
	if errors.Is(err, auth.ErrBusy) {
		loginPage(http.StatusServiceUnavailable, busy(w))
		return
	}
	if !ok {
		wrong = true
		s.auditLogin(r, u.ID, email, "login.failed")
		loginPage(http.StatusUnauthorized, apperr.K(apperr.Unauthorized, "login.failed"))
		return
	}

	// Password sign-in may be off for the organisation once SSO works;
	// admins keep it (break-glass, with their second factor).
	if !u.Admin {
		on, err := s.store.PasswordLogin(ctx, u.OrgID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if !on {
			s.auditLogin(r, u.ID, email, "login.password_disabled")
			loginPage(http.StatusForbidden, apperr.K(apperr.Forbidden, "login.password_disabled"))
			return
		}
	}

	// A second factor, when the user has one, comes before the sign-in; its
	// codes are counted against the pending sign-in.
	handled, setupNeeded, err := s.totpAfterPassword(w, r, sess, u, next)
	if err != nil || handled {
		if err != nil {
			s.pageError(w, r, err)
		}
		return
	}
	if err := s.sessions.Rotate(r, sess); err != nil {
		s.pageError(w, r, err)
		return
	}
	auth.SetUserID(sess, u.ID)
	if setupNeeded {
		sess.Values[keySetupNeeded] = true
		next = "/account/totp"
	}
	if err := sess.Save(r, w); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := attempt.SignedIn(ctx); err != nil {
		s.log.Warn("clear login failures", "err", err)
	}
	s.auditLogin(r, u.ID, u.Email, "login.succeeded")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) auditLogin(r *http.Request, userID, email, action string) {
	err := s.store.AppendAudit(r.Context(), store.Audit{ActorID: userID, Actor: store.NormalizeEmail(email), Action: action,
		Detail: map[string]any{"client": s.clientAddr(r)}})
	if err != nil {
		s.log.Error("audit login", "err", err, "request_id", requestID(r.Context()))
	}
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	to := "/login"
	if sess := sessionOf(r.Context()); sess != nil {
		// A session signed in through a provider ends there too, when the
		// provider supports RP-initiated logout.
		if principal(r.Context()) != nil {
			providerID, _ := sess.Values[keySSOLogoutProvider].(string)
			idToken, _ := sess.Values[keySSOIDToken].(string)
			if u := s.ssoLogoutURL(r, providerID, idToken); u != "" {
				to = u
			}
		}
		sess.Options.MaxAge = -1
		if err := sess.Save(r, w); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if p := principal(r.Context()); p != nil {
		_ = s.store.AppendAudit(r.Context(), store.Audit{ActorID: p.UserID, Actor: p.Email, Action: "logout"})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// handleLang switches the language: stored on the user when signed in, in a
// cookie otherwise.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	lang := r.PostForm.Get("lang")
	if !i18n.Supported(lang) {
		s.pageError(w, r, apperr.K(apperr.Invalid, "err.lang_unsupported"))
		return
	}
	if p := principal(r.Context()); p != nil {
		if err := s.store.SetLocale(r.Context(), p.UserID, lang); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: "mamori_lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// handleHome sends each role to where its work is.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	to := "/assessments"
	switch {
	case p.Role == assessment.Auditor:
		to = "/reviews"
	case p.Role == assessment.Manager:
		to = "/dashboard"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
