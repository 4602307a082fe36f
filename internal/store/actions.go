package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/action"
	"mamori/internal/apperr"
	"mamori/internal/notice"
)

// Action is an improvement action (改善アクション) of an organisation.
type Action struct {
	ID                 string
	OrgID              string
	OrgName            string
	Title              string
	Description        string
	Questions          []action.Planned
	PointIDs           []string
	OwnerID            string
	OwnerName          string
	DueOn              time.Time
	Priority           action.Priority
	Status             action.Status
	SourceAssessmentID *string
	ClosingNote        *string
	EvidenceIDs        []string // the evidence items its closing named (while done)
	DoneAt             *time.Time
	Risk               *RiskAcceptance // set while the status is risk_accepted
	ReopenedReason     *string         // why the system reopened it, e.g. "review_date_passed"
	// Gain is the expected score gain: the points the total rises by when
	// the planned levels are reached, from the answered levels of the
	// organisation's newest assessment (kept by triggers, migration 0026).
	Gain      int
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int
}

// RiskAcceptance is the approval of an accepted risk.
type RiskAcceptance struct {
	ApprovedBy     string
	ApprovedByName string
	Reason         string
	ReviewOn       time.Time
}

// NewAction is what creating an action takes; the caller has validated the
// plan (action.CheckPlan). The store checks that the owner is an active user
// of the organisation and the source assessment one of its assessments.
type NewAction struct {
	OrgID              string
	Title              string
	Description        string
	Questions          []action.Planned
	PointIDs           []string
	OwnerID            string
	DueOn              time.Time
	Priority           action.Priority
	SourceAssessmentID string
}

const actionSelect = `
	SELECT a.id, a.org_id, o.name, a.title, a.description, a.questions, a.point_ids, a.owner_id, coalesce(ow.display_name, ''),
		a.due_on, a.priority, a.status, a.source_assessment_id, a.closing_note, a.done_at,
		a.risk_approved_by, coalesce(ap.display_name, ''), a.risk_reason, a.risk_review_on, a.reopened_reason,
		a.created_at, a.updated_at, a.version, a.gain,
		coalesce((SELECT array_agg(ae.evidence_id::text ORDER BY ae.created_at, ae.evidence_id)
			FROM action_evidence ae WHERE ae.org_id = a.org_id AND ae.action_id = a.id), '{}')
	FROM actions a JOIN orgs o ON o.id = a.org_id
	LEFT JOIN users ow ON ow.id = a.owner_id
	LEFT JOIN users ap ON ap.id = a.risk_approved_by`

func scanAction(row pgx.Row) (Action, error) {
	var a Action
	var qs []byte
	var approvedBy, reason *string
	var approvedName string
	var reviewOn *time.Time
	err := row.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.Title, &a.Description, &qs, &a.PointIDs, &a.OwnerID, &a.OwnerName,
		&a.DueOn, &a.Priority, &a.Status, &a.SourceAssessmentID, &a.ClosingNote, &a.DoneAt,
		&approvedBy, &approvedName, &reason, &reviewOn, &a.ReopenedReason, &a.CreatedAt, &a.UpdatedAt, &a.Version, &a.Gain, &a.EvidenceIDs)
	if err != nil {
		return Action{}, err
	}
	if err := json.Unmarshal(qs, &a.Questions); err != nil {
		return Action{}, fmt.Errorf("store: action questions: %w", err)
	}
	if a.PointIDs == nil {
		a.PointIDs = []string{}
	}
	if reason != nil && reviewOn != nil {
		a.Risk = &RiskAcceptance{ApprovedBy: deref(approvedBy), ApprovedByName: approvedName, Reason: *reason, ReviewOn: *reviewOn}
	}
	return a, nil
}

