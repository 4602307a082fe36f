package assessment

import (
	"testing"

	"mamori/internal/apperr"
)

// TestTransition checks every state × action × role.
func TestTransition(t *testing.T) {
	type key struct {
		from   Status
		action Action
		role   Role
	}
	allowed := map[key]Status{
		{Draft, Submit, Officer}:       Submitted,
		{Returned, Submit, Officer}:    Submitted,
		{Submitted, Return, Auditor}:   Returned,
		{Submitted, Approve, Auditor}:  Approved,
		{Approved, Reopen, Auditor}:    Returned,
		{Submitted, Withdraw, Officer}: Draft,
	}
	n := 0
	for _, from := range Statuses {
		for _, action := range Actions {
			for _, role := range Roles {
				n++
				got, err := Transition(from, action, role)
				want, ok := allowed[key{from, action, role}]
				switch {
				case ok && (err != nil || got != want):
					t.Errorf("%s %s by %s = %q, %v; want %q", from, action, role, got, err, want)
				case !ok && err == nil:
					t.Errorf("%s %s by %s = %q; want refusal", from, action, role, got)
				case !ok:
					// Roles that may never take the action get Forbidden; the
					// right role in the wrong state gets Conflict.
					wantCode := apperr.Conflict
					officers := action == Submit || action == Withdraw
					if (officers && role != Officer) || (!officers && role != Auditor) {
						wantCode = apperr.Forbidden
					}
					if c := apperr.CodeOf(err); c != wantCode {
						t.Errorf("%s %s by %s: code %s, want %s", from, action, role, c, wantCode)
					}
				}
			}
		}
	}
	if n != 4*5*3 {
		t.Fatalf("checked %d combinations, want 60", n)
	}
}

func TestEditable(t *testing.T) {
	for s, want := range map[Status]bool{Draft: true, Returned: true, Submitted: false, Approved: false} {
		if s.Editable() != want {
			t.Errorf("%s.Editable() = %v", s, !want)
		}
	}
}

func TestCheckWithdrawable(t *testing.T) {
	if err := CheckWithdrawable(false); err != nil {
		t.Errorf("no auditor acted: %v", err)
	}
	if err := CheckWithdrawable(true); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("an auditor acted: %v, want conflict", err)
	}
}
