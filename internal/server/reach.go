package server

import (
	"mamori/internal/assessment"
	"mamori/internal/policy"
	"mamori/internal/store"
)

// reach is the organisations the caller sees, as the store's lists take
// them: every organisation for administrators; for a manager their
// organisation's subtree and for an auditor the organisations they review,
// which the database names itself (store.Reach) rather than receiving the
// 10,000 ids of a top manager or an audit firm; else the ids. Lists still
// pass every row they show through the policy.
func reach(p *policy.Principal) store.Reach {
	if p.Admin {
		return store.Reach{All: true}
	}
	r := store.Reach{OrgIDs: visibleIDs(p)}
	switch p.Role {
	case assessment.Manager:
		r.Subtree = p.OrgID
	case assessment.Auditor:
		r.Reviewer, r.ReviewerOrg = p.UserID, p.OrgID
	}
	return r
}

// visibleIDs lists the organisations a principal sees (policy.Principal's
// Visible, cached per user).
func visibleIDs(p *policy.Principal) []string {
	ids := make([]string, 0, len(p.Visible))
	for id := range p.Visible {
		ids = append(ids, id)
	}
	return ids
}
