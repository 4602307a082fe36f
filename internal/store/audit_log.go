package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one row of the append-only audit trail. Each organisation's
// entries form their own hash chain (Chain is the organisation's id, or
// "system"); ChainSeq is the entry's position in it, Seq a global order.
type AuditEntry struct {
	Seq          int64           `json:"seq"`
	Chain        string          `json:"-"`
	ChainSeq     int64           `json:"-"`
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

// systemChain is the chain of entries that belong to no organisation
// (sign-ins of unknown accounts, installation-wide events).
const systemChain = "system"

// appendAudit adds an entry inside tx, in one statement: it moves the head of
// the organisation's chain (audit_chains) forward and inserts the entry with
// the hash PostgreSQL computed there. The head row stays locked until the
// transaction ends, so entries of one organisation are chained in commit
// order while other organisations' writers never wait. Call it late in the
// transaction, to hold that lock briefly.
func appendAudit(ctx context.Context, tx pgx.Tx, a Audit) error {
	detail, err := json.Marshal(a.Detail)
	if err != nil {
		return fmt.Errorf("audit: encode detail: %w", err)
	}
	if a.Detail == nil {
		detail = []byte("{}")
	}
	e := AuditEntry{
		At:      time.Now().UTC().Truncate(time.Microsecond),
		ActorID: nullable(a.ActorID), Actor: a.Actor, OrgID: nullable(a.OrgID), AssessmentID: nullable(a.AssessmentID),
		Action: a.Action, Detail: detail,
	}
	chain := a.OrgID
	if chain == "" {
		chain = systemChain
	}
	// The hash is SHA-256(prev || position || body): AuditHash, computed by
	// PostgreSQL with the position it assigns.
	_, err = tx.Exec(ctx, `
		WITH head AS (
			INSERT INTO audit_chains AS c (chain, seq, prev, hash)
			VALUES ($1, 1, NULL, sha256(convert_to('1' || $2, 'UTF8')))
			ON CONFLICT (chain) DO UPDATE SET seq = c.seq + 1, prev = c.hash,
				hash = sha256(c.hash || convert_to((c.seq + 1)::text || $2, 'UTF8'))
			RETURNING seq, prev, hash)
		INSERT INTO audit_log (chain, chain_seq, at, actor_id, actor, org_id, assessment_id, action, detail, prev_hash, hash)
		SELECT $1, head.seq, $3, $4, $5, $6, $7, $8, $9, head.prev, head.hash FROM head`,
		chain, auditBody(e), e.At, e.ActorID, e.Actor, e.OrgID, e.AssessmentID, e.Action, string(e.Detail))
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
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

// AuditHash is SHA-256 over the previous hash of the chain, the entry's
// position in it and its canonical content: one field a line, in a fixed
// order.
func AuditHash(e AuditEntry) []byte {
	h := sha256.New()
	h.Write(e.PrevHash)
	h.Write([]byte(strconv.FormatInt(e.ChainSeq, 10) + auditBody(e)))
	return h.Sum(nil)
}

// auditBody is the canonical content after the position, each field on a
// line of its own.
func auditBody(e AuditEntry) string {
	var b strings.Builder
	b.WriteByte('\n')
	b.WriteString(e.At.UTC().Format("2006-01-02T15:04:05.000000Z"))
	for _, s := range []string{deref(e.ActorID), e.Actor, deref(e.OrgID), deref(e.AssessmentID), e.Action, string(e.Detail)} {
		b.WriteByte('\n')
		b.WriteString(s)
	}
	return b.String()
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

const auditColumns = `seq, chain, chain_seq, at, actor_id, actor, org_id, assessment_id, action, detail::text, prev_hash, hash`

func scanAudit(row pgx.Row) (AuditEntry, error) {
	var e AuditEntry
	var detail string
	err := row.Scan(&e.Seq, &e.Chain, &e.ChainSeq, &e.At, &e.ActorID, &e.Actor, &e.OrgID, &e.AssessmentID, &e.Action, &detail, &e.PrevHash, &e.Hash)
	e.Detail = json.RawMessage(detail)
	return e, err
}

// AssessmentAudit returns an assessment's entries in order.
func (s *Store) AssessmentAudit(ctx context.Context, assessmentID string) ([]AuditEntry, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE assessment_id = $1 ORDER BY seq`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: assessment audit: %w", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) { return scanAudit(r) })
	if err != nil {
		return nil, fmt.Errorf("store: assessment audit: %w", err)
	}
	return es, nil
}

// VerifyAudit recomputes every chain in order and compares each chain's last
// entry with its recorded head, so that a missing, altered or cut-off entry
// is found. It returns the number of entries checked and, when one does not
// match, its seq and an error.
func (s *Store) VerifyAudit(ctx context.Context) (checked int64, badSeq int64, err error) {
	heads, err := s.auditHeads(ctx)
	if err != nil {
		return 0, 0, err
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY chain, chain_seq`)
	if err != nil {
		return 0, 0, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	var last *AuditEntry // the previous entry, while in the same chain
	seen := map[string]bool{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return checked, 0, fmt.Errorf("store: verify audit: %w", err)
		}
		if last != nil && last.Chain != e.Chain {
			if err := checkHead(*last, heads); err != nil {
				return checked, last.Seq, err
			}
			last = nil
		}
		var want int64 = 1
		var prev []byte
		if last != nil {
			want, prev = last.ChainSeq+1, last.Hash
		}
		switch {
		case e.ChainSeq != want:
			return checked, e.Seq, fmt.Errorf("audit row %d (chain %s, entry %d): expected entry %d: a row is missing", e.Seq, e.Chain, e.ChainSeq, want)
		case string(e.PrevHash) != string(prev):
			return checked, e.Seq, fmt.Errorf("audit row %d (chain %s, entry %d): prev_hash does not match the hash of the entry before it", e.Seq, e.Chain, e.ChainSeq)
		case string(AuditHash(e)) != string(e.Hash):
			return checked, e.Seq, fmt.Errorf("audit row %d (chain %s, entry %d): content does not match its hash", e.Seq, e.Chain, e.ChainSeq)
		}
		seen[e.Chain] = true
		last = &e
		checked++
	}
	if err := rows.Err(); err != nil {
		return checked, 0, fmt.Errorf("store: verify audit: %w", err)
	}
	if last != nil {
		if err := checkHead(*last, heads); err != nil {
			return checked, last.Seq, err
		}
	}
	for chain, h := range heads {
		if !seen[chain] {
			return checked, 0, fmt.Errorf("audit chain %s: its head says %d entries, none is left: the chain was removed", chain, h.seq)
		}
	}
	return checked, 0, nil
}

type auditChainHead struct {
	seq  int64
	hash []byte
}

// checkHead compares a chain's last entry with its recorded head.
func checkHead(last AuditEntry, heads map[string]auditChainHead) error {
	h, ok := heads[last.Chain]
	switch {
	case !ok:
		return fmt.Errorf("audit chain %s: no recorded head", last.Chain)
	case h.seq != last.ChainSeq || string(h.hash) != string(last.Hash):
		return fmt.Errorf("audit row %d (chain %s, entry %d): the chain's head is entry %d: entries were cut off the end", last.Seq, last.Chain, last.ChainSeq, h.seq)
	}
	return nil
}

// auditHeads reads every chain's head (one row per organisation).
func (s *Store) auditHeads(ctx context.Context) (map[string]auditChainHead, error) {
	rows, err := s.Pool.Query(ctx, `SELECT chain, seq, hash FROM audit_chains`)
	if err != nil {
		return nil, fmt.Errorf("store: audit heads: %w", err)
	}
	heads := map[string]auditChainHead{}
	for rows.Next() {
		var chain string
		var h auditChainHead
		if err := rows.Scan(&chain, &h.seq, &h.hash); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: audit heads: %w", err)
		}
		heads[chain] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit heads: %w", err)
	}
	return heads, nil
}
