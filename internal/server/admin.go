package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// adminOnly lets platform admins through; a signed-in non-admin gets 403
// (the admin pages hold no organisation's data, so there is nothing to hide).
// Administration needs the browser session: an admin's leaked API token
// must not create accounts or reset passwords that outlive its revocation.
func (s *Server) adminOnly(w http.ResponseWriter, r *http.Request) bool {
	if err := policy.Admin(principal(r.Context())); err != nil {
		s.pageError(w, r, err)
		return false
	}
	return s.sessionOnly(w, r)
}

// adminOrg is the organisation named in the URL, for an admin; false when
// the response is already written (not an admin, or no such organisation).
func (s *Server) adminOrg(w http.ResponseWriter, r *http.Request) (store.Org, bool) {
	if !s.adminOnly(w, r) {
		return store.Org{}, false
	}
	org, err := s.store.GetOrg(r.Context(), chi.URLParam(r, "orgID"))
	if err != nil {
		s.pageError(w, r, err)
		return store.Org{}, false
	}
	return org, true
}

// adminUser is adminOrg for the user named in the URL.
func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) (store.User, bool) {
	if !s.adminOnly(w, r) {
		return store.User{}, false
	}
	u, err := s.store.GetUser(r.Context(), chi.URLParam(r, "userID"))
	if err != nil {
		s.pageError(w, r, err)
		return store.User{}, false
	}
	return u, true
}

// adminPageSize is the number of rows per page of the administrator's
// lists; unreviewedShown, how many of the organisations without a reviewer
// the organisations page names.
const (
	adminPageSize   = views.AdminPageSize
	unreviewedShown = 20
	// assignmentsShown bounds the assignments a page lists: an auditor
	// may review thousands of organisations.
	assignmentsShown = 200
)

// listQuery is a list's search (?q=).
func listQuery(r *http.Request) string { return searchParam(r, "q") }

// searchParam is a search from the URL's parameter name, trimmed and at
// most 100 characters.
func searchParam(r *http.Request, name string) string {
	q := strings.TrimSpace(r.URL.Query().Get(name))
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	return q
}

