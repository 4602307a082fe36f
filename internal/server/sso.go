package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/secretbox"
	"mamori/internal/sso"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// Single sign-on with OpenID Connect: the authorisation code flow with PKCE,
// state and nonce. Discovery, the code exchange and every check of the ID
// token (signature against the provider's published keys, issuer, audience,
// expiry) are coreos/go-oidc and golang.org/x/oauth2; this file keeps the
// pending sign-in in the pre-login session (server-side), checks state,
// nonce, email_verified and the provider's email domains, and signs the
// session in exactly as a password does (rotation, the same timeouts).
//
// SSO users are not asked for Mamori's second factor: the provider enforces
// its own. Admins keep password plus TOTP as the break-glass way in.

const (
	keySSOState    = "sso_state"
	keySSONonce    = "sso_nonce"
	keySSOVerifier = "sso_verifier"
	keySSOProvider = "sso_provider"
	keySSOAt       = "sso_at"
	keySSONext     = "sso_next"
	keySSOTest     = "sso_test" // an admin's "test sign-in": show the claims, sign nobody in

	// Kept on a signed-in SSO session for RP-initiated logout.
	keySSOLogoutProvider = "sso_logout_provider"
	keySSOIDToken        = "sso_id_token"

	// ssoPendingTTL is how long the provider may take to send the user back.
	ssoPendingTTL = 10 * time.Minute
)

// ssoProviders caches each provider's discovery document and key set, so
// that keys are fetched once and refetched when a token names a key not yet
// seen (go-oidc's RemoteKeySet): a rotation at the provider is picked up
// without a restart. An entry is replaced when the provider's settings
// change.
type ssoProviders struct {
	client  *http.Client
	mu      sync.Mutex
	byID    map[string]ssoCached
	warming map[string]bool
}

type ssoCached struct {
	issuer     string
	updated    time.Time
	provider   *oidc.Provider
	endSession string
}

func newSSOProviders() *ssoProviders {
	return &ssoProviders{client: &http.Client{Timeout: 10 * time.Second}, byID: map[string]ssoCached{}, warming: map[string]bool{}}
}

func (c *ssoProviders) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.client)
}

// get returns the provider's discovery, fetching it when not cached.
func (c *ssoProviders) get(ctx context.Context, p store.SSOProvider) (ssoCached, error) {
	c.mu.Lock()
	cached, ok := c.byID[p.ID]
	c.mu.Unlock()
	if ok && cached.issuer == p.Issuer && cached.updated.Equal(p.UpdatedAt) {
		return cached, nil
	}
	// The key set keeps this context for its later fetches: no deadline.
	op, err := oidc.NewProvider(c.ctx(context.WithoutCancel(ctx)), p.Issuer)
	if err != nil {
		return ssoCached{}, err
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&extra)
	cached = ssoCached{issuer: p.Issuer, updated: p.UpdatedAt, provider: op, endSession: extra.EndSession}
	c.mu.Lock()
	c.byID[p.ID] = cached
	c.mu.Unlock()
	return cached, nil
}

// formOrigins are the origins a form that starts a sign-in at p may be
// redirected to: the issuer's, and its authorisation endpoint's once the
// discovery is cached. Without a cached discovery it is fetched in the
// background (never on the request: the sign-in page is public), so that
// a provider whose endpoint is on another origin works from the next page.
func (c *ssoProviders) formOrigins(p store.SSOProvider, log interface{ Warn(string, ...any) }) []string {
	out := []string{origin(p.Issuer)}
	c.mu.Lock()
	cached, ok := c.byID[p.ID]
	fresh := ok && cached.issuer == p.Issuer && cached.updated.Equal(p.UpdatedAt)
	start := !fresh && !c.warming[p.ID]
	if start {
		c.warming[p.ID] = true
	}
	c.mu.Unlock()
	if fresh {
		if o := origin(cached.provider.Endpoint().AuthURL); o != "" && o != out[0] {
			out = append(out, o)
		}
	} else if start {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if _, err := c.get(ctx, p); err != nil {
				log.Warn("sso discovery failed", "provider_id", p.ID, "issuer", p.Issuer, "err", err)
			}
			c.mu.Lock()
			delete(c.warming, p.ID)
			c.mu.Unlock()
		}()
	}
	return out
}

