package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// An auditor reaches the organisations whose review source (migration
// 0029) is their own organisation or one they are assigned to: the same
// set as visibleSQL's, which their lists join instead of sending the ids
// of an audit firm's 10,000 organisations with every query. The rows are
// rebuilt from the tree, the auditors and their assignments when the
// visibility version has moved past the one they were built at; an
// instance knows from the sessions it reads which version it has seen.

// reviewSources is what an instance knows of org_review_sources.
type reviewSources struct {
	seen  atomic.Int64 // the newest visibility version a session read
	built atomic.Int64 // the version the rows were built at, as last read
	// mu lets one request of the instance check and rebuild while the
	// others wait here, not each in a transaction holding a connection.
	mu sync.Mutex
}

// current reports whether the rows are known to be built at the newest
// version this instance has seen.
func (r *reviewSources) current() bool {
	b := r.built.Load()
	return b != 0 && b >= r.seen.Load()
}

// sawVisibility notes a visibility version read with a session.
func (r *reviewSources) sawVisibility(v int64) {
	for {
		old := r.seen.Load()
		if v <= old || r.seen.CompareAndSwap(old, v) {
			return
		}
	}
}

// refreshReviewSourcesSQL rewrites what changed in org_review_sources: a
// walk down the tree from its roots carries the nearest organisation with
// an active auditor (own or assigned).
const refreshReviewSourcesSQL = `
	WITH RECURSIVE reviewed AS (
		SELECT u.org_id AS id FROM users u WHERE u.role = 'auditor' AND u.active
		UNION
		SELECT a.org_id FROM auditor_assignments a JOIN users u ON u.id = a.user_id AND u.active AND u.role = 'auditor'
	), walk AS (
		SELECT o.id, CASE WHEN o.id IN (SELECT id FROM reviewed) THEN o.id END AS source
		FROM orgs o WHERE o.parent_id IS NULL
		UNION ALL
		SELECT o.id, CASE WHEN o.id IN (SELECT id FROM reviewed) THEN o.id ELSE w.source END
		FROM orgs o JOIN walk w ON o.parent_id = w.id
	), want AS (
		SELECT id, source FROM walk WHERE source IS NOT NULL
	), gone AS (
		DELETE FROM org_review_sources r WHERE NOT EXISTS (SELECT 1 FROM want WHERE want.id = r.org_id)
	)
	INSERT INTO org_review_sources (org_id, source_id) SELECT id, source FROM want
	ON CONFLICT (org_id) DO UPDATE SET source_id = EXCLUDED.source_id
	WHERE org_review_sources.source_id <> EXCLUDED.source_id`

// analyzeReviewSourcesFrom is how many rows a rebuild writes before it
// updates the table's statistics itself.
const analyzeReviewSourcesFrom = 500

// ensureReviewSources brings org_review_sources up to the newest visibility
// version this instance has seen with a session (a scope of a reviewer comes
// from a principal, read with the session): nothing to do, and no
// statement, unless it moved since the last check, or on an instance's
// first check. One instance rebuilds at a time; the others wait for it and
// find the rows built.
func (s *Store) ensureReviewSources(ctx context.Context) error {
	if s.review.current() {
		return nil
	}
	s.review.mu.Lock()
	defer s.review.mu.Unlock()
	if s.review.current() { // another request of this instance did it
		return nil
	}
	var built int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var at, now int64
		if err := tx.QueryRow(ctx, `SELECT version FROM review_sources_state FOR UPDATE`).Scan(&at); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT version FROM visibility`).Scan(&now); err != nil {
			return err
		}
		if at >= now {
			built = at
			return nil
		}
		tag, err := tx.Exec(ctx, refreshReviewSourcesSQL)
		if err != nil {
			return err
		}
		if tag.RowsAffected() >= analyzeReviewSourcesFrom {
			// Plans read the table's statistics: before autovacuum comes
			// by, a table built from empty looked empty, and an auditor's
			// queue hashed it instead of probing it (20 ms instead of 1).
			if _, err := tx.Exec(ctx, `ANALYZE org_review_sources`); err != nil {
				return err
			}
		}
		built = now
		_, err = tx.Exec(ctx, `UPDATE review_sources_state SET version = $1`, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: review sources: %w", err)
	}
	for {
		old := s.review.built.Load()
		if built <= old || s.review.built.CompareAndSwap(old, built) {
			return nil
		}
	}
}
