package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Test-only access to the store's internals, for the package's tests
// (package store_test).

// PoolForTest is the store's pool, for a test's own SQL: rows no store
// method reads, tampering the store refuses, a role's privileges.
func (s *Store) PoolForTest() *pgxpool.Pool { return s.pool.Pool }

// ChangeStatus moves an assessment's status without the rules of Submit and
// Decide (no completeness check, no comment, no frozen result), so a test
// can reach any status quickly.
func (s *Store) ChangeStatus(ctx context.Context, c StatusChange) (Assessment, error) {
	return s.changeStatus(ctx, c, nil)
}

// FreezeResult freezes an assessment's result in a transaction of its own.
func (s *Store) FreezeResult(ctx context.Context, assessmentID string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error { return freezeResult(ctx, tx, assessmentID) })
}
