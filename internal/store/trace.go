package store

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Option adjusts the pool configuration Open builds.
type Option func(*pgxpool.Config)

// WithTracer traces every query of the pool, e.g. to count the statements a
// request sends (QueryCountTracer) and prove that a page runs a fixed number
// of queries.
func WithTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}

type queryCountKey struct{}

// CountQueries returns a context whose statements QueryCountTracer counts,
// and the counter.
func CountQueries(ctx context.Context) (context.Context, *atomic.Int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, queryCountKey{}, n), n
}

// QueryCountTracer is a pgx.QueryTracer that counts each statement against
// the context it runs in, when CountQueries made it. Statements outside a
// counted request (the session sweep, startup) are not counted.
type QueryCountTracer struct{}

var _ pgx.QueryTracer = QueryCountTracer{}

// TraceQueryStart counts one statement for the context, if it counts.
func (QueryCountTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if n, ok := ctx.Value(queryCountKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return ctx
}

// TraceQueryEnd does nothing.
func (QueryCountTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
