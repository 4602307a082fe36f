package score

import "slices"

// Profile is what an organisation says about itself; it decides its risk
// group and so its default targets.
type Profile struct {
	Industry               string `json:"industry"`
	Employees              int    `json:"employees"`
	AnnualSalesMillionJPY  int64  `json:"annual_sales_million_jpy"`
	PersonalRecords        int64  `json:"personal_records"`
	ITDependence           int    `json:"it_dependence"` // 1..5
	OnlineServices         bool   `json:"online_services"`
	CriticalInfrastructure bool   `json:"critical_infrastructure"`
}

// RiskGroup is the benchmark's organisation group: GI (high social impact
// and high structural vulnerability), GII (exactly one of them) or GIII
// (neither).
type RiskGroup string

// The three risk groups.
const (
	GI   RiskGroup = "GI"
	GII  RiskGroup = "GII"
	GIII RiskGroup = "GIII"
)

// DefaultGroup is the group of an organisation that has no profile yet.
const DefaultGroup = GII

// Valid reports whether g is GI, GII or GIII.
func (g RiskGroup) Valid() bool { return g == GI || g == GII || g == GIII }

// DefaultTarget is the default target level of every question for group g:
// GI 4, GII 3, GIII 2. Any other value gets DefaultGroup's target.
func DefaultTarget(g RiskGroup) int {
	switch g {
	case GI:
		return 4
	case GIII:
		return 2
	default:
		return 3
	}
}

// Risk is the outcome of Assess.
type Risk struct {
	Group             RiskGroup `json:"group"`
	Index             int       `json:"index"` // 0..100
	SocialImpactHigh  bool      `json:"social_impact_high"`
	VulnerabilityHigh bool      `json:"vulnerability_high"`
	Reasons           []Reason  `json:"reasons"`
}

// Reason is one rule of Assess that fired, so the UI can say which answers
// put the organisation in its group.
type Reason struct {
	Code string `json:"code"`
	Axis string `json:"axis"` // AxisSocial or AxisStructural
}

// Reason axes.
const (
	AxisSocial     = "social"     // 社会的影響
	AxisStructural = "structural" // 構造的脆弱性
)

// Reason codes, in the order Assess reports them.
const (
	ReasonEmployees              = "employees_ge_300"
	ReasonSales                  = "sales_ge_10000"
	ReasonRecordsSocial          = "records_ge_100000"
	ReasonCriticalInfrastructure = "critical_infrastructure"
	ReasonITDependence           = "it_dependence_ge_4"
	ReasonOnlineServices         = "online_services"
	ReasonRecordsStructural      = "records_ge_5000"
)

// The thresholds of the rules.
const (
	EmployeesHigh     = 300
	SalesHighMillion  = 10_000 // million yen, i.e. ¥10 billion
	RecordsSocialHigh = 100_000
	RecordsStructHigh = 5_000
	ITDependenceHigh  = 4
)

// rules lists the rules in reporting order: the social-impact rules, then
// the structural-vulnerability rules. weight is the rule's share of the
// 0–100 risk index (25+15+20+10+10+10+10 = 100).
var rules = [...]struct {
	code, axis string
	weight     int
	fires      func(*Profile) bool
}{
	{ReasonEmployees, AxisSocial, 25, func(p *Profile) bool { return p.Employees >= EmployeesHigh }},
	{ReasonSales, AxisSocial, 15, func(p *Profile) bool { return p.AnnualSalesMillionJPY >= SalesHighMillion }},
	{ReasonRecordsSocial, AxisSocial, 20, func(p *Profile) bool { return p.PersonalRecords >= RecordsSocialHigh }},
	{ReasonCriticalInfrastructure, AxisSocial, 10, func(p *Profile) bool { return p.CriticalInfrastructure }},
	{ReasonITDependence, AxisStructural, 10, func(p *Profile) bool { return p.ITDependence >= ITDependenceHigh }},
	{ReasonOnlineServices, AxisStructural, 10, func(p *Profile) bool { return p.OnlineServices }},
	{ReasonRecordsStructural, AxisStructural, 10, func(p *Profile) bool { return p.PersonalRecords >= RecordsStructHigh }},
}

