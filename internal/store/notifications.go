package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"mamori/internal/assessment"
	"mamori/internal/jobargs"
	"mamori/internal/notice"
)

// Notification is one in-app notification of a user. Params are the values
// its message is written with (titles only of what the user can see); Link
// is the page it leads to.
type Notification struct {
	ID        string
	Kind      string
	Params    map[string]any
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Notice is a notification to create. DedupeKey makes one event notify a
// user once, however many instances or retries plan it.
type Notice struct {
	OrgID      string // the recipient's organisation
	UserID     string
	Kind       string
	SubjectOrg string // the organisation the event is about
	Params     map[string]any
	Link       string
	DedupeKey  string
}

// notify creates the notices inside tx, and queues the email of each new
// one whose recipient receives that kind immediately, in the same
// transaction. A notice whose key was used already is skipped.
func (s *Store) notify(ctx context.Context, tx pgx.Tx, ns []Notice) error {
	var jobs []river.JobArgs
	for _, n := range ns {
		params, err := json.Marshal(n.Params)
		if err != nil {
			return fmt.Errorf("store: notify: %w", err)
		}
		var id, mode string
		err = tx.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO notifications (org_id, user_id, kind, subject_org, params, link, dedupe_key)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (user_id, dedupe_key) DO NOTHING
				RETURNING id, user_id, kind)
			SELECT ins.id, coalesce(ns.mode, 'immediate')
			FROM ins LEFT JOIN notification_settings ns ON ns.user_id = ins.user_id AND ns.kind = ins.kind`,
			n.OrgID, n.UserID, n.Kind, nullable(n.SubjectOrg), params, n.Link, n.DedupeKey).Scan(&id, &mode)
		if err == pgx.ErrNoRows {
			continue // notified already
		}
		if err != nil {
			return fmt.Errorf("store: notify: %w", err)
		}
		if mode == notice.Immediate {
			jobs = append(jobs, jobargs.Deliver{NotificationID: id})
		}
	}
	return s.insertJobs(ctx, tx, jobs)
}

// Notifications returns a user's latest notifications, newest first.
func (s *Store) Notifications(ctx context.Context, userID string, unreadOnly bool, limit int) ([]Notification, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, kind, params, link, created_at, read_at FROM notifications
		WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL)
		ORDER BY created_at DESC, id LIMIT $3`, userID, unreadOnly, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	ns, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notification, error) {
		var n Notification
		err := r.Scan(&n.ID, &n.Kind, &n.Params, &n.Link, &n.CreatedAt, &n.ReadAt)
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	return ns, nil
}

// UnreadCount is the number on the bell.
func (s *Store) UnreadCount(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unread count: %w", err)
	}
	return n, nil
}

// MarkRead marks the user's notifications ids (all of them when all) read,
// and returns how many changed. Others' ids are ignored.
func (s *Store) MarkRead(ctx context.Context, userID string, ids []string, all bool) (int, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE notifications SET read_at = now()
		WHERE user_id = $1 AND read_at IS NULL AND ($3 OR id::text = ANY($2::text[]))`, userID, ids, all)
	if err != nil {
		return 0, fmt.Errorf("store: mark read: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// NotificationSettings returns the user's mode for every kind (immediate
// when not chosen).
func (s *Store) NotificationSettings(ctx context.Context, userID string) (map[string]string, error) {
	m := map[string]string{}
	for _, k := range notice.Kinds {
		m[k] = notice.Immediate
	}
	rows, err := s.pool.Query(ctx, `SELECT kind, mode FROM notification_settings WHERE user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: notification settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, mode string
		if err := rows.Scan(&k, &mode); err != nil {
			return nil, fmt.Errorf("store: notification settings: %w", err)
		}
		if _, ok := m[k]; ok {
			m[k] = mode
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: notification settings: %w", err)
	}
	return m, nil
}

// SetNotificationSettings stores the user's modes (validated by the caller)
// and records the change.
func (s *Store) SetNotificationSettings(ctx context.Context, u Actor, orgID string, modes map[string]string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for k, m := range modes {
			if _, err := tx.Exec(ctx, `
				INSERT INTO notification_settings (user_id, kind, mode) VALUES ($1, $2, $3)
				ON CONFLICT (user_id, kind) DO UPDATE SET mode = EXCLUDED.mode`, u.UserID, k, m); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{ActorID: u.UserID, Actor: u.Email, OrgID: orgID, Action: "notification_settings.changed", Detail: modes})
	})
	if err != nil {
		return fmt.Errorf("store: set notification settings: %w", err)
	}
	return nil
}