// CreateActions creates actions of one organisation in one transaction
// (several recommendations become actions at once, or none does), each
// with an action.created audit entry.
func (s *Store) CreateActions(ctx context.Context, orgID string, ns []NewAction, by Actor) ([]Action, error) {
	out := make([]Action, 0, len(ns))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockNewestAssessment(ctx, tx, orgID); err != nil { // action_gains.go
			return err
		}
		for i, n := range ns {
			if n.OrgID != orgID {
				return fmt.Errorf("action %d belongs to %s, not %s", i, n.OrgID, orgID)
			}
			if err := checkOwner(ctx, tx, orgID, n.OwnerID, "owner_id"); err != nil {
				return err
			}
			if n.SourceAssessmentID != "" {
				var ok bool
				err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM assessments WHERE id = $1 AND org_id = $2)`,
					uuidArg(n.SourceAssessmentID), orgID).Scan(&ok)
				if err != nil {
					return err
				}
				if !ok {
					return apperr.InvalidFieldsK("err.action_invalid", map[string]string{"source_assessment_id": action.ProblemUnknown})
				}
			}
			qs, _ := json.Marshal(n.Questions)
			var id string
			err := tx.QueryRow(ctx, `
				INSERT INTO actions (org_id, title, description, questions, point_ids, owner_id, due_on, priority,
					source_assessment_id, created_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
				orgID, n.Title, n.Description, qs, nonNil(n.PointIDs), n.OwnerID, n.DueOn, n.Priority,
				nullable(n.SourceAssessmentID), nullable(by.UserID)).Scan(&id)
			if err != nil {
				return err
			}
			a, err := scanAction(tx.QueryRow(ctx, actionSelect+` WHERE a.id = $1`, id))
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		var ns []Notice
		for _, a := range out {
			if err := appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: orgID,
				AssessmentID: deref(a.SourceAssessmentID), Action: "action.created", Detail: actionDetail(a)}); err != nil {
				return err
			}
			ns = append(ns, actionAssignedNotice(a, by)...)
		}
		return s.notify(ctx, tx, ns)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create actions: %w", err)
	}
	return out, nil
}

// actionAssignedNotice tells an action's owner that it is theirs, unless
// they gave it to themselves. Once per action, owner and version.
func actionAssignedNotice(a Action, by Actor) []Notice {
	if a.OwnerID == "" || a.OwnerID == by.UserID {
		return nil
	}
	return []Notice{{OrgID: a.OrgID, UserID: a.OwnerID, Kind: notice.ActionAssigned, SubjectOrg: a.OrgID,
		Params:    map[string]any{"action": a.Title, "due_on": a.DueOn.Format(time.DateOnly)},
		Link:      "/actions/" + a.ID,
		DedupeKey: fmt.Sprintf("action_assigned:%s:%s:%d", a.ID, a.OwnerID, a.Version)}}
}

