package server

import (
	"context"
	"time"

	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/views"
)

// The JSON shapes of /api/v1/orgs/{id}/profile and /targets.

// apiProfileOut is GET/PUT /api/v1/orgs/{id}/profile: the profile (null
// when the organisation has none yet) and the risk it leads to.
type apiProfileOut struct {
	OrgID             string          `json:"org_id"`
	Profile           *apiProfile     `json:"profile"`
	RiskGroup         score.RiskGroup `json:"risk_group"`
	RiskIndex         int             `json:"risk_index"`
	SocialImpactHigh  bool            `json:"social_impact_high"`
	VulnerabilityHigh bool            `json:"vulnerability_high"`
	DefaultTarget     int             `json:"default_target"`
	Reasons           []apiReason     `json:"reasons"`
}

// apiProfile is an organisation's profile as saved, with its version; it
// is also the "current" of a conflicting save.
type apiProfile struct {
	Industry               string    `json:"industry"`
	Employees              int       `json:"employees"`
	AnnualSalesMillionJPY  int64     `json:"annual_sales_million_jpy"`
	PersonalRecords        int64     `json:"personal_records"`
	ITDependence           int       `json:"it_dependence"`
	OnlineServices         bool      `json:"online_services"`
	CriticalInfrastructure bool      `json:"critical_infrastructure"`
	Version                int       `json:"version"`
	UpdatedAt              time.Time `json:"updated_at"`
	UpdatedByName          string    `json:"updated_by_name"`
}

func profileJSON(p store.Profile) apiProfile {
	return apiProfile{Industry: p.Industry, Employees: p.Employees, AnnualSalesMillionJPY: p.AnnualSalesMillionJPY,
		PersonalRecords: p.PersonalRecords, ITDependence: p.ITDependence, OnlineServices: p.OnlineServices,
		CriticalInfrastructure: p.CriticalInfrastructure, Version: p.Version, UpdatedAt: p.UpdatedAt, UpdatedByName: p.UpdatedByName}
}

// apiReason is one rule that placed the organisation in its group, with a
// sentence in the request's language.
type apiReason struct {
	Code string `json:"code"`
	Axis string `json:"axis"`
	Text string `json:"text"`
}

func apiReasons(ctx context.Context, r score.Risk, p *score.Profile) []apiReason {
	out := make([]apiReason, 0, len(r.Reasons))
	if p == nil {
		return out
	}
	for _, x := range r.Reasons {
		out = append(out, apiReason{Code: x.Code, Axis: x.Axis, Text: views.ReasonText(ctx, x, *p)})
	}
	return out
}

func profileOut(ctx context.Context, orgID string, p *store.Profile) apiProfileOut {
	var sp *score.Profile
	var out *apiProfile
	if p != nil {
		sp = &p.Profile
		j := profileJSON(*p)
		out = &j
	}
	risk := score.RiskOf(sp)
	return apiProfileOut{OrgID: orgID, Profile: out, RiskGroup: risk.Group, RiskIndex: risk.Index,
		SocialImpactHigh: risk.SocialImpactHigh, VulnerabilityHigh: risk.VulnerabilityHigh,
		DefaultTarget: score.DefaultTarget(risk.Group), Reasons: apiReasons(ctx, risk, sp)}
}

// apiTargetsOut is GET/PUT /api/v1/orgs/{id}/targets.
type apiTargetsOut struct {
	OrgID         string          `json:"org_id"`
	RiskGroup     score.RiskGroup `json:"risk_group"`
	DefaultTarget int             `json:"default_target"`
	Targets       map[string]int  `json:"targets"`   // every question, in force
	Overrides     map[string]int  `json:"overrides"` // the organisation's own
}
