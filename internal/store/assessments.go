package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// Assessment is one organisation's answering of a checklist.
type Assessment struct {
	ID            string
	OrgID         string
	OrgName       string
	Title         string
	ChecklistID   string
	Status        assessment.Status
	StatusVersion int
	CopiedFrom    *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	UpdatedByName string
	SubmittedAt   *time.Time
	SubmittedBy   string
	DecidedAt     *time.Time
	Answered      int
	CarriedOver   int
	Confirmed     int    // answered and not awaiting confirmation: what progress counts
	DecidedBy     string // the name of who returned or approved it last
}

const assessmentSelect = `
	SELECT a.id, a.org_id, o.name, a.title, a.checklist_id, a.status, a.status_version, a.copied_from,
		a.created_at, a.updated_at, coalesce(uu.display_name, ''), a.submitted_at, coalesce(su.display_name, ''), a.decided_at,
		n.answered, n.carried, n.confirmed, coalesce(du.display_name, '')
	FROM assessments a
	JOIN orgs o ON o.id = a.org_id
	LEFT JOIN users du ON du.id = a.decided_by
	CROSS JOIN LATERAL (
		SELECT count(*) FILTER (WHERE x.level IS NOT NULL) AS answered, count(*) FILTER (WHERE x.carried_over) AS carried,
			count(*) FILTER (WHERE x.level IS NOT NULL AND NOT x.carried_over) AS confirmed
		FROM answers x WHERE x.assessment_id = a.id) n
	LEFT JOIN users uu ON uu.id = a.updated_by
	LEFT JOIN users su ON su.id = a.submitted_by`

func scanAssessment(row pgx.Row) (Assessment, error) {
	var a Assessment
	err := row.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.Title, &a.ChecklistID, &a.Status, &a.StatusVersion, &a.CopiedFrom,
		&a.CreatedAt, &a.UpdatedAt, &a.UpdatedByName, &a.SubmittedAt, &a.SubmittedBy, &a.DecidedAt, &a.Answered, &a.CarriedOver, &a.Confirmed, &a.DecidedBy)
	return a, err
}

// NewAssessment is what starting an assessment takes. CopyFrom names an
// earlier assessment of the same organisation whose answers are carried over.
type NewAssessment struct {
	OrgID, Title, ChecklistID, CopyFrom string
	Actor                               Actor
}

// Actor is who makes a change, for the audit trail.
type Actor struct {
	UserID string
	Email  string
	Name   string // display name, when the caller knows it (saves a lookup)
}

