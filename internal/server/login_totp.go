package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// Sign-in with a second factor. After the password, a user with TOTP gets a
// session that is not signed in but remembers who passed the password
// (pending); the code (or a recovery code) completes the sign-in, with a new
// session id. Wrong codes are counted in the database against the pending
// sign-in (auth.Throttle): five of them end it. A member of an organisation that requires TOTP but has none is
// signed in with a session flagged to set it up first: totpGate lets that
// session reach nothing but the setup page.
const (
	keyPendingUser = "totp_pending_uid"
	keyPendingAt   = "totp_pending_at"
	keyPendingID   = "totp_pending_id" // names the pending sign-in for the throttle
	keyPendingNext = "totp_pending_next"
	keySetupNeeded = "totp_setup_required"
	keySetupSecret = "totp_setup_secret"

	// pendingTTL is how long the code page waits after the password.
	pendingTTL = 5 * time.Minute
)

// totpAfterPassword continues a password sign-in of u: it asks for the
// second factor when u has one and returns true (the response is written).
// Otherwise it returns false and the caller signs the session in; the flag
// for mandatory setup is then set on sess when the organisation requires it.
func (s *Server) totpAfterPassword(w http.ResponseWriter, r *http.Request, sess *sessions.Session, u store.User, next string) (handled bool, setupNeeded bool, err error) {
	// Nothing of an earlier, unfinished sign-in in this browser carries over.
	clearPending(sess)
	delete(sess.Values, keySetupSecret)
	delete(sess.Values, keySetupNeeded)
	tf, err := s.store.TOTPState(r.Context(), u.ID)
	if err != nil {
		return false, false, err
	}
	if !tf.Enabled {
		return false, tf.OrgRequires, nil
	}
	if err := s.sessions.Rotate(r, sess); err != nil {
		return false, false, err
	}
	sess.Values[keyPendingUser] = u.ID
	sess.Values[keyPendingAt] = s.now().Unix()
	sess.Values[keyPendingID] = auth.NewToken()
	sess.Values[keyPendingNext] = next
	if err := sess.Save(r, w); err != nil {
		return false, false, err
	}
	s.auditLogin(r, u.ID, u.Email, "login.password_ok")
	http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
	return true, false, nil
}

// pendingUser returns the user id waiting for a second factor and the id
// of that pending sign-in, or "", "".
func (s *Server) pendingUser(sess *sessions.Session) (userID, signIn string) {
	if sess == nil {
		return "", ""
	}
	uid, _ := sess.Values[keyPendingUser].(string)
	id, _ := sess.Values[keyPendingID].(string)
	at := number(sess.Values[keyPendingAt])
	if uid == "" || id == "" || s.now().Sub(time.Unix(at, 0)) > pendingTTL {
		return "", ""
	}
	return uid, id
}

func clearPending(sess *sessions.Session) {
	if sess == nil {
		return
	}
	for _, k := range []string{keyPendingUser, keyPendingAt, keyPendingID, keyPendingNext} {
		delete(sess.Values, k)
	}
}

// number reads an integer session value: JSON (the session's storage)
// brings numbers back as float64.
func number(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

func (s *Server) handleTOTPLoginForm(w http.ResponseWriter, r *http.Request) {
	if uid, _ := s.pendingUser(sessionOf(r.Context())); uid == "" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, views.TOTPLogin(s.page(r, i18n.T(r.Context(), "totp.login.title"), ""), views.TOTPLoginData{}))
}

