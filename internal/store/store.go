// Package store is Mamori's PostgreSQL access: one file per table, raw SQL
// beside the method that runs it, every error wrapped with context.
// Exported methods own their transactions; helpers take a pgx.Tx.
// Its structs are plain, without json tags: the API (internal/server) and
// the JSON export have shapes of their own, so a schema change stays here.
package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"mamori/internal/apperr"
)

// Store wraps the connection pool.
type Store struct {
	pool  db
	now   func() time.Time
	blobs Blobs     // evidence contents in object storage; nil: in the database
	cache *orgCache // org_cache.go

	visible visibleCache  // who sees which organisations (visibility.go)
	peers   peerCache     // the benchmark's sums by version (peer_stats.go)
	frozen  frozenCache   // frozen results by assessment version (frozen_results.go)
	review  reviewSources // what this instance knows of org_review_sources

	riverOnce   sync.Once // the insert-only River client (jobs.go)
	riverClient *river.Client[pgx.Tx]
	riverErr    error
}

// Open connects to url and checks the connection. Options (trace.go) adjust
// the pool configuration.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: parse database url: %w", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "mamori"
	// A statement that takes this long is a bug or an outage: fail the
	// request instead of holding a connection forever.
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = "20000"
	// Planner settings for Mamori's workload: a small, cached database read
	// by short index lookups (docs/performance.md). With the default
	// random_page_cost of 4 (spinning disks) the planner hashes the whole
	// users or orgs table to name a row's author, a cost that grows with the
	// tenants; JIT compiles the dashboard query for longer than it runs.
	cfg.ConnConfig.RuntimeParams["random_page_cost"] = "1.1"
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open pool: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: ping database: %w", err)
	}
	return &Store{pool: db{pool}, now: time.Now, cache: newOrgCache(orgCacheSize)}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// PoolStat reports the connection pool's counters, for the metrics.
func (s *Store) PoolStat() *pgxpool.Stat { return s.pool.Stat() }

// notFound maps pgx.ErrNoRows to apperr.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.ErrNotFound
	}
	return err
}

// pgCode returns the SQLSTATE of err, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeInvalidText         = "22P02"
)
