package middleware

import (
	"net"
	"net/http"
	"strings"
)

// ClientAddr is the caller's address for throttling. Behind a trusted proxy
// it is the last X-Forwarded-For entry, the one the proxy appended: the
// entries before it are whatever the client sent, and taking the first would
// let a client escape the sign-in throttle by changing it each time.
func ClientAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if addr := strings.TrimSpace(last[strings.LastIndex(last, ",")+1:]); addr != "" {
				return addr
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// FromLoopback tells whether the connection comes from this machine. It looks
// at the connection's address only: a forwarded-for header is the client's
// claim, not a fact.
func FromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoopbackOnly answers 404 to callers not on the loopback interface.
func LoopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !FromLoopback(r) {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
