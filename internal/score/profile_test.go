package score

import (
	"reflect"
	"testing"
)

func TestRiskOf(t *testing.T) {
	if r := RiskOf(nil); r.Group != DefaultGroup || r.Index != 0 || r.Reasons == nil || len(r.Reasons) != 0 {
		t.Errorf("RiskOf(nil) = %+v, want DefaultGroup, 0, no reasons", r)
	}
	p := Profile{Industry: "manufacturing", Employees: 300, OnlineServices: true, ITDependence: 3}
	if got, want := RiskOf(&p), Assess(p); !reflect.DeepEqual(got, want) {
		t.Errorf("RiskOf = %+v, want Assess = %+v", got, want)
	}
}

func TestChangedProfileFields(t *testing.T) {
	base := Profile{Industry: "manufacturing", Employees: 50, ITDependence: 3}
	tests := []struct {
		name   string
		change func(*Profile)
		hadOld bool
		want   []string
	}{
		{"NoOldProfileChangesEveryField", func(*Profile) {}, false, ProfileFields},
		{"NothingChanged", func(*Profile) {}, true, []string{}},
		{"OneField", func(p *Profile) { p.Employees = 51 }, true, []string{"employees"}},
		{"InFormOrder", func(p *Profile) { p.CriticalInfrastructure, p.Industry, p.PersonalRecords = true, "retail", 10 },
			true, []string{"industry", "personal_records", "critical_infrastructure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nw := base
			tt.change(&nw)
			if got := ChangedProfileFields(base, nw, tt.hadOld); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("= %v, want %v", got, tt.want)
			}
		})
	}
	// The list returned for a new profile is a copy.
	ChangedProfileFields(base, base, false)[0] = "x"
	if ProfileFields[0] != "industry" {
		t.Error("ChangedProfileFields handed out ProfileFields itself")
	}
}