// origin is scheme://host of an absolute URL, or "".
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'\"") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// allowFormTargets widens the page's form-action to the identity providers
// its forms start a sign-in at: browsers apply form-action to the redirect
// from POST /login/sso to the provider.
func allowFormTargets(w http.ResponseWriter, origins []string) {
	var extra []string
	for _, o := range origins {
		if o != "" && !slices.Contains(extra, o) {
			extra = append(extra, o)
		}
	}
	if len(extra) == 0 {
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "form-action 'self'", "form-action 'self' "+strings.Join(extra, " "), 1))
}

// publicURL is the address users reach Mamori at: MAMORI_PUBLIC_URL, or
// what the request says.
func (s *Server) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil || (s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ssoRedirectURI is the redirect URI to register at the provider.
func (s *Server) ssoRedirectURI(r *http.Request) string {
	return s.publicURL(r) + "/login/sso/callback"
}

func (s *Server) oauthConfig(r *http.Request, p store.SSOProvider, op *oidc.Provider) (oauth2.Config, error) {
	secret, err := s.box.Open(p.SecretSealed, sso.SecretPurpose)
	if err != nil {
		return oauth2.Config{}, fmt.Errorf("sso: client secret of provider %s: %w", p.ID, err)
	}
	return oauth2.Config{ClientID: p.ClientID, ClientSecret: string(secret), Endpoint: op.Endpoint(),
		RedirectURL: s.ssoRedirectURI(r), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

// handleSSOStart is POST /login/sso: the email-first step. An email whose
// domain belongs to a provider (or a provider's button) goes to the
// provider; any other email gets the password form.
func (s *Server) handleSSOStart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if sessionOf(ctx) == nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "err.login_form_browser"))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	email, next := strings.TrimSpace(r.PostForm.Get("email")), safeNext(r.PostForm.Get("next"))
	var p store.SSOProvider
	var err error
	if id := r.PostForm.Get("provider"); id != "" {
		p, err = s.store.GetSSOProvider(ctx, id)
		if err == nil && !p.ShowButton {
			err = apperr.ErrNotFound
		}
	} else {
		p, err = s.store.SSOProviderForDomain(ctx, sso.DomainOf(email))
	}
	if apperr.Is(err, apperr.NotFound) {
		s.render(w, r, http.StatusOK, views.Login(s.page(r, i18n.T(ctx, "login.title"), ""), views.LoginData{Email: email, Next: next, Step: views.LoginPassword}))
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.ssoRedirect(w, r, p, email, next, false)
}

// ssoRedirect keeps state, nonce and the PKCE verifier in the session and
// sends the browser to the provider.
func (s *Server) ssoRedirect(w http.ResponseWriter, r *http.Request, p store.SSOProvider, email, next string, test bool) {
	ctx := r.Context()
	op, err := s.ssoClients.get(ctx, p)
	if err != nil {
		s.log.Warn("sso discovery failed", "provider_id", p.ID, "issuer", p.Issuer, "err", err, "request_id", requestID(ctx))
		s.ssoRefuse(w, r, p, email, "unreachable", apperr.K(apperr.Unavailable, "sso.err.unreachable", p.Name))
		return
	}
	cfg, err := s.oauthConfig(r, p, op.provider)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	state, nonce, verifier := auth.NewToken(), auth.NewToken(), oauth2.GenerateVerifier()
	sess := sessionOf(ctx)
	sess.Values[keySSOState] = state
	sess.Values[keySSONonce] = nonce
	sess.Values[keySSOVerifier] = verifier
	sess.Values[keySSOProvider] = p.ID
	sess.Values[keySSOAt] = s.now().Unix()
	sess.Values[keySSONext] = next
	sess.Values[keySSOTest] = test
	if err := sess.Save(r, w); err != nil {
		s.pageError(w, r, err)
		return
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if email != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", email))
	}
	http.Redirect(w, r, cfg.AuthCodeURL(state, opts...), http.StatusSeeOther)
}

// ssoPending is a sign-in started by ssoRedirect.
type ssoPending struct {
	state, nonce, verifier, providerID, next string
	test                                     bool
}

// takePending reads and forgets the pending sign-in: a state is good once.
func (s *Server) takePending(w http.ResponseWriter, r *http.Request) (ssoPending, bool) {
	sess := sessionOf(r.Context())
	if sess == nil {
		return ssoPending{}, false
	}
	str := func(k string) string { v, _ := sess.Values[k].(string); return v }
	p := ssoPending{state: str(keySSOState), nonce: str(keySSONonce), verifier: str(keySSOVerifier), providerID: str(keySSOProvider), next: str(keySSONext)}
	p.test, _ = sess.Values[keySSOTest].(bool)
	at := number(sess.Values[keySSOAt])
	if p.state == "" {
		return ssoPending{}, false
	}
	for _, k := range []string{keySSOState, keySSONonce, keySSOVerifier, keySSOProvider, keySSOAt, keySSONext, keySSOTest} {
		delete(sess.Values, k)
	}
	if err := sess.Save(r, w); err != nil {
		s.log.Warn("sso pending not cleared", "err", err, "request_id", requestID(r.Context()))
		return ssoPending{}, false
	}
	return p, s.now().Sub(time.Unix(at, 0)) <= ssoPendingTTL
}

// ssoRefuse writes the refusal to the audit trail and answers with a page
// that says why, in the user's language. A session that is not signed in
// ends with it, so a refused sign-in leaves no session.
func (s *Server) ssoRefuse(w http.ResponseWriter, r *http.Request, p store.SSOProvider, email, reason string, err *apperr.Error) {
	detail := map[string]any{"client": s.clientAddr(r), "reason": reason}
	if p.ID != "" {
		detail["provider_id"], detail["issuer"] = p.ID, p.Issuer
	}
	s.audit(r, store.Audit{Actor: store.NormalizeEmail(email), OrgID: p.OrgID, Action: "sso.refused", Detail: detail})
	s.log.Info("sso sign-in refused", "reason", reason, "provider_id", p.ID, "request_id", requestID(r.Context()))
	if sess := sessionOf(r.Context()); sess != nil && auth.UserID(sess) == "" && !sess.IsNew {
		sess.Options.MaxAge = -1
		if err := sess.Save(r, w); err != nil {
			s.log.Warn("refused sso session not deleted", "err", err, "request_id", requestID(r.Context()))
		}
	}
	s.pageError(w, r, err)
}

// errSSOToken is what the user reads for any token that failed a check;
// the audit trail has the precise reason.
func errSSOToken() *apperr.Error { return apperr.K(apperr.Forbidden, "sso.err.token") }

// handleSSOCallback is GET /login/sso/callback, where the provider sends
// the browser back with a code.
func (s *Server) handleSSOCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	pending, fresh := s.takePending(w, r)
	if pending.state == "" || q.Get("state") != pending.state || !fresh {
		if q.Get("state") == "" && q.Get("code") == "" {
			// A bare visit, which any site can cause with a link: nothing
			// was attempted, so nothing goes into the audit trail.
			s.pageError(w, r, apperr.K(apperr.Malformed, "sso.err.state"))
			return
		}
		s.ssoRefuse(w, r, store.SSOProvider{ID: pending.providerID}, "", "state", apperr.K(apperr.Malformed, "sso.err.state"))
		return
	}
	p, err := s.store.GetSSOProvider(ctx, pending.providerID)
	if apperr.Is(err, apperr.NotFound) {
		s.ssoRefuse(w, r, store.SSOProvider{ID: pending.providerID}, "", "provider_deleted", apperr.K(apperr.Conflict, "sso.err.provider_gone"))
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if e := q.Get("error"); e != "" {
		s.ssoRefuse(w, r, p, "", "provider_error:"+truncateRunes(e, 50), apperr.K(apperr.Forbidden, "sso.err.provider_said", p.Name))
		return
	}
	op, err := s.ssoClients.get(ctx, p)
	if err != nil {
		s.ssoRefuse(w, r, p, "", "unreachable", apperr.K(apperr.Unavailable, "sso.err.unreachable", p.Name))
		return
	}
	cfg, err := s.oauthConfig(r, p, op.provider)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	octx := s.ssoClients.ctx(ctx)
	tok, err := cfg.Exchange(octx, q.Get("code"), oauth2.VerifierOption(pending.verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			s.ssoRefuse(w, r, p, "", "code_refused", errSSOToken())
		} else {
			s.ssoRefuse(w, r, p, "", "unreachable", apperr.K(apperr.Unavailable, "sso.err.unreachable", p.Name))
		}
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.ssoRefuse(w, r, p, "", "no_id_token", errSSOToken())
		return
	}
	idt, err := op.provider.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.now}).Verify(octx, raw)
	if err != nil {
		s.ssoRefuse(w, r, p, "", tokenFailure(err), errSSOToken())
		return
	}
	if idt.Nonce != pending.nonce {
		s.ssoRefuse(w, r, p, "", "nonce", errSSOToken())
		return
	}
	claims, err := s.ssoClaims(octx, op.provider, idt, tok)
	if err != nil {
		s.ssoRefuse(w, r, p, "", "userinfo", errSSOToken())
		return
	}
	email, _ := claims["email"].(string)
	if !emailVerified(claims[p.VerifiedClaim]) {
		s.ssoRefuse(w, r, p, email, "email_unverified", apperr.K(apperr.Forbidden, "sso.err.email_unverified"))
		return
	}
	if !contains(p.Domains, sso.DomainOf(email)) {
		s.ssoRefuse(w, r, p, email, "email_domain", apperr.K(apperr.Forbidden, "sso.err.email_domain", email))
		return
	}
	if pending.test {
		s.ssoTestResult(w, r, p, claims)
		return
	}
	name, _ := claims["name"].(string)
	var groups []string
	if p.GroupsClaim != "" {
		groups = sso.Groups(claims[p.GroupsClaim])
	}
	in, err := s.store.SignInSSO(ctx, p, store.SSOIdentity{Email: email, Name: name, Subject: idt.Subject, Role: sso.RoleFor(groups, p.GroupRoles, p.DefaultRole)})
	if e, ok := apperr.As(err); ok && e.Code == apperr.Forbidden {
		s.ssoRefuse(w, r, p, email, e.Key, e)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.ssoSignIn(w, r, p, in.User, raw, pending.next)
}

