package score

import (
	"reflect"
	"testing"
)

// base is a small, low-risk organisation: GIII, index 0, no reasons.
var base = Profile{Industry: "manufacturing", Employees: 10, AnnualSalesMillionJPY: 100, PersonalRecords: 0, ITDependence: 1}

func TestAssess(t *testing.T) {
	soc := func(code string) Reason { return Reason{code, AxisSocial} }
	str := func(code string) Reason { return Reason{code, AxisStructural} }
	tests := []struct {
		name    string
		edit    func(*Profile)
		group   RiskGroup
		index   int
		reasons []Reason
	}{
		{"base", func(p *Profile) {}, GIII, 0, nil},
		{"employees 299", func(p *Profile) { p.Employees = 299 }, GIII, 0, nil},
		{"employees 300", func(p *Profile) { p.Employees = 300 }, GII, 25, []Reason{soc(ReasonEmployees)}},
		{"sales 9,999", func(p *Profile) { p.AnnualSalesMillionJPY = 9_999 }, GIII, 0, nil},
		{"sales 10,000", func(p *Profile) { p.AnnualSalesMillionJPY = 10_000 }, GII, 15, []Reason{soc(ReasonSales)}},
		{"records 4,999", func(p *Profile) { p.PersonalRecords = 4_999 }, GIII, 0, nil},
		{"records 5,000", func(p *Profile) { p.PersonalRecords = 5_000 }, GII, 10, []Reason{str(ReasonRecordsStructural)}},
		{"records 99,999", func(p *Profile) { p.PersonalRecords = 99_999 }, GII, 10, []Reason{str(ReasonRecordsStructural)}},
		// 100,000 records fire both record rules: 20 + 10 = 30, and both
		// axes, so GI on its own.
		{"records 100,000", func(p *Profile) { p.PersonalRecords = 100_000 }, GI, 30,
			[]Reason{soc(ReasonRecordsSocial), str(ReasonRecordsStructural)}},
		{"it dependence 3", func(p *Profile) { p.ITDependence = 3 }, GIII, 0, nil},
		{"it dependence 4", func(p *Profile) { p.ITDependence = 4 }, GII, 10, []Reason{str(ReasonITDependence)}},
		{"it dependence 5", func(p *Profile) { p.ITDependence = 5 }, GII, 10, []Reason{str(ReasonITDependence)}},
		{"online services", func(p *Profile) { p.OnlineServices = true }, GII, 10, []Reason{str(ReasonOnlineServices)}},
		{"critical infrastructure", func(p *Profile) { p.CriticalInfrastructure = true }, GII, 10,
			[]Reason{soc(ReasonCriticalInfrastructure)}},
		// Two social rules: still GII. 25 + 15 = 40.
		{"employees+sales", func(p *Profile) { p.Employees, p.AnnualSalesMillionJPY = 300, 10_000 }, GII, 40,
			[]Reason{soc(ReasonEmployees), soc(ReasonSales)}},
		// Two structural rules: GII. 10 + 10 = 20.
		{"it+online", func(p *Profile) { p.ITDependence, p.OnlineServices = 4, true }, GII, 20,
			[]Reason{str(ReasonITDependence), str(ReasonOnlineServices)}},
		// One of each: GI. 25 + 10 = 35.
		{"employees+online", func(p *Profile) { p.Employees, p.OnlineServices = 300, true }, GI, 35,
			[]Reason{soc(ReasonEmployees), str(ReasonOnlineServices)}},
		{"critical+it", func(p *Profile) { p.CriticalInfrastructure, p.ITDependence = true, 4 }, GI, 20,
			[]Reason{soc(ReasonCriticalInfrastructure), str(ReasonITDependence)}},
		// Everything: 25 + 15 + 20 + 10 + 10 + 10 + 10 = 100, reasons social
		// first, then structural.
		{"everything", func(p *Profile) {
			*p = Profile{Industry: "finance_insurance", Employees: 5000, AnnualSalesMillionJPY: 1_000_000,
				PersonalRecords: 10_000_000, ITDependence: 5, OnlineServices: true, CriticalInfrastructure: true}
		}, GI, 100, []Reason{
			soc(ReasonEmployees), soc(ReasonSales), soc(ReasonRecordsSocial), soc(ReasonCriticalInfrastructure),
			str(ReasonITDependence), str(ReasonOnlineServices), str(ReasonRecordsStructural),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.edit(&p)
			r := Assess(p)
			if r.Group != tt.group || r.Index != tt.index {
				t.Errorf("group %s index %d, want %s %d", r.Group, r.Index, tt.group, tt.index)
			}
			want := tt.reasons
			if want == nil {
				want = []Reason{}
			}
			if !reflect.DeepEqual(r.Reasons, want) {
				t.Errorf("reasons %v, want %v", r.Reasons, want)
			}
			social, structural := false, false
			for _, rs := range want {
				social = social || rs.Axis == AxisSocial
				structural = structural || rs.Axis == AxisStructural
			}
			if r.SocialImpactHigh != social || r.VulnerabilityHigh != structural {
				t.Errorf("social %v vulnerability %v, want %v %v", r.SocialImpactHigh, r.VulnerabilityHigh, social, structural)
			}
		})
	}
}

