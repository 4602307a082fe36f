package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
)

// EvidenceLink is an item backing the answer of one question, with the
// auditor's review of it.
type EvidenceLink struct {
	AssessmentID      string
	QuestionID        string
	PointIDs          []string
	NeedsConfirmation bool // carried over from the assessment this one was copied from
	Review            string
	ReviewComment     string
	ReviewedByName    string
	ReviewedAt        *time.Time
	Evidence          Evidence
}

// AnswerEvidence returns an assessment's evidence by question id, oldest
// link first.
func (s *Store) AnswerEvidence(ctx context.Context, assessmentID string) (map[string][]EvidenceLink, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT l.assessment_id, l.question_id, l.point_ids, l.needs_confirmation, coalesce(l.review, ''), l.review_comment,
			coalesce(ru.display_name, ''), l.reviewed_at,
			e.id, e.org_id, e.kind, e.title, e.description, coalesce(e.url, ''), coalesce(e.filename, ''),
			coalesce(e.size, 0), coalesce(e.content_type, ''), e.sha256, coalesce(e.storage, ''), coalesce(e.blob_key, ''),
			e.effective_date, e.review_by, e.retired,
			coalesce(e.created_by::text, ''), coalesce(u.display_name, ''), e.created_at, e.updated_at, 0
		FROM evidence_links l
		JOIN evidence e ON e.id = l.evidence_id
		LEFT JOIN users u ON u.id = e.created_by
		LEFT JOIN users ru ON ru.id = l.reviewed_by
		WHERE l.assessment_id = $1
		ORDER BY l.question_id, l.created_at, e.id`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: answer evidence: %w", err)
	}
	ls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (EvidenceLink, error) {
		var l EvidenceLink
		e := &l.Evidence
		err := r.Scan(&l.AssessmentID, &l.QuestionID, &l.PointIDs, &l.NeedsConfirmation, &l.Review, &l.ReviewComment,
			&l.ReviewedByName, &l.ReviewedAt,
			&e.ID, &e.OrgID, &e.Kind, &e.Title, &e.Description, &e.URL, &e.Filename, &e.Size, &e.ContentType,
			&e.SHA256, &e.Storage, &e.BlobKey, &e.EffectiveDate, &e.ReviewBy, &e.Retired, &e.CreatedBy, &e.CreatedByName, &e.CreatedAt, &e.UpdatedAt, &e.Uses)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: answer evidence: %w", err)
	}
	out := map[string][]EvidenceLink{}
	for _, l := range ls {
		out[l.QuestionID] = append(out[l.QuestionID], l)
	}
	return out, nil
}

// lockAssessment locks an assessment for share and returns its status and
// organisation (NotFound when there is none).
func lockAssessment(ctx context.Context, tx pgx.Tx, assessmentID string) (assessment.Status, string, error) {
	var status assessment.Status
	var orgID string
	err := tx.QueryRow(ctx, `SELECT status, org_id FROM assessments WHERE id = $1 FOR SHARE`, assessmentID).Scan(&status, &orgID)
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return "", "", notFound(err)
	}
	return status, orgID, nil
}

func notEditable(status assessment.Status) error {
	return apperr.K(apperr.Conflict, "err.not_editable").WithDetail(map[string]any{"status": status})
}

// LinkEvidence links an item of the assessment's organisation to the answer
// of a question (again: replaces the key points, and confirms a carried
// over link). Only while the assessment is editable (Conflict otherwise);
// an item of another organisation is NotFound, a retired one Conflict.
func (s *Store) LinkEvidence(ctx context.Context, assessmentID, questionID, evidenceID string, pointIDs []string, actor Actor) error {
	if pointIDs == nil {
		pointIDs = []string{}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		status, orgID, err := lockAssessment(ctx, tx, assessmentID)
		if err != nil {
			return err
		}
		if !status.Editable() {
			return notEditable(status)
		}
		var retired bool
		err = tx.QueryRow(ctx, `SELECT retired FROM evidence WHERE id = $1 AND org_id = $2 FOR SHARE`, evidenceID, orgID).Scan(&retired)
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		if retired {
			return apperr.K(apperr.Conflict, "evidence.retired")
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO evidence_links (org_id, assessment_id, question_id, evidence_id, point_ids, created_by)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (assessment_id, question_id, evidence_id) DO UPDATE SET point_ids = EXCLUDED.point_ids, needs_confirmation = false`,
			orgID, assessmentID, questionID, evidenceID, pointIDs, nullable(actor.UserID))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, AssessmentID: assessmentID,
			Action: "evidence.linked", Detail: map[string]any{"evidence_id": evidenceID, "question_id": questionID, "point_ids": pointIDs}})
	})
	if err != nil {
		return fmt.Errorf("store: link evidence: %w", err)
	}
	return nil
}

// UnlinkEvidence removes an item from the answer of a question, while the
// assessment is editable. A link that does not exist is NotFound.
func (s *Store) UnlinkEvidence(ctx context.Context, assessmentID, questionID, evidenceID string, actor Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		status, orgID, err := lockAssessment(ctx, tx, assessmentID)
		if err != nil {
			return err
		}
		if !status.Editable() {
			return notEditable(status)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM evidence_links WHERE assessment_id = $1 AND question_id = $2 AND evidence_id = $3 AND org_id = $4`,
			assessmentID, questionID, evidenceID, orgID)
		if pgCode(err) == codeInvalidText {
			return apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.ErrNotFound
		}
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, AssessmentID: assessmentID,
			Action: "evidence.unlinked", Detail: map[string]any{"evidence_id": evidenceID, "question_id": questionID}})
	})
	if err != nil {
		return fmt.Errorf("store: unlink evidence: %w", err)
	}
	return nil
}

// ReviewEvidence records an auditor's review of a link ("accepted" or
// "insufficient", with a comment), while the assessment is submitted. The
// review stays when the assessment is returned: the officers see it.
func (s *Store) ReviewEvidence(ctx context.Context, assessmentID, questionID, evidenceID, review, comment string, actor Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		status, orgID, err := lockAssessment(ctx, tx, assessmentID)
		if err != nil {
			return err
		}
		if status != assessment.Submitted {
			return apperr.K(apperr.Conflict, "review.mark_not_submitted", apperr.KeyArg("status."+string(status))).
				WithDetail(map[string]any{"status": status})
		}
		var old string
		err = tx.QueryRow(ctx, `
			SELECT coalesce(review, '') FROM evidence_links WHERE assessment_id = $1 AND question_id = $2 AND evidence_id = $3 FOR UPDATE`,
			assessmentID, questionID, evidenceID).Scan(&old)
		if pgCode(err) == codeInvalidText || errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE evidence_links SET review = $4, review_comment = $5, reviewed_by = $6, reviewed_at = now()
			WHERE assessment_id = $1 AND question_id = $2 AND evidence_id = $3`,
			assessmentID, questionID, evidenceID, review, comment, nullable(actor.UserID))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, AssessmentID: assessmentID,
			Action: "evidence.reviewed", Detail: map[string]any{"evidence_id": evidenceID, "question_id": questionID,
				"old": nullable(old), "new": review, "comment": comment}})
	})
	if err != nil {
		return fmt.Errorf("store: review evidence: %w", err)
	}
	return nil
}