// NotifyDueActions tells owners about their open (open or in progress)
// actions due in 7 days or 1 day (kind action_due), or past due (kind
// action_overdue, once), as of the day today. Each is told once per action,
// due date and milestone: a new due date earns new reminders.
func (s *Store) NotifyDueActions(ctx context.Context, today time.Time) error {
	rows, err := s.pool.Query(ctx, `
		SELECT a.org_id, a.owner_id, a.id, a.title, a.due_on
		FROM actions a JOIN users u ON u.id = a.owner_id AND u.active AND u.org_id = a.org_id
		WHERE a.status IN ('open', 'in_progress')
			AND (a.due_on IN ($1::date + 7, $1::date + 1) OR a.due_on < $1::date)`, today)
	if err != nil {
		return fmt.Errorf("store: due actions: %w", err)
	}
	var ns []Notice
	for rows.Next() {
		var org, owner, id, title string
		var due time.Time
		if err := rows.Scan(&org, &owner, &id, &title, &due); err != nil {
			rows.Close()
			return fmt.Errorf("store: due actions: %w", err)
		}
		kind, milestone := notice.ActionDue, fmt.Sprint(int(due.Sub(action.Day(today)).Hours()/24))
		if action.Overdue(action.Open, due, today) {
			kind, milestone = notice.ActionOverdue, "overdue"
		}
		ns = append(ns, Notice{OrgID: org, UserID: owner, Kind: kind, SubjectOrg: org, Link: "/actions/" + id,
			Params:    map[string]any{"action": title, "due_on": due.Format(time.DateOnly)},
			DedupeKey: fmt.Sprintf("action_due:%s:%s:%s:%s", id, owner, due.Format(time.DateOnly), milestone)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: due actions: %w", err)
	}
	if len(ns) == 0 {
		return nil
	}
	if err := s.inTx(ctx, func(tx pgx.Tx) error { return s.notify(ctx, tx, ns) }); err != nil {
		return fmt.Errorf("store: due actions: %w", err)
	}
	return nil
}

// checkOwner: an owner is an active user of the organisation.
func checkOwner(ctx context.Context, tx pgx.Tx, orgID, userID, field string) error {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND org_id = $2 AND active)`,
		uuidArg(userID), orgID).Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.InvalidFieldsK("err.action_invalid", map[string]string{field: action.ProblemOrg})
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// actionDetail is what the audit trail records of an action's plan.
func actionDetail(a Action) map[string]any {
	return map[string]any{"action_id": a.ID, "title": a.Title, "questions": a.Questions, "point_ids": a.PointIDs,
		"owner_id": a.OwnerID, "due_on": a.DueOn.Format(time.DateOnly), "priority": a.Priority, "status": a.Status}
}

// GetAction returns an action; an unknown or malformed id is NotFound.
func (s *Store) GetAction(ctx context.Context, id string) (Action, error) {
	a, err := scanAction(s.pool.QueryRow(ctx, actionSelect+` WHERE a.id = $1`, uuidArg(id)))
	if err != nil {
		return Action{}, fmt.Errorf("store: get action: %w", notFound(err))
	}
	return a, nil
}

// ActionFilter selects actions. Empty fields do not filter; OrgIDs or
// OwnerID must be set.
type ActionFilter struct {
	OrgIDs     []string
	OwnerID    string
	Statuses   []action.Status
	DueBefore  *time.Time // due on or before
	QuestionID string
	CategoryID string // the questions' category, e.g. "3" for 3-1, 3-2 …
}

// ListActions returns the actions the filter selects, by due date, then
// creation.
func (s *Store) ListActions(ctx context.Context, f ActionFilter) ([]Action, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.OrgIDs != nil {
		where = append(where, "a.org_id = ANY("+arg(uuidArray(f.OrgIDs))+"::uuid[])")
	}
	if f.OwnerID != "" {
		where = append(where, "a.owner_id = "+arg(uuidArg(f.OwnerID)))
	}
	if f.OrgIDs == nil && f.OwnerID == "" {
		return nil, fmt.Errorf("store: list actions: no organisation or owner")
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		where = append(where, "a.status = ANY("+arg(st)+")")
	}
	if f.DueBefore != nil {
		where = append(where, "a.due_on <= "+arg(*f.DueBefore))
	}
	if f.QuestionID != "" {
		where = append(where, "a.questions @> jsonb_build_array(jsonb_build_object('question_id', "+arg(f.QuestionID)+"::text))")
	}
	if f.CategoryID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM jsonb_array_elements(a.questions) q WHERE split_part(q->>'question_id', '-', 1) = "+arg(f.CategoryID)+")")
	}
	rows, err := s.pool.Query(ctx, actionSelect+` WHERE `+strings.Join(where, " AND ")+` ORDER BY a.due_on, a.created_at, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list actions: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Action, error) { return scanAction(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list actions: %w", err)
	}
	return as, nil
}

// ActionUpdate is an edit of an action's plan at the version the editor
// read. The caller has validated the plan.
type ActionUpdate struct {
	Title       string
	Description string
	Questions   []action.Planned
	PointIDs    []string
	OwnerID     string
	DueOn       time.Time
	Priority    action.Priority
	Version     int
}

// UpdateAction changes an action's plan. A version other than the current
// one answers Conflict with the current action as Detail, and nothing is
// written.
func (s *Store) UpdateAction(ctx context.Context, id string, up ActionUpdate, by Actor) (Action, error) {
	var out Action
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var orgID string
		if err := tx.QueryRow(ctx, `SELECT org_id FROM actions WHERE id = $1`, uuidArg(id)).Scan(&orgID); err != nil {
			return notFound(err)
		}
		if err := lockNewestAssessment(ctx, tx, orgID); err != nil { // before the action (action_gains.go)
			return err
		}
		cur, err := lockAction(ctx, tx, id)
		if err != nil {
			return err
		}
		if up.Version != cur.Version {
			return apperr.K(apperr.Conflict, "err.action_conflict").WithDetail(cur)
		}
		if up.OwnerID != cur.OwnerID {
			if err := checkOwner(ctx, tx, cur.OrgID, up.OwnerID, "owner_id"); err != nil {
				return err
			}
		}
		qs, _ := json.Marshal(up.Questions)
		_, err = tx.Exec(ctx, `
			UPDATE actions SET title = $2, description = $3, questions = $4, point_ids = $5, owner_id = $6, due_on = $7,
				priority = $8, updated_at = now(), version = version + 1
			WHERE id = $1`,
			cur.ID, up.Title, up.Description, qs, nonNil(up.PointIDs), up.OwnerID, up.DueOn, up.Priority)
		if err != nil {
			return err
		}
		if out, err = scanAction(tx.QueryRow(ctx, actionSelect+` WHERE a.id = $1`, cur.ID)); err != nil {
			return err
		}
		if out.OwnerID != cur.OwnerID {
			if err := s.notify(ctx, tx, actionAssignedNotice(out, by)); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: cur.OrgID,
			Action: "action.updated", Detail: map[string]any{"before": actionDetail(cur), "after": actionDetail(out)}})
	})
	if err != nil {
		return Action{}, fmt.Errorf("store: update action: %w", err)
	}
	return out, nil
}