// handleTOTPLogin checks the second factor: a 6-digit code (each accepted
// once) or one of the recovery codes. Failures count towards the sign-in
// throttle of the account and the address, and five of them end the
// pending sign-in.
func (s *Server) handleTOTPLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess := sessionOf(ctx)
	uid, signIn := s.pendingUser(sess)
	if uid == "" {
		s.flashRedirect(w, r, "error", i18n.T(ctx, "totp.login.expired"), "/login")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	page := func(status int, msg string) {
		s.render(w, r, status, views.TOTPLogin(s.page(r, i18n.T(ctx, "totp.login.title"), ""), views.TOTPLoginData{Error: msg}))
	}
	u, err := s.store.GetUser(ctx, uid)
	if err != nil || !u.Active {
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			s.pageError(w, r, err)
			return
		}
		clearPending(sess)
		s.flashRedirect(w, r, "error", i18n.T(ctx, "totp.login.expired"), "/login")
		return
	}
	client := s.clientAddr(r)
	attempt, until, err := s.throttle().Reserve(ctx, u.Email, client, signIn)
	switch {
	case errors.Is(err, auth.ErrSignInEnded):
		clearPending(sess)
		s.flashRedirect(w, r, "error", i18n.T(ctx, "totp.login.too_many"), "/login")
		return
	case err != nil:
		s.pageError(w, r, err)
		return
	case !until.IsZero():
		s.auditLogin(r, u.ID, u.Email, "login.throttled")
		page(http.StatusTooManyRequests, messageOf(r, throttled(w, until)))
		return
	}

	method, ok, left, err := s.checkSecondFactor(r, u.ID, r.PostForm.Get("code"))
	if err != nil {
		_ = attempt.Release(ctx)
		s.pageError(w, r, err)
		return
	}
	if !ok {
		s.auditLogin(r, u.ID, u.Email, "login.totp_failed")
		if attempt.SignInFailures >= auth.ThrottlePerSignIn {
			clearPending(sess)
			s.flashRedirect(w, r, "error", i18n.T(ctx, "totp.login.too_many"), "/login")
			return
		}
		page(http.StatusUnauthorized, i18n.T(ctx, "totp.login.failed"))
		return
	}

	next, _ := sess.Values[keyPendingNext].(string)
	if err := s.sessions.Rotate(r, sess); err != nil {
		s.pageError(w, r, err)
		return
	}
	clearPending(sess)
	auth.SetUserID(sess, u.ID)
	if err := attempt.SignedIn(ctx); err != nil {
		s.log.Warn("clear login failures", "err", err)
	}
	err = s.store.AppendAudit(ctx, store.Audit{ActorID: u.ID, Actor: u.Email, Action: "login.succeeded",
		Detail: map[string]any{"client": client, "second_factor": method}})
	if err != nil {
		s.log.Error("audit login", "err", err, "request_id", requestID(ctx))
	}
	if method == "recovery_code" {
		s.flashRedirect(w, r, "warn", i18n.T(ctx, "totp.login.recovery_used", left), safeNext(next))
		return
	}
	if err := sess.Save(r, w); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// checkSecondFactor accepts a current TOTP code of the user (once) or one of
// their unused recovery codes.
func (s *Server) checkSecondFactor(r *http.Request, userID, code string) (method string, ok bool, left int, err error) {
	ctx := r.Context()
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 64 {
		return "", false, 0, nil
	}
	tf, err := s.store.TOTPState(ctx, userID)
	if err != nil || !tf.Enabled {
		return "", false, 0, err
	}
	if digits := strings.Join(strings.Fields(code), ""); auth.IsTOTPCode(digits) {
		step, match := auth.CheckTOTP(tf.Secret, digits, s.now(), tf.LastStep)
		if !match {
			return "totp", false, 0, nil
		}
		// The database decides, so two requests with one code cannot both win.
		ok, err := s.store.AcceptTOTPStep(ctx, userID, step)
		return "totp", ok, 0, err
	}
	ok, left, err = s.store.UseRecoveryCode(ctx, userID, auth.HashRecoveryCode(code))
	return "recovery_code", ok, left, err
}

// totpGate keeps a session that must set up TOTP on the setup page: pages
// are sent there, API calls refused.
func (s *Server) totpGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := sessionOf(r.Context())
		if sess == nil || sess.Values[keySetupNeeded] != true || setupPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "totp_setup_required",
				"message": i18n.T(r.Context(), "totp.setup.required")}})
			return
		}
		http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
	})
}

// setupPaths are what a session that must set up TOTP may reach (besides
// the sign-in, sign-out and language routes, which need no sign-in).
var setupPaths = map[string]bool{"/account/totp": true, "/account/totp/confirm": true}

// passwordGate keeps a user who signed in with a generated password on the
// account page until they choose their own (policy.Principal's
// MustChangePassword): pages redirect there, the API answers 403
// password_change_required.
func (s *Server) passwordGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principal(r.Context())
		if p == nil || !p.MustChangePassword || passwordChangePaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "password_change_required",
				"message": i18n.T(r.Context(), "account.must_change_password")}})
			return
		}
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	})
}

// passwordChangePaths are what a user who must change their password may
// reach (besides sign-in, sign-out and the language, which need no sign-in).
var passwordChangePaths = map[string]bool{"/account": true, "/account/password": true}
