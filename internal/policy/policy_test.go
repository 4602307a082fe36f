package policy

import (
	"testing"

	"mamori/internal/action"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// TestPolicies checks every action for every kind of caller against the
// organisation "A" (a subsidiary of "P"; "B" is unrelated; "F" is an audit
// firm assigned to A).
func TestPolicies(t *testing.T) {
	who := map[string]*Principal{
		"officerA":  {UserID: "1", OrgID: "A", Role: assessment.Officer, Visible: map[string]bool{"A": true}},
		"auditorA":  {UserID: "2", OrgID: "A", Role: assessment.Auditor, Visible: map[string]bool{"A": true}},
		"managerA":  {UserID: "3", OrgID: "A", Role: assessment.Manager, Visible: map[string]bool{"A": true}},
		"managerP":  {UserID: "4", OrgID: "P", Role: assessment.Manager, Visible: map[string]bool{"P": true, "A": true}},
		"auditorF":  {UserID: "5", OrgID: "F", Role: assessment.Auditor, Visible: map[string]bool{"F": true, "A": true}},
		"officerB":  {UserID: "6", OrgID: "B", Role: assessment.Officer, Visible: map[string]bool{"B": true}},
		"auditorB":  {UserID: "7", OrgID: "B", Role: assessment.Auditor, Visible: map[string]bool{"B": true}},
		"managerB":  {UserID: "8", OrgID: "B", Role: assessment.Manager, Visible: map[string]bool{"B": true}},
		"admin":     {UserID: "9", OrgID: "X", Role: assessment.Manager, Admin: true, Visible: map[string]bool{"X": true}},
		"anonymous": nil,
	}
	const ok, nf, fb, cf, ua = "ok", "not_found", "forbidden", "conflict", "unauthorized"
	actions := map[string]func(p *Principal) error{
		"ViewAssessment":   func(p *Principal) error { return ViewAssessment(p, "A") },
		"CreateAssessment": func(p *Principal) error { return CreateAssessment(p, "A") },
		"EditDraft":        func(p *Principal) error { return EditAnswers(p, "A", assessment.Draft) },
		"EditSubmitted":    func(p *Principal) error { return EditAnswers(p, "A", assessment.Submitted) },
		"ConfirmCarried":   func(p *Principal) error { return ConfirmCarried(p, "A", assessment.Returned) },
		"Submit": func(p *Principal) error {
			_, err := ChangeStatus(p, "A", assessment.Draft, assessment.Submit)
			return err
		},
		"Approve": func(p *Principal) error {
			_, err := ChangeStatus(p, "A", assessment.Submitted, assessment.Approve)
			return err
		},
		"Withdraw": func(p *Principal) error {
			_, err := ChangeStatus(p, "A", assessment.Submitted, assessment.Withdraw)
			return err
		},
		"ApproveDraft": func(p *Principal) error {
			_, err := ChangeStatus(p, "A", assessment.Draft, assessment.Approve)
			return err
		},
		"Comment":        func(p *Principal) error { return Comment(p, "A") },
		"Mark":           func(p *Principal) error { return Mark(p, "A") },
		"ViewEvidence":   func(p *Principal) error { return ViewEvidence(p, "A") },
		"ManageEvidence": func(p *Principal) error { return ManageEvidence(p, "A") },
		"LinkEvidence":   func(p *Principal) error { return LinkEvidence(p, "A", assessment.Returned) },
		"LinkSubmitted":  func(p *Principal) error { return LinkEvidence(p, "A", assessment.Submitted) },
		"ReviewEvidence": func(p *Principal) error { return ReviewEvidence(p, "A") },
		"EditProfile":    func(p *Principal) error { return EditProfile(p, "A") },
		"SetTargets":     func(p *Principal) error { return SetTargets(p, "A") },
		"ViewAudit":      func(p *Principal) error { return ViewAudit(p, "A") },
		"Dashboard":      ViewDashboard,
		"ReviewQueue":    ReviewQueue,
		"Admin":          Admin,
		"ManageSSO":      ManageSSO,
		"ViewActions":    func(p *Principal) error { return ViewActions(p, "A") },
		"CreateAction":   func(p *Principal) error { return CreateAction(p, "A") },
		"AcceptRisk":     func(p *Principal) error { return AcceptRisk(p, "A") },
		"MyActions":      MyActions,
		"EditAction":     func(p *Principal) error { return EditAction(p, "A", "2") }, // owned by auditorA
		"CloseAction":    func(p *Principal) error { return ChangeActionStatus(p, "A", "2", action.Done) },
		"AcceptByMove":   func(p *Principal) error { return ChangeActionStatus(p, "A", "2", action.RiskAccepted) },
		"Assign":         func(p *Principal) error { return AssignQuestions(p, "A", assessment.Draft) },
		"AssignSent":     func(p *Principal) error { return AssignQuestions(p, "A", assessment.Submitted) },
		"ViewAssign":     func(p *Principal) error { return ViewAssignments(p, "A") },
		"OwnTasks":       OwnTasks,
		"Launch":         func(p *Principal) error { return LaunchCampaign(p, "A") },
		"ViewCamp":       func(p *Principal) error { return ViewCampaign(p, "A") },
		"CloseCamp":      func(p *Principal) error { return CloseCampaign(p, "A") },
		"AdminMail":      AdminMail,
	}
	want := map[string]map[string]string{
		"officerA":  {"ViewAssessment": ok, "CreateAssessment": ok, "EditDraft": ok, "EditSubmitted": cf, "Submit": ok, "Approve": fb, "ApproveDraft": fb, "Comment": ok, "Mark": fb, "EditProfile": ok, "SetTargets": fb, "ViewAudit": ok, "Dashboard": fb, "ReviewQueue": fb, "Admin": fb, "ViewEvidence": ok, "ManageEvidence": ok, "LinkEvidence": ok, "LinkSubmitted": cf, "ReviewEvidence": fb, "ManageSSO": fb, "ViewActions": ok, "CreateAction": ok, "EditAction": ok, "AcceptRisk": fb, "MyActions": ok, "CloseAction": ok, "AcceptByMove": fb, "Assign": ok, "AssignSent": cf, "ViewAssign": ok, "OwnTasks": ok, "Launch": fb, "ViewCamp": fb, "CloseCamp": fb, "AdminMail": fb, "ConfirmCarried": ok, "Withdraw": ok},
		"auditorA":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "EditSubmitted": fb, "Submit": fb, "Approve": ok, "ApproveDraft": cf, "Comment": ok, "Mark": ok, "EditProfile": fb, "SetTargets": fb, "ViewAudit": ok, "Dashboard": fb, "ReviewQueue": ok, "Admin": fb, "ViewEvidence": ok, "ManageEvidence": fb, "LinkEvidence": fb, "LinkSubmitted": fb, "ReviewEvidence": ok, "ManageSSO": fb, "ViewActions": ok, "CreateAction": fb, "EditAction": ok, "AcceptRisk": fb, "MyActions": ok, "CloseAction": ok, "AcceptByMove": fb, "Assign": fb, "AssignSent": fb, "ViewAssign": ok, "OwnTasks": ok, "Launch": fb, "ViewCamp": fb, "CloseCamp": fb, "AdminMail": fb, "ConfirmCarried": fb, "Withdraw": fb},
		"managerA":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "EditSubmitted": fb, "Submit": fb, "Approve": fb, "ApproveDraft": fb, "Comment": fb, "Mark": fb, "EditProfile": ok, "SetTargets": ok, "ViewAudit": ok, "Dashboard": ok, "ReviewQueue": fb, "Admin": fb, "ViewEvidence": ok, "ManageEvidence": fb, "LinkEvidence": fb, "LinkSubmitted": fb, "ReviewEvidence": fb, "ManageSSO": fb, "ViewActions": ok, "CreateAction": ok, "EditAction": ok, "AcceptRisk": ok, "MyActions": ok, "CloseAction": ok, "AcceptByMove": ok, "Assign": fb, "AssignSent": fb, "ViewAssign": ok, "OwnTasks": ok, "Launch": ok, "ViewCamp": ok, "CloseCamp": ok, "AdminMail": fb, "ConfirmCarried": fb, "Withdraw": fb},
		"managerP":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "EditSubmitted": fb, "Submit": fb, "Approve": fb, "ApproveDraft": fb, "Comment": fb, "Mark": fb, "EditProfile": ok, "SetTargets": ok, "ViewAudit": ok, "Dashboard": ok, "ReviewQueue": fb, "Admin": fb, "ViewEvidence": ok, "ManageEvidence": fb, "LinkEvidence": fb, "LinkSubmitted": fb, "ReviewEvidence": fb, "ManageSSO": fb, "ViewActions": ok, "CreateAction": ok, "EditAction": ok, "AcceptRisk": ok, "MyActions": ok, "CloseAction": ok, "AcceptByMove": ok, "Assign": fb, "AssignSent": fb, "ViewAssign": ok, "OwnTasks": ok, "Launch": fb, "ViewCamp": ok, "CloseCamp": fb, "AdminMail": fb, "ConfirmCarried": fb, "Withdraw": fb},
		"auditorF":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "EditSubmitted": fb, "Submit": fb, "Approve": ok, "ApproveDraft": cf, "Comment": ok, "Mark": ok, "EditProfile": fb, "SetTargets": fb, "ViewAudit": ok, "Dashboard": fb, "ReviewQueue": ok, "Admin": fb, "ViewEvidence": ok, "ManageEvidence": fb, "LinkEvidence": fb, "LinkSubmitted": fb, "ReviewEvidence": ok, "ManageSSO": fb, "ViewActions": ok, "CreateAction": fb, "EditAction": fb, "AcceptRisk": fb, "MyActions": ok, "CloseAction": fb, "AcceptByMove": fb, "Assign": fb, "AssignSent": fb, "ViewAssign": ok, "OwnTasks": ok, "Launch": fb, "ViewCamp": fb, "CloseCamp": fb, "AdminMail": fb, "ConfirmCarried": fb, "Withdraw": fb},
		"officerB":  {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "EditSubmitted": nf, "Submit": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": fb, "ReviewQueue": fb, "Admin": fb, "ViewEvidence": nf, "ManageEvidence": nf, "LinkEvidence": nf, "LinkSubmitted": nf, "ReviewEvidence": nf, "ManageSSO": fb, "ViewActions": nf, "CreateAction": nf, "EditAction": nf, "AcceptRisk": nf, "MyActions": ok, "CloseAction": nf, "AcceptByMove": nf, "Assign": nf, "AssignSent": nf, "ViewAssign": nf, "OwnTasks": ok, "Launch": nf, "ViewCamp": nf, "CloseCamp": nf, "AdminMail": fb, "ConfirmCarried": nf, "Withdraw": nf},
		"auditorB":  {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "EditSubmitted": nf, "Submit": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": fb, "ReviewQueue": ok, "Admin": fb, "ViewEvidence": nf, "ManageEvidence": nf, "LinkEvidence": nf, "LinkSubmitted": nf, "ReviewEvidence": nf, "ManageSSO": fb, "ViewActions": nf, "CreateAction": nf, "EditAction": nf, "AcceptRisk": nf, "MyActions": ok, "CloseAction": nf, "AcceptByMove": nf, "Assign": nf, "AssignSent": nf, "ViewAssign": nf, "OwnTasks": ok, "Launch": nf, "ViewCamp": nf, "CloseCamp": nf, "AdminMail": fb, "ConfirmCarried": nf, "Withdraw": nf},
		"managerB":  {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "EditSubmitted": nf, "Submit": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": ok, "ReviewQueue": fb, "Admin": fb, "ViewEvidence": nf, "ManageEvidence": nf, "LinkEvidence": nf, "LinkSubmitted": nf, "ReviewEvidence": nf, "ManageSSO": fb, "ViewActions": nf, "CreateAction": nf, "EditAction": nf, "AcceptRisk": nf, "MyActions": ok, "CloseAction": nf, "AcceptByMove": nf, "Assign": nf, "AssignSent": nf, "ViewAssign": nf, "OwnTasks": ok, "Launch": nf, "ViewCamp": nf, "CloseCamp": nf, "AdminMail": fb, "ConfirmCarried": nf, "Withdraw": nf},
		"admin":     {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "EditSubmitted": fb, "Submit": fb, "Approve": fb, "ApproveDraft": fb, "Comment": fb, "Mark": fb, "EditProfile": ok, "SetTargets": fb, "ViewAudit": ok, "Dashboard": ok, "ReviewQueue": fb, "Admin": ok, "ViewEvidence": ok, "ManageEvidence": fb, "LinkEvidence": fb, "LinkSubmitted": fb, "ReviewEvidence": fb, "ManageSSO": ok, "ViewActions": ok, "CreateAction": fb, "EditAction": fb, "AcceptRisk": fb, "MyActions": ok, "CloseAction": fb, "AcceptByMove": fb, "Assign": fb, "AssignSent": fb, "ViewAssign": ok, "OwnTasks": ok, "Launch": fb, "ViewCamp": ok, "CloseCamp": fb, "AdminMail": ok, "ConfirmCarried": fb, "Withdraw": fb},
		"anonymous": {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "EditSubmitted": nf, "Submit": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": ua, "ReviewQueue": ua, "Admin": ua, "ViewEvidence": nf, "ManageEvidence": nf, "LinkEvidence": nf, "LinkSubmitted": nf, "ReviewEvidence": nf, "ManageSSO": ua, "ViewActions": nf, "CreateAction": nf, "EditAction": nf, "AcceptRisk": nf, "MyActions": ua, "CloseAction": nf, "AcceptByMove": nf, "Assign": nf, "AssignSent": nf, "ViewAssign": nf, "OwnTasks": ua, "Launch": nf, "ViewCamp": nf, "CloseCamp": nf, "AdminMail": ua, "ConfirmCarried": nf, "Withdraw": nf},
	}
	n := 0
	for name, p := range who {
		for action, fn := range actions {
			exp, okExp := want[name][action]
			if !okExp {
				t.Errorf("no expectation for %s × %s", name, action)
				continue
			}
			got := ok
			if err := fn(p); err != nil {
				got = string(apperr.CodeOf(err))
			}
			if got != exp {
				t.Errorf("%s × %s = %s, want %s", name, action, got, exp)
			}
			n++
		}
	}
	if n != len(who)*len(actions) {
		t.Fatalf("checked %d of %d", n, len(who)*len(actions))
	}
}

// TestAnswerEditorOrg: the organisation a page reads the editor's parts for
// is exactly the one where EditAnswers allows a draft, for every kind of
// caller.
func TestAnswerEditorOrg(t *testing.T) {
	for name, p := range map[string]*Principal{
		"officerA":  {UserID: "1", OrgID: "A", Role: assessment.Officer, Visible: map[string]bool{"A": true}},
		"auditorA":  {UserID: "2", OrgID: "A", Role: assessment.Auditor, Visible: map[string]bool{"A": true}},
		"managerP":  {UserID: "4", OrgID: "P", Role: assessment.Manager, Visible: map[string]bool{"P": true, "A": true}},
		"auditorF":  {UserID: "5", OrgID: "F", Role: assessment.Auditor, Visible: map[string]bool{"F": true, "A": true}},
		"officerB":  {UserID: "6", OrgID: "B", Role: assessment.Officer, Visible: map[string]bool{"B": true}},
		"admin":     {UserID: "9", OrgID: "X", Role: assessment.Manager, Admin: true, Visible: map[string]bool{"X": true}},
		"anonymous": nil,
	} {
		got := AnswerEditorOrg(p)
		for _, org := range []string{"A", "B", "P", "F", "X"} {
			if may := EditAnswers(p, org, assessment.Draft) == nil; may != (got == org) {
				t.Errorf("%s: AnswerEditorOrg = %q, EditAnswers(%s, draft) allowed = %v", name, got, org, may)
			}
		}
	}
	if got := AnswerEditorOrg(&Principal{OrgID: "A", Role: assessment.Officer, Visible: map[string]bool{"A": true}}); got != "A" {
		t.Errorf("officer of A: %q, want A", got)
	}
}