// orgPicker is orgChoices for a picker of the administrator's pages, whose
// search form goes back to action keeping keep; the organisations already
// chosen (ids, "" for none) come first when the search does not offer
// them, so that a form keeps its value.
func (s *Server) orgPicker(r *http.Request, action string, keep url.Values, chosen ...string) (views.OrgPicker, error) {
	orgs, q, more, err := s.orgChoices(r)
	if err != nil {
		return views.OrgPicker{}, err
	}
	p := views.OrgPicker{Orgs: orgs, Query: q, More: more, Shown: len(orgs), Action: action, Keep: keep}
	var missing []string
	for _, id := range chosen {
		if id != "" && !slices.ContainsFunc(orgs, func(o store.Org) bool { return o.ID == id }) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		extra, err := s.store.OrgsByIDs(r.Context(), missing)
		if err != nil {
			return views.OrgPicker{}, err
		}
		p.Orgs = append(extra, orgs...)
	}
	return p, nil
}

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request, status int, d views.AdminOrgsData) {
	ctx := r.Context()
	var err error
	d.Query, d.Page, d.Industries = listQuery(r), listPage(r), score.Industries
	d.Orgs, d.More, err = s.store.OrgPage(ctx, strings.ToLower(d.Query), (d.Page-1)*adminPageSize, adminPageSize)
	if err == nil {
		d.Unreviewed, d.UnreviewedTotal, err = s.store.UnreviewedOrgs(ctx, unreviewedShown)
	}
	if err == nil {
		d.Parents, err = s.orgPicker(r, "/admin/orgs", url.Values{"q": {d.Query}, "page": {r.URL.Query().Get("page")}}, d.Form.ParentID)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Form.Industry == "" {
		d.Form.Industry = "other"
	}
	s.render(w, r, status, views.AdminOrgs(s.page(r, i18n.T(ctx, "admin.orgs.title"), "admin-orgs"), d))
}

func (s *Server) handleAdminOrgs(w http.ResponseWriter, r *http.Request) {
	if !s.adminOnly(w, r) {
		return
	}
	s.orgsPage(w, r, http.StatusOK, views.AdminOrgsData{})
}

// orgForm reads and validates the organisation form.
func orgFormValues(r *http.Request) (views.OrgForm, *string, error) {
	if err := r.ParseForm(); err != nil {
		return views.OrgForm{}, nil, apperr.K(apperr.Malformed, "error.form")
	}
	f := views.OrgForm{Name: strings.TrimSpace(r.PostForm.Get("name")), ParentID: r.PostForm.Get("parent_id"), Industry: r.PostForm.Get("industry")}
	if f.Name == "" || len([]rune(f.Name)) > 200 {
		return f, nil, apperr.InvalidFieldsK("admin.org.name_invalid", map[string]string{"name": "length"})
	}
	if !validIndustry(f.Industry) {
		return f, nil, apperr.InvalidFieldsK("admin.org.industry_invalid", map[string]string{"industry": "unknown"})
	}
	var parent *string
	if f.ParentID != "" {
		parent = &f.ParentID
	}
	return f, parent, nil
}

func validIndustry(ind string) bool {
	for _, x := range score.Industries {
		if x == ind {
			return true
		}
	}
	return false
}

func (s *Server) handleAdminOrgCreate(w http.ResponseWriter, r *http.Request) {
	if !s.adminOnly(w, r) {
		return
	}
	f, parent, err := orgFormValues(r)
	if err == nil {
		var o store.Org
		o, err = s.store.CreateOrg(r.Context(), f.Name, parent, f.Industry)
		if err == nil {
			s.audit(r, store.Audit{OrgID: o.ID, Action: "org.created", Detail: map[string]any{"name": o.Name, "parent_id": o.ParentID, "industry": o.Industry}})
			s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "admin.orgs.created", o.Name), "/admin/orgs")
			return
		}
	}
	if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Conflict) {
		s.orgsPage(w, r, statusOf(e.Code), views.AdminOrgsData{Form: f, Error: e.Message})
		return
	}
	s.pageError(w, r, err)
}

func (s *Server) orgPage(w http.ResponseWriter, r *http.Request, status int, org store.Org, f *views.OrgForm, errMsg string) {
	ctx := r.Context()
	d := views.AdminOrgData{Org: org, Industries: score.Industries, Error: errMsg}
	if f != nil {
		d.Form = *f
	} else {
		d.Form = views.OrgForm{Name: org.Name, Industry: org.Industry}
		if org.ParentID != nil {
			d.Form.ParentID = *org.ParentID
		}
	}
	var err error
	d.Users, d.MoreUsers, err = s.store.UserPage(ctx, store.UserFilter{OrgID: org.ID}, 0, adminPageSize)
	if err == nil {
		d.Auditors, d.MoreAuditors, err = s.store.AssignmentsOf(ctx, org.ID, nil, assignmentsShown)
	}
	if err == nil {
		d.Parents, err = s.orgPicker(r, "/admin/orgs/"+org.ID, nil, d.Form.ParentID)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, views.AdminOrg(s.page(r, org.Name, "admin-orgs"), d))
}

func (s *Server) handleAdminOrg(w http.ResponseWriter, r *http.Request) {
	org, ok := s.adminOrg(w, r)
	if !ok {
		return
	}
	s.orgPage(w, r, http.StatusOK, org, nil, "")
}

