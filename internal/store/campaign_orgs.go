package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CampaignCounts are a campaign's organisations counted by where their
// assessment of the campaign stands (campaign.OrgState), and how many have
// not handed in (submitted or approved) and were frozen late at close.
type CampaignCounts struct {
	Orgs                                                  int
	NotStarted, InProgress, Submitted, Returned, Approved int
	NotDone, Late                                         int
}

// CampaignOrgsPage is one page of a campaign's organisations, by name.
type CampaignOrgsPage struct {
	Counts CampaignCounts
	Page   int // the page read
	Pages  int
	Rows   []CampaignOrg
}

// campaignOrgsSQL selects the campaign's organisations ($1) that src (a
// FROM item named p with columns org_id, assessment_id, late) lists, in its
// order: each with its name, its assessment's status and the questions
// answered (confirmed, not merely carried over).
const campaignOrgsSQL = `
	SELECT p.org_id, o.name, p.assessment_id, a.status, a.submitted_at, p.late,
		(SELECT count(*) FROM answers x WHERE x.assessment_id = a.id AND x.level IS NOT NULL AND NOT x.carried_over)
	FROM %s
	JOIN orgs o ON o.id = p.org_id JOIN assessments a ON a.id = p.assessment_id
	ORDER BY o.name, o.id`

func scanCampaignOrg(r pgx.CollectableRow) (CampaignOrg, error) {
	var o CampaignOrg
	err := r.Scan(&o.OrgID, &o.OrgName, &o.AssessmentID, &o.Status, &o.SubmittedAt, &o.Late, &o.Answered)
	return o, err
}

// CampaignOrgsPage reads a campaign's counts and one page of its
// organisations by name, in two statements whatever their number: the
// counts are one aggregate over the campaign's rows of campaign_orgs (with
// the status kept there, a probe of the answers only for a draft), the
// page a bounded join of those rows. A page past the last reads the last.
func (s *Store) CampaignOrgsPage(ctx context.Context, id string, page, size int) (CampaignOrgsPage, error) {
	size = max(size, 1)
	var out CampaignOrgsPage
	err := readReport(ctx, s, func(tx pgx.Tx) error {
		c := &out.Counts
		err := tx.QueryRow(ctx, `
			SELECT count(*),
				count(*) FILTER (WHERE co.status = 'draft' AND NOT EXISTS (SELECT 1 FROM answers x
					WHERE x.assessment_id = co.assessment_id AND x.level IS NOT NULL AND NOT x.carried_over)),
				count(*) FILTER (WHERE co.status = 'draft'),
				count(*) FILTER (WHERE co.status = 'submitted'), count(*) FILTER (WHERE co.status = 'returned'),
				count(*) FILTER (WHERE co.status = 'approved'), count(*) FILTER (WHERE co.status NOT IN ('submitted', 'approved')),
				count(*) FILTER (WHERE co.late)
			FROM campaign_orgs co WHERE co.campaign_id = $1`, id).
			Scan(&c.Orgs, &c.NotStarted, &c.InProgress, &c.Submitted, &c.Returned, &c.Approved, &c.NotDone, &c.Late)
		if err != nil {
			return fmt.Errorf("counts: %w", err)
		}
		c.InProgress -= c.NotStarted // the drafts with an answer
		out.Pages = max(1, (c.Orgs+size-1)/size)
		out.Page = min(max(page, 1), out.Pages)
		rows, err := tx.Query(ctx, fmt.Sprintf(campaignOrgsSQL, `(
			SELECT co.org_id, co.assessment_id, co.late FROM campaign_orgs co JOIN orgs o ON o.id = co.org_id
			WHERE co.campaign_id = $1 ORDER BY o.name, o.id LIMIT $2 OFFSET $3
		) p`), id, size, (out.Page-1)*size)
		if err != nil {
			return fmt.Errorf("page: %w", err)
		}
		out.Rows, err = pgx.CollectRows(rows, scanCampaignOrg)
		return err
	})
	if err != nil {
		return CampaignOrgsPage{}, fmt.Errorf("store: campaign %s orgs: %w", id, err)
	}
	return out, nil
}

// CampaignOrgsEach calls fn with every organisation of a campaign by name,
// as the rows arrive from one cursor: an export's memory does not grow
// with their number.
func (s *Store) CampaignOrgsEach(ctx context.Context, id string, fn func(CampaignOrg) error) error {
	err := readReport(ctx, s, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, fmt.Sprintf(campaignOrgsSQL,
			`(SELECT org_id, assessment_id, late FROM campaign_orgs WHERE campaign_id = $1) p`), id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanCampaignOrg(rows)
			if err != nil {
				return err
			}
			if err := fn(o); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("store: campaign %s orgs: %w", id, err)
	}
	return nil
}
