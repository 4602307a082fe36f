package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/checklist"
	"mamori/internal/assessment"
)

// QueueItem is a submitted assessment waiting for review.
type QueueItem struct {
	AssessmentID    string
	Title           string
	OrgID           string
	OrgName         string
	SubmittedByName string
	SubmittedAt     time.Time
	Round           int // 1 for the first submission, 2 after one return, ...
}

// ReviewQueue returns the page (from 1) of size submitted assessments of
// the organisations, the longest waiting first, and whether more follow.
// An audit firm assigned to a whole group reviews 10,000 organisations:
// from walkListFrom of them the page walks the submitted assessments in
// their order (assessments_status_idx) until it is full; for fewer it
// reads theirs by the organisation's index and sorts them (the interval
// keeps PostgreSQL from walking the order for an auditor of three
// organisations among 10,000).
func (s *Store) ReviewQueue(ctx context.Context, scope Reach, pageNo, size int) ([]QueueItem, bool, error) {
	order := ` ORDER BY a.submitted_at + interval '0 s', a.id`
	if scope.many() {
		order = ` ORDER BY a.submitted_at, a.id`
	}
	cond, args := scope.cond("a.org_id", 3, scope.many())
	if err := scope.prepare(ctx, s); err != nil {
		return nil, false, fmt.Errorf("store: review queue: %w", err)
	}
	rows, err := s.reader(scope).Query(ctx, `
		SELECT a.id, a.title, a.org_id, o.name, coalesce(u.display_name, ''), coalesce(a.submitted_at, a.updated_at),
			coalesce((SELECT max(seq) FROM submissions x WHERE x.assessment_id = a.id), 0)
		FROM assessments a
		JOIN orgs o ON o.id = a.org_id
		LEFT JOIN users u ON u.id = a.submitted_by
		WHERE a.status = 'submitted' AND `+cond+order+` LIMIT $1 OFFSET $2`,
		append([]any{size + 1, (max(pageNo, 1) - 1) * size}, args...)...)
	if err != nil {
		return nil, false, fmt.Errorf("store: review queue: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueItem, error) {
		var q QueueItem
		err := r.Scan(&q.AssessmentID, &q.Title, &q.OrgID, &q.OrgName, &q.SubmittedByName, &q.SubmittedAt, &q.Round)
		return q, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: review queue: %w", err)
	}
	if len(items) > size {
		return items[:size], true, nil
	}
	return items, false, nil
}

// QueueCountCap is where ReviewQueueCount stops counting.
const QueueCountCap = 1000

// ReviewQueueCount counts the submitted assessments of the organisations,
// up to QueueCountCap+1 (the page then says "more than 1,000"): a count
// that never stops would read every submitted assessment of a group.
func (s *Store) ReviewQueueCount(ctx context.Context, scope Reach) (int, error) {
	cond, args := scope.cond("a.org_id", 2, false)
	if err := scope.prepare(ctx, s); err != nil {
		return 0, fmt.Errorf("store: review queue count: %w", err)
	}
	var n int
	err := s.reader(scope).QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM assessments a
		WHERE a.status = 'submitted' AND `+cond+` LIMIT $1) x`, append([]any{QueueCountCap + 1}, args...)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: review queue count: %w", err)
	}
	return n, nil
}

// Decide records an auditor's return, approval or reopening (c.Action) of
// an assessment that is in status c.From. A non-empty c.Comment (the
// return's comment, the reopening's reason, an approval's optional comment)
// is written to the assessment's general thread as well as to the audit
// entry of the change, and an approval freezes the result with the targets
// in force now, as at submission: all in one transaction, so nothing is
// written when the change is refused. It is refused with Conflict when the
// status is no longer c.From (another auditor acted first), and an approval
// over questions still marked as needing attention is refused with Invalid
// unless c.AcknowledgeOpenMarks (assessment.CheckApprovable); the audit
// entry of an acknowledged one names them.
func (s *Store) Decide(ctx context.Context, c StatusChange) (Assessment, error) {
	if c.Action == assessment.Submit {
		return Assessment{}, fmt.Errorf("store: decide %s: a submission is not a decision", c.AssessmentID)
	}
	return s.changeStatus(ctx, c, func(tx pgx.Tx, checklistID string, detail map[string]any) error {
		if c.To == assessment.Approved {
			open, err := openMarks(ctx, tx, c.AssessmentID, checklistID)
			if err != nil {
				return err
			}
			if err := assessment.CheckApprovable(open, c.AcknowledgeOpenMarks); err != nil {
				return err
			}
			if len(open) > 0 {
				detail["acknowledged_open_marks"] = open
			}
		}
		if c.Comment != "" {
			if _, err := insertComment(ctx, tx, NewComment{AssessmentID: c.AssessmentID, Body: c.Comment, Actor: c.Actor}); err != nil {
				return err
			}
		}
		if c.To == assessment.Approved {
			return freezeResult(ctx, tx, c.AssessmentID)
		}
		return nil
	})
}

// Decision is a return, approval or reopening, as the audit trail recorded it.
type Decision struct {
	Seq          int64
	At           time.Time
	Action       assessment.Action
	AssessmentID string
	Title        string
	OrgID        string
	OrgName      string
	Status       assessment.Status // the assessment's status now
	Comment      string
}

// RecentDecisions returns the latest decisions of one auditor on the
// assessments of the organisations (those the auditor may still see), newest
// first.
func (s *Store) RecentDecisions(ctx context.Context, actorID string, scope Reach, limit int) ([]Decision, error) {
	cond, args := scope.cond("a.org_id", 3, true)
	if err := scope.prepare(ctx, s); err != nil {
		return nil, fmt.Errorf("store: recent decisions: %w", err)
	}
	rows, err := s.reader(scope).Query(ctx, `
		SELECT l.seq, l.at, substr(l.action, length('assessment.') + 1), a.id, a.title, a.org_id, o.name, a.status,
			coalesce(l.detail->>'comment', '')
		FROM audit_log l
		JOIN assessments a ON a.id = l.assessment_id
		JOIN orgs o ON o.id = a.org_id
		WHERE l.actor_id = $1 AND l.action IN ('assessment.return', 'assessment.approve', 'assessment.reopen')
			AND `+cond+`
		ORDER BY l.seq DESC
		LIMIT $2`, append([]any{actorID, limit}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: recent decisions: %w", err)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Decision, error) {
		var d Decision
		err := r.Scan(&d.Seq, &d.At, &d.Action, &d.AssessmentID, &d.Title, &d.OrgID, &d.OrgName, &d.Status, &d.Comment)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: recent decisions: %w", err)
	}
	return ds, nil
}

// SnapshotAnswer is an answer as frozen in a submission.
type SnapshotAnswer struct {
	Level     *int
	Comment   string
	PointsMet []string
}

// snapshotDoc is one answer in submissions.answers, the JSON that
// ChangeStatus builds when an assessment is submitted.
type snapshotDoc struct {
	Level     *int     `json:"level"`
	Comment   string   `json:"comment"`
	PointsMet []string `json:"points_met"`
}

// Submission is the snapshot of the answers taken at one submission.
type Submission struct {
	Seq             int
	SubmittedByName string
	SubmittedAt     time.Time
	Answers         map[string]SnapshotAnswer
}

// Submissions returns an assessment's submission snapshots, first first.
func (s *Store) Submissions(ctx context.Context, assessmentID string) ([]Submission, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT x.seq, coalesce(u.display_name, ''), x.submitted_at, x.answers::text
		FROM submissions x LEFT JOIN users u ON u.id = x.submitted_by
		WHERE x.assessment_id = $1 ORDER BY x.seq`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: submissions: %w", err)
	}
	subs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Submission, error) {
		var x Submission
		var raw string
		if err := r.Scan(&x.Seq, &x.SubmittedByName, &x.SubmittedAt, &raw); err != nil {
			return x, err
		}
		var doc map[string]snapshotDoc
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			return x, fmt.Errorf("decode snapshot %d: %w", x.Seq, err)
		}
		x.Answers = make(map[string]SnapshotAnswer, len(doc))
		for q, a := range doc {
			x.Answers[q] = SnapshotAnswer(a)
		}
		return x, nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: submissions: %w", err)
	}
	return subs, nil
}

