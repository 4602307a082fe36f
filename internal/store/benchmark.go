package store

import (
	"context"
	"fmt"

	"mamori/internal/apperr"
	"mamori/internal/score"

	"github.com/jackc/pgx/v5"
)

// BenchmarkPeer is one organisation's result as the peer benchmark groups
// it: its frozen total, risk index, risk group and category averages, and its
// industry and size band as its profile states them now.
type BenchmarkPeer struct {
	score.Peer
	RiskGroup string
	Industry  string // the profile's industry, else the organisation's
	SizeBand  string // score.SizeBand of the profile's employees; "" without a profile
}

// BenchmarkGroups are the groups an assessment is compared with, as sums
// (score.PeerStats). Each holds every organisation's latest approved
// assessment that falls in it, except that the assessment's own organisation
// is represented by the assessment itself, so it is counted once and ranked
// by the result being viewed. Nothing in them names an organisation.
type BenchmarkGroups struct {
	Own       BenchmarkPeer
	RiskGroup score.PeerStats // same frozen risk group as Own
	Industry  score.PeerStats // same industry
	Size      score.PeerStats // same size band; empty when Own has no profile
	All       score.PeerStats
}

// ErrNoResult answers a benchmark of an assessment that was never submitted:
// it has no frozen result to compare.
var ErrNoResult = apperr.K(apperr.Conflict, "err.no_result")

// BenchmarkGroups reads, in one statement, the assessment's own frozen
// result, its organisation's current contribution (org_peers) and the sums
// of the four groups (peer_stats) by key, then puts the assessment in its
// organisation's place. Its cost does not depend on how many organisations
// there are. It answers ErrNoResult (Conflict) when the assessment has no
// frozen result.
func (s *Store) BenchmarkGroups(ctx context.Context, assessmentID string) (BenchmarkGroups, error) {
	return s.benchmarkGroups(ctx, assessmentID, nil)
}

// ProvisionalBenchmark is BenchmarkGroups for an assessment not yet
// submitted (暫定): own gives its total, risk and category averages as
// scored from the answers so far; its industry and size band are read as
// for a frozen one.
func (s *Store) ProvisionalBenchmark(ctx context.Context, assessmentID string, own BenchmarkPeer) (BenchmarkGroups, error) {
	return s.benchmarkGroups(ctx, assessmentID, &own)
}

// benchmarkGroupsUncached is benchmarkGroups with the sums all read again,
// for the rare call whose cached sums were replaced while it ran.
func (s *Store) benchmarkGroupsUncached(ctx context.Context, assessmentID string, provisional *BenchmarkPeer) (BenchmarkGroups, error) {
	s.peers.clear()
	return s.benchmarkGroups(ctx, assessmentID, provisional)
}

