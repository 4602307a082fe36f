package server_test

import (
	"strings"
	"testing"

	"mamori/internal/config"
)

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
