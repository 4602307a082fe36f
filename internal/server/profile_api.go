package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/policy"
	"mamori/internal/score"
)

// apiOrg checks the caller may see the organisation in the URL and that it
// exists (NotFound either way).
func (s *Server) apiOrg(r *http.Request) (string, error) {
	id := chi.URLParam(r, "orgID")
	if err := policy.ViewOrg(principal(r.Context()), id); err != nil {
		return "", err
	}
	o, err := s.store.GetOrg(r.Context(), id)
	if err != nil {
		return "", err
	}
	return o.ID, nil // as stored, whatever the URL's spelling
}

func (s *Server) apiProfileGet(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	orgID, err := s.apiOrg(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.store.GetProfile(ctx, orgID)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, profileOut(ctx, orgID, &p))
	case apperr.Is(err, apperr.NotFound):
		writeJSON(w, http.StatusOK, profileOut(ctx, orgID, nil))
	default:
		s.apiError(w, r, err)
	}
}

// apiProfilePut replaces the profile. Every field is required; version,
// when sent, is the version the client read (0 = none yet) and a newer
// save in between answers 409 with the current profile.
func (s *Server) apiProfilePut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	orgID, err := s.apiOrg(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.EditProfile(principal(ctx), orgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Industry               *string `json:"industry"`
		Employees              *int    `json:"employees"`
		AnnualSalesMillionJPY  *int64  `json:"annual_sales_million_jpy"`
		PersonalRecords        *int64  `json:"personal_records"`
		ITDependence           *int    `json:"it_dependence"`
		OnlineServices         *bool   `json:"online_services"`
		CriticalInfrastructure *bool   `json:"critical_infrastructure"`
		Version                *int    `json:"version"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	bad := map[string]string{}
	var p score.Profile
	take := func(field string, present bool, set func()) {
		if !present {
			bad[field] = score.CodeRequired
			return
		}
		set()
	}
	take("industry", body.Industry != nil, func() { p.Industry = *body.Industry })
	take("employees", body.Employees != nil, func() { p.Employees = *body.Employees })
	take("annual_sales_million_jpy", body.AnnualSalesMillionJPY != nil, func() { p.AnnualSalesMillionJPY = *body.AnnualSalesMillionJPY })
	take("personal_records", body.PersonalRecords != nil, func() { p.PersonalRecords = *body.PersonalRecords })
	take("it_dependence", body.ITDependence != nil, func() { p.ITDependence = *body.ITDependence })
	take("online_services", body.OnlineServices != nil, func() { p.OnlineServices = *body.OnlineServices })
	take("critical_infrastructure", body.CriticalInfrastructure != nil, func() { p.CriticalInfrastructure = *body.CriticalInfrastructure })
	for _, e := range p.Validate() {
		if _, ok := bad[e.Field]; !ok {
			bad[e.Field] = e.Code
		}
	}
	if len(bad) > 0 {
		s.apiError(w, r, apperr.InvalidFieldsK("profile.invalid", bad))
		return
	}
	saved, _, err := s.store.SaveProfile(ctx, orgID, p, body.Version, actor(r))
	if err != nil {
		s.apiError(w, r, detailJSON(err, profileJSON))
		return
	}
	writeJSON(w, http.StatusOK, profileOut(ctx, orgID, &saved))
}

func (s *Server) targetsOut(ctx context.Context, orgID string) (apiTargetsOut, error) {
	b, err := s.store.CurrentBasis(ctx, orgID)
	if err != nil {
		return apiTargetsOut{}, err
	}
	g := b.Risk().Group
	return apiTargetsOut{OrgID: orgID, RiskGroup: g, DefaultTarget: score.DefaultTarget(g),
		Targets: b.Targets(checklist.Default().QuestionIDs()), Overrides: b.Overrides}, nil
}

func (s *Server) apiTargetsGet(w http.ResponseWriter, r *http.Request) {
	orgID, err := s.apiOrg(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.targetsOut(r.Context(), orgID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// apiTargetsPut replaces the organisation's own targets with the full set
// sent: a question left out goes back to its group's default.
func (s *Server) apiTargetsPut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	orgID, err := s.apiOrg(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.SetTargets(principal(ctx), orgID); err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		Targets map[string]json.RawMessage `json:"targets"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if body.Targets == nil {
		s.apiError(w, r, apperr.InvalidFieldsK("targets.invalid", map[string]string{"targets": score.CodeRequired}))
		return
	}
	cl := checklist.Default()
	overrides, bad := map[string]int{}, map[string]string{}
	for id, raw := range body.Targets {
		if _, ok := cl.Question(id); !ok {
			bad[id] = "unknown_question"
			continue
		}
		n, err := strconv.Atoi(string(raw))
		if err != nil || n < score.MinLevel || n > score.MaxLevel {
			bad[id] = score.CodeOutOfRange
			continue
		}
		overrides[id] = n
	}
	if len(bad) > 0 {
		s.apiError(w, r, apperr.InvalidFieldsK("targets.invalid", bad))
		return
	}
	if _, err := s.store.SetTargetOverrides(ctx, orgID, overrides, actor(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.targetsOut(ctx, orgID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