func lockAction(ctx context.Context, tx pgx.Tx, id string) (Action, error) {
	a, err := scanAction(tx.QueryRow(ctx, actionSelect+` WHERE a.id = $1 FOR UPDATE OF a`, uuidArg(id)))
	if err != nil {
		return Action{}, notFound(err)
	}
	return a, nil
}

// ActionStatusChange is a validated status change (action.CheckChange) made by
// Actor. From is the status the caller checked the change against: if the
// action has moved since, the change answers Conflict with the current
// action.
type ActionStatusChange struct {
	From        action.Status
	To          action.Status
	Note        string
	EvidenceIDs []string // for done: live items of the action's organisation
	Reason      string
	ReviewOn    time.Time
}

// ChangeActionStatus moves an action, records the move in its notes thread
// and the audit trail (what was claimed, and when), in one transaction.
// Closing links the evidence items named: an id that is not a live (not
// retired) item of the action's organisation answers Invalid naming
// evidence_ids. Leaving done unlinks them (the audit entry of the closing
// keeps what was claimed).
func (s *Store) ChangeActionStatus(ctx context.Context, id string, c ActionStatusChange, by Actor) (Action, error) {
	var out Action
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := lockAction(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != c.From || !action.CanMove(cur.Status, c.To) {
			return apperr.K(apperr.Conflict, "err.action_conflict").WithDetail(cur)
		}
		set := `status = $2, updated_at = now(), version = version + 1, reopened_reason = NULL,
			risk_approved_by = NULL, risk_reason = NULL, risk_review_on = NULL`
		args := []any{cur.ID, c.To}
		switch c.To {
		case action.Done:
			set += `, closing_note = $3, done_at = now()`
			args = append(args, nullable(strings.TrimSpace(c.Note)))
		case action.RiskAccepted:
			set = `status = $2, updated_at = now(), version = version + 1, reopened_reason = NULL,
				risk_approved_by = $3, risk_reason = $4, risk_review_on = $5`
			args = append(args, nullable(by.UserID), c.Reason, c.ReviewOn)
		default:
			set += `, closing_note = NULL, done_at = NULL`
		}
		if _, err := tx.Exec(ctx, `UPDATE actions SET `+set+` WHERE id = $1`, args...); err != nil {
			return err
		}
		evidence := action.UniqueIDs(c.EvidenceIDs)
		if err := setActionEvidence(ctx, tx, cur, c.To, evidence); err != nil {
			return err
		}
		body := strings.TrimSpace(c.Note)
		if c.To == action.RiskAccepted {
			body = strings.TrimSpace(c.Reason)
		}
		if body != "" {
			if _, err := insertActionNote(ctx, tx, cur, "status", body, by); err != nil {
				return err
			}
		}
		if out, err = scanAction(tx.QueryRow(ctx, actionSelect+` WHERE a.id = $1`, cur.ID)); err != nil {
			return err
		}
		detail := map[string]any{"action_id": cur.ID, "from": cur.Status, "to": c.To}
		switch c.To {
		case action.Done:
			detail["closing_note"] = c.Note
			detail["evidence_ids"] = evidence
			detail["questions"] = cur.Questions // what was claimed
		case action.RiskAccepted:
			detail["reason"], detail["review_on"] = c.Reason, c.ReviewOn.Format(time.DateOnly)
		default:
			if body != "" {
				detail["note"] = body
			}
		}
		return appendAudit(ctx, tx, Audit{ActorID: by.UserID, Actor: by.Email, OrgID: cur.OrgID,
			Action: "action.status_changed", Detail: detail})
	})
	if err != nil {
		return Action{}, fmt.Errorf("store: change action status: %w", err)
	}
	return out, nil
}

