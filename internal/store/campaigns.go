package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/campaign"
	"mamori/internal/notice"
)

// Campaign is a group-wide survey: its organisations (campaign_orgs) answer
// a checklist by Deadline.
type Campaign struct {
	ID           string
	OrgID        string // the organisation that runs it
	Title        string
	ChecklistID  string
	Deadline     time.Time
	Prefill      bool
	ReminderDays []int
	Status       string // open, closed
	CreatedAt    time.Time
	ClosedAt     *time.Time
}

// CampaignOrg is one organisation of a campaign and its assessment.
type CampaignOrg struct {
	OrgID        string
	OrgName      string
	AssessmentID string
	Status       string // the assessment's status
	Answered     int
	SubmittedAt  *time.Time
	Late         *bool // frozen at close
}

// NewCampaign is what launching takes; the caller has checked the scope,
// deadline and reminder days.
type NewCampaign struct {
	OrgID, Title, ChecklistID string
	OrgIDs                    []string
	Deadline                  time.Time
	Prefill                   bool
	ReminderDays              []int
	Actor                     Actor
}

const campaignSelect = `SELECT id, org_id, title, checklist_id, deadline, prefill, reminder_days, status, created_at, closed_at FROM campaigns`

func scanCampaign(row pgx.Row) (Campaign, error) {
	var c Campaign
	var days []int32
	err := row.Scan(&c.ID, &c.OrgID, &c.Title, &c.ChecklistID, &c.Deadline, &c.Prefill, &days, &c.Status, &c.CreatedAt, &c.ClosedAt)
	for _, d := range days {
		c.ReminderDays = append(c.ReminderDays, int(d))
	}
	return c, err
}

// LaunchCampaign creates the campaign, a draft for each organisation (with
// the answers of its last approved assessment of the checklist carried over
// when Prefill), records it in each organisation's audit trail and notifies
// their officers, in one transaction. A second open campaign with the same
// title, deadline and organisations answers Conflict.
func (s *Store) LaunchCampaign(ctx context.Context, n NewCampaign) (Campaign, error) {
	ids := slices.Clone(n.OrgIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var id string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO campaigns (org_id, title, checklist_id, deadline, prefill, reminder_days, scope_key, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			n.OrgID, n.Title, n.ChecklistID, n.Deadline, n.Prefill, n.ReminderDays, strings.Join(ids, ","), nullable(n.Actor.UserID)).Scan(&id)
		if pgCode(err) == codeUniqueViolation {
			return apperr.K(apperr.Conflict, "campaign.duplicate")
		}
		if err != nil {
			return err
		}
		if err := copyingAnswers(ctx, tx, true); err != nil { // the gains once, after every copy
			return err
		}
		var notices []Notice
		for _, org := range ids {
			var aid string
			err := tx.QueryRow(ctx, `
				INSERT INTO assessments (org_id, title, checklist_id, copied_from, created_by, updated_by)
				VALUES ($1, $2, $3, CASE WHEN $4 THEN (SELECT id FROM assessments WHERE org_id = $1 AND checklist_id = $3 AND status = 'approved'
					ORDER BY decided_at DESC NULLS LAST LIMIT 1) END, $5, $5)
				RETURNING id`, org, n.Title, n.ChecklistID, n.Prefill, nullable(n.Actor.UserID)).Scan(&aid)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO answers (assessment_id, question_id, level, comment, points_met, carried_over, updated_by)
				SELECT $1, x.question_id, x.level, x.comment, x.points_met, true, $2
				FROM assessments a JOIN answers x ON x.assessment_id = a.copied_from WHERE a.id = $1`, aid, nullable(n.Actor.UserID)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO campaign_orgs (campaign_id, org_id, assessment_id, status) VALUES ($1, $2, $3, 'draft')`, id, org, aid); err != nil {
				return err
			}
			if err := refreshOrgDash(ctx, tx, org); err != nil { // the new current cycle
				return err
			}
			officers, err := orgOfficerIDs(ctx, tx, org)
			if err != nil {
				return err
			}
			for _, u := range officers {
				notices = append(notices, Notice{OrgID: org, UserID: u, Kind: notice.CampaignLaunched, SubjectOrg: org,
					Params: map[string]any{"campaign": n.Title, "deadline": n.Deadline.Format(time.DateOnly)},
					Link:   "/assessments/" + aid, DedupeKey: "campaign:" + id + ":launched"})
			}
			if err := appendAudit(ctx, tx, Audit{ActorID: n.Actor.UserID, Actor: n.Actor.Email, OrgID: org, AssessmentID: aid, Action: "campaign.launched",
				Detail: map[string]any{"campaign_id": id, "title": n.Title, "deadline": n.Deadline.Format(time.DateOnly), "prefill": n.Prefill}}); err != nil {
				return err
			}
		}
		if err := copyingAnswers(ctx, tx, false); err != nil {
			return err
		}
		if err := recomputeActionGains(ctx, tx, ids...); err != nil {
			return err
		}
		return s.notify(ctx, tx, notices)
	})
	if err != nil {
		return Campaign{}, fmt.Errorf("store: launch campaign: %w", err)
	}
	return s.GetCampaign(ctx, id)
}