// StatusEvent is the latest workflow action on an assessment: what a user
// whose action was refused as stale is shown.
type StatusEvent struct {
	Action    assessment.Action
	ActorName string
	Actor     string
	At        time.Time
	Status    assessment.Status
	Comment   string // the return's comment or the reopening's reason
}

// LatestStatusEvent returns the latest submit, return, approve or reopen of
// an assessment; NotFound when there was none.
func (s *Store) LatestStatusEvent(ctx context.Context, assessmentID string) (StatusEvent, error) {
	var e StatusEvent
	err := s.pool.QueryRow(ctx, `
		SELECT substr(l.action, length('assessment.') + 1), coalesce(u.display_name, l.actor), l.actor, l.at, l.detail->>'to',
			coalesce(l.detail->>'comment', '')
		FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
		WHERE l.assessment_id = $1
			AND l.action IN ('assessment.submit', 'assessment.return', 'assessment.approve', 'assessment.reopen', 'assessment.withdraw')
		ORDER BY l.seq DESC LIMIT 1`, assessmentID).Scan(&e.Action, &e.ActorName, &e.Actor, &e.At, &e.Status, &e.Comment)
	if err != nil {
		return StatusEvent{}, fmt.Errorf("store: latest status event: %w", notFound(err))
	}
	return e, nil
}