// setActionEvidence replaces the evidence an action's closing names: the
// given items when it moves to done (each a live item of its organisation,
// or Invalid naming evidence_ids), none otherwise.
func setActionEvidence(ctx context.Context, tx pgx.Tx, a Action, to action.Status, ids []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM action_evidence WHERE org_id = $1 AND action_id = $2`, a.OrgID, a.ID); err != nil {
		return err
	}
	if to != action.Done {
		return nil
	}
	// FOR SHARE: the items cannot be retired or deleted until the commit.
	var live int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM evidence
		WHERE org_id = $1 AND id::text = ANY($2) AND NOT retired FOR SHARE) x`, a.OrgID, ids).Scan(&live)
	if err != nil {
		return err
	}
	if live != len(ids) || len(ids) == 0 {
		return apperr.InvalidFieldsK("err.action_invalid", map[string]string{"evidence_ids": action.ProblemUnknown})
	}
	_, err = tx.Exec(ctx, `INSERT INTO action_evidence (org_id, action_id, evidence_id)
		SELECT $1, $2, e::uuid FROM unnest($3::text[]) e`, a.OrgID, a.ID, ids)
	return err
}

// ReopenDueRisks reopens every accepted risk whose review date is on or
// before today, saying why (reopened_reason "review_date_passed", a note
// with the review date, an audit entry by the system). It returns how many
// it reopened. It runs in the server's sweep and before actions are listed.
func (s *Store) ReopenDueRisks(ctx context.Context, today time.Time) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, actionSelect+` WHERE a.status = 'risk_accepted' AND a.risk_review_on <= $1
			ORDER BY a.org_id, a.id FOR UPDATE OF a SKIP LOCKED`, today)
		if err != nil {
			return err
		}
		due, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Action, error) { return scanAction(r) })
		if err != nil {
			return err
		}
		for _, a := range due {
			_, err := tx.Exec(ctx, `UPDATE actions SET status = 'open', reopened_reason = 'review_date_passed',
				risk_approved_by = NULL, risk_reason = NULL, risk_review_on = NULL, updated_at = now(), version = version + 1
				WHERE id = $1`, a.ID)
			if err != nil {
				return err
			}
			review := a.Risk.ReviewOn.Format(time.DateOnly)
			if _, err := insertActionNote(ctx, tx, a, "reopened", review, Actor{}); err != nil {
				return err
			}
			if err := appendAudit(ctx, tx, Audit{Actor: "system", OrgID: a.OrgID, Action: "action.reopened",
				Detail: map[string]any{"action_id": a.ID, "reason": "review_date_passed", "review_on": review,
					"risk_reason": a.Risk.Reason}}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: reopen due risks: %w", err)
	}
	return n, nil
}

