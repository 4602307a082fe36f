package score

// RiskOf is the risk of an organisation with the given profile, or of one
// without a profile (nil): DefaultGroup, index 0, no reasons.
func RiskOf(p *Profile) Risk {
	if p == nil {
		return Risk{Group: DefaultGroup, Reasons: []Reason{}}
	}
	return Assess(*p)
}

// ProfileFields are the JSON names of the profile's fields in form order.
var ProfileFields = []string{"industry", "employees", "annual_sales_million_jpy", "personal_records",
	"it_dependence", "online_services", "critical_infrastructure"}

// ChangedProfileFields lists the fields that differ between old and new, in
// ProfileFields order; every field when there was no old profile (hadOld
// false).
func ChangedProfileFields(old, new Profile, hadOld bool) []string {
	if !hadOld {
		return append([]string(nil), ProfileFields...)
	}
	diff := []bool{
		old.Industry != new.Industry, old.Employees != new.Employees,
		old.AnnualSalesMillionJPY != new.AnnualSalesMillionJPY, old.PersonalRecords != new.PersonalRecords,
		old.ITDependence != new.ITDependence, old.OnlineServices != new.OnlineServices,
		old.CriticalInfrastructure != new.CriticalInfrastructure,
	}
	out := []string{}
	for i, d := range diff {
		if d {
			out = append(out, ProfileFields[i])
		}
	}
	return out
}
