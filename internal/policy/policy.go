// Package policy decides who may do what. Every handler asks one function
// here before it touches a resource; nothing else checks roles.
//
// The rules: a resource of an organisation the caller cannot see answers
// NotFound (never revealing that it exists); one the caller can see but may
// not act on answers Forbidden; an action the resource's state does not allow
// answers Conflict.
package policy

import (
	"mamori/internal/action"
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

// AnswerEditorOrg is the one organisation whose answers the caller may
// edit while an assessment is editable (EditAnswers): an officer's own; ""
// for everyone else. It lets a page read what only an editor sees in the
// same statement as the assessment; EditAnswers still decides.
func AnswerEditorOrg(p *Principal) string {
	if p == nil || p.Role != assessment.Officer || !p.CanSee(p.OrgID) {
		return ""
	}
	return p.OrgID
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

// ManageSSO: connecting, changing, testing and removing identity providers,
// and switching an organisation's password sign-in; platform admins only.
func ManageSSO(p *Principal) error { return Admin(p) }

// ViewEvidence: reading an organisation's evidence (metadata and contents):
// whoever sees the organisation, like its assessments.
func ViewEvidence(p *Principal, orgID string) error { return see(p, orgID) }

// ManageEvidence: the organisation's officers add, edit, retire and delete
// items of its evidence library.
func ManageEvidence(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if !member(p, orgID, assessment.Officer) {
		return errForbidden
	}
	return nil
}

// LinkEvidence: officers of the organisation link evidence to answers and
// unlink it, while the assessment is a draft or returned.
func LinkEvidence(p *Principal, orgID string, status assessment.Status) error {
	if err := ManageEvidence(p, orgID); err != nil {
		return err
	}
	if !status.Editable() {
		return apperr.K(apperr.Conflict, "err.not_editable")
	}
	return nil
}

// ReviewEvidence: auditors who see the organisation mark evidence links
// accepted or insufficient.
func ReviewEvidence(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if p.Role != assessment.Auditor {
		return errForbidden
	}
	return nil
}

// ViewActions: anyone who can see the organisation reads its improvement
// actions and their notes.
func ViewActions(p *Principal, orgID string) error { return see(p, orgID) }

// CreateAction: officers of the organisation and managers who can see it
// (of it or of an ancestor) plan improvement actions.
func CreateAction(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if member(p, orgID, assessment.Officer) || manages(p, orgID) {
		return nil
	}
	return errForbidden
}

// EditAction: what CreateAction allows, and the action's owner, may edit an
// action, write its progress notes and move it between open, in progress
// and done.
func EditAction(p *Principal, orgID, ownerID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if member(p, orgID, assessment.Officer) || manages(p, orgID) || (p.UserID == ownerID && p.OrgID == orgID) {
		return nil
	}
	return errForbidden
}

// AcceptRisk: only a manager of the organisation or of an ancestor approves
// a risk acceptance; an officer, the owner included, may not.
func AcceptRisk(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if manages(p, orgID) {
		return nil
	}
	return errForbidden
}

// ChangeActionStatus: accepting a risk is AcceptRisk's; every other move
// (start, close, reopen) is EditAction's.
func ChangeActionStatus(p *Principal, orgID, ownerID string, to action.Status) error {
	if to == action.RiskAccepted {
		return AcceptRisk(p, orgID)
	}
	return EditAction(p, orgID, ownerID)
}

// MyActions: every signed-in user has a list of the actions they own.
func MyActions(p *Principal) error {
	if p == nil {
		return errSignIn
	}
	return nil
}

// manages reports whether p is a manager of the organisation or of one of
// its ancestors (a manager's Visible holds their organisation and its
// descendants).
func manages(p *Principal, orgID string) bool {
	return p.Role == assessment.Manager && p.Visible[orgID]
}

// AssignQuestions: officers of the organisation give its questions to
// colleagues, while the assessment can still be answered.
func AssignQuestions(p *Principal, orgID string, status assessment.Status) error {
	return EditAnswers(p, orgID, status)
}

// ViewAssignments: anyone who can see the organisation.
func ViewAssignments(p *Principal, orgID string) error { return see(p, orgID) }

// OwnTasks: every signed-in user reads their own tasks, notifications and
// notification settings, and changes the latter two.
func OwnTasks(p *Principal) error {
	if p == nil {
		return errSignIn
	}
	return nil
}

// LaunchCampaign: managers launch campaigns for their own organisation (and
// its descendants, checked against the organisation tree by the caller).
func LaunchCampaign(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if !member(p, orgID, assessment.Manager) {
		return errForbidden
	}
	return nil
}

// ViewCampaign: managers who can see the organisation that runs it (they
// see its descendants too), and admins. Others of that organisation are
// refused: the page names the subsidiaries and their progress.
func ViewCampaign(p *Principal, orgID string) error {
	if err := see(p, orgID); err != nil {
		return err
	}
	if p.Admin || p.Role == assessment.Manager {
		return nil
	}
	return errForbidden
}

// CloseCampaign: the managers of the organisation that runs it.
func CloseCampaign(p *Principal, orgID string) error { return LaunchCampaign(p, orgID) }

// AdminMail: the outbox and the job queue, for platform administrators.
func AdminMail(p *Principal) error { return Admin(p) }
