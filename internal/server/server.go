package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/secretbox"
	"mamori/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	cfg      config.Config
	store    *store.Store
	log      *slog.Logger
	sessions *auth.SessionStore
	now      func() time.Time
	handler  http.Handler
	// box seals and opens SSO client secrets (nil without MAMORI_SECRET_KEY).
	box        *secretbox.Box
	ssoClients *ssoProviders
}

// New builds the server and its routes.
func New(cfg config.Config, st *store.Store, log *slog.Logger) *Server {
	s := &Server{
		cfg:   cfg,
		store: st,
		log:   log,
		sessions: &auth.SessionStore{DB: st, Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute,
			Secure: cfg.SecureCookies},
		now:        time.Now,
		ssoClients: newSSOProviders(),
	}
	box, err := secretbox.New(cfg.SecretKey)
	if err != nil { // config.FromEnv refused such a key already
		log.Error("secret key refused", "err", err)
	}
	s.box = box
	s.handler = s.routes()
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// HTTPServer returns an http.Server with timeouts for addr.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      s.cfg.RequestTimeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Sweep deletes expired sessions and old login failures, and reopens
// accepted risks whose review date has come, now and then until ctx ends.
func (s *Server) Sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.store.DeleteOldRates(ctx, s.now()); err != nil {
				s.log.Warn("rate count sweep failed", "err", err)
			}
			if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
				s.log.Warn("session sweep failed", "err", err)
			} else if n > 0 {
				s.log.Info("expired sessions removed", "count", n)
			}
			if n, err := s.store.ReopenDueRisks(ctx, s.today()); err != nil {
				s.log.Warn("reopening accepted risks failed", "err", err)
			} else if n > 0 {
				s.log.Info("accepted risks reopened for review", "count", n)
			}
		}
	}
}