func TestDefaultTarget(t *testing.T) {
	for g, want := range map[RiskGroup]int{GI: 4, GII: 3, GIII: 2, "": 3, "GIV": 3} {
		if got := DefaultTarget(g); got != want {
			t.Errorf("DefaultTarget(%q) = %d, want %d", g, got, want)
		}
	}
	if DefaultGroup != GII || !GI.Valid() || !GIII.Valid() || RiskGroup("gi").Valid() {
		t.Error("group constants")
	}
}

func TestValidate(t *testing.T) {
	fe := func(field, code string) FieldError { return FieldError{field, code} }
	tests := []struct {
		name string
		edit func(*Profile)
		want []FieldError
	}{
		{"valid", func(p *Profile) {}, nil},
		{"industry empty", func(p *Profile) { p.Industry = "" }, []FieldError{fe("industry", CodeRequired)}},
		{"industry unknown", func(p *Profile) { p.Industry = "Manufacturing" }, []FieldError{fe("industry", CodeInvalidChoice)}},
		{"employees 0", func(p *Profile) { p.Employees = 0 }, []FieldError{fe("employees", CodeOutOfRange)}},
		{"employees 1", func(p *Profile) { p.Employees = 1 }, nil},
		{"employees 10,000,000", func(p *Profile) { p.Employees = 10_000_000 }, nil},
		{"employees 10,000,001", func(p *Profile) { p.Employees = 10_000_001 }, []FieldError{fe("employees", CodeOutOfRange)}},
		{"employees negative", func(p *Profile) { p.Employees = -5 }, []FieldError{fe("employees", CodeOutOfRange)}},
		{"sales 0", func(p *Profile) { p.AnnualSalesMillionJPY = 0 }, nil},
		{"sales negative", func(p *Profile) { p.AnnualSalesMillionJPY = -1 }, []FieldError{fe("annual_sales_million_jpy", CodeOutOfRange)}},
		{"records 0", func(p *Profile) { p.PersonalRecords = 0 }, nil},
		{"records negative", func(p *Profile) { p.PersonalRecords = -1 }, []FieldError{fe("personal_records", CodeOutOfRange)}},
		{"it 0", func(p *Profile) { p.ITDependence = 0 }, []FieldError{fe("it_dependence", CodeOutOfRange)}},
		{"it 1", func(p *Profile) { p.ITDependence = 1 }, nil},
		{"it 5", func(p *Profile) { p.ITDependence = 5 }, nil},
		{"it 6", func(p *Profile) { p.ITDependence = 6 }, []FieldError{fe("it_dependence", CodeOutOfRange)}},
		{"all wrong, in field order", func(p *Profile) {
			*p = Profile{Industry: "x", Employees: 0, AnnualSalesMillionJPY: -1, PersonalRecords: -1, ITDependence: 9}
		}, []FieldError{
			fe("industry", CodeInvalidChoice), fe("employees", CodeOutOfRange), fe("annual_sales_million_jpy", CodeOutOfRange),
			fe("personal_records", CodeOutOfRange), fe("it_dependence", CodeOutOfRange),
		}},
		{"zero profile", func(p *Profile) { *p = Profile{} }, []FieldError{
			fe("industry", CodeRequired), fe("employees", CodeOutOfRange), fe("it_dependence", CodeOutOfRange),
		}},
	}
	for _, tt := range tests {
		p := base
		tt.edit(&p)
		if got := p.Validate(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, ind := range Industries {
		p := base
		p.Industry = ind
		if errs := p.Validate(); errs != nil {
			t.Errorf("industry %q: %v", ind, errs)
		}
	}
	if len(Industries) != 11 || Industries[0] != "construction" || Industries[10] != "other" {
		t.Errorf("Industries = %v", Industries)
	}
	if s := (FieldError{"employees", CodeOutOfRange}).Error(); s != "employees: out_of_range" {
		t.Errorf("Error() = %q", s)
	}
}

func TestSizeBand(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, ""}, {-1, ""},
		{1, "1-20"}, {20, "1-20"},
		{21, "21-100"}, {100, "21-100"},
		{101, "101-300"}, {300, "101-300"},
		{301, "301-1000"}, {1000, "301-1000"},
		{1001, "1001+"}, {10_000_000, "1001+"},
	}
	for _, tt := range tests {
		if got := SizeBand(tt.n); got != tt.want {
			t.Errorf("SizeBand(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
