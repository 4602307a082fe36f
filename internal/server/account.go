package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, status int, d views.AccountData) {
	ctx := r.Context()
	p := principal(ctx)
	d.MustChangePassword = p.MustChangePassword
	toks, err := s.store.ListTokens(ctx, p.UserID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	org, err := s.store.GetOrg(ctx, p.OrgID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Email, d.Name, d.Role, d.OrgName, d.Tokens = p.Email, p.Name, string(p.Role), org.Name, toks
	tf, err := s.store.TOTPState(ctx, p.UserID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.TOTPEnabled, d.TOTPRequired, d.RecoveryLeft = tf.Enabled, tf.OrgRequires, tf.RecoveryLeft
	if d.Notifications.Modes, err = s.store.NotificationSettings(ctx, p.UserID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, views.Account(s.page(r, i18n.T(ctx, "account.title"), "account"), d))
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	s.accountPage(w, r, http.StatusOK, views.AccountData{})
}

// handleAccountPassword changes the caller's password, signs out every
// other session of theirs and, unless they unticked the box, revokes their
// API tokens.
func (s *Server) handleAccountPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if !s.sessionOnly(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	attempt, ok := s.reauthReserve(w, r)
	if !ok {
		return
	}
	u, err := s.store.GetUser(ctx, p.UserID)
	if err != nil {
		_ = attempt.Release(ctx)
		s.pageError(w, r, err)
		return
	}
	right, err := auth.CheckPasswordContext(ctx, u.PasswordHash, r.PostForm.Get("current"))
	if errors.Is(err, auth.ErrBusy) {
		_ = attempt.Release(ctx)
		s.pageError(w, r, busy(w))
		return
	}
	if !right {
		s.accountPage(w, r, http.StatusUnprocessableEntity, views.AccountData{PasswordError: i18n.T(ctx, "account.current_wrong")})
		return
	}
	if err := attempt.Release(ctx); err != nil {
		s.log.Warn("release re-authentication attempt", "err", err, "request_id", requestID(ctx))
	}
	newPW := r.PostForm.Get("new")
	if err := auth.ValidatePassword(newPW); err != nil {
		s.accountPage(w, r, http.StatusUnprocessableEntity, views.AccountData{PasswordError: messageOf(r, err)})
		return
	}
	hash, err := auth.HashPassword(newPW)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sess := sessionOf(ctx)
	if err := s.store.SetPassword(ctx, p.UserID, hash, auth.IDHash(sess), actor(r), false); err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := i18n.T(ctx, "account.password_changed")
	if r.PostForm.Get("revoke_tokens") == "1" { // the form's box, ticked by default
		n, err := s.store.RevokeUserTokens(ctx, p.UserID, actor(r))
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		msg = i18n.T(ctx, "account.password_changed_tokens", n)
	}
	// Every other session was revoked; this one goes on under a fresh id,
	// so the user stays signed in here and only here.
	if err := s.sessions.Rotate(r, sess); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := sess.Save(r, w); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", msg, "/account")
}

func (s *Server) handleAccountTokenCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if !s.sessionOnly(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	label := strings.TrimSpace(r.PostForm.Get("label"))
	if len([]rune(label)) > 100 {
		s.pageError(w, r, apperr.InvalidFieldsK("account.token_label_long", map[string]string{"label": "length"}))
		return
	}
	tok := auth.NewToken()
	if _, err := s.store.CreateToken(ctx, p.UserID, label, auth.HashToken(tok), actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.accountPage(w, r, http.StatusCreated, views.AccountData{NewToken: tok})
}

func (s *Server) handleAccountTokenRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if !s.sessionOnly(w, r) {
		return
	}
	if _, err := s.store.RevokeToken(ctx, p.UserID, chi.URLParam(r, "tokenID"), actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "account.token_revoked_msg"), "/account")
}

// sessionOnly refuses changes to the account (password, second factor, API
// tokens) made with an API token: they need the browser session. A token
// works the API; one that leaked must not mint tokens that outlive its
// revocation, revoke the others, or change the password.
func (s *Server) sessionOnly(w http.ResponseWriter, r *http.Request) bool {
	if principal(r.Context()).TokenID != "" || sessionOf(r.Context()) == nil {
		s.pageError(w, r, apperr.K(apperr.Forbidden, "err.browser_only"))
		return false
	}
	return true
}

// reauthReserve reserves a check of the caller's password or second factor
// with the sign-in throttle (auth.Throttle): a signed-in session must not be
// an unthrottled oracle for either. Once the limit of their account and
// address is reached it answers 429 and returns false. The attempt counts
// as a failure unless the caller releases it.
func (s *Server) reauthReserve(w http.ResponseWriter, r *http.Request) (auth.Attempt, bool) {
	ctx := r.Context()
	attempt, until, err := s.throttle().Reserve(ctx, principal(ctx).Email, s.clientAddr(r), "")
	if err != nil {
		s.pageError(w, r, err)
		return auth.Attempt{}, false
	}
	if !until.IsZero() {
		s.audit(r, store.Audit{Action: "reauth.throttled", Detail: map[string]any{"client": s.clientAddr(r)}})
		s.pageError(w, r, throttled(w, until))
		return auth.Attempt{}, false
	}
	return attempt, true
}

// audit records an event by the caller; a failure is logged, not shown (the
// change itself has already been made).
func (s *Server) audit(r *http.Request, a store.Audit) {
	if p := principal(r.Context()); p != nil && a.ActorID == "" {
		a.ActorID, a.Actor = p.UserID, p.Email
	}
	if err := s.store.AppendAudit(r.Context(), a); err != nil {
		s.log.Error("audit append failed", "err", err, "action", a.Action, "request_id", requestID(r.Context()))
	}
}

// actor is the caller as the store records it.
func actor(r *http.Request) store.Actor {
	p := principal(r.Context())
	return store.Actor{UserID: p.UserID, Email: p.Email, Name: p.Name}
}
