package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// db is the connection pool, with one retry for a statement that found its
// connection dead. After PostgreSQL restarts, every idle connection of the
// pool is a dead one; the pool pings a connection before handing it out only
// when it was idle for over a second, so the first statements of a server
// that was idle during a quick restart would fail with "terminating
// connection due to administrator command". Such a statement never ran: the
// backend had ended before it arrived, or ended inside it and rolled it
// back. So db drops the idle connections and sends it once more, on a fresh
// one. Errors that may follow a statement that ran are returned as they are.
type db struct {
	*pgxpool.Pool
}

// connLost tells whether err says the connection was gone before the
// statement could run: nothing was sent, or the server reported that it
// ended the session (administrator command, crash, or still starting up).
func connLost(err error) bool {
	if err == nil {
		return false
	}
	if pgconn.SafeToRetry(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
	}
	return false
}

// renew drops the pool's connections: after a restart they are all dead.
func (d db) renew() { d.Pool.Reset() }

// Exec runs a statement, once more on a fresh connection if its connection
// was dead.
func (d db) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := d.Pool.Exec(ctx, sql, args...)
	if connLost(err) && ctx.Err() == nil {
		d.renew()
		tag, err = d.Pool.Exec(ctx, sql, args...)
	}
	return tag, err
}

// QueryRow runs a query that returns one row, once more when its connection
// was dead (the error shows at Scan).
func (d db) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return retryRow{d: d, ctx: ctx, sql: sql, args: args}
}

type retryRow struct {
	d    db
	ctx  context.Context
	sql  string
	args []any
}

func (r retryRow) Scan(dest ...any) error {
	err := r.d.Pool.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	if connLost(err) && r.ctx.Err() == nil {
		r.d.renew()
		err = r.d.Pool.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	}
	return err
}

// Query runs a query, once more when its connection was dead: before it
// returns, or at the first row (no row has been read then).
func (d db) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := d.Pool.Query(ctx, sql, args...)
	if connLost(err) && ctx.Err() == nil {
		d.renew()
		rows, err = d.Pool.Query(ctx, sql, args...)
	}
	if err != nil {
		return rows, err
	}
	return &retryRows{Rows: rows, again: func() (pgx.Rows, error) {
		d.renew()
		return d.Pool.Query(ctx, sql, args...)
	}}, nil
}

type retryRows struct {
	pgx.Rows
	again   func() (pgx.Rows, error)
	started bool // a row was read, or the query was sent again
	err     error
}

func (r *retryRows) Next() bool {
	if r.err != nil {
		return false
	}
	if r.Rows.Next() {
		r.started = true
		return true
	}
	if r.started || !connLost(r.Rows.Err()) {
		return false
	}
	r.started = true
	r.Rows.Close()
	rows, err := r.again()
	if err != nil {
		r.err = err
		return false
	}
	r.Rows = rows
	return r.Next()
}

func (r *retryRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.Rows.Err()
}

// inTx runs fn in a transaction, committing when it returns nil. A
// transaction whose connection was dead before it committed (Begin or a
// statement of fn said so) runs once more on a fresh connection; fn must not
// act outside the transaction. A failed commit is never retried: whether it
// happened is unknown.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	committing, err := s.tryTx(ctx, fn)
	if !committing && connLost(err) && ctx.Err() == nil {
		s.pool.renew()
		_, err = s.tryTx(ctx, fn)
	}
	return err
}

// tryTx is one attempt of inTx; committing says the error came from COMMIT.
func (s *Store) tryTx(ctx context.Context, fn func(pgx.Tx) error) (committing bool, err error) {
	tx, err := s.pool.Pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // rollback after commit is a no-op
	if err := fn(tx); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return true, fmt.Errorf("commit: %w", err)
	}
	return false, nil
}
