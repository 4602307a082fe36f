package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"mamori/internal/apperr"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// profileHistoryLimit is how many versions the profile page lists.
const profileHistoryLimit = 50

// loadOrg returns the organisation named in the URL if the caller may see
// it; otherwise NotFound, whether or not it exists.
func (s *Server) loadOrg(r *http.Request) (store.Org, error) {
	id := chi.URLParam(r, "orgID")
	if err := policy.ViewOrg(principal(r.Context()), id); err != nil {
		return store.Org{}, err
	}
	return s.store.GetOrg(r.Context(), id)
}

// loadOrgForm is loadOrg for a form post the caller must be allowed (by a
// policy such as policy.EditProfile), with the form parsed.
func (s *Server) loadOrgForm(r *http.Request, allow func(*policy.Principal, string) error) (store.Org, error) {
	org, err := s.loadOrg(r)
	if err != nil {
		return store.Org{}, err
	}
	if err := allow(principal(r.Context()), org.ID); err != nil {
		return store.Org{}, err
	}
	if err := r.ParseForm(); err != nil {
		return store.Org{}, apperr.K(apperr.Malformed, "error.form")
	}
	return org, nil
}

// handleProfileHome is /profile: the caller's own organisation's profile,
// or (?org=<id>, from the organisation picker) a redirect to another's.
func (s *Server) handleProfileHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if id := r.URL.Query().Get("org"); id != "" {
		to := "/orgs/" + url.PathEscape(id) + "/profile"
		if q := r.URL.Query().Get("org_q"); q != "" { // the picker narrowed by name stays narrowed
			to += "?" + url.Values{"org_q": {q}}.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	org, err := s.store.GetOrg(ctx, p.OrgID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.profilePage(w, r, http.StatusOK, org, views.ProfileData{})
}

func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	org, err := s.loadOrg(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.profilePage(w, r, http.StatusOK, org, views.ProfileData{})
}

// profilePage renders the profile page. d carries the form state of a
// refused save (Values set); otherwise the form shows the saved profile.
func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, status int, org store.Org, d views.ProfileData) {
	ctx := r.Context()
	p := principal(ctx)
	d.Org = org
	d.CanEdit = policy.EditProfile(p, org.ID) == nil
	saved, err := s.store.GetProfile(ctx, org.ID)
	switch {
	case err == nil:
		d.Saved = &saved
		d.Risk = score.RiskOf(&saved.Profile)
	case apperr.Is(err, apperr.NotFound):
		d.Risk = score.RiskOf(nil)
	default:
		s.pageError(w, r, err)
		return
	}
	if d.Values == nil { // not a refused save: show what is stored
		d.Form, d.Values = score.Profile{Industry: org.Industry}, map[string]string{}
		if d.Saved != nil {
			d.Form, d.Version = d.Saved.Profile, d.Saved.Version
			d.Values = map[string]string{
				"employees":                strconv.Itoa(d.Saved.Employees),
				"annual_sales_million_jpy": strconv.FormatInt(d.Saved.AnnualSalesMillionJPY, 10),
				"personal_records":         strconv.FormatInt(d.Saved.PersonalRecords, 10),
			}
		}
	}
	hist, err := s.store.ProfileHistory(ctx, org.ID, profileHistoryLimit)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.History = profileChanges(hist)
	if d.Orgs, d.OrgQuery, d.MoreOrgs, err = s.orgChoices(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !slices.ContainsFunc(d.Orgs, func(o store.Org) bool { return o.ID == org.ID }) && (len(d.Orgs) > 0 || d.OrgQuery != "") {
		d.Orgs = append([]store.Org{org}, d.Orgs...) // the organisation shown stays selectable
	}
	s.render(w, r, status, views.ProfilePage(s.page(r, i18n.T(ctx, "profile.title"), "profile"), d))
}

// profileChanges pairs each version (newest first) with the one before it
// to say what it changed.
func profileChanges(hist []store.ProfileVersion) []views.ProfileChange {
	out := make([]views.ProfileChange, len(hist))
	for i, v := range hist {
		c := views.ProfileChange{Version: v.Version, At: v.UpdatedAt, By: v.UpdatedByName, New: v.Profile}
		if i+1 < len(hist) && hist[i+1].Version == v.Version-1 {
			old := hist[i+1].Profile
			c.Old = &old
		}
		c.Fields = score.ChangedProfileFields(derefProfile(c.Old), v.Profile, c.Old != nil)
		out[i] = c
	}
	return out
}

func derefProfile(p *score.Profile) score.Profile {
	if p == nil {
		return score.Profile{}
	}
	return *p
}

// orgPickerSize is how many organisations a picker offers at once: a
// caller who sees more narrows them by name (?org_q=).
const orgPickerSize = 50

// orgChoices is what an organisation picker offers the caller: by name, the
// first orgPickerSize of the organisations they see whose name contains the
// URL's org_q, the query as read, and whether more match.
func (s *Server) orgChoices(r *http.Request) ([]store.Org, string, bool, error) {
	q := searchParam(r, "org_q")
	p := principal(r.Context())
	orgs, more, err := s.store.OrgChoices(r.Context(), reach(p), strings.ToLower(q), orgPickerSize)
	// The policy has the last word on every organisation offered.
	return slices.DeleteFunc(orgs, func(o store.Org) bool { return policy.ViewOrg(p, o.ID) != nil }), q, more, err
}

// handleProfileSave stores the profile form. A refused save re-renders the
// form with what was sent and a message per field.
func (s *Server) handleProfileSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	org, err := s.loadOrgForm(r, policy.EditProfile)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	prof, values, bad := profileFromForm(r)
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	d := views.ProfileData{Form: prof, Values: values, Version: version, Errors: map[string]string{}}
	for _, e := range prof.Validate() {
		if _, ok := bad[e.Field]; !ok {
			bad[e.Field] = e.Code
		}
	}
	if len(bad) > 0 {
		for f := range bad {
			d.Errors[f] = i18n.T(ctx, "profile.error."+f)
		}
		d.Error = i18n.T(ctx, "profile.invalid")
		s.profilePage(w, r, http.StatusUnprocessableEntity, org, d)
		return
	}
	saved, changed, err := s.store.SaveProfile(ctx, org.ID, prof, &version, actor(r))
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
			// Keep what was typed; the next save knowingly replaces the
			// newer version (shown in the history below).
			if cur, ok := e.Detail.(store.Profile); ok {
				d.Version = cur.Version
			}
			d.Error = i18n.T(ctx, "profile.conflict")
			s.profilePage(w, r, http.StatusConflict, org, d)
			return
		}
		s.pageError(w, r, err)
		return
	}
	msg := i18n.T(ctx, "profile.unchanged")
	if changed {
		msg = i18n.T(ctx, "profile.saved", string(score.RiskOf(&saved.Profile).Group))
	}
	s.flashRedirect(w, r, "ok", msg, "/orgs/"+org.ID+"/profile")
}

// profileFromForm reads the profile form. Numbers that do not parse are
// reported by field (code not_a_number) and kept as typed in values.
func profileFromForm(r *http.Request) (p score.Profile, values map[string]string, bad map[string]string) {
	f := r.PostForm
	bad = map[string]string{}
	values = map[string]string{}
	num := func(field string) int64 {
		v := strings.TrimSpace(f.Get(field))
		values[field] = v
		if v == "" {
			bad[field] = score.CodeRequired
			return 0
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(v, ",", ""), 10, 64)
		if err != nil {
			bad[field] = "not_a_number"
		}
		return n
	}
	p.Industry = f.Get("industry")
	p.Employees = int(min(num("employees"), score.MaxEmployees+1))
	p.AnnualSalesMillionJPY = num("annual_sales_million_jpy")
	p.PersonalRecords = num("personal_records")
	p.ITDependence, _ = strconv.Atoi(f.Get("it_dependence"))
	p.OnlineServices = f.Get("online_services") != ""
	p.CriticalInfrastructure = f.Get("critical_infrastructure") != ""
	return p, values, bad
}
