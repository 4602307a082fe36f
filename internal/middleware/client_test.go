package middleware_test

import (
	"net/http/httptest"
	"testing"

	"mamori/internal/middleware"
)

func TestClientAddr(t *testing.T) {
	tests := []struct {
		name       string
		remote     string
		xff        []string
		trustProxy bool
		want       string
	}{
		{"Direct", "192.0.2.7:5123", nil, false, "192.0.2.7"},
		{"ForwardedIgnoredWithoutTrust", "192.0.2.7:5123", []string{"198.51.100.1"}, false, "192.0.2.7"},
		{"TrustedProxyLastHop", "127.0.0.1:4000", []string{"203.0.113.9, 198.51.100.1"}, true, "198.51.100.1"},
		{"TrustedProxyLastHeader", "127.0.0.1:4000", []string{"203.0.113.9", "198.51.100.2"}, true, "198.51.100.2"},
		{"TrustedProxyEmptyHeader", "127.0.0.1:4000", []string{" "}, true, "127.0.0.1"},
		{"NoPort", "unix-socket", nil, false, "unix-socket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := middleware.ClientAddr(r, tt.trustProxy); got != tt.want {
				t.Errorf("ClientAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFromLoopback(t *testing.T) {
	for remote, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:1": true, "192.0.2.7:1": false, "garbage": false} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", "127.0.0.1") // a claim, never a fact
		if got := middleware.FromLoopback(r); got != want {
			t.Errorf("FromLoopback(%q) = %v, want %v", remote, got, want)
		}
	}
}
