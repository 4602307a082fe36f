package middleware

import (
	"net/http"
	"time"

	"github.com/go-chi/httprate"
)

// RateLimit lets each caller, as named by key, make at most limit requests a
// minute (a sliding window); past it, denied answers (httprate has set
// Retry-After and X-RateLimit-* by then). A key error goes to failed. A
// limit of 0 or less turns it off. The count is per process: with N
// instances a caller may get up to N times the limit.
func RateLimit(limit int, key func(*http.Request) (string, error), denied http.HandlerFunc, failed func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	if limit <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	rl := httprate.NewRateLimiter(limit, time.Minute,
		httprate.WithKeyFuncs(key),
		httprate.WithLimitHandler(denied),
		httprate.WithErrorHandler(failed),
	)
	return rl.Handler
}