// ssoSignIn signs the session in as the password sign-in does: a new
// session id, the same idle and absolute timeouts.
func (s *Server) ssoSignIn(w http.ResponseWriter, r *http.Request, p store.SSOProvider, u store.User, rawIDToken, next string) {
	sess := sessionOf(r.Context())
	clearPending(sess)
	delete(sess.Values, keySetupSecret)
	delete(sess.Values, keySetupNeeded)
	if err := s.sessions.Rotate(r, sess); err != nil {
		s.pageError(w, r, err)
		return
	}
	auth.SetUserID(sess, u.ID)
	sess.Values[keySSOLogoutProvider] = p.ID
	if len(rawIDToken) <= 8<<10 {
		sess.Values[keySSOIDToken] = rawIDToken
	}
	if err := sess.Save(r, w); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// ssoClaims are the ID token's claims, completed from the userinfo
// endpoint when the token carries no email (providers that put only the
// subject in the ID token).
func (s *Server) ssoClaims(ctx context.Context, op *oidc.Provider, idt *oidc.IDToken, tok *oauth2.Token) (map[string]any, error) {
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, err
	}
	if _, ok := claims["email"]; ok || op.UserInfoEndpoint() == "" {
		return claims, nil
	}
	ui, err := op.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, err
	}
	if ui.Subject != idt.Subject {
		return nil, errors.New("sso: userinfo is about another subject")
	}
	extra := map[string]any{}
	if err := ui.Claims(&extra); err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return claims, nil
}

