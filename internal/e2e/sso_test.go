package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/internal/ssotest"
	"mamori/internal/store/storetest"
)

// TestSSOJourney: an administrator connects the company's OpenID provider
// (zitadel's, running in the test) and tests it; a new user signs in
// through it and lands as an officer of the organisation; a groups claim
// makes another user an auditor; password sign-in is then switched off for
// the organisation, and the break-glass admin still gets in with theirs.
func TestSSOJourney(t *testing.T) {
	cfg, err := config.FromEnv(func(k string) string {
		if k == "MAMORI_SECRET_KEY" {
			return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	ts := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)))
	t.Cleanup(ts.Close)
	s := &site{t: t, st: st, url: ts.URL}
	op := ssotest.Start(t, s.url+"/login/sso/callback",
		ssotest.User{ID: "u1", Email: "hanako@op.example.jp", First: "花子", Last: "山田"},
		ssotest.User{ID: "u2", Email: "kansa@op.example.jp", First: "監査", Last: "次郎", Groups: []string{"internal-audit"}},
	)
	org := s.org("株式会社オーピー", nil)
	s.user(org.ID, assessment.Manager, true, "admin@example.jp", "管理者")
	s.user(org.ID, assessment.Officer, false, "pw-officer@example.jp", "パスワード 担当")

	ctx := browser(t, 1280, 900)
	login(t, ctx, s.url, "admin@example.jp") // no provider yet: email and password together
	navigate(t, ctx, s.url+"/admin/sso")
	checkA11y(t, ctx, "admin sso")
	do(t, ctx, "add provider",
		chromedp.SetValue(chromedp.ID("sso-org"), org.ID),
		chromedp.SendKeys(chromedp.ID("sso-name"), "社内 IdP"),
		chromedp.SendKeys(chromedp.ID("sso-issuer"), op.Issuer),
		chromedp.SendKeys(chromedp.ID("sso-client-id"), op.ClientID),
		chromedp.SendKeys(chromedp.ID("sso-secret"), op.ClientSecret),
		chromedp.SendKeys(chromedp.ID("sso-domains"), "op.example.jp"),
		chromedp.SendKeys(chromedp.ID("sso-groups-claim"), "groups"),
		chromedp.SendKeys(chromedp.ID("sso-group-roles"), "internal-audit=auditor"),
		chromedp.Click(chromedp.CSS(`[data-testid=sso-jit]`)),
	)
	clickNav(t, ctx, "[data-testid=sso-add-submit]")
	waitText(t, ctx, "[data-testid=sso-org]", "株式会社オーピー")
	checkA11y(t, ctx, "admin sso provider")
	shot(t, ctx, "provider")

	// Test sign-in: the provider's login, then the claims received.
	clickNav(t, ctx, "[data-testid=sso-test]")
	providerLogin(t, ctx, "hanako@op.example.jp")
	waitText(t, ctx, "[data-testid=sso-claims]", "hanako@op.example.jp")
	waitText(t, ctx, "[data-testid=sso-test-ok]", "担当者")
	checkA11y(t, ctx, "sso test result")
	shot(t, ctx, "test-sign-in")
	if _, err := st.UserByEmail(context.Background(), "hanako@op.example.jp"); err == nil {
		t.Fatal("the test sign-in created an account")
	}

	// A new user: email first, then the provider, then Mamori as an officer.
	officer := browser(t, 1280, 900)
	ssoLogin(t, officer, s.url, "hanako@op.example.jp")
	u, err := st.UserByEmail(context.Background(), "hanako@op.example.jp")
	if err != nil || u.Role != assessment.Officer || u.OrgID != org.ID || u.Name != "花子 山田" {
		t.Fatalf("account after the first sign-in: %+v %v", u, err)
	}
	waitText(t, officer, "h1", "自己評価")

	// The groups claim makes an auditor.
	auditor := browser(t, 1280, 900)
	ssoLogin(t, auditor, s.url, "kansa@op.example.jp")
	if a, err := st.UserByEmail(context.Background(), "kansa@op.example.jp"); err != nil || a.Role != assessment.Auditor || a.OrgID != org.ID {
		t.Fatalf("auditor account: %+v %v", a, err)
	}

	// Password sign-in off for the organisation.
	do(t, ctx, "password off", chromedp.Navigate(s.url+"/admin/sso"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=sso-provider-row] a`)))
	clickNav(t, ctx, "[data-testid=sso-provider-row] a")
	do(t, ctx, "uncheck", chromedp.Click(chromedp.CSS(`[data-testid=sso-password-login]`)))
	clickNav(t, ctx, "[data-testid=sso-password-submit]")
	if on, _ := st.PasswordLogin(context.Background(), org.ID); on {
		t.Fatal("password sign-in still on")
	}

	refused := browser(t, 1280, 900)
	passwordLogin(t, refused, s.url, "pw-officer@example.jp")
	waitText(t, refused, "[data-testid=login-error]", "パスワードによるサインインは無効")
	checkA11y(t, refused, "password sign-in refused")

	breakGlass := browser(t, 1280, 900)
	passwordLogin(t, breakGlass, s.url, "admin@example.jp")
	do(t, breakGlass, "break-glass admin signed in", chromedp.WaitVisible(chromedp.CSS(`[data-testid=logout]`)))
}

// providerLogin fills the provider's login form.
func providerLogin(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	do(t, ctx, "provider login",
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), email),
		chromedp.SendKeys(chromedp.ID("password"), ssotest.Password),
	)
	clickNav(t, ctx, "button[type=submit]")
}

// ssoLogin signs in through the email-first page and the provider.
func ssoLogin(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "email first",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-email-form]`)),
		chromedp.SendKeys(chromedp.ID("email"), email),
	)
	checkA11y(t, ctx, "login email first")
	clickNav(t, ctx, "[data-testid=login-continue]")
	providerLogin(t, ctx, email)
	do(t, ctx, "signed in", chromedp.WaitVisible(chromedp.CSS(`[data-testid=logout]`)))
}

// passwordLogin signs in through the email-first page and the password
// step that follows for an email no provider signs in.
func passwordLogin(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "email first",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-email-form]`)),
		chromedp.SendKeys(chromedp.ID("email"), email),
	)
	clickNav(t, ctx, "[data-testid=login-continue]")
	do(t, ctx, "password step",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	checkA11y(t, ctx, "login password step")
	clickNav(t, ctx, "[data-testid=login-submit]")
}
