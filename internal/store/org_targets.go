package store

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/score"
)

// loadOverrides reads the targets a manager set for an organisation's
// questions (overriding its risk group's default), by question id.
func loadOverrides(ctx context.Context, q querier, orgID string) (map[string]int, error) {
	rows, err := q.Query(ctx, `SELECT question_id, target FROM org_targets WHERE org_id = $1`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var id string
		var t int16
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		m[id] = int(t)
	}
	return m, rows.Err()
}

// TargetOverrides returns an organisation's own targets by question id
// (empty when it uses its group's defaults throughout).
func (s *Store) TargetOverrides(ctx context.Context, orgID string) (map[string]int, error) {
	m, err := loadOverrides(ctx, s.pool, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: target overrides %s: %w", orgID, err)
	}
	return m, nil
}

// SetTargetOverrides replaces an organisation's own targets with overrides
// (the full set: a question left out goes back to its group's default) and
// records a targets.updated audit entry (old → new), in one transaction.
// Values must be 1..5; the caller checks the question ids against the
// checklist. Setting the overrides already stored changes nothing and
// returns changed = false.
func (s *Store) SetTargetOverrides(ctx context.Context, orgID string, overrides map[string]int, actor Actor) (changed bool, err error) {
	bad := map[string]string{}
	for id, t := range overrides {
		if t < score.MinLevel || t > score.MaxLevel {
			bad[id] = "out_of_range"
		}
	}
	if len(bad) > 0 {
		return false, fmt.Errorf("store: set targets %s: %w", orgID, apperr.InvalidFieldsK("err.targets_range", bad, score.MinLevel, score.MaxLevel))
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockOrg(ctx, tx, orgID, true); err != nil {
			return err
		}
		old, err := loadOverrides(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if maps.Equal(old, overrides) {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM org_targets WHERE org_id = $1`, orgID); err != nil {
			return err
		}
		ids := slices.Sorted(maps.Keys(overrides))
		vals := make([]int16, len(ids))
		for i, id := range ids {
			vals[i] = int16(overrides[id])
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO org_targets (org_id, question_id, target, updated_by, updated_at)
			SELECT $1, q, t, $4, clock_timestamp() FROM unnest($2::text[], $3::smallint[]) AS x(q, t)`,
			orgID, ids, vals, nullable(actor.UserID)); err != nil {
			return err
		}
		changed = true
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, Action: "targets.updated",
			Detail: map[string]any{"old": old, "new": overrides}})
	})
	if err != nil {
		return false, fmt.Errorf("store: set targets %s: %w", orgID, err)
	}
	if changed {
		s.cache.drop(orgID) // this process's next read, before the notification comes
	}
	return changed, nil
}

// Basis is what an organisation's diagnosis rests on now: its profile (nil
// when it has none) and its own targets.
type Basis struct {
	Profile   *Profile
	Overrides map[string]int
}

// Risk is the organisation's risk as its profile places it (DefaultGroup
// without a profile).
func (b Basis) Risk() score.Risk {
	if b.Profile == nil {
		return score.RiskOf(nil)
	}
	return score.RiskOf(&b.Profile.Profile)
}

// Targets are the targets in force for questionIDs: the group's default
// merged with the organisation's own.
func (b Basis) Targets(questionIDs []string) map[string]int {
	return score.DefaultTargets(b.Risk().Group, questionIDs, b.Overrides)
}

func loadBasis(ctx context.Context, q querier, orgID string) (Basis, error) {
	var b Basis
	p, found, err := loadProfile(ctx, q, orgID, false)
	if err != nil {
		return b, err
	}
	if found {
		b.Profile = &p
	}
	b.Overrides, err = loadOverrides(ctx, q, orgID)
	return b, err
}

// CurrentBasis returns an organisation's profile and own targets as they are
// now (for drafts, the profile page and the targets page), from the
// organisation cache when it holds them (org_cache.go).
func (s *Store) CurrentBasis(ctx context.Context, orgID string) (Basis, error) {
	b, gen, ok := s.cache.basis(orgID)
	if ok {
		return b, nil
	}
	b, err := loadBasis(ctx, s.pool, orgID)
	if err != nil {
		return Basis{}, fmt.Errorf("store: diagnosis basis %s: %w", orgID, err)
	}
	s.cache.putBasis(orgID, b, gen)
	return b, nil
}