// ActionSummary is an organisation's open work for the managers'
// dashboard: its open (open or in progress) actions, how many are overdue,
// and how many points its latest approved total gains when every open
// action reaches its planned levels (per question the highest planned
// level above the approved one counts once).
type ActionSummary struct {
	Open, Overdue int
	Gain          int
	CategoryGain  map[string]int // the gain by category id ("1"…"5")
}

// ActionSummaries summarises the open actions of organisations, on today.
// latest maps each organisation to its latest approved assessment ("" when
// none: its gain is counted from no level, and the caller shows no
// projection).
func (s *Store) ActionSummaries(ctx context.Context, latest map[string]string, today time.Time) (map[string]ActionSummary, error) {
	orgs := make([]string, 0, len(latest))
	assessments := make([]*string, 0, len(latest))
	for o, a := range latest {
		orgs = append(orgs, o)
		assessments = append(assessments, nullable(a))
	}
	rows, err := s.pool.Query(ctx, `
		WITH l AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS l(org_id, assessment_id)),
		open AS (
			SELECT a.org_id, count(*) AS n, count(*) FILTER (WHERE a.due_on < $3) AS overdue
			FROM actions a JOIN l ON l.org_id = a.org_id
			WHERE a.status IN ('open', 'in_progress') GROUP BY a.org_id),
		planned AS (
			SELECT a.org_id, q->>'question_id' AS qid, max((q->>'planned_level')::int) AS lv
			FROM actions a JOIN l ON l.org_id = a.org_id, jsonb_array_elements(a.questions) q
			WHERE a.status IN ('open', 'in_progress') GROUP BY 1, 2)
		SELECT o.org_id, o.n, o.overdue, coalesce(g.gains, '{}')
		FROM open o LEFT JOIN (
			SELECT org_id, jsonb_object_agg(cat, gain) AS gains FROM (
				SELECT p.org_id, split_part(p.qid, '-', 1) AS cat, sum(greatest(0, p.lv - coalesce(x.level, 0)))::int AS gain
				FROM planned p JOIN l ON l.org_id = p.org_id
				LEFT JOIN answers x ON x.assessment_id = l.assessment_id AND x.question_id = p.qid
				GROUP BY 1, 2) c
			GROUP BY org_id) g ON g.org_id = o.org_id`, orgs, assessments, today)
	if err != nil {
		return nil, fmt.Errorf("store: action summaries: %w", err)
	}
	out := map[string]ActionSummary{}
	for rows.Next() {
		var id string
		var sum ActionSummary
		if err := rows.Scan(&id, &sum.Open, &sum.Overdue, &sum.CategoryGain); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: action summaries: %w", err)
		}
		for _, g := range sum.CategoryGain {
			sum.Gain += g
		}
		out[id] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: action summaries: %w", err)
	}
	return out, nil
}

// NewestLevels gives, per organisation, the answered levels of its newest
// assessment (question id → level): what an action's planned levels are
// measured against when it names no assessment of its own. One statement
// for any number of organisations; one without assessments is absent.
func (s *Store) NewestLevels(ctx context.Context, orgIDs []string) (map[string]map[string]int, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT n.org_id, x.question_id, x.level
		FROM (SELECT DISTINCT ON (org_id) id, org_id FROM assessments WHERE org_id = ANY($1::uuid[])
			ORDER BY org_id, created_at DESC, id DESC) n
		JOIN answers x ON x.assessment_id = n.id
		WHERE x.level IS NOT NULL`, uuidArray(orgIDs))
	if err != nil {
		return nil, fmt.Errorf("store: newest levels: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var org, q string
		var lv int16
		if err := rows.Scan(&org, &q, &lv); err != nil {
			return nil, fmt.Errorf("store: newest levels: %w", err)
		}
		if out[org] == nil {
			out[org] = map[string]int{}
		}
		out[org][q] = int(lv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: newest levels: %w", err)
	}
	return out, nil
}
