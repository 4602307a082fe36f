package server

import (
	"context"
	"net/http"
	"path"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/metrics"
	"mamori/internal/store"
	"mamori/web"
)

var errNotFoundRoute = apperr.ErrNotFound

// handleHealthz: the process is up.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz: the database answers and the schema is current. Why not,
// and the schema version, are told only to those who may read /metrics (the
// metrics token, or loopback without one): the version tells an attacker
// which release runs. Everyone else gets the status.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	detail := metrics.Allowed(r, s.cfg.MetricsToken)
	answer := func(status int, body map[string]any) {
		if !detail {
			body = map[string]any{"status": body["status"]}
		}
		writeJSON(w, status, body)
	}
	if err := s.store.Ping(ctx); err != nil {
		answer(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "database unreachable"})
		return
	}
	v, dirty, err := s.store.SchemaVersion(ctx)
	latest, lerr := store.LatestVersion()
	if err != nil || lerr != nil || dirty || v != latest {
		answer(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": "migrations not current", "version": v, "want": latest})
		return
	}
	answer(http.StatusOK, map[string]any{"status": "ready", "version": v})
}

// handleStatic serves embedded assets under content-hashed names, cached for
// a year (a new build has new names).
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := web.AssetFile(path.Base(r.URL.Path))
	if name == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeFileFS(w, r, web.Static, name)
}