func orgOfficerIDs(ctx context.Context, tx pgx.Tx, orgID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT id::text FROM users WHERE org_id = $1 AND role = 'officer' AND active ORDER BY id`, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// GetCampaign returns a campaign, without its organisations (a campaign
// may cover thousands): CampaignOrgsPage and CampaignOrgsEach read them.
func (s *Store) GetCampaign(ctx context.Context, id string) (Campaign, error) {
	c, err := scanCampaign(s.pool.QueryRow(ctx, campaignSelect+` WHERE id = $1`, id))
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return Campaign{}, fmt.Errorf("store: get campaign %s: %w", id, notFound(err))
	}
	return c, nil
}

// Campaigns lists the campaigns run by the given organisations or that
// include one of them, newest first.
func (s *Store) Campaigns(ctx context.Context, orgIDs []string) ([]Campaign, error) {
	rows, err := s.pool.Query(ctx, campaignSelect+`
		WHERE org_id = ANY($1::uuid[]) OR id IN (SELECT campaign_id FROM campaign_orgs WHERE org_id = ANY($1::uuid[]))
		ORDER BY created_at DESC, id`, uuidArray(orgIDs))
	if err != nil {
		return nil, fmt.Errorf("store: campaigns: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Campaign, error) { return scanCampaign(r) })
	if err != nil {
		return nil, fmt.Errorf("store: campaigns: %w", err)
	}
	return cs, nil
}

// ScopeCampaigns returns the campaigns launched by, or covering, an
// organisation of a dashboard's scope (org_dash), newest first: by index
// per campaign, whatever the number of organisations in scope.
func (s *Store) ScopeCampaigns(ctx context.Context, scope string) ([]Campaign, error) {
	rows, err := s.pool.Query(ctx, campaignSelect+` c
		WHERE EXISTS (SELECT 1 FROM org_dash d WHERE d.org_id = c.org_id AND d.scope_id = $1)
			OR EXISTS (SELECT 1 FROM campaign_orgs co JOIN org_dash d ON d.org_id = co.org_id AND d.scope_id = $1
				WHERE co.campaign_id = c.id)
		ORDER BY created_at DESC, id`, scope)
	if err != nil {
		return nil, fmt.Errorf("store: campaigns of %s: %w", scope, err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Campaign, error) { return scanCampaign(r) })
	if err != nil {
		return nil, fmt.Errorf("store: campaigns of %s: %w", scope, err)
	}
	return cs, nil
}

// CloseCampaign closes an open campaign and freezes who was late: an
// organisation that had not submitted by the deadline (or has not yet). The
// officers are told. Closing a closed campaign answers Conflict.
func (s *Store) CloseCampaign(ctx context.Context, id string, by Actor) (Campaign, error) {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID, title string
		var deadline time.Time
		err := tx.QueryRow(ctx, `UPDATE campaigns SET status = 'closed', closed_at = now() WHERE id = $1 AND status = 'open' RETURNING org_id, title, deadline`, id).
			Scan(&orgID, &title, &deadline)
		if err == pgx.ErrNoRows {
			return apperr.K(apperr.Conflict, "campaign.closed_already")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE campaign_orgs co SET late = NOT (a.status IN ('submitted', 'approved') AND a.submitted_at::date <= $2)
			FROM assessments a WHERE a.id = co.assessment_id AND co.campaign_id = $1`, id, deadline); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT u.id::text, u.org_id::text, co.assessment_id::text FROM campaign_orgs co
			JOIN users u ON u.org_id = co.org_id AND u.role = 'officer' AND u.active WHERE co.campaign_id = $1`, id)
		if err != nil {
			return err
		}
		var ns []Notice
		for rows.Next() {
			var u, org, aid string
			if err := rows.Scan(&u, &org, &aid); err != nil {
				rows.Close()
				return err
			}
			ns = append(ns, Notice{OrgID: org, UserID: u, Kind: notice.CampaignClosed, SubjectOrg: org, Link: "/assessments/" + aid,
				Params: map[string]any{"campaign": title, "deadline": deadline.Format(time.DateOnly)}, DedupeKey: "campaign:" + id + ":closed"})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, ns); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "campaign.closed", Detail: map[string]any{"campaign_id": id}})
	})
	if err != nil {
		return Campaign{}, fmt.Errorf("store: close campaign: %w", err)
	}
	return s.GetCampaign(ctx, id)
}

// PlanReminders sends the reminders due at now (campaign.DueReminder) to the
// officers of every organisation of an open campaign that has not handed
// in. Each (campaign, organisation, schedule day) is reminded once, however
// many instances plan at once. It returns how many organisations were
// reminded.
func (s *Store) PlanReminders(ctx context.Context, now time.Time) (int, error) {
	type row struct {
		campaignID, title, orgID, assessmentID string
		deadline, created                      time.Time
		days                                   []int32
	}
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.title, co.org_id, co.assessment_id, c.deadline, c.created_at, c.reminder_days
		FROM campaigns c JOIN campaign_orgs co ON co.campaign_id = c.id JOIN assessments a ON a.id = co.assessment_id
		WHERE c.status = 'open' AND a.status IN ('draft', 'returned')`)
	if err != nil {
		return 0, fmt.Errorf("store: plan reminders: %w", err)
	}
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.campaignID, &x.title, &x.orgID, &x.assessmentID, &x.deadline, &x.created, &x.days)
		return x, err
	})
	if err != nil {
		return 0, fmt.Errorf("store: plan reminders: %w", err)
	}
	today := campaign.Day(now.In(notice.JST))
	sent := 0
	for _, x := range todo {
		days := make([]int, len(x.days))
		for i, d := range x.days {
			days[i] = int(d)
		}
		r, ok := campaign.DueReminder(x.deadline, x.created.In(notice.JST), today, days)
		if !ok {
			continue
		}
		reminded := false
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			reminded = false
			tag, err := tx.Exec(ctx, `INSERT INTO campaign_reminders (campaign_id, org_id, due_on) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				x.campaignID, x.orgID, r.On)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			officers, err := orgOfficerIDs(ctx, tx, x.orgID)
			if err != nil {
				return err
			}
			ns := make([]Notice, len(officers))
			for i, u := range officers {
				ns[i] = Notice{OrgID: x.orgID, UserID: u, Kind: notice.CampaignReminder, SubjectOrg: x.orgID, Link: "/assessments/" + x.assessmentID,
					Params: map[string]any{"campaign": x.title, "deadline": x.deadline.Format(time.DateOnly), "days_left": r.DaysLeft,
						"overdue": fmt.Sprint(r.Overdue)},
					DedupeKey: "campaign:" + x.campaignID + ":reminder:" + r.On.Format(time.DateOnly)}
			}
			reminded = true
			if err := s.notify(ctx, tx, ns); err != nil {
				return err
			}
			return appendAudit(ctx, tx, Audit{Actor: "reminders", OrgID: x.orgID, AssessmentID: x.assessmentID, Action: "campaign.reminded",
				Detail: map[string]any{"campaign_id": x.campaignID, "for": r.On.Format(time.DateOnly), "days_left": r.DaysLeft}})
		})
		if err != nil {
			return sent, fmt.Errorf("store: plan reminders: %w", err)
		}
		if reminded {
			sent++
		}
	}
	return sent, nil
}
