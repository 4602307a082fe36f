package server_test

import (
	"mamori/internal/assessment"
	"mamori/internal/config"
	"net/http"
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	e := newEnv(t)
	if code, body := e.api("", "GET", "/healthz", nil); code != 200 || body["status"] != "ok" {
		t.Fatalf("healthz %d %v", code, body)
	}
	if code, body := e.api("", "GET", "/readyz", nil); code != 200 || body["status"] != "ready" {
		t.Fatalf("readyz %d %v", code, body)
	}
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

// TestReadyzTellsTheVersionOnlyToOperators: the schema version (which tells
// the release) goes to loopback callers or holders of the metrics token, as
// /metrics does; anyone else learns only the status.
func TestReadyzTellsTheVersionOnlyToOperators(t *testing.T) {
	cases := []struct {
		name    string
		token   string            // MAMORI_METRICS_TOKEN
		headers map[string]string // of the probe
		version bool
	}{
		{"LoopbackWithoutToken", "", nil, true},
		{"ThroughAProxy", "", map[string]string{"X-Forwarded-For": "203.0.113.9"}, false},
		{"TokenConfiguredNotSent", "probe-secret-0123456789", nil, false},
		{"WrongToken", "probe-secret-0123456789", map[string]string{"Authorization": "Bearer wrong"}, false},
		{"Token", "probe-secret-0123456789", map[string]string{"Authorization": "Bearer probe-secret-0123456789"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *config.Config) { cfg.MetricsToken = c.token })
			res, body := e.send(nil, "GET", "/readyz", nil, c.headers)
			if res.StatusCode != 200 {
				t.Fatalf("readyz %d %s", res.StatusCode, body)
			}
			want := `{"status":"ready"}` + "\n"
			if c.version {
				if body == want || !strings.Contains(body, `"version":`) {
					t.Fatalf("an operator's probe lacks the version: %s", body)
				}
			} else if body != want {
				t.Fatalf("readyz told a stranger %s, want only the status", body)
			}
		})
	}
}
