package store

import (
	"context"
	"fmt"
	"sync"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/policy"
)

// Who sees which organisations is loaded on every request: an officer sees
// their own organisation; a manager their organisation's subtree; an
// auditor the organisations they review. Working it out walks the tree
// (about 18 ms for a manager at the top of 10,000 organisations), so the
// sets of managers and auditors are cached, keyed by the user, their role
// and organisation, and the version of the visibility table that every
// change to the tree, the auditors or their assignments moves on in the
// same transaction (migration 0022). The version is read with the session,
// so every instance sees a change on its next request; nothing is pushed
// between instances.

// visibleSQL lists the organisations the active user $1 may see: their
// own; for managers its descendants; for auditors those they review
// (policy.Reviewers): their own and those they are assigned to, with the
// descendants that have no auditor of their own. It returns the version it
// was computed at, read in the same snapshot.
const visibleSQL = `
	WITH RECURSIVE u AS (
		SELECT id, role, org_id FROM users WHERE id = $1 AND active
	), down AS (
		SELECT org_id AS id FROM u WHERE role = 'manager'
		UNION
		SELECT o.id FROM orgs o JOIN down ON o.parent_id = down.id
	), reviewed AS (
		SELECT org_id AS id FROM u WHERE role = 'auditor'
		UNION
		SELECT a.org_id FROM auditor_assignments a JOIN u ON a.user_id = u.id AND u.role = 'auditor'
		UNION
		SELECT o.id FROM orgs o JOIN reviewed ON o.parent_id = reviewed.id
		WHERE NOT EXISTS (SELECT 1 FROM users x WHERE x.org_id = o.id AND x.role = 'auditor' AND x.active)
			AND NOT EXISTS (SELECT 1 FROM auditor_assignments aa JOIN users y ON y.id = aa.user_id AND y.active AND y.role = 'auditor'
				WHERE aa.org_id = o.id)
	)
	SELECT (SELECT version FROM visibility), u.role, u.org_id::text,
		-- UNION ALL: the map built from it removes duplicates; UNION would
		-- size a hash table for every organisation.
		ARRAY(SELECT org_id FROM u UNION ALL SELECT id FROM down UNION ALL SELECT id FROM reviewed)::text[]
	FROM u`

// maxCachedVisible bounds the cache: the users whose sets are kept (a set
// of 10,000 organisations is about 1 MB).
const maxCachedVisible = 512

type visibleKey struct {
	userID, orgID string
	role          assessment.Role
}

type visibleEntry struct {
	version int64
	orgs    map[string]bool // shared by the principals built from it: read only
}

// visibleCache holds the visible sets of managers and auditors.
type visibleCache struct {
	mu sync.Mutex
	m  map[visibleKey]visibleEntry
}

// visibleOrgs returns the organisations p may see at version: its own for
// an officer, else the cached set of that version, or the set read now.
func (s *Store) visibleOrgs(ctx context.Context, p *policy.Principal, version int64) (map[string]bool, error) {
	if p.Role != assessment.Manager && p.Role != assessment.Auditor {
		return map[string]bool{p.OrgID: true}, nil
	}
	key := visibleKey{userID: p.UserID, orgID: p.OrgID, role: p.Role}
	c := &s.visible
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.version == version {
		return e.orgs, nil
	}

	var role, orgID string
	var ids []string
	if err := s.pool.QueryRow(ctx, visibleSQL, p.UserID).Scan(&e.version, &role, &orgID, &ids); err != nil {
		return nil, fmt.Errorf("visible organisations: %w", notFound(err))
	}
	e.orgs = make(map[string]bool, len(ids))
	for _, id := range ids {
		e.orgs[id] = true
	}
	if role != string(p.Role) || orgID != p.OrgID {
		// The user's role or organisation changed between the two reads:
		// the set is not the principal's. Refuse rather than combine them
		// (the change also signs the user out everywhere).
		return nil, fmt.Errorf("visible organisations: %w", apperr.K(apperr.Unavailable, "err.principal_changed"))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[visibleKey]visibleEntry)
	}
	if old, ok := c.m[key]; !ok || old.version <= e.version {
		if !ok && len(c.m) >= maxCachedVisible {
			for k := range c.m { // any one: the next request of its user reads it again
				delete(c.m, k)
				break
			}
		}
		c.m[key] = e
	}
	return e.orgs, nil
}

// ForgetVisibility moves the version on, so that every instance reads who
// sees which organisations again: after data was loaded or restored behind
// the triggers' back. Like the triggers, it moves it to at least the
// current time in microseconds, so a version never stands for two trees
// even after a restore to an earlier point in time.
func (s *Store) ForgetVisibility(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `SELECT visibility_bump_now()`); err != nil {
		return fmt.Errorf("store: forget visibility: %w", err)
	}
	return nil
}
