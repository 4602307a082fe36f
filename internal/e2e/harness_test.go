// Package e2e drives the whole product in a real browser: headless Chromium
// through chromedp against a server on a real PostgreSQL database.
package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/internal/testdb"
)

func TestMain(m *testing.M) {
	auth.UseFastHashesForTests()
	code := testdb.Main(m)
	if n := pagesChecked.Load(); n > 0 {
		fmt.Printf("accessibility: %d page views checked (axe-core WCAG 2.1 A/AA and the hand-written rules)\n", n)
	}
	os.Exit(code)
}

// site is a running Mamori on a fresh database.
type site struct {
	t   *testing.T
	st  *store.Store
	url string
}

func newSite(t *testing.T) *site {
	t.Helper()
	if testing.Short() {
		t.Skip("browser journey: not part of the quick loop (make test-unit)")
	}
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	// The organisation cache's listener, as `mamori serve` runs it.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.ListenForChanges(ctx, slog.New(slog.DiscardHandler)); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	ts := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)))
	t.Cleanup(ts.Close)
	return &site{t: t, st: st, url: ts.URL}
}

const password = "browser-test-password"

func (s *site) org(name string, parent *string) store.Org {
	s.t.Helper()
	o, err := s.st.CreateOrg(context.Background(), name, parent, "manufacturing")
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

// user creates a user named "テスト <role>", or name[0] when given.
func (s *site) user(orgID string, role assessment.Role, admin bool, email string, name ...string) store.User {
	s.t.Helper()
	hash, _ := auth.HashPassword(password)
	display := "テスト " + string(role)
	if len(name) > 0 {
		display = name[0]
	}
	u, err := s.st.CreateUser(context.Background(), store.NewUser{Email: email, Name: display, PasswordHash: hash, Role: role, OrgID: orgID, Admin: admin})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// chromePath finds the browser; the Makefile installs Debian's chromium.
func chromePath(t *testing.T) string {
	for _, p := range []string{os.Getenv("MAMORI_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("Chromium not found: run `make test` (it installs chromium and fonts-noto-cjk) or apt-get install chromium fonts-noto-cjk")
	return ""
}

// browser starts a headless Chromium with its own profile and returns a tab
// context. Each call is a separate browser context: cookies are not shared.
func browser(t *testing.T, width, height int64) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser journey: not part of the quick loop (make test-unit)")
	}
	dir := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromePath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.Flag("accept-lang", "ja-JP,ja"),
		chromedp.WindowSize(int(max(width, 1280)), int(max(height, 900))),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	// Phone sizes through device emulation (a mobile, touch viewport):
	// headless Chromium will not size a window under 500 px.
	emulate := chromedp.EmulateViewport(width, height)
	if width < 500 {
		emulate = chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(ctx, emulate); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// outDir is where screenshots go (not committed).
func outDir(t *testing.T) string {
	dir := os.Getenv("MAMORI_TEST_OUTPUT")
	if dir == "" {
		wd, _ := os.Getwd()
		dir = filepath.Join(wd, "..", "..", "testoutput")
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var shotN, pagesChecked atomic.Int32

// shot saves a full-page screenshot named after the test and step.
func shot(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", step, err)
	}
	name := fmt.Sprintf("%s-%02d-%s.png", strings.ReplaceAll(t.Name(), "/", "_"), shotN.Add(1), step)
	if err := os.WriteFile(filepath.Join(outDir(t), name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// do runs actions and fails the test with the step's name.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		shotOnError(t, ctx, step)
		t.Fatalf("%s: %v", step, err)
	}
}

func shotOnError(t *testing.T, ctx context.Context, step string) {
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(outDir(t), strings.ReplaceAll(t.Name(), "/", "_")+"-FAILED-"+step+".png"), buf, 0o644)
	}
}

// text returns an element's text.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		shotOnError(t, ctx, "text")
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// waitText polls until the element's text contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q); })()`, sel, want)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)||{}).textContent||"(none)"`, sel)))
		shotOnError(t, ctx, "wait")
		t.Fatalf("waiting for %q in %s: %v (text now %q)", want, sel, err, got)
	}
}

// login signs in through the form.
func login(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "login",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=logout]`)),
	)
}

// navigate loads a page and waits for it.
func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, "navigate", chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// clickNav clicks something that loads a new page and waits for it.
func clickNav(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		shotOnError(t, ctx, "click")
		t.Fatalf("click %s: %v", sel, err)
	}
}

// viewShot saves what the screen shows (not the whole page) as
// readme-NAME.png: the README's pictures are picked from these.
func viewShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(outDir(t), "readme-"+name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
