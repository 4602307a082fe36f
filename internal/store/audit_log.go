package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one row of the append-only audit trail.
type AuditEntry struct {
	Seq          int64           `json:"seq"`
	At           time.Time       `json:"at"`
	ActorID      *string         `json:"actor_id"`
	Actor        string          `json:"actor"`
	OrgID        *string         `json:"org_id"`
	AssessmentID *string         `json:"assessment_id"`
	Action       string          `json:"action"`
	Detail       json.RawMessage `json:"detail"`
	PrevHash     []byte          `json:"prev_hash"`
	Hash         []byte          `json:"hash"`
}

// Audit is what a change records: who, where, what.
type Audit struct {
	ActorID      string // "" for the system or an unknown user
	Actor        string // email or a label such as "cli"
	OrgID        string
	AssessmentID string
	Action       string
	Detail       any
}

// auditLockKey serialises appends so the chain has one order even with many
// writers (and many server instances).
const auditLockKey = 727_011_000

// appendAudit adds an entry inside tx. Call it as the last statement of the
// transaction: the lock it takes is held until commit.
func appendAudit(ctx context.Context, tx pgx.Tx, a Audit) error {
	detail, err := json.Marshal(a.Detail)
	if err != nil {
		return fmt.Errorf("audit: encode detail: %w", err)
	}
	if a.Detail == nil {
		detail = []byte("{}")
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
		return fmt.Errorf("audit: lock: %w", err)
	}
	var seq int64
	var prev []byte
	err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("audit: read chain head: %w", err)
	}
	e := AuditEntry{
		Seq: seq + 1, At: time.Now().UTC().Truncate(time.Microsecond),
		ActorID: nullable(a.ActorID), Actor: a.Actor, OrgID: nullable(a.OrgID), AssessmentID: nullable(a.AssessmentID),
		Action: a.Action, Detail: detail, PrevHash: prev,
	}
	e.Hash = AuditHash(e)
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_log (seq, at, actor_id, actor, org_id, assessment_id, action, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, e.At, e.ActorID, e.Actor, e.OrgID, e.AssessmentID, e.Action, string(e.Detail), e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	return nil
}

// AppendAudit records an entry in its own transaction (for events that change
// nothing else, such as a login).
func (s *Store) AppendAudit(ctx context.Context, a Audit) error {
	if err := s.inTx(ctx, func(tx pgx.Tx) error { return appendAudit(ctx, tx, a) }); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// AuditHash is SHA-256 over the previous hash and the entry's canonical
// content: one field a line, in a fixed order.
func AuditHash(e AuditEntry) []byte {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(e.Seq, 10))
	b.WriteByte('\n')
	b.WriteString(e.At.UTC().Format("2006-01-02T15:04:05.000000Z"))
	for _, s := range []string{deref(e.ActorID), e.Actor, deref(e.OrgID), deref(e.AssessmentID), e.Action, string(e.Detail)} {
		b.WriteByte('\n')
		b.WriteString(s)
	}
	h := sha256.New()
	h.Write(e.PrevHash)
	h.Write([]byte(b.String()))
	return h.Sum(nil)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

const auditColumns = `seq, at, actor_id, actor, org_id, assessment_id, action, detail::text, prev_hash, hash`

func scanAudit(row pgx.Row) (AuditEntry, error) {
	var e AuditEntry
	var detail string
	err := row.Scan(&e.Seq, &e.At, &e.ActorID, &e.Actor, &e.OrgID, &e.AssessmentID, &e.Action, &detail, &e.PrevHash, &e.Hash)
	e.Detail = json.RawMessage(detail)
	return e, err
}

// AssessmentAudit returns an assessment's entries in order.
func (s *Store) AssessmentAudit(ctx context.Context, assessmentID string) ([]AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE assessment_id = $1 ORDER BY seq`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: assessment audit: %w", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) { return scanAudit(r) })
	if err != nil {
		return nil, fmt.Errorf("store: assessment audit: %w", err)
	}
	return es, nil
}

// VerifyAudit recomputes the whole chain in order. It returns the number of
// rows checked and, when one does not match, its seq and an error.
func (s *Store) VerifyAudit(ctx context.Context) (checked int64, badSeq int64, err error) {
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, 0, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	var prev []byte
	var want int64 = 1
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return checked, 0, fmt.Errorf("store: verify audit: %w", err)
		}
		switch {
		case e.Seq != want:
			return checked, e.Seq, fmt.Errorf("audit row %d: expected seq %d: a row is missing", e.Seq, want)
		case string(e.PrevHash) != string(prev):
			return checked, e.Seq, fmt.Errorf("audit row %d: prev_hash does not match the hash of row %d", e.Seq, e.Seq-1)
		case string(AuditHash(e)) != string(e.Hash):
			return checked, e.Seq, fmt.Errorf("audit row %d: content does not match its hash", e.Seq)
		}
		prev = e.Hash
		want++
		checked++
	}
	if err := rows.Err(); err != nil {
		return checked, 0, fmt.Errorf("store: verify audit: %w", err)
	}
	return checked, 0, nil
}
