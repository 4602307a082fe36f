package middleware

import (
	"context"
	"net/http"
	"strconv"
)

// RateCounter counts a caller's requests in the sliding minute ending now,
// this one included, wherever the count is kept (the database, so that every
// instance of the server shares it).
type RateCounter func(ctx context.Context, key string) (float64, error)

// RateLimit lets each caller, as named by key, make at most limit requests a
// minute (a sliding window counted by count); past it, denied answers, with
// Retry-After: 60 and X-RateLimit-Limit set. A key or count error goes to
// failed. A limit of 0 or less turns it off.
func RateLimit(limit int, key func(*http.Request) (string, error), count RateCounter, denied http.HandlerFunc, failed func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	if limit <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, err := key(r)
			if err != nil {
				failed(w, r, err)
				return
			}
			n, err := count(r.Context(), k)
			if err != nil {
				failed(w, r, err)
				return
			}
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
			if n > float64(limit) {
				w.Header().Set("Retry-After", "60")
				denied(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