// tokenFailure names, for the audit trail, why go-oidc refused a token.
func tokenFailure(err error) string {
	var expired *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &expired):
		return "token_expired"
	case strings.Contains(msg, "issuer") || strings.Contains(msg, "different provider"):
		return "token_issuer"
	case strings.Contains(msg, "audience"):
		return "token_audience"
	case strings.Contains(msg, "signing algorithm") || strings.Contains(msg, "alg"):
		return "token_algorithm"
	case strings.Contains(msg, "signature") || strings.Contains(msg, "key"):
		return "token_signature"
	}
	return "token_invalid"
}

// emailVerified accepts true, and the string "true" some providers send.
func emailVerified(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return b == "true"
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s && s != "" {
			return true
		}
	}
	return false
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// ssoLogoutURL is the provider's end-session address for a signed-in SSO
// session (RP-initiated logout), or "" when the provider has none.
func (s *Server) ssoLogoutURL(r *http.Request, providerID, idToken string) string {
	if providerID == "" {
		return ""
	}
	p, err := s.store.GetSSOProvider(r.Context(), providerID)
	if err != nil {
		return ""
	}
	op, err := s.ssoClients.get(r.Context(), p)
	if err != nil || op.endSession == "" {
		return ""
	}
	u, err := url.Parse(op.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", p.ClientID)
	q.Set("post_logout_redirect_uri", s.publicURL(r)+"/login")
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// sealSecret seals a client secret; without MAMORI_SECRET_KEY it refuses.
func (s *Server) sealSecret(secret string) ([]byte, error) {
	sealed, err := s.box.Seal([]byte(secret), sso.SecretPurpose)
	if errors.Is(err, secretbox.ErrNoKey) {
		return nil, apperr.InvalidFieldsK("sso.no_key", map[string]string{"client_secret": "no_key"})
	}
	return sealed, err
}