// CreateAssessment inserts a draft; with CopyFrom, copies its answers marked
// as carried over, and flags as improvement claimed those whose question an
// action done since the copied assessment was created addresses.
func (s *Store) CreateAssessment(ctx context.Context, n NewAssessment) (Assessment, error) {
	var id string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if n.CopyFrom != "" {
			var orgID, checklistID string
			err := tx.QueryRow(ctx, `SELECT org_id, checklist_id FROM assessments WHERE id = $1`, n.CopyFrom).Scan(&orgID, &checklistID)
			if pgCode(err) == codeInvalidText || errors.Is(err, pgx.ErrNoRows) || (err == nil && orgID != n.OrgID) {
				return apperr.InvalidFieldsK("err.copy_from_unknown", map[string]string{"copy_from": "unknown"})
			}
			if err != nil {
				return err
			}
			if checklistID != n.ChecklistID {
				return apperr.InvalidFieldsK("err.copy_from_checklist", map[string]string{"copy_from": "checklist"})
			}
		}
		if err := copyingAnswers(ctx, tx, true); err != nil { // the gains once, after the copy
			return err
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO assessments (org_id, title, checklist_id, copied_from, created_by, updated_by)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			n.OrgID, n.Title, n.ChecklistID, nullable(n.CopyFrom), nullable(n.Actor.UserID)).Scan(&id)
		if err != nil {
			if pgCode(err) == codeCheckViolation {
				return apperr.InvalidFieldsK("err.title_length", map[string]string{"title": "length"})
			}
			return err
		}
		if n.CopyFrom != "" {
			_, err = tx.Exec(ctx, `
				INSERT INTO answers (assessment_id, question_id, level, comment, points_met, carried_over, improvement_claimed, updated_by)
				SELECT $1, x.question_id, x.level, x.comment, x.points_met, true,
					EXISTS (SELECT 1 FROM actions ac WHERE ac.org_id = a.org_id AND ac.status = 'done' AND ac.done_at >= a.created_at
						AND ac.questions @> jsonb_build_array(jsonb_build_object('question_id', x.question_id))),
					$3
				FROM answers x JOIN assessments a ON a.id = x.assessment_id WHERE x.assessment_id = $2`, id, n.CopyFrom, nullable(n.Actor.UserID))
			if err != nil {
				return err
			}
			// Evidence links come along, to be reconfirmed like the answers;
			// the auditor's reviews of last year stay with last year.
			_, err = tx.Exec(ctx, `
				INSERT INTO evidence_links (org_id, assessment_id, question_id, evidence_id, point_ids, needs_confirmation, created_by)
				SELECT l.org_id, $1, l.question_id, l.evidence_id, l.point_ids, true, $3
				FROM evidence_links l JOIN evidence e ON e.id = l.evidence_id
				WHERE l.assessment_id = $2 AND NOT e.retired`, id, n.CopyFrom, nullable(n.Actor.UserID))
			if err != nil {
				return err
			}
		}
		if err := copyingAnswers(ctx, tx, false); err != nil {
			return err
		}
		if err := recomputeActionGains(ctx, tx, n.OrgID); err != nil { // against the new assessment
			return err
		}
		if err := refreshOrgDash(ctx, tx, n.OrgID); err != nil { // the new current cycle
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: n.Actor.UserID, Actor: n.Actor.Email, OrgID: n.OrgID, AssessmentID: id,
			Action: "assessment.created", Detail: map[string]any{"title": n.Title, "checklist_id": n.ChecklistID, "copy_from": n.CopyFrom}})
	})
	if err != nil {
		return Assessment{}, fmt.Errorf("store: create assessment: %w", err)
	}
	return s.GetAssessment(ctx, id)
}

// GetAssessment returns one assessment with its progress.
func (s *Store) GetAssessment(ctx context.Context, id string) (Assessment, error) {
	a, err := scanAssessment(s.pool.QueryRow(ctx, assessmentSelect+` WHERE a.id = $1`, id))
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return Assessment{}, fmt.Errorf("store: get assessment %s: %w", id, notFound(err))
	}
	return a, nil
}

// GetAssessmentHead is GetAssessment with the assessment's own columns
// only: no organisation or people's names, no answer counts. An answer
// save needs no more to decide, and reading less is a third of its
// database time (the counts walk the 27 answers).
func (s *Store) GetAssessmentHead(ctx context.Context, id string) (Assessment, error) {
	a, err := scanAssessmentHead(s.pool.QueryRow(ctx, assessmentHeadSelect+` WHERE id = $1`, id))
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return Assessment{}, fmt.Errorf("store: get assessment %s: %w", id, notFound(err))
	}
	return a, nil
}

