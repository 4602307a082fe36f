package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/web"
)

// send makes a request with headers and returns the response with its body.
func (e *env) send(c *http.Client, method, path string, body io.Reader, headers map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = e.browser()
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, readBody(e.t, res)
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

func TestMetrics(t *testing.T) {
	t.Run("LoopbackWithoutToken", func(t *testing.T) {
		e := newEnv(t)
		org := e.org("計測株式会社", nil)
		tok := e.token(e.user(org.ID, assessment.Officer, false))
		e.api(tok, "GET", "/api/v1/me", nil)
		e.api(tok, "GET", "/api/v1/assessments/00000000-0000-0000-0000-000000000000", nil)
		res, body := e.send(nil, "GET", "/metrics", nil, nil)
		if res.StatusCode != 200 {
			t.Fatalf("metrics from loopback: %d", res.StatusCode)
		}
		for _, want := range []string{
			`mamori_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1`,
			`mamori_http_requests_total{method="GET",route="/api/v1/assessments/{assessmentID}",status="404"} 1`,
			`mamori_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",le="+Inf"} 1`,
			"mamori_db_pool_total_connections ", "mamori_db_pool_max_connections ", "mamori_db_pool_acquires_total ",
			"go_goroutines ",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
		if strings.Contains(body, "00000000-0000") {
			t.Error("a path with an id became a metric label")
		}
		if res, _ := e.send(nil, "GET", "/metrics", nil, map[string]string{"X-Forwarded-For": "198.51.100.7"}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("metrics through a proxy: %d", res.StatusCode)
		}
	})
	t.Run("Token", func(t *testing.T) {
		e := newEnv(t, func(c *config.Config) { c.MetricsToken = "scrape-secret-0123456789" })
		for _, c := range []struct {
			auth string
			want int
		}{
			{"", http.StatusForbidden},
			{"Bearer wrong", http.StatusForbidden},
			{"Bearer scrape-secret-012345678", http.StatusForbidden},
			{"scrape-secret-0123456789", http.StatusForbidden},
			{"Bearer scrape-secret-0123456789", http.StatusOK},
		} {
			h := map[string]string{}
			if c.auth != "" {
				h["Authorization"] = c.auth
			}
			if res, _ := e.send(nil, "GET", "/metrics", nil, h); res.StatusCode != c.want {
				t.Errorf("Authorization %q: %d, want %d", c.auth, res.StatusCode, c.want)
			}
		}
	})
}

// TestUserTextRoundTrips: markup, quotes and tabs come back from the API
// exactly as sent, and pages show them escaped. (Other control characters
// are refused: TestControlCharactersRefused.)
func TestUserTextRoundTrips(t *testing.T) {
	e := newEnv(t)
	org := e.org("エスケープ株式会社", nil)
	u := e.user(org.ID, assessment.Officer, false)
	tok := e.token(u)
	a := e.draft(u)
	evil := "<script>alert(1)</script>\"'\t &amp; <img src=x onerror=alert(2)>"
	code, saved := e.api(tok, "PUT", "/api/v1/assessments/"+a.ID+"/answers/1-1", map[string]any{"level": 2, "version": 0, "comment": evil})
	if code != 200 || saved["comment"] != evil {
		t.Fatalf("save: %d %q", code, saved["comment"])
	}
	code, got := e.api(tok, "GET", "/api/v1/assessments/"+a.ID, nil)
	ans, _ := got["answers"].(map[string]any)
	one, _ := ans["1-1"].(map[string]any)
	if code != 200 || one["comment"] != evil {
		t.Fatalf("read back: %d %q", code, one["comment"])
	}
	raw, _ := e.st.Answers(context.Background(), a.ID)
	if raw["1-1"].Comment != evil {
		t.Fatalf("stored %q", raw["1-1"].Comment)
	}
	res, body := e.get(e.login(u), "/assessments/"+a.ID+"/categories/1")
	if res.StatusCode != 200 {
		t.Fatalf("category page: %d", res.StatusCode)
	}
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
		t.Fatal("the comment is rendered unescaped")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;\t &amp;amp; &lt;img src=x onerror=alert(2)&gt;") {
		i := strings.Index(body, "alert(1)")
		t.Fatalf("escaped comment not found; near: %q", body[max(0, i-40):min(len(body), i+80)])
	}
	// JSON responses escape markup too, so a response sniffed as HTML is inert.
	res, rawJSON := e.send(nil, "GET", "/api/v1/assessments/"+a.ID, nil, map[string]string{"Authorization": "Bearer " + tok})
	if strings.Contains(rawJSON, "<script>") || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON carries raw markup or the wrong type (%q)", res.Header.Get("Content-Type"))
	}
}
