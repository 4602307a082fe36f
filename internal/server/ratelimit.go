package server

import (
	"context"
	"errors"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/middleware"
)

// apiRateLimit limits each API caller to MAMORI_API_RATE_LIMIT requests a
// minute, keyed by the token when the request carries one and by the user
// otherwise — never by address, which offices share behind one NAT. It runs
// after authentication; 0 turns it off. The counts are in the database, so
// the limit holds across every instance of the server.
func (s *Server) apiRateLimit() func(http.Handler) http.Handler {
	limit := s.cfg.APIRateLimit
	key := func(r *http.Request) (string, error) {
		p := principal(r.Context())
		switch {
		case p == nil:
			return "", errors.New("rate limit: no caller") // requireUser runs first
		case p.TokenID != "":
			return "token:" + p.TokenID, nil
		}
		return "user:" + p.UserID, nil
	}
	denied := func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, apperr.K(apperr.TooMany, "error.rate_limited", limit))
	}
	count := func(ctx context.Context, key string) (float64, error) { return s.store.RateHit(ctx, key, s.now()) }
	return middleware.RateLimit(limit, key, count, denied, s.apiError)
}