func (s *Server) handleAdminOrgUpdate(w http.ResponseWriter, r *http.Request) {
	org, ok := s.adminOrg(w, r)
	if !ok {
		return
	}
	f, parent, err := orgFormValues(r)
	if err == nil {
		var o store.Org
		o, err = s.store.UpdateOrg(r.Context(), org.ID, f.Name, parent, f.Industry)
		if err == nil {
			s.audit(r, store.Audit{OrgID: o.ID, Action: "org.updated", Detail: map[string]any{
				"old": map[string]any{"name": org.Name, "parent_id": org.ParentID, "industry": org.Industry},
				"new": map[string]any{"name": o.Name, "parent_id": o.ParentID, "industry": o.Industry}}})
			s.flashRedirect(w, r, "ok", i18n.T(r.Context(), "common.saved"), "/admin/orgs/"+o.ID)
			return
		}
	}
	if e, ok := userError(r, err); ok && e.Code == apperr.Invalid {
		s.orgPage(w, r, http.StatusUnprocessableEntity, org, &f, e.Message)
		return
	}
	s.pageError(w, r, err)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, status int, d views.AdminUsersData) {
	ctx := r.Context()
	var err error
	d.Query, d.Page = listQuery(r), listPage(r)
	filter := store.UserFilter{Q: d.Query}
	if id := r.URL.Query().Get("org"); id != "" {
		org, err := s.store.GetOrg(ctx, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.OrgFilter, filter.OrgID = &org, org.ID
	}
	keep := url.Values{"q": {d.Query}, "org": {filter.OrgID}, "page": {r.URL.Query().Get("page")}}
	d.Users, d.More, err = s.store.UserPage(ctx, filter, (d.Page-1)*adminPageSize, adminPageSize)
	if err == nil {
		ids := make([]string, len(d.Users))
		for i, u := range d.Users {
			ids[i] = u.ID
		}
		d.Assignments, d.MoreAssignments, err = s.store.AssignmentsOf(ctx, "", ids, assignmentsShown)
	}
	if err == nil {
		d.Orgs, err = s.orgPicker(r, "/admin/users", keep, d.Form.OrgID)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Form.Role == "" {
		d.Form.Role = "officer"
	}
	s.render(w, r, status, views.AdminUsers(s.page(r, i18n.T(ctx, "admin.users.title"), "admin-users"), d))
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	if !s.adminOnly(w, r) {
		return
	}
	s.usersPage(w, r, http.StatusOK, views.AdminUsersData{})
}

func userFormValues(r *http.Request) (views.UserForm, error) {
	if err := r.ParseForm(); err != nil {
		return views.UserForm{}, apperr.K(apperr.Malformed, "error.form")
	}
	f := views.UserForm{
		Email: strings.TrimSpace(r.PostForm.Get("email")), Name: strings.TrimSpace(r.PostForm.Get("name")),
		Role: r.PostForm.Get("role"), OrgID: r.PostForm.Get("org_id"),
		Admin: r.PostForm.Get("admin") != "", Active: r.PostForm.Get("active") != "",
	}
	if f.Name == "" || len([]rune(f.Name)) > 100 {
		return f, apperr.InvalidFieldsK("admin.user.name_invalid", map[string]string{"name": "length"})
	}
	if !assessment.ValidRole(f.Role) {
		return f, apperr.InvalidFieldsK("admin.user.role_invalid", map[string]string{"role": "unknown"})
	}
	return f, nil
}

// validEmail is a light check: one @, something on each side, no spaces.
func validEmail(e string) bool {
	at := strings.LastIndex(e, "@")
	return at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n<>\"") && len(e) <= 254 && strings.Contains(e[at:], ".")
}

func (s *Server) handleAdminUserCreate(w http.ResponseWriter, r *http.Request) {
	if !s.adminOnly(w, r) {
		return
	}
	ctx := r.Context()
	f, err := userFormValues(r)
	if err == nil && !validEmail(f.Email) {
		err = apperr.InvalidFieldsK("admin.user.email_invalid", map[string]string{"email": "format"})
	}
	password, generated := r.PostForm.Get("password"), false
	if err == nil && password == "" {
		password, generated = auth.GeneratePassword(), true
	}
	if err == nil {
		err = auth.ValidatePassword(password)
	}
	var u store.User
	if err == nil {
		var hash string
		if hash, err = auth.HashPassword(password); err == nil {
			u, err = s.store.CreateUser(ctx, store.NewUser{Email: f.Email, Name: f.Name, PasswordHash: hash, Role: assessment.Role(f.Role), OrgID: f.OrgID, Admin: f.Admin, Actor: actor(r),
				MustChangePassword: generated})
		}
	}
	if err != nil {
		if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Conflict) {
			s.usersPage(w, r, statusOf(e.Code), views.AdminUsersData{Form: f, Error: e.Message})
			return
		}
		s.pageError(w, r, err)
		return
	}
	d := views.AdminUsersData{}
	if generated {
		d.NewPassword, d.NewUserEmail = password, u.Email
	} else {
		d.NewUserEmail = u.Email
	}
	s.usersPage(w, r, http.StatusCreated, d)
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request, status int, d views.AdminUserData) {
	if d.Form.Name == "" {
		u := d.User
		d.Form = views.UserForm{Email: u.Email, Name: u.Name, Role: string(u.Role), OrgID: u.OrgID, Admin: u.Admin, Active: u.Active}
	}
	var err error
	if d.Orgs, err = s.orgPicker(r, "/admin/users/"+d.User.ID, nil, d.Form.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, views.AdminUser(s.page(r, d.User.Name, "admin-users"), d))
}