func (s *Store) benchmarkGroups(ctx context.Context, assessmentID string, provisional *BenchmarkPeer) (BenchmarkGroups, error) {
	var out BenchmarkGroups
	var provisionalGroup *string
	if provisional != nil {
		provisionalGroup = &provisional.RiskGroup
	}
	own := &out.Own
	var hasResult, hasLatest bool
	var total, riskIndex int16
	var employees *int32
	var latest BenchmarkPeer
	var lTotal, lRisk *int16
	var lRiskGroup, lIndustry, lSize *string
	var kinds, keys []string
	var versions []int64
	var stats []*string
	err := s.pool.QueryRow(ctx, `
		WITH own AS (
			SELECT a.org_id, r.assessment_id IS NOT NULL AS has_result, coalesce(r.total_score, 0) AS total,
				coalesce(r.risk_index, 0) AS risk_index, coalesce(r.risk_group, '') AS risk_group,
				coalesce(r.category_averages, '{}') AS cats, coalesce(p.industry, o.industry) AS industry, p.employees
			FROM assessments a
			JOIN orgs o ON o.id = a.org_id
			LEFT JOIN assessment_results r ON r.assessment_id = a.id
			LEFT JOIN org_profiles p ON p.org_id = a.org_id
			WHERE a.id = $1
		), g AS MATERIALIZED (
			-- The four groups (every size band's: a handful), their sums
			-- only when this instance does not hold that version already.
			SELECT s.kind, s.key, s.version, CASE WHEN s.version = ANY($3::bigint[]) THEN NULL ELSE s.stats::text END AS stats
			FROM peer_stats s, own
			WHERE (s.kind = 'risk_group' AND s.key = coalesce($2::text, own.risk_group)) OR (s.kind = 'industry' AND s.key = own.industry)
				OR s.kind = 'size' OR (s.kind = 'all' AND s.key = '')
		)
		SELECT own.has_result, own.total, own.risk_index, own.risk_group, own.cats, own.industry, own.employees,
			op.org_id IS NOT NULL, op.total, op.risk_index, op.risk_group, op.industry, op.size_band, coalesce(op.category_averages, '{}'),
			ARRAY(SELECT kind FROM g ORDER BY kind, key), ARRAY(SELECT key FROM g ORDER BY kind, key),
			ARRAY(SELECT version FROM g ORDER BY kind, key), ARRAY(SELECT stats FROM g ORDER BY kind, key)
		FROM own LEFT JOIN org_peers op ON op.org_id = own.org_id`, assessmentID, provisionalGroup, s.peers.versions()).
		Scan(&hasResult, &total, &riskIndex, &own.RiskGroup, &own.CategoryAverages, &own.Industry, &employees,
			&hasLatest, &lTotal, &lRisk, &lRiskGroup, &lIndustry, &lSize, &latest.CategoryAverages,
			&kinds, &keys, &versions, &stats)
	if pgCode(err) == codeInvalidText {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return BenchmarkGroups{}, fmt.Errorf("store: benchmark %s: %w", assessmentID, notFound(err))
	}
	switch {
	case provisional != nil:
		own.Peer, own.RiskGroup = provisional.Peer, provisional.RiskGroup
	case !hasResult:
		return BenchmarkGroups{}, fmt.Errorf("store: benchmark %s: %w", assessmentID, ErrNoResult)
	default:
		own.Total, own.RiskIndex = int(total), int(riskIndex)
	}
	if employees != nil {
		own.SizeBand = score.SizeBand(int(*employees))
	}
	for i, kind := range kinds {
		ps, ok, err := s.peers.sums(versions[i], stats[i])
		if err != nil {
			return BenchmarkGroups{}, fmt.Errorf("store: benchmark %s: %w", assessmentID, err)
		}
		if !ok { // dropped from the cache since the statement was sent
			return s.benchmarkGroupsUncached(ctx, assessmentID, provisional)
		}
		switch {
		case kind == "risk_group":
			out.RiskGroup = ps
		case kind == "industry":
			out.Industry = ps
		case kind == "all":
			out.All = ps
		case kind == "size" && keys[i] == own.SizeBand:
			out.Size = ps
		}
	}
	// The organisation's latest approved result leaves the groups it is in;
	// the assessment being viewed joins its own.
	if hasLatest {
		latest.Total, latest.RiskIndex = int(*lTotal), int(*lRisk)
		latest.RiskGroup, latest.Industry, latest.SizeBand = *lRiskGroup, *lIndustry, *lSize
		for _, g := range latest.groups() {
			if ps := out.group(g, own); ps != nil {
				ps.Remove(latest.Peer)
			}
		}
	}
	for _, g := range own.groups() {
		if ps := out.group(g, own); ps != nil {
			ps.Add(own.Peer)
		}
	}
	return out, nil
}

// group is the sums of g when g is one of the groups compared with own.
func (b *BenchmarkGroups) group(g peerGroup, own *BenchmarkPeer) *score.PeerStats {
	switch {
	case g.kind == PeerKindAll:
		return &b.All
	case g.kind == PeerKindRiskGroup && g.key == own.RiskGroup:
		return &b.RiskGroup
	case g.kind == PeerKindIndustry && g.key == own.Industry:
		return &b.Industry
	case g.kind == PeerKindSize && own.SizeBand != "" && g.key == own.SizeBand:
		return &b.Size
	}
	return nil
}
