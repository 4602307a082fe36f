package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"

	"mamori/internal/score"
)

// lockPeerStats reads the sums of the groups, locked until tx ends, creating
// the rows of groups that have none. Rows are locked in one order (kind,
// key), so two refreshes never wait on each other in a circle.
func lockPeerStats(ctx context.Context, tx pgx.Tx, groups []peerGroup) (map[peerGroup]score.PeerStats, error) {
	slices.SortFunc(groups, func(a, b peerGroup) int { return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.key, b.key)) })
	groups = slices.Compact(groups)
	kinds, keys := make([]string, len(groups)), make([]string, len(groups))
	for i, g := range groups {
		kinds[i], keys[i] = g.kind, g.key
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO peer_stats (kind, key, stats) SELECT k, v, '{}' FROM unnest($1::text[], $2::text[]) AS g (k, v)
		ORDER BY k, v ON CONFLICT DO NOTHING`, kinds, keys); err != nil {
		return nil, fmt.Errorf("peer stats: create: %w", err)
	}
	rows, err := tx.Query(ctx, `
		SELECT s.kind, s.key, s.stats FROM peer_stats s JOIN unnest($1::text[], $2::text[]) AS g (k, v) ON s.kind = g.k AND s.key = g.v
		ORDER BY s.kind, s.key FOR UPDATE OF s`, kinds, keys)
	if err != nil {
		return nil, fmt.Errorf("peer stats: lock: %w", err)
	}
	out := make(map[peerGroup]score.PeerStats, len(groups))
	for rows.Next() {
		var g peerGroup
		var ps score.PeerStats
		if err := rows.Scan(&g.kind, &g.key, &ps); err != nil {
			rows.Close()
			return nil, fmt.Errorf("peer stats: read: %w", err)
		}
		out[g] = ps
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("peer stats: read: %w", err)
	}
	return out, nil
}

// savePeerStats writes the sums of the groups back.
func savePeerStats(ctx context.Context, tx pgx.Tx, stats map[peerGroup]score.PeerStats) error {
	var kinds, keys, values []string
	for g, ps := range stats {
		b, err := json.Marshal(ps)
		if err != nil {
			return fmt.Errorf("peer stats: encode: %w", err)
		}
		kinds, keys, values = append(kinds, g.kind), append(keys, g.key), append(values, string(b))
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO peer_stats (kind, key, stats) SELECT k, v, s::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS g (k, v, s)
		ON CONFLICT (kind, key) DO UPDATE SET stats = EXCLUDED.stats`, kinds, keys, values)
	if err != nil {
		return fmt.Errorf("peer stats: save: %w", err)
	}
	return nil
}

// RebuildPeerStats computes every organisation's contribution and every
// group's sums again from the assessments, replacing what is stored: after
// the migration that introduced them, or after data was loaded behind the
// store's back. Benchmarks wait for it (the tables are locked).
func (s *Store) RebuildPeerStats(ctx context.Context) (orgs int, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE org_peers, peer_stats, benchmark_state IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM org_peers; DELETE FROM peer_stats`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(latestPeersSQL, ""))
		if err != nil {
			return err
		}
		stats := map[peerGroup]score.PeerStats{}
		var orgIDs, assessmentIDs, riskGroups, industries, bands, cats []string
		var totals, riskIndexes []int
		for rows.Next() {
			orgID, aid, p, err := scanLatestPeer(rows)
			if err != nil {
				rows.Close()
				return err
			}
			for _, g := range p.groups() {
				ps := stats[g]
				ps.Add(p.Peer)
				stats[g] = ps
			}
			c, err := json.Marshal(p.CategoryAverages)
			if err != nil {
				rows.Close()
				return err
			}
			orgIDs, assessmentIDs, cats = append(orgIDs, orgID), append(assessmentIDs, aid), append(cats, string(c))
			totals, riskIndexes = append(totals, p.Total), append(riskIndexes, p.RiskIndex)
			riskGroups, industries, bands = append(riskGroups, p.RiskGroup), append(industries, p.Industry), append(bands, p.SizeBand)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO org_peers (org_id, assessment_id, total, risk_index, risk_group, industry, size_band, category_averages)
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::smallint[], $4::smallint[], $5::text[], $6::text[], $7::text[], $8::jsonb[])`,
			orgIDs, assessmentIDs, totals, riskIndexes, riskGroups, industries, bands, cats); err != nil {
			return err
		}
		if err := savePeerStats(ctx, tx, stats); err != nil {
			return err
		}
		orgs = len(orgIDs)
		_, err = tx.Exec(ctx, `INSERT INTO benchmark_state (built_at) VALUES (now()) ON CONFLICT (id) DO UPDATE SET built_at = now()`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: rebuild peer stats: %w", err)
	}
	return orgs, nil
}

// EnsurePeerStats builds the benchmark's sums when they never were (see
// RebuildPeerStats); `mamori serve` calls it at start.
func (s *Store) EnsurePeerStats(ctx context.Context) (built bool, err error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM benchmark_state)`).Scan(&exists); err != nil {
		return false, fmt.Errorf("store: peer stats state: %w", err)
	}
	if exists {
		return false, nil
	}
	if _, err := s.RebuildPeerStats(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// peerCache holds the decoded sums of peer groups by version (migration
// 0023: a version number is never reused), so the benchmark reads by key
// only the versions it has not seen: decoding the JSON was 40% of the
// benchmark API's CPU. Versions that are no longer current are not looked
// up again and go when the cache fills.
type peerCache struct {
	mu sync.Mutex
	m  map[int64]score.PeerStats
}

// maxPeerVersions bounds the cache: about 30 groups are current at once.
const maxPeerVersions = 256

// versions lists the versions held, for the statement to leave out.
func (c *peerCache) versions() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, 0, len(c.m))
	for v := range c.m {
		out = append(out, v)
	}
	return out
}

// sums returns a copy (the caller may change it) of the sums of version:
// decoded from stats and kept when the statement sent them, else from the
// cache; ok is false when the cache no longer holds them.
func (c *peerCache) sums(version int64, stats *string) (ps score.PeerStats, ok bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stats == nil {
		ps, ok = c.m[version]
		return ps.Clone(), ok, nil
	}
	if err := json.Unmarshal([]byte(*stats), &ps); err != nil {
		return ps, false, fmt.Errorf("peer stats: decode: %w", err)
	}
	if c.m == nil || len(c.m) >= maxPeerVersions {
		c.m = make(map[int64]score.PeerStats)
	}
	c.m[version] = ps
	return ps.Clone(), true, nil
}

func (c *peerCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