// ListAssessmentHeads lists an organisation's assessments in the list's order with the
// assessments' own columns only (GetAssessmentHead): what the report's
// comparisons pick from, without counting every assessment's answers.
func (s *Store) ListAssessmentHeads(ctx context.Context, orgID string) ([]Assessment, error) {
	rows, err := s.pool.Query(ctx, assessmentHeadSelect+`
		WHERE org_id = $1 ORDER BY (status = 'returned') DESC, created_at DESC, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: list assessments of %s: %w", orgID, err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assessment, error) { return scanAssessmentHead(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list assessments of %s: %w", orgID, err)
	}
	return as, nil
}

const assessmentHeadSelect = `
	SELECT id, org_id, title, checklist_id, status, status_version, copied_from, created_at, updated_at, submitted_at, decided_at
	FROM assessments`

func scanAssessmentHead(row pgx.Row) (Assessment, error) {
	var a Assessment
	err := row.Scan(&a.ID, &a.OrgID, &a.Title, &a.ChecklistID, &a.Status, &a.StatusVersion, &a.CopiedFrom, &a.CreatedAt, &a.UpdatedAt,
		&a.SubmittedAt, &a.DecidedAt)
	return a, err
}

// ListAssessmentsPage returns the page (from 1) of size assessments of the
// scope in the list's order (returned ones first, then newest first), and
// whether more follow: the list of an administrator or of a manager at the
// top of 10,000 organisations reads one page by index, not 100,000
// assessments with their answer counts.
func (s *Store) ListAssessmentsPage(ctx context.Context, scope Reach, pageNo, size int) ([]Assessment, bool, error) {
	// Every organisation's, or many (a manager at the top of a group):
	// walk the list's order by its index (migration 0024) until the page is
	// full. A few organisations' (an officer's, a holding's): read theirs by
	// the organisation's index and sort them; walking the order for an
	// officer's ten assessments among 100,000 took 38 ms. The expression
	// ::int keeps PostgreSQL from walking the index there.
	const (
		walk  = ` ORDER BY (x.status = 'returned') DESC, x.created_at DESC, x.id LIMIT $1 OFFSET $2`
		sort  = ` ORDER BY (x.status = 'returned')::int DESC, x.created_at DESC, x.id LIMIT $1 OFFSET $2`
		order = ` ORDER BY (a.status = 'returned') DESC, a.created_at DESC, a.id`
	)
	// The page's ids first, then their names and answer counts.
	page := func(cond, pick string) string {
		return assessmentSelect + ` WHERE a.id IN (SELECT x.id FROM assessments x` + cond + pick + `)`
	}
	offset := (max(pageNo, 1) - 1) * size
	if err := scope.prepare(ctx, s); err != nil {
		return nil, false, fmt.Errorf("store: list assessments: %w", err)
	}
	pick := sort
	if scope.many() {
		pick = walk
	}
	cond, args := scope.cond("x.org_id", 3, scope.many())
	rows, err := s.reader(scope).Query(ctx, page(` WHERE `+cond, pick)+order, append([]any{size + 1, offset}, args...)...)
	if err != nil {
		return nil, false, fmt.Errorf("store: list assessments: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assessment, error) { return scanAssessment(r) })
	if err != nil {
		return nil, false, fmt.Errorf("store: list assessments: %w", err)
	}
	if len(as) > size {
		return as[:size], true, nil
	}
	return as, false, nil
}

// StatusChange is a workflow transition to record.
type StatusChange struct {
	AssessmentID string
	From, To     assessment.Status
	Action       assessment.Action
	Comment      string
	Actor        Actor
	// AcknowledgeOpenMarks: an approval made knowing that questions are
	// still marked as needing attention (assessment.CheckApprovable).
	AcknowledgeOpenMarks bool
}

// Submit submits an assessment that is in status from (draft or returned)
// when every question of its checklist has a level and every carried-over
// answer is confirmed (assessment.CheckSubmittable), and freezes its result
// with the targets in force now, in the same transaction: later target
// changes never rewrite it. It is refused with Conflict when the status is
// no longer from.
func (s *Store) Submit(ctx context.Context, assessmentID string, from assessment.Status, by Actor) (Assessment, error) {
	c := StatusChange{AssessmentID: assessmentID, From: from, To: assessment.Submitted, Action: assessment.Submit, Actor: by}
	return s.changeStatus(ctx, c, func(tx pgx.Tx, checklistID string, _ map[string]any) error {
		cl, ok := checklist.Get(checklistID)
		if !ok {
			return fmt.Errorf("checklist %s is not in this build", checklistID)
		}
		answers, err := answerStates(ctx, tx, assessmentID)
		if err != nil {
			return err
		}
		if err := assessment.CheckSubmittable(cl.QuestionIDs(), answers); err != nil {
			return err
		}
		return freezeResult(ctx, tx, assessmentID)
	})
}

// changeStatus moves an assessment from one status to another. It is refused
// with Conflict when the status is no longer From (someone else acted first).
// check, when set, runs inside the transaction with the assessment row
// locked, before the change is written; an error aborts the change.
// check may add to the audit entry's detail.
func (s *Store) changeStatus(ctx context.Context, c StatusChange, check func(tx pgx.Tx, checklistID string, detail map[string]any) error) (Assessment, error) {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var cur assessment.Status
		var orgID, checklistID string
		err := tx.QueryRow(ctx, `SELECT status, org_id, checklist_id FROM assessments WHERE id = $1 FOR UPDATE`, c.AssessmentID).Scan(&cur, &orgID, &checklistID)
		if err != nil {
			return notFound(err)
		}
		if cur != c.From {
			e := apperr.K(apperr.Conflict, "err.status_moved", apperr.KeyArg("status."+string(cur)))
			e.Detail = map[string]any{"status": cur}
			return e
		}
		// Before the update below moves the dashboard's last change.
		if err := lockOrgSummary(ctx, tx, orgID); err != nil {
			return err
		}
		detail := map[string]any{"from": c.From, "to": c.To}
		if check != nil {
			if err := check(tx, checklistID, detail); err != nil {
				return err
			}
		}
		set := `status = $2, status_version = status_version + 1, updated_at = now(), updated_by = $3`
		switch c.To {
		case assessment.Submitted:
			set += `, submitted_at = now(), submitted_by = $3`
		case assessment.Draft: // withdrawn: no longer submitted
			set += `, submitted_at = NULL, submitted_by = NULL`
		case assessment.Approved, assessment.Returned:
			set += `, decided_at = now(), decided_by = $3`
		}
		if _, err := tx.Exec(ctx, `UPDATE assessments SET `+set+` WHERE id = $1`, c.AssessmentID, c.To, nullable(c.Actor.UserID)); err != nil {
			return err
		}
		if c.To == assessment.Submitted {
			if _, err := tx.Exec(ctx, `
				INSERT INTO submissions (assessment_id, seq, submitted_by, answers)
				SELECT $1, coalesce((SELECT max(seq) FROM submissions WHERE assessment_id = $1), 0) + 1, $2,
					coalesce(jsonb_object_agg(question_id, jsonb_build_object('level', level, 'comment', comment, 'points_met', points_met)), '{}')
				FROM answers WHERE assessment_id = $1`, c.AssessmentID, nullable(c.Actor.UserID)); err != nil {
				return err
			}
		}
		if c.From == assessment.Approved || c.To == assessment.Approved {
			if err := refreshOrgPeer(ctx, tx, orgID); err != nil {
				return err
			}
		}
		if err := refreshOrgDash(ctx, tx, orgID); err != nil {
			return err
		}
		if err := s.notifyStatus(ctx, tx, c, orgID); err != nil {
			return err
		}
		if c.Comment != "" {
			detail["comment"] = c.Comment
		}
		return appendAudit(ctx, tx, Audit{ActorID: c.Actor.UserID, Actor: c.Actor.Email, OrgID: orgID, AssessmentID: c.AssessmentID,
			Action: "assessment." + string(c.Action), Detail: detail})
	})
	if err != nil {
		return Assessment{}, fmt.Errorf("store: %s assessment: %w", c.Action, err)
	}
	return s.GetAssessment(ctx, c.AssessmentID)
}

// BackdateDecision dates a decided assessment as if it had been created 45
// days and submitted 10 days before the decision at decidedAt: for
// demonstration data, whose dashboard trend follows the decision dates.
// The audit trail keeps the real times.
func (s *Store) BackdateDecision(ctx context.Context, assessmentID string, decidedAt time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE assessments SET created_at = $2::timestamptz - interval '45 days', submitted_at = $2::timestamptz - interval '10 days',
				decided_at = $2, updated_at = $2 WHERE id = $1`, assessmentID, decidedAt)
		if err == nil && tag.RowsAffected() == 0 {
			err = apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		// The result was frozen at the (backdated) submission, not when the
		// demonstration was seeded.
		if _, err := tx.Exec(ctx, `UPDATE assessment_results SET computed_at = $2::timestamptz - interval '10 days' WHERE assessment_id = $1`,
			assessmentID, decidedAt); err != nil {
			return err
		}
		if err := refreshOrgDashOfAssessment(ctx, tx, assessmentID); err != nil {
			return err
		}
		return refreshOrgPeerOfAssessment(ctx, tx, assessmentID) // which is the latest may have changed
	})
	if err != nil {
		return fmt.Errorf("store: backdate assessment %s: %w", assessmentID, err)
	}
	return nil
}