func (s *Server) handleAdminUser(w http.ResponseWriter, r *http.Request) {
	u, ok := s.adminUser(w, r)
	if !ok {
		return
	}
	s.userPage(w, r, http.StatusOK, views.AdminUserData{User: u})
}

func (s *Server) handleAdminUserUpdate(w http.ResponseWriter, r *http.Request) {
	u, ok := s.adminUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f, err := userFormValues(r)
	if err == nil && u.ID == principal(ctx).UserID && (!f.Admin || !f.Active) {
		err = apperr.InvalidFieldsK("admin.user.self_lockout", map[string]string{"admin": "self"})
	}
	if err == nil {
		_, _, err = s.store.UpdateUser(ctx, u.ID, store.UserUpdate{Name: f.Name, Role: assessment.Role(f.Role), OrgID: f.OrgID, Admin: f.Admin, Active: f.Active, Actor: actor(r)})
	}
	if err != nil {
		if e, ok := userError(r, err); ok && e.Code == apperr.Invalid {
			s.userPage(w, r, http.StatusUnprocessableEntity, views.AdminUserData{User: u, Form: f, Error: e.Message})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "common.saved"), "/admin/users/"+u.ID)
}

func (s *Server) handleAdminUserPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := s.adminUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	password, generated := r.PostForm.Get("password"), false
	if password == "" {
		password, generated = auth.GeneratePassword(), true
	}
	if err := auth.ValidatePassword(password); err != nil {
		s.userPage(w, r, http.StatusUnprocessableEntity, views.AdminUserData{User: u, PasswordError: messageOf(r, err)})
		return
	}
	hash, err := auth.HashPassword(password)
	if err == nil {
		err = s.store.SetPassword(ctx, u.ID, hash, nil, actor(r), generated)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.AdminUserData{User: u}
	if generated {
		d.NewPassword = password
	}
	s.userPage(w, r, http.StatusOK, d)
}

func (s *Server) handleAdminAssign(w http.ResponseWriter, r *http.Request) {
	s.assignment(w, r, true)
}

func (s *Server) handleAdminUnassign(w http.ResponseWriter, r *http.Request) {
	s.assignment(w, r, false)
}

func (s *Server) assignment(w http.ResponseWriter, r *http.Request, assign bool) {
	if !s.adminOnly(w, r) {
		return
	}
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	userID, orgID := r.PostForm.Get("user_id"), r.PostForm.Get("org_id")
	var err error
	if assign {
		err = s.store.AssignAuditor(ctx, userID, orgID, actor(r))
	} else {
		err = s.store.UnassignAuditor(ctx, userID, orgID, actor(r))
	}
	if err != nil {
		if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.NotFound) {
			s.usersPage(w, r, statusOf(e.Code), views.AdminUsersData{AssignError: e.Message})
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "common.saved"), "/admin/users")
}

// apiMe returns the caller.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"id": p.UserID, "email": p.Email, "name": p.Name, "role": p.Role, "org_id": p.OrgID, "admin": p.Admin})
}