// openMarks lists the questions of an assessment marked as needing
// attention, in checklist order.
func openMarks(ctx context.Context, tx pgx.Tx, assessmentID, checklistID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT question_id, mark FROM review_marks WHERE assessment_id = $1`, assessmentID)
	if err != nil {
		return nil, err
	}
	marks := map[string]string{}
	var q, m string
	if _, err := pgx.ForEachRow(rows, []any{&q, &m}, func() error { marks[q] = m; return nil }); err != nil {
		return nil, err
	}
	cl, ok := checklist.Get(checklistID)
	if !ok {
		return nil, fmt.Errorf("checklist %s is not in this build", checklistID)
	}
	return assessment.OpenItems(cl.QuestionIDs(), marks).Attention, nil
}

// auditorActedSQL is true when, since the assessment's latest submission,
// an auditor has marked a question, commented or decided.
const auditorActedSQL = `EXISTS (
	SELECT 1 FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id
	WHERE l.assessment_id = $1
		AND l.seq > coalesce((SELECT max(seq) FROM audit_log WHERE assessment_id = $1 AND action = 'assessment.submit'), 0)
		AND (l.action IN ('review.marked', 'assessment.return', 'assessment.approve', 'assessment.reopen')
			OR (l.action = 'comment.added' AND u.role = 'auditor')))`

// AuditorActed reports whether an auditor has acted on the assessment's
// latest submission (assessment.CheckWithdrawable).
func (s *Store) AuditorActed(ctx context.Context, assessmentID string) (bool, error) {
	var acted bool
	if err := s.pool.QueryRow(ctx, `SELECT `+auditorActedSQL, assessmentID).Scan(&acted); err != nil {
		return false, fmt.Errorf("store: auditor acted on %s: %w", assessmentID, err)
	}
	return acted, nil
}

// Withdraw takes a submission back to a draft (取り下げ) while no auditor
// has acted on it (Conflict otherwise, as when the status moved). The
// reason goes to the assessment's general thread and to the audit entry,
// as a return's comment does.
func (s *Store) Withdraw(ctx context.Context, assessmentID, reason string, by Actor) (Assessment, error) {
	c := StatusChange{AssessmentID: assessmentID, From: assessment.Submitted, To: assessment.Draft, Action: assessment.Withdraw, Comment: reason, Actor: by}
	return s.changeStatus(ctx, c, func(tx pgx.Tx, _ string, _ map[string]any) error {
		var acted bool
		if err := tx.QueryRow(ctx, `SELECT `+auditorActedSQL, assessmentID).Scan(&acted); err != nil {
			return err
		}
		if err := assessment.CheckWithdrawable(acted); err != nil {
			return err
		}
		_, err := insertComment(ctx, tx, NewComment{AssessmentID: assessmentID, Body: reason, Actor: by})
		return err
	})
}

// OrgLatest is an organisation an auditor reviews with its latest
// assessment (none: Assessment is nil).
type OrgLatest struct {
	OrgID, OrgName string
	Assessment     *Assessment
}

// ReviewedOrgs returns the page (from 1) of size organisations of orgIDs,
// by name, with their latest assessment (the most recently created), and
// how many organisations the list holds. The organisation own (the
// auditor's) is left out while it has no assessment: an audit firm has
// none. An audit firm assigned to a whole group reviews every organisation
// of it: from walkListFrom of them the page walks the organisations' name
// index (migration 0025) until it is full; for fewer it reads them by id
// and sorts them.
func (s *Store) ReviewedOrgs(ctx context.Context, scope Reach, own string, pageNo, size int) ([]OrgLatest, int, error) {
	orgIDs := scope.OrgIDs
	order := ` ORDER BY o.name || '', o.id`
	if scope.many() {
		order = ` ORDER BY o.name, o.id`
	}
	cond, args := scope.cond("o.id", 4, scope.many())
	if err := scope.prepare(ctx, s); err != nil {
		return nil, 0, fmt.Errorf("store: reviewed organisations: %w", err)
	}
	offset := (max(pageNo, 1) - 1) * size
	type pair struct {
		o      OrgLatest
		aid    *string
		ownHas bool
	}
	rows, err := s.reader(scope).Query(ctx, `
		SELECT o.id, o.name, l.id, EXISTS (SELECT 1 FROM assessments x WHERE x.org_id = $1)
		FROM orgs o
		LEFT JOIN LATERAL (SELECT a.id FROM assessments a WHERE a.org_id = o.id ORDER BY a.created_at DESC, a.id LIMIT 1) l ON true
		WHERE `+cond+` AND (o.id <> $1 OR l.id IS NOT NULL)`+order+` LIMIT $2 OFFSET $3`,
		append([]any{uuidArg(own), size, offset}, args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: reviewed organisations: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pair, error) {
		var p pair
		err := r.Scan(&p.o.OrgID, &p.o.OrgName, &p.aid, &p.ownHas)
		return p, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: reviewed organisations: %w", err)
	}
	// Every organisation listed exists (the set comes from the tree), so
	// the count is the set's, less the auditor's own while it has none; an
	// administrator's (every organisation) is counted.
	total := len(orgIDs)
	if scope.All {
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM orgs`).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("store: reviewed organisations: %w", err)
		}
	}
	switch {
	case len(ps) == 0 && offset == 0:
		total = 0
	case len(ps) > 0 && !ps[0].ownHas && (scope.All || slices.Contains(orgIDs, own)):
		total--
	}
	var ids []string
	for _, p := range ps {
		if p.aid != nil {
			ids = append(ids, *p.aid)
		}
	}
	byID := map[string]Assessment{}
	if len(ids) > 0 {
		rows, err := s.pool.Query(ctx, assessmentSelect+` WHERE a.id = ANY($1::uuid[])`, uuidArray(ids))
		if err != nil {
			return nil, 0, fmt.Errorf("store: reviewed organisations: %w", err)
		}
		as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assessment, error) { return scanAssessment(r) })
		if err != nil {
			return nil, 0, fmt.Errorf("store: reviewed organisations: %w", err)
		}
		for _, a := range as {
			byID[a.ID] = a
		}
	}
	out := make([]OrgLatest, len(ps))
	for i, p := range ps {
		out[i] = p.o
		if p.aid != nil {
			if a, ok := byID[*p.aid]; ok {
				out[i].Assessment = &a
			}
		}
	}
	return out, total, nil
}
