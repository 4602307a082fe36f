package store

import (
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Option adjusts the pool configuration Open builds.
type Option func(*pgxpool.Config)

// WithTracer traces every query of the pool, e.g. to count the statements a
// request sends (server.QueryCountTracer) and prove that a page runs a fixed
// number of queries.
func WithTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}