// notifyStatus tells, in the transaction of a status change, the auditors
// who review the organisation about a submission, and its officers about a
// return or an approval. Each names only the assessment and organisation
// the recipient can see.
func (s *Store) notifyStatus(ctx context.Context, tx pgx.Tx, c StatusChange, orgID string) error {
	var who, kind string
	switch c.To {
	case assessment.Submitted:
		kind = notice.Submitted
		who = `SELECT u.id, u.org_id FROM users u WHERE u.active AND u.role = 'auditor'
			AND (u.org_id = $1 OR EXISTS (SELECT 1 FROM auditor_assignments aa WHERE aa.user_id = u.id AND aa.org_id = $1))`
	case assessment.Returned, assessment.Approved:
		kind = notice.Decided
		who = `SELECT u.id, u.org_id FROM users u WHERE u.active AND u.role = 'officer' AND u.org_id = $1`
	default:
		return nil
	}
	var title, orgName string
	var version int
	if err := tx.QueryRow(ctx, `SELECT a.title, o.name, a.status_version FROM assessments a JOIN orgs o ON o.id = a.org_id WHERE a.id = $1`,
		c.AssessmentID).Scan(&title, &orgName, &version); err != nil {
		return fmt.Errorf("store: notify status: %w", err)
	}
	rows, err := tx.Query(ctx, who, orgID)
	if err != nil {
		return fmt.Errorf("store: notify status: %w", err)
	}
	type rcpt struct{ id, org string }
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rcpt, error) {
		var x rcpt
		err := r.Scan(&x.id, &x.org)
		return x, err
	})
	if err != nil {
		return fmt.Errorf("store: notify status: %w", err)
	}
	link := "/assessments/" + c.AssessmentID
	if kind == notice.Submitted {
		link += "/review"
	}
	ns := make([]Notice, 0, len(rs))
	for _, r := range rs {
		if r.id == c.Actor.UserID {
			continue
		}
		ns = append(ns, Notice{OrgID: r.org, UserID: r.id, Kind: kind, SubjectOrg: orgID, Link: link,
			Params:    map[string]any{"assessment": title, "org": orgName, "status": string(c.To)},
			DedupeKey: fmt.Sprintf("status:%s:%d", c.AssessmentID, version)})
	}
	return s.notify(ctx, tx, ns)
}

// DigestBatch is one user's notifications waiting for their daily digest.
type DigestBatch struct {
	User          User
	Notifications []Notification
}

// DigestBatches returns, per user, the notifications created before cutoff
// of the kinds they receive as a digest that no email has carried yet.
func (s *Store) DigestBatches(ctx context.Context, cutoff time.Time) ([]DigestBatch, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT n.user_id, n.id, n.kind, n.params, n.link, n.created_at, n.read_at
		FROM notifications n JOIN notification_settings ns ON ns.user_id = n.user_id AND ns.kind = n.kind AND ns.mode = 'digest'
		WHERE n.emailed_at IS NULL AND n.created_at < $1
		ORDER BY n.user_id, n.created_at, n.id`, cutoff)
	if err != nil {
		return nil, fmt.Errorf("store: digest: %w", err)
	}
	var out []DigestBatch
	var last string
	for rows.Next() {
		var uid string
		var n Notification
		if err := rows.Scan(&uid, &n.ID, &n.Kind, &n.Params, &n.Link, &n.CreatedAt, &n.ReadAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: digest: %w", err)
		}
		if uid != last {
			out = append(out, DigestBatch{User: User{ID: uid}})
			last = uid
		}
		out[len(out)-1].Notifications = append(out[len(out)-1].Notifications, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: digest: %w", err)
	}
	for i := range out {
		if out[i].User, err = s.GetUser(ctx, out[i].User.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// NotifyDueAssignments tells assignees about their open assignments due in
// 7 days or 1 day (kind due), or past due (kind overdue, once), as of the
// day today. Each is told once per assignment and milestone.
func (s *Store) NotifyDueAssignments(ctx context.Context, today time.Time) error {
	rows, err := s.pool.Query(ctx, `
		SELECT qa.org_id, qa.user_id, qa.assessment_id, a.title, qa.question_id, qa.due_on, qa.assigned_at
		FROM question_assignments qa
		JOIN assessments a ON a.id = qa.assessment_id
		JOIN users u ON u.id = qa.user_id AND u.active AND u.org_id = qa.org_id -- not since moved elsewhere
		LEFT JOIN answers an ON an.assessment_id = qa.assessment_id AND an.question_id = qa.question_id
		WHERE qa.due_on IS NOT NULL AND a.status IN ('draft', 'returned') AND (an.level IS NULL OR an.carried_over)
			AND (qa.due_on IN ($1::date + 7, $1::date + 1) OR qa.due_on < $1::date)`, today)
	if err != nil {
		return fmt.Errorf("store: due assignments: %w", err)
	}
	var ns []Notice
	for rows.Next() {
		var org, user, aid, title, qid string
		var due, at time.Time
		if err := rows.Scan(&org, &user, &aid, &title, &qid, &due, &at); err != nil {
			rows.Close()
			return fmt.Errorf("store: due assignments: %w", err)
		}
		kind, milestone := notice.Due, due.Format(time.DateOnly)
		if due.Before(today) {
			kind, milestone = notice.Overdue, "overdue"
		} else {
			milestone = fmt.Sprint(int(due.Sub(today).Hours() / 24))
		}
		ns = append(ns, Notice{OrgID: org, UserID: user, Kind: kind, SubjectOrg: org, Link: "/tasks",
			Params:    map[string]any{"assessment": title, "questions": []string{qid}, "due_on": due.Format(time.DateOnly)},
			DedupeKey: fmt.Sprintf("due:%s:%s:%s:%d:%s", aid, qid, user, at.Unix(), milestone)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: due assignments: %w", err)
	}
	if len(ns) == 0 {
		return nil
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error { return s.notify(ctx, tx, ns) })
	if err != nil {
		return fmt.Errorf("store: due assignments: %w", err)
	}
	return nil
}
