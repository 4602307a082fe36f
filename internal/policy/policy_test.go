package policy

import (
	"testing"

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
		"Comment":     func(p *Principal) error { return Comment(p, "A") },
		"Mark":        func(p *Principal) error { return Mark(p, "A") },
		"EditProfile": func(p *Principal) error { return EditProfile(p, "A") },
		"SetTargets":  func(p *Principal) error { return SetTargets(p, "A") },
		"ViewAudit":   func(p *Principal) error { return ViewAudit(p, "A") },
		"Dashboard":   ViewDashboard,
		"ReviewQueue": ReviewQueue,
		"Admin":       Admin,
	}
	want := map[string]map[string]string{
		"officerA":  {"ViewAssessment": ok, "CreateAssessment": ok, "EditDraft": ok, "ConfirmCarried": ok, "EditSubmitted": cf, "Submit": ok, "Withdraw": ok, "Approve": fb, "ApproveDraft": fb, "Comment": ok, "Mark": fb, "EditProfile": ok, "SetTargets": fb, "ViewAudit": ok, "Dashboard": fb, "ReviewQueue": fb, "Admin": fb},
		"auditorA":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "ConfirmCarried": fb, "EditSubmitted": fb, "Submit": fb, "Withdraw": fb, "Approve": ok, "ApproveDraft": cf, "Comment": ok, "Mark": ok, "EditProfile": fb, "SetTargets": fb, "ViewAudit": ok, "Dashboard": fb, "ReviewQueue": ok, "Admin": fb},
		"managerA":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "ConfirmCarried": fb, "EditSubmitted": fb, "Submit": fb, "Withdraw": fb, "Approve": fb, "ApproveDraft": fb, "Comment": fb, "Mark": fb, "EditProfile": ok, "SetTargets": ok, "ViewAudit": ok, "Dashboard": ok, "ReviewQueue": fb, "Admin": fb},
		"managerP":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "ConfirmCarried": fb, "EditSubmitted": fb, "Submit": fb, "Withdraw": fb, "Approve": fb, "ApproveDraft": fb, "Comment": fb, "Mark": fb, "EditProfile": ok, "SetTargets": ok, "ViewAudit": ok, "Dashboard": ok, "ReviewQueue": fb, "Admin": fb},
		"auditorF":  {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "ConfirmCarried": fb, "EditSubmitted": fb, "Submit": fb, "Withdraw": fb, "Approve": ok, "ApproveDraft": cf, "Comment": ok, "Mark": ok, "EditProfile": fb, "SetTargets": fb, "ViewAudit": ok, "Dashboard": fb, "ReviewQueue": ok, "Admin": fb},
		"officerB":  {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "ConfirmCarried": nf, "EditSubmitted": nf, "Submit": nf, "Withdraw": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": fb, "ReviewQueue": fb, "Admin": fb},
		"auditorB":  {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "ConfirmCarried": nf, "EditSubmitted": nf, "Submit": nf, "Withdraw": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": fb, "ReviewQueue": ok, "Admin": fb},
		"managerB":  {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "ConfirmCarried": nf, "EditSubmitted": nf, "Submit": nf, "Withdraw": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": ok, "ReviewQueue": fb, "Admin": fb},
		"admin":     {"ViewAssessment": ok, "CreateAssessment": fb, "EditDraft": fb, "ConfirmCarried": fb, "EditSubmitted": fb, "Submit": fb, "Withdraw": fb, "Approve": fb, "ApproveDraft": fb, "Comment": fb, "Mark": fb, "EditProfile": ok, "SetTargets": fb, "ViewAudit": ok, "Dashboard": ok, "ReviewQueue": fb, "Admin": ok},
		"anonymous": {"ViewAssessment": nf, "CreateAssessment": nf, "EditDraft": nf, "ConfirmCarried": nf, "EditSubmitted": nf, "Submit": nf, "Withdraw": nf, "Approve": nf, "ApproveDraft": nf, "Comment": nf, "Mark": nf, "EditProfile": nf, "SetTargets": nf, "ViewAudit": nf, "Dashboard": ua, "ReviewQueue": ua, "Admin": ua},
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
