package server

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/sso"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// ssoAdmin lets platform admins through (policy.ManageSSO), in a browser
// session only, as the other admin pages.
func (s *Server) ssoAdmin(w http.ResponseWriter, r *http.Request) bool {
	if err := policy.ManageSSO(principal(r.Context())); err != nil {
		s.pageError(w, r, err)
		return false
	}
	return s.sessionOnly(w, r)
}

// ssoProvider is the provider named in the URL, for an admin.
func (s *Server) ssoProvider(w http.ResponseWriter, r *http.Request) (store.SSOProvider, bool) {
	if !s.ssoAdmin(w, r) {
		return store.SSOProvider{}, false
	}
	p, err := s.store.GetSSOProvider(r.Context(), chi.URLParam(r, "providerID"))
	if err != nil {
		s.pageError(w, r, err)
		return store.SSOProvider{}, false
	}
	return p, true
}

func (s *Server) ssoListPage(w http.ResponseWriter, r *http.Request, status int, f views.SSOForm, errMsg string) {
	ctx := r.Context()
	ps, err := s.store.ListSSOProviders(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	orgs, err := s.orgPicker(r, "/admin/sso", nil, f.OrgID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if f.DefaultRole == "" {
		f.DefaultRole = string(assessment.Officer)
	}
	d := views.AdminSSOData{Providers: ps, Orgs: orgs, Form: f, Error: errMsg, RedirectURI: s.ssoRedirectURI(r), KeyMissing: s.box == nil}
	s.render(w, r, status, views.AdminSSO(s.page(r, i18n.T(ctx, "admin.sso.title"), "admin-sso"), d))
}

func (s *Server) handleAdminSSO(w http.ResponseWriter, r *http.Request) {
	if !s.ssoAdmin(w, r) {
		return
	}
	s.ssoListPage(w, r, http.StatusOK, views.SSOForm{}, "")
}

// ssoFormValues reads and validates the provider form; the secret is ""
// when none was typed (kept on update, refused on create).
func ssoFormValues(r *http.Request) (views.SSOForm, store.SSOProvider, string, error) {
	if err := r.ParseForm(); err != nil {
		return views.SSOForm{}, store.SSOProvider{}, "", apperr.K(apperr.Malformed, "error.form")
	}
	pf := r.PostForm
	f := views.SSOForm{OrgID: pf.Get("org_id"), Name: strings.TrimSpace(pf.Get("name")), Issuer: strings.TrimSpace(pf.Get("issuer")),
		ClientID: strings.TrimSpace(pf.Get("client_id")), Domains: pf.Get("domains"), DefaultRole: pf.Get("default_role"),
		GroupsClaim: strings.TrimSpace(pf.Get("groups_claim")), GroupRoles: pf.Get("group_roles"), VerifiedClaim: strings.TrimSpace(pf.Get("verified_claim")),
		JIT: pf.Get("jit") == "on", ShowButton: pf.Get("show_button") == "on"}
	p := store.SSOProvider{OrgID: f.OrgID, Name: f.Name, Issuer: f.Issuer, ClientID: f.ClientID, GroupsClaim: f.GroupsClaim, VerifiedClaim: f.VerifiedClaim,
		JIT: f.JIT, ShowButton: f.ShowButton}
	if len(f.VerifiedClaim) > 100 || len(f.GroupsClaim) > 100 {
		return f, p, "", apperr.InvalidFieldsK("sso.provider_invalid", map[string]string{"verified_claim": "length"})
	}
	if f.Name == "" || len([]rune(f.Name)) > 100 {
		return f, p, "", apperr.InvalidFieldsK("sso.name_invalid", map[string]string{"name": "length"})
	}
	if err := sso.CheckIssuer(f.Issuer); err != nil {
		return f, p, "", err
	}
	if f.ClientID == "" || len(f.ClientID) > 500 {
		return f, p, "", apperr.InvalidFieldsK("sso.client_id_invalid", map[string]string{"client_id": "length"})
	}
	if !assessment.ValidRole(f.DefaultRole) {
		return f, p, "", apperr.InvalidFieldsK("sso.provider_invalid", map[string]string{"default_role": "invalid"})
	}
	p.DefaultRole = assessment.Role(f.DefaultRole)
	var err error
	if p.Domains, err = sso.ParseDomains(f.Domains); err != nil {
		return f, p, "", err
	}
	if p.GroupRoles, err = sso.ParseGroupRoles(strings.FieldsFunc(f.GroupRoles, func(r rune) bool { return r == '\n' || r == ',' })); err != nil {
		return f, p, "", err
	}
	if len(p.GroupRoles) > 0 && f.GroupsClaim == "" {
		return f, p, "", apperr.InvalidFieldsK("sso.groups_claim_required", map[string]string{"groups_claim": "required"})
	}
	return f, p, pf.Get("client_secret"), nil
}

func (s *Server) handleAdminSSOCreate(w http.ResponseWriter, r *http.Request) {
	if !s.ssoAdmin(w, r) {
		return
	}
	f, p, secret, err := ssoFormValues(r)
	if err == nil && secret == "" {
		err = apperr.InvalidFieldsK("sso.secret_required", map[string]string{"client_secret": "required"})
	}
	if err == nil {
		p.SecretSealed, err = s.sealSecret(secret)
	}
	if err == nil {
		var created store.SSOProvider
		created, err = s.store.CreateSSOProvider(r.Context(), p, actor(r))
		if err == nil {
			s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "admin.sso.created", created.Name), "/admin/sso/"+created.ID)
			return
		}
	}
	if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Malformed) {
		s.ssoListPage(w, r, statusOf(e.Code), f, e.Message)
		return
	}
	s.pageError(w, r, err)
}

