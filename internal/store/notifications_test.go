package store_test

import (
	"context"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestCreateUserRefusesHeaderInjection: an email address or a display name
// with a line break never reaches an email header.
func TestCreateUserRefusesHeaderInjection(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	o, err := st.CreateOrg(ctx, "ヘッダ株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	for _, nu := range []store.NewUser{
		{Email: "a@example.jp\r\nBcc: x@evil.example", Name: "A"},
		{Email: "b@example.jp", Name: "B\nBcc: x@evil.example"},
		{Email: "\"c\" <c@example.jp>", Name: "C"},
	} {
		nu.PasswordHash, nu.Role, nu.OrgID = "x", assessment.Officer, o.ID
		if _, err := st.CreateUser(ctx, nu); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%q / %q: %v", nu.Email, nu.Name, err)
		}
	}
}
