package policy

// Who reviews an organisation's assessments.
//
// The rule: an organisation's reviewers are the active auditors who belong
// to it or are assigned to it. An organisation with none inherits the
// reviewers of its nearest ancestor that has some; so the auditors of a
// holding review its subsidiaries unless another auditor is assigned there.
// An organisation whose whole chain has none has no reviewer, which the
// administration page lists as something to fix.
//
// store.Principal computes the same rule in SQL for the signed-in auditor
// (the organisations they see), so that every handler's CanSee follows it;
// a store test checks that both agree on a tree.

// Reviewer is an auditor who reviews an organisation.
type Reviewer struct {
	UserID, Name string
}

// ReviewNode is one organisation with the auditors who review it directly
// (members with the auditor role, or assigned to it).
type ReviewNode struct {
	OrgID, ParentID string // ParentID "" for a top-level organisation
	Direct          []Reviewer
}

// Reviewers returns who reviews orgID and the organisation they review it
// through (orgID itself, or the ancestor it inherits from); none and "" when
// no organisation of the chain has a reviewer. A cycle in the tree (which
// the schema does not prevent across several rows) ends the walk.
func Reviewers(orgID string, nodes map[string]ReviewNode) ([]Reviewer, string) {
	seen := map[string]bool{}
	for id := orgID; id != "" && !seen[id]; {
		seen[id] = true
		n, ok := nodes[id]
		if !ok {
			return nil, ""
		}
		if len(n.Direct) > 0 {
			return n.Direct, id
		}
		id = n.ParentID
	}
	return nil, ""
}

// Unreviewed lists, in the order given, the organisations no one reviews.
func Unreviewed(order []string, nodes map[string]ReviewNode) []string {
	var out []string
	for _, id := range order {
		if r, _ := Reviewers(id, nodes); len(r) == 0 {
			out = append(out, id)
		}
	}
	return out
}
