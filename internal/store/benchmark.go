package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/score"
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

// BenchmarkPopulations are the groups an assessment is compared with. Each
// group holds the assessment itself (Own) and every other organisation's
// latest approved assessment that falls in the group; All holds every one.
// Nothing in them names an organisation.
type BenchmarkPopulations struct {
	Own       BenchmarkPeer
	RiskGroup []score.Peer // same frozen risk group as Own
	Industry  []score.Peer // same industry
	Size      []score.Peer // same size band; empty when Own has no profile
	All       []score.Peer
}

// ErrNoResult answers a benchmark of an assessment that was never submitted:
// it has no frozen result to compare.
var ErrNoResult = apperr.K(apperr.Conflict, "err.no_result")

// BenchmarkPopulations assembles the peer groups of an assessment in two
// queries. The population is every organisation's latest approved
// assessment (by decision time) with its frozen result; the assessment's own
// organisation is represented by the assessment itself instead of its latest
// approved one, so it is counted once and ranked by the result being viewed.
// It answers ErrNoResult (Conflict) when the assessment has no frozen result.
func (s *Store) BenchmarkPopulations(ctx context.Context, assessmentID string) (BenchmarkPopulations, error) {
	return s.benchmarkPopulations(ctx, assessmentID, nil)
}

// ProvisionalBenchmark is BenchmarkPopulations for an assessment not yet
// submitted (暫定): own gives its total, risk and category averages as
// scored from the answers so far; its industry and size band are read as
// for a frozen one.
func (s *Store) ProvisionalBenchmark(ctx context.Context, assessmentID string, own BenchmarkPeer) (BenchmarkPopulations, error) {
	return s.benchmarkPopulations(ctx, assessmentID, &own)
}

func (s *Store) benchmarkPopulations(ctx context.Context, assessmentID string, provisional *BenchmarkPeer) (BenchmarkPopulations, error) {
	var out BenchmarkPopulations
	err := readReport(ctx, s, func(tx pgx.Tx) error {
		orgID, err := benchmarkOwn(ctx, tx, assessmentID, &out.Own)
		if provisional != nil && errors.Is(err, ErrNoResult) {
			err = nil
		}
		if err != nil {
			return err
		}
		if provisional != nil {
			out.Own.Peer, out.Own.RiskGroup = provisional.Peer, provisional.RiskGroup
		}
		rows, err := tx.Query(ctx, `
			SELECT DISTINCT ON (a.org_id) r.total_score, r.risk_index, r.risk_group, r.category_averages,
				coalesce(p.industry, o.industry), p.employees
			FROM assessments a
			JOIN assessment_results r ON r.assessment_id = a.id
			JOIN orgs o ON o.id = a.org_id
			LEFT JOIN org_profiles p ON p.org_id = a.org_id
			WHERE a.status = 'approved' AND a.org_id <> $1
			ORDER BY a.org_id, a.decided_at DESC NULLS LAST, a.created_at DESC, a.id DESC`, orgID)
		if err != nil {
			return fmt.Errorf("peers: %w", err)
		}
		peers, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (BenchmarkPeer, error) {
			var p BenchmarkPeer
			var total, riskIndex int16
			var employees *int32
			err := row.Scan(&total, &riskIndex, &p.RiskGroup, &p.CategoryAverages, &p.Industry, &employees)
			p.Total, p.RiskIndex = int(total), int(riskIndex)
			if employees != nil {
				p.SizeBand = score.SizeBand(int(*employees))
			}
			return p, err
		})
		if err != nil {
			return fmt.Errorf("peers: %w", err)
		}
		out.group(append(peers, out.Own))
		return nil
	})
	if err != nil {
		return BenchmarkPopulations{}, fmt.Errorf("store: benchmark %s: %w", assessmentID, err)
	}
	return out, nil
}

// benchmarkOwn reads the assessment's own frozen result and its
// organisation's industry and size band, and returns the organisation.
func benchmarkOwn(ctx context.Context, tx pgx.Tx, assessmentID string, own *BenchmarkPeer) (string, error) {
	var orgID string
	var hasResult bool
	var total, riskIndex int16
	var employees *int32
	err := tx.QueryRow(ctx, `
		SELECT a.org_id, r.assessment_id IS NOT NULL, coalesce(r.total_score, 0), coalesce(r.risk_index, 0),
			coalesce(r.risk_group, ''), coalesce(r.category_averages, '{}'), coalesce(p.industry, o.industry), p.employees
		FROM assessments a
		JOIN orgs o ON o.id = a.org_id
		LEFT JOIN assessment_results r ON r.assessment_id = a.id
		LEFT JOIN org_profiles p ON p.org_id = a.org_id
		WHERE a.id = $1`, assessmentID).Scan(&orgID, &hasResult, &total, &riskIndex,
		&own.RiskGroup, &own.CategoryAverages, &own.Industry, &employees)
	if pgCode(err) == codeInvalidText {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return "", notFound(err)
	}
	if employees != nil {
		own.SizeBand = score.SizeBand(int(*employees))
	}
	if !hasResult {
		return orgID, ErrNoResult
	}
	own.Total, own.RiskIndex = int(total), int(riskIndex)
	return orgID, nil
}

// group sorts every peer (Own included) into the groups Own belongs to.
func (b *BenchmarkPopulations) group(all []BenchmarkPeer) {
	own := b.Own
	for _, p := range all {
		b.All = append(b.All, p.Peer)
		if p.RiskGroup == own.RiskGroup {
			b.RiskGroup = append(b.RiskGroup, p.Peer)
		}
		if p.Industry == own.Industry {
			b.Industry = append(b.Industry, p.Peer)
		}
		if own.SizeBand != "" && p.SizeBand == own.SizeBand {
			b.Size = append(b.Size, p.Peer)
		}
	}
}
