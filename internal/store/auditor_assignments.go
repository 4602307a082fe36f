package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/policy"
)

// AssignAuditor lets an auditor review an organisation and records it in the
// audit trail. Assigning twice is harmless (and recorded once). The user must
// be an auditor.
func (s *Store) AssignAuditor(ctx context.Context, userID, orgID string, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var role string
		if err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = $1`, userID).Scan(&role); err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		if role != "auditor" {
			return apperr.InvalidFieldsK("err.auditor_only", map[string]string{"email": "not_auditor"})
		}
		tag, err := tx.Exec(ctx, `INSERT INTO auditor_assignments (user_id, org_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, userID, orgID)
		if pgCode(err) == codeForeignKeyViolation || pgCode(err) == codeInvalidText {
			return apperr.InvalidFieldsK("err.org_unknown", map[string]string{"org_id": "unknown"})
		}
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "auditor.assigned",
			Detail: map[string]any{"user_id": userID}})
	})
	if err != nil {
		return fmt.Errorf("store: assign auditor: %w", err)
	}
	return nil
}

// UnassignAuditor removes an assignment and records it in the audit trail; a
// missing one answers NotFound.
func (s *Store) UnassignAuditor(ctx context.Context, userID, orgID string, by Actor) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM auditor_assignments WHERE user_id = $1 AND org_id = $2`, userID, orgID)
		if pgCode(err) == codeInvalidText {
			return apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.ErrNotFound
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID, Action: "auditor.unassigned",
			Detail: map[string]any{"user_id": userID}})
	})
	if err != nil {
		return fmt.Errorf("store: unassign auditor: %w", err)
	}
	return nil
}

// Assignment is one auditor–organisation pair.
type Assignment struct {
	UserID, Email, Name, OrgID, OrgName string
}

// ReviewNodes returns the organisations with the auditors who review each
// directly (active members with the auditor role, or assigned to it), for
// policy.Reviewers: every organisation when orgID is "", otherwise orgID and
// its ancestors.
func (s *Store) ReviewNodes(ctx context.Context, orgID string) (map[string]policy.ReviewNode, error) {
	// One organisation and its ancestors by index, or every organisation.
	chain, args := `
			SELECT id, parent_id, 1 AS depth FROM orgs WHERE id = $1
			UNION
			SELECT o.id, o.parent_id, chain.depth + 1 FROM orgs o JOIN chain ON o.id = chain.parent_id
			WHERE chain.depth < 100`, []any{uuidArg(orgID)}
	if orgID == "" {
		chain, args = `SELECT id, parent_id, 1 AS depth FROM orgs`, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE chain AS (`+chain+`
		)
		SELECT DISTINCT c.id::text, coalesce(c.parent_id::text, ''), coalesce(r.id::text, ''), coalesce(r.display_name, '')
		FROM chain c LEFT JOIN LATERAL (
			SELECT u.id, u.display_name FROM users u
			WHERE u.active AND u.role = 'auditor' AND (u.org_id = c.id
				OR EXISTS (SELECT 1 FROM auditor_assignments a WHERE a.user_id = u.id AND a.org_id = c.id))
		) r ON true
		ORDER BY 1, 4, 3`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: review nodes: %w", err)
	}
	nodes := map[string]policy.ReviewNode{}
	var id, parent, uid, name string
	_, err = pgx.ForEachRow(rows, []any{&id, &parent, &uid, &name}, func() error {
		n := nodes[id]
		n.OrgID, n.ParentID = id, parent
		if uid != "" {
			n.Direct = append(n.Direct, policy.Reviewer{UserID: uid, Name: name})
		}
		nodes[id] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: review nodes: %w", err)
	}
	return nodes, nil
}

// AssignmentsOf returns, by organisation then email, at most limit
// assignments of the organisation orgID (when not "") or else of the users
// userIDs, and whether more exist: what one page of the administrator's
// lists shows, never every assignment.
func (s *Store) AssignmentsOf(ctx context.Context, orgID string, userIDs []string, limit int) ([]Assignment, bool, error) {
	cond, arg := `a.user_id = ANY($2::uuid[])`, any(uuidArray(userIDs))
	if orgID != "" {
		cond, arg = `a.org_id = $2`, uuidArg(orgID)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT u.id, u.email, u.display_name, o.id, o.name
		FROM auditor_assignments a JOIN users u ON u.id = a.user_id JOIN orgs o ON o.id = a.org_id
		WHERE `+cond+` ORDER BY o.name, u.email LIMIT $1`, limit+1, arg)
	if err != nil {
		return nil, false, fmt.Errorf("store: assignments: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assignment, error) {
		var a Assignment
		err := r.Scan(&a.UserID, &a.Email, &a.Name, &a.OrgID, &a.OrgName)
		return a, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: assignments: %w", err)
	}
	if len(as) > limit {
		return as[:limit], true, nil
	}
	return as, false, nil
}

// UnreviewedOrgs returns, by name, the first limit organisations no one
// reviews (no active auditor of theirs, assigned to them, or to an
// organisation above them: policy.Reviewers), and how many there are in
// all: those without a review source (org_review_sources.go).
func (s *Store) UnreviewedOrgs(ctx context.Context, limit int) ([]Org, int, error) {
	if err := s.ensureReviewSources(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: unreviewed organisations: %w", err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+orgColumns+`, count(*) OVER ()
		FROM orgs o WHERE NOT EXISTS (SELECT 1 FROM org_review_sources r WHERE r.org_id = o.id)
		ORDER BY name, id LIMIT $1`, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unreviewed organisations: %w", err)
	}
	var total int
	orgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Org, error) {
		var o Org
		err := r.Scan(&o.ID, &o.Name, &o.ParentID, &o.Industry, &o.CreatedAt, &o.RequireTOTP, &total)
		return o, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: unreviewed organisations: %w", err)
	}
	return orgs, total, nil
}
