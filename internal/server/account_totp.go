package server

import (
	"encoding/base64"
	"net/http"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleTOTP is /account/totp: the setup page while the user has no second
// factor (the secret being set up lives in the server-side session until a
// code confirms it), the management page once they have.
func (s *Server) handleTOTP(w http.ResponseWriter, r *http.Request) {
	s.totpPage(w, r, http.StatusOK, "")
}

func (s *Server) totpPage(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	ctx := r.Context()
	p := principal(ctx)
	tf, err := s.store.TOTPState(ctx, p.UserID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	title := i18n.T(ctx, "totp.title")
	if tf.Enabled {
		s.render(w, r, status, views.TOTPManage(s.page(r, title, "account"), views.TOTPManageData{
			RecoveryLeft: tf.RecoveryLeft, OrgRequires: tf.OrgRequires, Error: errMsg}))
		return
	}
	sess := sessionOf(ctx)
	if sess == nil {
		// A bearer token has no session to keep the secret in.
		s.pageError(w, r, apperr.K(apperr.Forbidden, "totp.setup.browser_only"))
		return
	}
	secret, _ := sess.Values[keySetupSecret].(string)
	if secret == "" {
		if secret, err = auth.NewTOTP(p.Email); err != nil {
			s.pageError(w, r, err)
			return
		}
		sess.Values[keySetupSecret] = secret
		if err := sess.Save(r, w); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	uri := auth.TOTPURI(secret, p.Email)
	png, err := auth.TOTPQRCode(uri, 240)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, views.TOTPSetup(s.page(r, title, "account"), views.TOTPSetupData{
		Required: sess.Values[keySetupNeeded] == true, URI: uri, Secret: secret,
		QRDataURI: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), Error: errMsg}))
}

// handleTOTPConfirm turns TOTP on once a code of the new secret is right,
// then shows the recovery codes (once: only their hashes are kept).
func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	sess := sessionOf(ctx)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	var secret string
	if sess != nil {
		secret, _ = sess.Values[keySetupSecret].(string)
	}
	if secret == "" {
		s.totpPage(w, r, http.StatusConflict, i18n.T(ctx, "totp.setup.restart"))
		return
	}
	step, ok := auth.CheckTOTP(secret, r.PostForm.Get("code"), s.now(), 0)
	if !ok {
		s.totpPage(w, r, http.StatusUnprocessableEntity, i18n.T(ctx, "totp.setup.wrong_code"))
		return
	}
	codes := auth.NewRecoveryCodes()
	if err := s.store.EnableTOTP(ctx, p.UserID, secret, step, hashCodes(codes), auth.IDHash(sess), actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	// A stronger sign-in from here on: a new session id (the other sessions
	// were ended by EnableTOTP).
	if err := s.sessions.Rotate(r, sess); err != nil {
		s.pageError(w, r, err)
		return
	}
	delete(sess.Values, keySetupSecret)
	delete(sess.Values, keySetupNeeded)
	if err := sess.Save(r, w); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.RecoveryCodes(s.page(r, i18n.T(ctx, "totp.title"), "account"), views.RecoveryCodesData{Codes: codes, Enabled: true}))
}

// handleRecoveryCodes replaces the recovery codes; a current code proves the
// authenticator is at hand.
func (s *Server) handleRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if !s.requireCurrentCode(w, r) {
		return
	}
	codes := auth.NewRecoveryCodes()
	if err := s.store.ReplaceRecoveryCodes(ctx, p.UserID, hashCodes(codes), actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.RecoveryCodes(s.page(r, i18n.T(ctx, "totp.title"), "account"), views.RecoveryCodesData{Codes: codes}))
}

// handleTOTPDisable turns the second factor off, unless the organisation
// requires it.
func (s *Server) handleTOTPDisable(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !s.requireCurrentCode(w, r) {
		return
	}
	if err := s.store.DisableTOTP(ctx, principal(ctx).UserID, actor(r)); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			s.totpPage(w, r, http.StatusConflict, i18n.T(ctx, "totp.manage.required"))
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "totp.manage.disabled"), "/account")
}

// requireCurrentCode checks the form's code (TOTP or recovery) and answers
// the page with the error when it is wrong.
func (s *Server) requireCurrentCode(w http.ResponseWriter, r *http.Request) bool {
	ctx := r.Context()
	if !s.sessionOnly(w, r) {
		return false
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return false
	}
	attempt, ok := s.reauthReserve(w, r)
	if !ok {
		return false
	}
	_, ok, _, err := s.checkSecondFactor(r, principal(ctx).UserID, r.PostForm.Get("code"))
	if err != nil {
		_ = attempt.Release(ctx)
		s.pageError(w, r, err)
		return false
	}
	if !ok {
		s.totpPage(w, r, http.StatusUnprocessableEntity, i18n.T(ctx, "totp.setup.wrong_code"))
		return false
	}
	if err := attempt.Release(ctx); err != nil {
		s.log.Warn("release re-authentication attempt", "err", err, "request_id", requestID(ctx))
	}
	return true
}

func hashCodes(codes []string) [][]byte {
	out := make([][]byte, len(codes))
	for i, c := range codes {
		out[i] = auth.HashRecoveryCode(c)
	}
	return out
}

// handleAdminOrgTOTP sets whether an organisation's members must use TOTP.
func (s *Server) handleAdminOrgTOTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !s.adminOnly(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	o, err := s.store.SetOrgRequireTOTP(ctx, chi.URLParam(r, "orgID"), r.PostForm.Get("require_totp") != "", actor(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := i18n.T(ctx, "admin.org.totp_optional_saved")
	if o.RequireTOTP {
		msg = i18n.T(ctx, "admin.org.totp_required_saved")
	}
	s.flashRedirect(w, r, "ok", msg, "/admin/orgs/"+o.ID)
}
