package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/jackc/pgx/v5"

	"mamori/internal/score"
)

// Benchmark group kinds: an organisation counts in the group of its risk
// group, of its industry, of its size band (when its profile states one) and
// in everyone's.
const (
	PeerKindRiskGroup = "risk_group"
	PeerKindIndustry  = "industry"
	PeerKindSize      = "size"
	PeerKindAll       = "all"
)

type peerGroup struct{ kind, key string }

// groups are the peer groups p counts in.
func (p BenchmarkPeer) groups() []peerGroup {
	gs := []peerGroup{{PeerKindAll, ""}, {PeerKindIndustry, p.Industry}, {PeerKindRiskGroup, p.RiskGroup}}
	if p.SizeBand != "" {
		gs = append(gs, peerGroup{PeerKindSize, p.SizeBand})
	}
	return gs
}

func (p BenchmarkPeer) equal(q BenchmarkPeer) bool {
	return p.Total == q.Total && p.RiskIndex == q.RiskIndex && p.RiskGroup == q.RiskGroup && p.Industry == q.Industry &&
		p.SizeBand == q.SizeBand && maps.Equal(p.CategoryAverages, q.CategoryAverages)
}

// latestPeersSQL selects each organisation's latest approved assessment (by
// decision time) with its frozen result, and its industry and employees as
// its profile states them now; %s narrows it (to one organisation).
const latestPeersSQL = `
	SELECT DISTINCT ON (a.org_id) a.org_id, a.id, r.total_score, r.risk_index, r.risk_group, r.category_averages,
		coalesce(p.industry, o.industry), p.employees
	FROM assessments a
	JOIN assessment_results r ON r.assessment_id = a.id
	JOIN orgs o ON o.id = a.org_id
	LEFT JOIN org_profiles p ON p.org_id = a.org_id
	WHERE a.status = 'approved' %s
	ORDER BY a.org_id, a.decided_at DESC NULLS LAST, a.created_at DESC, a.id DESC`

// scanLatestPeer reads a row of latestPeersSQL.
func scanLatestPeer(row pgx.Row) (orgID, assessmentID string, p BenchmarkPeer, err error) {
	var total, riskIndex int16
	var employees *int32
	err = row.Scan(&orgID, &assessmentID, &total, &riskIndex, &p.RiskGroup, &p.CategoryAverages, &p.Industry, &employees)
	p.Total, p.RiskIndex = int(total), int(riskIndex)
	if employees != nil {
		p.SizeBand = score.SizeBand(int(*employees))
	}
	return orgID, assessmentID, p, err
}

// refreshOrgPeer brings the organisation's contribution to the benchmark
// (org_peers, and the sums of its groups in peer_stats) in line with its
// latest approved assessment and its profile, inside tx. Call it in the
// transaction of anything that changes them: an approval or its reopening,
// a decision's date, the profile, the organisation's industry.
func refreshOrgPeer(ctx context.Context, tx pgx.Tx, orgID string) error {
	// One refresh of an organisation at a time: the organisation's row is
	// its lock (foreign keys to it take a weaker lock, which this allows).
	if _, err := tx.Exec(ctx, `SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE`, orgID); err != nil {
		return fmt.Errorf("peer refresh: lock: %w", err)
	}
	_, assessmentID, cur, err := scanLatestPeer(tx.QueryRow(ctx, fmt.Sprintf(latestPeersSQL, `AND a.org_id = $1`), orgID))
	hasCur := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("peer refresh: latest: %w", err)
	}
	var old BenchmarkPeer
	var total, riskIndex int16
	err = tx.QueryRow(ctx, `SELECT total, risk_index, risk_group, industry, size_band, category_averages FROM org_peers WHERE org_id = $1`, orgID).
		Scan(&total, &riskIndex, &old.RiskGroup, &old.Industry, &old.SizeBand, &old.CategoryAverages)
	hasOld := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("peer refresh: stored: %w", err)
	}
	old.Total, old.RiskIndex = int(total), int(riskIndex)
	if hasOld == hasCur && (!hasCur || old.equal(cur)) {
		if hasCur {
			_, err := tx.Exec(ctx, `UPDATE org_peers SET assessment_id = $2 WHERE org_id = $1`, orgID, assessmentID)
			return err
		}
		return nil
	}
	var olds, curs []peerGroup
	if hasOld {
		olds = old.groups()
	}
	if hasCur {
		curs = cur.groups()
	}
	stats, err := lockPeerStats(ctx, tx, append(append([]peerGroup{}, olds...), curs...))
	if err != nil {
		return err
	}
	for _, g := range olds {
		ps := stats[g]
		ps.Remove(old.Peer)
		stats[g] = ps
	}
	for _, g := range curs {
		ps := stats[g]
		ps.Add(cur.Peer)
		stats[g] = ps
	}
	if err := savePeerStats(ctx, tx, stats); err != nil {
		return err
	}
	if !hasCur {
		_, err := tx.Exec(ctx, `DELETE FROM org_peers WHERE org_id = $1`, orgID)
		return err
	}
	cats, err := json.Marshal(cur.CategoryAverages)
	if err != nil {
		return fmt.Errorf("peer refresh: %w", err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO org_peers (org_id, assessment_id, total, risk_index, risk_group, industry, size_band, category_averages)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (org_id) DO UPDATE SET assessment_id = EXCLUDED.assessment_id, total = EXCLUDED.total,
			risk_index = EXCLUDED.risk_index, risk_group = EXCLUDED.risk_group, industry = EXCLUDED.industry,
			size_band = EXCLUDED.size_band, category_averages = EXCLUDED.category_averages`,
		orgID, assessmentID, cur.Total, cur.RiskIndex, cur.RiskGroup, cur.Industry, cur.SizeBand, string(cats))
	if err != nil {
		return fmt.Errorf("peer refresh: save: %w", err)
	}
	return nil
}

// refreshOrgPeerOfAssessment is refreshOrgPeer for the organisation of an
// assessment.
func refreshOrgPeerOfAssessment(ctx context.Context, tx pgx.Tx, assessmentID string) error {
	var orgID string
	if err := tx.QueryRow(ctx, `SELECT org_id FROM assessments WHERE id = $1`, assessmentID).Scan(&orgID); err != nil {
		return fmt.Errorf("peer refresh: %w", notFound(err))
	}
	return refreshOrgPeer(ctx, tx, orgID)
}
