package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/web"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	c := e.login(u)
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest("POST", e.ts.URL+"/assessments", strings.NewReader("title=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, res)
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("%v: status %d", h, res.StatusCode)
		}
	}
	as, _ := e.st.ListAssessmentHeads(context.Background(), org.ID)
	if len(as) != 0 {
		t.Fatalf("a cross-origin request created %d assessments", len(as))
	}
	// Same-origin browser requests pass.
	req, _ := http.NewRequest("POST", e.ts.URL+"/assessments", strings.NewReader("title=ok"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, _ := c.Do(req)
	readBody(t, res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin: status %d", res.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	res, _ := e.get(e.browser(), "/login")
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q", k, got)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestSecurityHeadersOnEveryKindOfResponse(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.TrustProxy = true })
	org := e.org("ヘッダー株式会社", nil)
	tok := e.token(e.user(org.ID, assessment.Officer, false))
	paths := map[string]map[string]string{
		"/login":                 nil,                                       // page
		web.Asset("app.css"):     nil,                                       // static asset
		"/api/v1/me":             {"Authorization": "Bearer " + tok},        // API
		"/api/v1/assessments/x1": {"Authorization": "Bearer " + tok},        // API error
		"/healthz":               nil,                                       // probe
		"/no/such/page":          nil,                                       // 404 page
		"/api/v1/me?anonymous":   {"Accept": "application/json"},            // 401
		"/metrics":               {"X-Forwarded-For": "203.0.113.9"},        // refused
		"/assessments":           {"Cookie": "mamori_session=forged-value"}, // redirect
	}
	for path, h := range paths {
		for _, https := range []bool{false, true} {
			hh := map[string]string{}
			for k, v := range h {
				hh[k] = v
			}
			if https {
				hh["X-Forwarded-Proto"] = "https"
			}
			res, _ := e.send(nil, "GET", path, nil, hh)
			hdr := res.Header
			csp := hdr.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s (%d): CSP %q lacks %q", path, res.StatusCode, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP allows inline script: %q", path, csp)
			}
			if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("Referrer-Policy") != "same-origin" || hdr.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s: nosniff %q referrer %q frame %q", path, hdr.Get("X-Content-Type-Options"), hdr.Get("Referrer-Policy"), hdr.Get("X-Frame-Options"))
			}
			hsts := hdr.Get("Strict-Transport-Security")
			if https != strings.HasPrefix(hsts, "max-age=31536000") {
				t.Errorf("%s over https=%v: HSTS %q", path, https, hsts)
			}
		}
	}

	t.Run("ForwardedProtoIgnoredWithoutTrustProxy", func(t *testing.T) {
		e := newEnv(t)
		res, _ := e.send(nil, "GET", "/login", nil, map[string]string{"X-Forwarded-Proto": "https"})
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Fatal("HSTS sent on a plain-HTTP request because a client claimed https")
		}
	})
	t.Run("CookieFlags", func(t *testing.T) {
		e := newEnv(t, func(c *config.Config) { c.SecureCookies = true })
		org := e.org("クッキー株式会社", nil)
		u := e.user(org.ID, assessment.Officer, false)
		res := e.postForm(e.browser(), "/login", map[string][]string{"email": {u.Email}, "password": {testPassword}})
		var found bool
		for _, c := range res.Cookies() {
			if c.Name == "mamori_session" {
				found = true
				if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
					t.Fatalf("session cookie %+v", c)
				}
			}
		}
		if !found {
			t.Fatal("no session cookie")
		}
	})
}

func TestRequestBodyLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.MaxBodyBytes = 4096 })
	org := e.org("上限株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	a := e.draft(u)
	big := `{"level":3,"version":0,"comment":"` + strings.Repeat("あ", 3000) + `"}` // 9 KB
	res, body := e.send(nil, "PUT", "/api/v1/assessments/"+a.ID+"/answers/1-1", strings.NewReader(big),
		map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	if res.StatusCode != http.StatusRequestEntityTooLarge || errCode(m) != "too_large" {
		t.Fatalf("status %d body %s", res.StatusCode, body)
	}
	answers, _ := e.st.Answers(context.Background(), a.ID)
	if len(answers) != 0 {
		t.Fatal("an oversized request was saved")
	}
	// The same request under the limit goes through.
	small := `{"level":3,"version":0,"comment":"` + strings.Repeat("あ", 1000) + `"}`
	if res, body := e.send(nil, "PUT", "/api/v1/assessments/"+a.ID+"/answers/1-1", strings.NewReader(small),
		map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}); res.StatusCode != 200 {
		t.Fatalf("under the limit: %d %s", res.StatusCode, body)
	}
	// A form page refuses too.
	c := e.login(u)
	res, _ = e.send(c, "POST", "/assessments/"+a.ID+"/answers/1-2", strings.NewReader("comment="+strings.Repeat("x", 8000)+"&version=0"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if res.StatusCode != http.StatusRequestEntityTooLarge && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("oversized form: status %d", res.StatusCode)
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	cfg, _ := config.FromEnv(func(string) string { return "" })
	srv := server.New(cfg, nil, slog.New(slog.DiscardHandler))
	hs := srv.HTTPServer("127.0.0.1:0")
	for name, c := range map[string]struct{ got, want time.Duration }{
		"ReadHeaderTimeout": {hs.ReadHeaderTimeout, 10 * time.Second},
		"ReadTimeout":       {hs.ReadTimeout, 60 * time.Second},
		"WriteTimeout":      {hs.WriteTimeout, cfg.RequestTimeout + 30*time.Second},
		"IdleTimeout":       {hs.IdleTimeout, 120 * time.Second},
	} {
		if c.got != c.want || c.got <= 0 {
			t.Errorf("%s = %s, want %s", name, c.got, c.want)
		}
	}
	if hs.WriteTimeout <= cfg.RequestTimeout {
		t.Error("the write timeout would cut off a request still within its own timeout")
	}
}

func TestAPIRateLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.APIRateLimit = 5 })
	org := e.org("制限株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tokA, tokB := e.token(u), e.token(u)
	for i := 0; i < 5; i++ {
		if code, _ := e.api(tokA, "GET", "/api/v1/me", nil); code != 200 {
			t.Fatalf("request %d: %d", i+1, code)
		}
	}
	res, body := e.send(nil, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + tokA})
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "60" || errCode(m) != "too_many" {
		t.Fatalf("6th request: %d retry-after %q body %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	// Keyed by token, not by address: another token of the same user, from
	// the same address, has its own budget; so has the user's browser session.
	if code, _ := e.api(tokB, "GET", "/api/v1/me", nil); code != 200 {
		t.Fatalf("second token: %d", code)
	}
	c := e.login(u)
	if res, _ := e.get(c, "/api/v1/me"); res.StatusCode != 200 {
		t.Fatalf("session: %d", res.StatusCode)
	}
	// Pages are not rate limited.
	for i := 0; i < 8; i++ {
		if res, _ := e.get(c, "/assessments"); res.StatusCode != 200 {
			t.Fatalf("page %d: %d", i, res.StatusCode)
		}
	}

	t.Run("OneLimitAcrossInstances", func(t *testing.T) {
		// Two instances of the server on one database: the caller's budget
		// is shared, not one per instance.
		e := newEnv(t, func(c *config.Config) { c.APIRateLimit = 6 })
		second := httptest.NewServer(server.New(e.cfg, e.st, slog.New(slog.DiscardHandler)))
		t.Cleanup(second.Close)
		org := e.org("二台株式会社", nil)
		tok := e.token(e.user(org.ID, assessment.Officer, false))
		codes := map[int]int{}
		for i := range 12 {
			base := e.ts.URL
			if i%2 == 1 {
				base = second.URL
			}
			req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			codes[res.StatusCode]++
		}
		if codes[200] != 6 || codes[429] != 6 {
			t.Fatalf("12 requests alternating between two instances with a limit of 6: %v, want 6 × 200 and 6 × 429", codes)
		}
	})
	t.Run("Off", func(t *testing.T) {
		e := newEnv(t, func(c *config.Config) { c.APIRateLimit = 0 })
		org := e.org("無制限株式会社", nil)
		tok := e.token(e.user(org.ID, assessment.Officer, false))
		for i := 0; i < 30; i++ {
			if code, _ := e.api(tok, "GET", "/api/v1/me", nil); code != 200 {
				t.Fatalf("request %d: %d", i+1, code)
			}
		}
	})
	t.Run("DefaultIs1200", func(t *testing.T) {
		cfg, _ := config.FromEnv(func(string) string { return "" })
		if cfg.APIRateLimit != 1200 {
			t.Fatalf("default %d", cfg.APIRateLimit)
		}
	})
}
