package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	"mamori/internal/score"
)

// FrozenResult is an assessment's frozen result with the company profile
// it was computed with (nil when the organisation had none then), read in
// one statement. Both never change for one version of the assessment: a
// result is frozen again only with a status change (status_version moves)
// and backdated only with its updated_at, and a profile saved later does
// not change the one in force at the result's time. So each instance keeps
// them by (assessment, status version, updated_at), and a report of a
// submitted or approved assessment reads them once. NotFound when the
// assessment has no frozen result.
func (s *Store) FrozenResult(ctx context.Context, a Assessment) (Result, *score.Profile, error) {
	key := frozenKey{id: a.ID, statusVersion: a.StatusVersion, updatedAt: a.UpdatedAt}
	if e, ok := s.frozen.get(key); ok {
		return e.result.clone(), cloneProfile(e.profile), nil
	}
	var c resultColumns
	var profile *string
	err := s.pool.QueryRow(ctx, `
		SELECT `+resultSelect+`,
			(SELECT h.profile::text FROM org_profile_history h
				WHERE h.org_id = r.org_id AND h.updated_at <= r.computed_at ORDER BY h.version DESC LIMIT 1)
		FROM assessment_results r WHERE r.assessment_id = $1`, uuidArg(a.ID)).Scan(append(c.dest(), &profile)...)
	if err != nil {
		return Result{}, nil, fmt.Errorf("store: frozen result of %s: %w", a.ID, notFound(err))
	}
	r, err := c.result()
	if err != nil {
		return Result{}, nil, fmt.Errorf("store: frozen result of %s: %w", a.ID, err)
	}
	var p *score.Profile
	if profile != nil {
		p = new(score.Profile)
		if err := json.Unmarshal([]byte(*profile), p); err != nil {
			return Result{}, nil, fmt.Errorf("store: frozen result of %s: profile: %w", a.ID, err)
		}
	}
	s.frozen.put(key, frozenEntry{result: r, profile: p})
	return r.clone(), cloneProfile(p), nil
}

// clone is a copy of r whose maps the caller may change.
func (r Result) clone() Result {
	out := r
	out.Targets = maps.Clone(r.Targets)
	out.CategoryAverages = maps.Clone(r.CategoryAverages)
	out.CategoryTargets = maps.Clone(r.CategoryTargets)
	return out
}

// cloneProfile is a copy of p (its fields are plain values), nil for nil.
func cloneProfile(p *score.Profile) *score.Profile {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

type frozenKey struct {
	id            string
	statusVersion int
	updatedAt     time.Time
}

type frozenEntry struct {
	result  Result
	profile *score.Profile
}

// maxFrozen bounds the frozen results kept: when full, they all go.
const maxFrozen = 4096

type frozenCache struct {
	mu sync.Mutex
	m  map[frozenKey]frozenEntry
}

func (c *frozenCache) get(k frozenKey) (frozenEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return e, ok
}

func (c *frozenCache) put(k frozenKey, e frozenEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxFrozen {
		c.m = make(map[frozenKey]frozenEntry)
	}
	c.m[k] = e
}