// Assess places an organisation in its risk group.
//
// Social impact is high when employees ≥ 300, annual sales ≥ ¥10,000
// million, personal records ≥ 100,000 or it runs critical infrastructure.
// Structural vulnerability is high when IT dependence ≥ 4, it offers online
// services or personal records ≥ 5,000. Both high is GI, exactly one GII,
// neither GIII.
//
// The risk index (0–100) adds 25 for employees ≥ 300, 15 for sales ≥
// 10,000, 20 for records ≥ 100,000, 10 for records ≥ 5,000 (so 100,000
// records give 30), 10 for IT dependence ≥ 4, 10 for online services and 10
// for critical infrastructure.
//
// Reasons lists every rule that fired: the social rules first (employees,
// sales, records ≥ 100,000, critical infrastructure), then the structural
// ones (IT dependence, online services, records ≥ 5,000). It is never nil.
// Assess does not validate p; see Validate.
func Assess(p Profile) Risk {
	r := Risk{Reasons: make([]Reason, 0, len(rules))}
	for i := range rules {
		ru := &rules[i]
		if !ru.fires(&p) {
			continue
		}
		r.Index += ru.weight
		r.Reasons = append(r.Reasons, Reason{Code: ru.code, Axis: ru.axis})
		if ru.axis == AxisSocial {
			r.SocialImpactHigh = true
		} else {
			r.VulnerabilityHigh = true
		}
	}
	switch {
	case r.SocialImpactHigh && r.VulnerabilityHigh:
		r.Group = GI
	case r.SocialImpactHigh || r.VulnerabilityHigh:
		r.Group = GII
	default:
		r.Group = GIII
	}
	return r
}

// Industries are the allowed Profile.Industry values, in display order.
var Industries = []string{
	"construction",
	"manufacturing",
	"utilities_transport",
	"information_services",
	"telecom_media",
	"wholesale_retail",
	"finance_insurance",
	"medical_welfare",
	"education",
	"public",
	"other",
}

// FieldError is one invalid Profile field. Field is the field's JSON name.
type FieldError struct {
	Field string `json:"field"`
	Code  string `json:"code"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Code }

// FieldError codes.
const (
	CodeRequired      = "required"       // empty
	CodeInvalidChoice = "invalid_choice" // not one of the allowed values
	CodeOutOfRange    = "out_of_range"   // a number outside its range
)

// MaxEmployees is the largest employee count Validate accepts.
const MaxEmployees = 10_000_000

// Validate checks p and returns one FieldError per invalid field, in field
// order, or nil when p is valid: industry one of Industries, employees
// 1..10,000,000, sales ≥ 0, personal records ≥ 0, IT dependence 1..5.
func (p Profile) Validate() []FieldError {
	var errs []FieldError
	switch {
	case p.Industry == "":
		errs = append(errs, FieldError{"industry", CodeRequired})
	case !slices.Contains(Industries, p.Industry):
		errs = append(errs, FieldError{"industry", CodeInvalidChoice})
	}
	if p.Employees < 1 || p.Employees > MaxEmployees {
		errs = append(errs, FieldError{"employees", CodeOutOfRange})
	}
	if p.AnnualSalesMillionJPY < 0 {
		errs = append(errs, FieldError{"annual_sales_million_jpy", CodeOutOfRange})
	}
	if p.PersonalRecords < 0 {
		errs = append(errs, FieldError{"personal_records", CodeOutOfRange})
	}
	if p.ITDependence < 1 || p.ITDependence > 5 {
		errs = append(errs, FieldError{"it_dependence", CodeOutOfRange})
	}
	return errs
}

// SizeBands are the values of SizeBand, smallest first.
var SizeBands = []string{"1-20", "21-100", "101-300", "301-1000", "1001+"}

// SizeBand is the employee-count band used to group peers: "1-20",
// "21-100", "101-300", "301-1000" or "1001+"; "" for fewer than 1 employee.
func SizeBand(employees int) string {
	switch {
	case employees < 1:
		return ""
	case employees <= 20:
		return SizeBands[0]
	case employees <= 100:
		return SizeBands[1]
	case employees <= 300:
		return SizeBands[2]
	case employees <= 1000:
		return SizeBands[3]
	default:
		return SizeBands[4]
	}
}
