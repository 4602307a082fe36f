package policy

import (
	"slices"
	"testing"
)

func TestReviewers(t *testing.T) {
	sato, kimura := Reviewer{UserID: "u1", Name: "佐藤"}, Reviewer{UserID: "u2", Name: "木村"}
	// H (holding, reviewed by 佐藤) ─ K (factory, none) ─ L (line, none)
	//                              └ F (firm assigned: 木村)
	// X (top level, none); C1 ↔ C2 a cycle without reviewers.
	nodes := map[string]ReviewNode{
		"H":  {OrgID: "H", Direct: []Reviewer{sato}},
		"K":  {OrgID: "K", ParentID: "H"},
		"L":  {OrgID: "L", ParentID: "K"},
		"F":  {OrgID: "F", ParentID: "H", Direct: []Reviewer{kimura}},
		"X":  {OrgID: "X"},
		"C1": {OrgID: "C1", ParentID: "C2"},
		"C2": {OrgID: "C2", ParentID: "C1"},
	}
	for _, tc := range []struct {
		org, via string
		want     []Reviewer
	}{
		{"H", "H", []Reviewer{sato}},
		{"K", "H", []Reviewer{sato}},   // inherits from the holding
		{"L", "H", []Reviewer{sato}},   // through two levels
		{"F", "F", []Reviewer{kimura}}, // its own auditor wins over the holding's
		{"X", "", nil},
		{"C1", "", nil}, // the cycle ends
		{"unknown", "", nil},
	} {
		got, via := Reviewers(tc.org, nodes)
		if !slices.Equal(got, tc.want) || via != tc.via {
			t.Errorf("Reviewers(%s) = %v via %q, want %v via %q", tc.org, got, via, tc.want, tc.via)
		}
	}
	if got := Unreviewed([]string{"H", "K", "X", "C1", "F"}, nodes); !slices.Equal(got, []string{"X", "C1"}) {
		t.Errorf("Unreviewed = %v", got)
	}
}