func ssoFormOf(p store.SSOProvider) views.SSOForm {
	pairs := make([]string, 0, len(p.GroupRoles))
	for g, role := range p.GroupRoles {
		pairs = append(pairs, g+"="+string(role))
	}
	sort.Strings(pairs)
	return views.SSOForm{OrgID: p.OrgID, Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, Domains: strings.Join(p.Domains, ", "),
		DefaultRole: string(p.DefaultRole), GroupsClaim: p.GroupsClaim, GroupRoles: strings.Join(pairs, "\n"), VerifiedClaim: p.VerifiedClaim,
		JIT: p.JIT, ShowButton: p.ShowButton}
}

func (s *Server) ssoProviderPage(w http.ResponseWriter, r *http.Request, status int, p store.SSOProvider, f *views.SSOForm, errMsg string) {
	on, err := s.store.PasswordLogin(r.Context(), p.OrgID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.AdminSSOProviderData{Provider: p, Form: ssoFormOf(p), Error: errMsg, RedirectURI: s.ssoRedirectURI(r), PasswordLogin: on, KeyMissing: s.box == nil}
	if f != nil {
		d.Form = *f
	}
	allowFormTargets(w, s.ssoClients.formOrigins(p, s.log)) // the test sign-in
	s.render(w, r, status, views.AdminSSOProvider(s.page(r, p.Name, "admin-sso"), d))
}

func (s *Server) handleAdminSSOProvider(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ssoProvider(w, r)
	if !ok {
		return
	}
	s.ssoProviderPage(w, r, http.StatusOK, p, nil, "")
}

func (s *Server) handleAdminSSOUpdate(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ssoProvider(w, r)
	if !ok {
		return
	}
	f, up, secret, err := ssoFormValues(r)
	f.OrgID = p.OrgID
	if err == nil && secret != "" {
		up.SecretSealed, err = s.sealSecret(secret)
	}
	if err == nil {
		_, err = s.store.UpdateSSOProvider(r.Context(), p.ID, up, actor(r))
		if err == nil {
			s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "common.saved"), "/admin/sso/"+p.ID)
			return
		}
	}
	if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Malformed) {
		s.ssoProviderPage(w, r, statusOf(e.Code), p, &f, e.Message)
		return
	}
	s.pageError(w, r, err)
}

func (s *Server) handleAdminSSORemove(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ssoProvider(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteSSOProvider(r.Context(), p.ID, actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "admin.sso.removed", p.Name), "/admin/sso")
}

// handleAdminSSOTest starts a sign-in at the provider that, when it comes
// back, shows the admin the claims received instead of signing anyone in.
func (s *Server) handleAdminSSOTest(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ssoProvider(w, r)
	if !ok {
		return
	}
	s.ssoRedirect(w, r, p, "", "/admin/sso/"+p.ID, true)
}

// ssoTestResult is the end of a test sign-in: the claims, for the admin
// who started it.
func (s *Server) ssoTestResult(w http.ResponseWriter, r *http.Request, p store.SSOProvider, claims map[string]any) {
	if err := policy.ManageSSO(principal(r.Context())); err != nil {
		s.ssoRefuse(w, r, p, "", "test_not_admin", apperr.K(apperr.Forbidden, "err.forbidden"))
		return
	}
	d := views.SSOTestData{Provider: p}
	names := make([]string, 0, len(claims))
	for k := range claims {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v, _ := json.Marshal(claims[k])
		d.Claims = append(d.Claims, views.SSOClaim{Name: k, Value: string(v)})
	}
	email, _ := claims["email"].(string)
	var groups []string
	if p.GroupsClaim != "" {
		groups = sso.Groups(claims[p.GroupsClaim])
	}
	d.Email, d.Role = email, string(sso.RoleFor(groups, p.GroupRoles, p.DefaultRole))
	s.audit(r, store.Audit{OrgID: p.OrgID, Action: "sso.test_sign_in", Detail: map[string]any{"provider_id": p.ID, "email": email, "claims": names}})
	s.render(w, r, http.StatusOK, views.AdminSSOTest(s.page(r, i18n.T(r.Context(), "admin.sso.test_title", p.Name), "admin-sso"), d))
}

// handleAdminOrgPasswordLogin switches password sign-in for an
// organisation (admins keep theirs: break-glass).
func (s *Server) handleAdminOrgPasswordLogin(w http.ResponseWriter, r *http.Request) {
	if !s.ssoAdmin(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	orgID := chi.URLParam(r, "orgID")
	on := r.PostForm.Get("password_login") == "on"
	if err := s.store.SetPasswordLogin(r.Context(), orgID, on, actor(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	back := safeNext(r.PostForm.Get("back"))
	if back == "/" {
		back = "/admin/sso"
	}
	key := "admin.sso.password_login_off"
	if on {
		key = "admin.sso.password_login_on"
	}
	s.flashRedirect(w, r, "ok", i18n.T(r.Context(), key), back)
}
