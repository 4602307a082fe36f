package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/httprate"

	"mamori/internal/apperr"
)

// apiRateLimit limits each API caller to MAMORI_API_RATE_LIMIT requests a
// minute (a sliding window), keyed by the token when the request carries one
// and by the user otherwise — never by address, which offices share behind
// one NAT. It runs after authentication; 0 turns it off. The count is per
// process: with N instances a caller may get up to N times the limit.
func (s *Server) apiRateLimit() func(http.Handler) http.Handler {
	limit := s.cfg.APIRateLimit
	if limit <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	rl := httprate.NewRateLimiter(limit, time.Minute,
		httprate.WithKeyFuncs(func(r *http.Request) (string, error) {
			p := principal(r.Context())
			switch {
			case p == nil:
				return "", errors.New("rate limit: no caller") // requireUser runs first
			case p.TokenID != "":
				return "token:" + p.TokenID, nil
			}
			return "user:" + p.UserID, nil
		}),
		// httprate has set Retry-After (the window, 60 s) and X-RateLimit-*.
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			s.apiError(w, r, apperr.K(apperr.TooMany, "error.rate_limited", limit))
		}),
		httprate.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			s.apiError(w, r, err)
		}),
	)
	return rl.Handler
}
