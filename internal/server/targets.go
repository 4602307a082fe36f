package server

import (
	"net/http"
	"strconv"

	"mamori/checklist"
	"mamori/internal/policy"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleTargets is /orgs/{id}/targets: the target level of every question;
// managers set them, everyone who can see the organisation reads them.
func (s *Server) handleTargets(w http.ResponseWriter, r *http.Request) {
	org, err := s.loadOrg(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.targetsPage(w, r, http.StatusOK, org, views.TargetsData{})
}

func (s *Server) targetsPage(w http.ResponseWriter, r *http.Request, status int, org store.Org, d views.TargetsData) {
	ctx := r.Context()
	b, err := s.store.CurrentBasis(ctx, org.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Org, d.Checklist = org, checklist.Default()
	d.Group = b.Risk().Group
	d.Default = score.DefaultTarget(d.Group)
	d.Overrides = b.Overrides
	d.CanEdit = policy.SetTargets(principal(ctx), org.ID) == nil
	s.render(w, r, status, views.TargetsPage(s.page(r, i18n.T(ctx, "targets.title"), "profile"), d))
}

// handleTargetsSave stores the targets form: each question's select is ""
// (the group's default) or 1..5.
func (s *Server) handleTargetsSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	org, err := s.loadOrgForm(r, policy.SetTargets)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	overrides, form, errs := map[string]int{}, map[string]string{}, map[string]string{}
	for _, id := range checklist.Default().QuestionIDs() {
		v := r.PostForm.Get("t-" + id)
		form[id] = v
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < score.MinLevel || n > score.MaxLevel {
			errs[id] = i18n.T(ctx, "targets.error.range")
			continue
		}
		overrides[id] = n
	}
	if len(errs) > 0 {
		s.targetsPage(w, r, http.StatusUnprocessableEntity, org, views.TargetsData{Form: form, Errors: errs, Error: i18n.T(ctx, "targets.invalid")})
		return
	}
	changed, err := s.store.SetTargetOverrides(ctx, org.ID, overrides, actor(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := i18n.T(ctx, "targets.unchanged")
	if changed {
		msg = i18n.T(ctx, "targets.saved", len(overrides))
	}
	s.flashRedirect(w, r, "ok", msg, "/orgs/"+org.ID+"/targets")
}
