// Package policy decides who may do what. Every handler asks one function
// here before it touches a resource; nothing else checks roles.
//
// The rules: a resource of an organisation the caller cannot see answers
// NotFound (never revealing that it exists); one the caller can see but may
// not act on answers Forbidden; an action the resource's state does not allow
// answers Conflict.
package policy

import (
	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// Principal is the signed-in caller, as established by authentication.
type Principal struct {
	UserID  string
	Email   string
	Name    string
	OrgID   string
	Role    assessment.Role
	Admin   bool
	TokenID string          // set when the request came with an API token
	Visible map[string]bool // organisations whose data the caller may read
	Locale  string          // the user's language setting ("" follows the browser)
	// MustChangePassword: signed in with a generated password; nothing but
	// choosing their own is open to them until they do.
	MustChangePassword bool
}

// CanSee reports whether the caller may read the organisation's data:
// officers their own organisation, managers theirs and its descendants,
// auditors theirs and those they are assigned to, admins every one.
func (p *Principal) CanSee(orgID string) bool {
	return p != nil && (p.Admin || p.Visible[orgID])
}

var (
	errNotFound  = apperr.ErrNotFound
	errForbidden = apperr.K(apperr.Forbidden, "err.forbidden")
	errSignIn    = apperr.K(apperr.Unauthorized, "err.sign_in")
)

func see(p *Principal, orgID string) error {
	if !p.CanSee(orgID) {
		return errNotFound
	}
	return nil
}

func member(p *Principal, orgID string, role assessment.Role) bool {
	return p.OrgID == orgID && p.Role == role
}

// ViewOrg: reading an organisation's profile, targets, assessments and reports.
func ViewOrg(p *Principal, orgID string) error { return see(p, orgID) }

// ViewAssessment: reading an assessment, its report, comments and history.
func ViewAssessment(p *Principal, orgID string) error { return see(p, orgID) }

// CreateAssessment: officers start assessments in their own organisation.
func CreateAssessment(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if !member(p, orgID, assessment.Officer) {
		return errForbidden
	}
	return nil
}

// EditAnswers: officers of the organisation, while the assessment is a draft
// or returned.
func EditAnswers(p *Principal, orgID string, status assessment.Status) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if !member(p, orgID, assessment.Officer) {
		return errForbidden
	}
	if !status.Editable() {
		return apperr.K(apperr.Conflict, "err.not_editable")
	}
	return nil
}

// ConfirmCarried: confirming carried-over answers in one action is editing
// them: officers of the organisation, while the assessment is editable.
func ConfirmCarried(p *Principal, orgID string, status assessment.Status) error {
	return EditAnswers(p, orgID, status)
}

// ChangeStatus checks a workflow action and returns the status it leads to.
// Officers submit (and withdraw) their own organisation's assessments;
// auditors who can see the organisation return, approve and reopen.
func ChangeStatus(p *Principal, orgID string, from assessment.Status, action assessment.Action) (assessment.Status, error) {
	if err := see(p, orgID); err != nil {
		return "", err
	}
	if (action == assessment.Submit || action == assessment.Withdraw) && p.OrgID != orgID {
		return "", errForbidden
	}
	return assessment.Transition(from, action, p.Role)
}

// Comment: officers of the organisation and auditors who can see it write
// in the comment threads; managers only read.
func Comment(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if member(p, orgID, assessment.Officer) || p.Role == assessment.Auditor {
		return nil
	}
	return errForbidden
}

// Mark: auditors mark questions ok / needs attention.
func Mark(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if p.Role != assessment.Auditor {
		return errForbidden
	}
	return nil
}

// EditProfile: the organisation's officers, managers who can see it, and
// admins (who set up the profile when they onboard an organisation).
func EditProfile(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if p.Admin || member(p, orgID, assessment.Officer) || (p.Role == assessment.Manager && p.Visible[orgID]) {
		return nil
	}
	return errForbidden
}

// SetTargets: managers who can see the organisation.
func SetTargets(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if p.Role == assessment.Manager && p.Visible[orgID] {
		return nil
	}
	return errForbidden
}

// ViewAudit: anyone who can see the organisation.
func ViewAudit(p *Principal, orgID string) error { return see(p, orgID) }

// ViewDashboard: managers and admins.
func ViewDashboard(p *Principal) error {
	if p == nil {
		return errSignIn
	}
	if p.Admin || p.Role == assessment.Manager {
		return nil
	}
	return errForbidden
}

// ReviewQueue: auditors.
func ReviewQueue(p *Principal) error {
	if p == nil {
		return errSignIn
	}
	if p.Role == assessment.Auditor {
		return nil
	}
	return errForbidden
}

// Admin: platform administration (organisations, users, assignments).
func Admin(p *Principal) error {
	if p == nil {
		return errSignIn
	}
	if !p.Admin {
		return errForbidden
	}
	return nil
}
