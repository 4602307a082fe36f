// Package assessment is the domain of an assessment's life: its states and the
// one state machine that says which action moves it where, for whom.
package assessment

import "mamori/internal/apperr"

// Status is where an assessment stands in its review cycle.
type Status string

const (
	Draft     Status = "draft"
	Submitted Status = "submitted"
	Returned  Status = "returned"
	Approved  Status = "approved"
)

// Statuses lists every status, in cycle order.
var Statuses = []Status{Draft, Submitted, Returned, Approved}

// Action is something a user does to an assessment's status.
type Action string

const (
	Submit  Action = "submit"
	Return  Action = "return"
	Approve Action = "approve"
	Reopen  Action = "reopen"
	// Withdraw (取り下げ): the officers take a submission back before an
	// auditor has acted on it (CheckWithdrawable).
	Withdraw Action = "withdraw"
)

// Actions lists every status action.
var Actions = []Action{Submit, Return, Approve, Reopen, Withdraw}

// Role is a user's role in an organisation.
type Role string

const (
	Officer Role = "officer"
	Auditor Role = "auditor"
	Manager Role = "manager"
)

// Roles lists every role.
var Roles = []Role{Officer, Auditor, Manager}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if string(x) == r {
			return true
		}
	}
	return false
}

type edge struct {
	from   Status
	action Action
}

type rule struct {
	to   Status
	role Role
}

// machine is the whole workflow: draft → submitted → returned → submitted …
// → approved; an auditor may reopen an approved assessment (→ returned).
var machine = map[edge]rule{
	{Draft, Submit}:       {Submitted, Officer},
	{Returned, Submit}:    {Submitted, Officer},
	{Submitted, Return}:   {Returned, Auditor},
	{Submitted, Approve}:  {Approved, Auditor},
	{Approved, Reopen}:    {Returned, Auditor},
	{Submitted, Withdraw}: {Draft, Officer},
}

// CheckWithdrawable is the rule of a withdrawal: only while no auditor has
// acted on the submission (marked a question, commented or decided), since
// they may already be working from it.
func CheckWithdrawable(auditorActed bool) error {
	if auditorActed {
		return apperr.K(apperr.Conflict, "assessment.withdraw_too_late")
	}
	return nil
}

// Transition returns the status that action leads to from the status when
// done by role. It answers Forbidden when the role may never take the action,
// and Conflict when the role may but the current status does not allow it.
func Transition(from Status, action Action, role Role) (Status, error) {
	r, ok := machine[edge{from, action}]
	if ok && r.role == role {
		return r.to, nil
	}
	if !roleMayEver(action, role) {
		return "", apperr.K(apperr.Forbidden, "err.forbidden")
	}
	return "", apperr.K(apperr.Conflict, "err.status_forbids", apperr.KeyArg("status."+string(from)))
}

func roleMayEver(action Action, role Role) bool {
	for e, r := range machine {
		if e.action == action && r.role == role {
			return true
		}
	}
	return false
}

// Editable reports whether officers may change answers in this status.
func (s Status) Editable() bool { return s == Draft || s == Returned }

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}
