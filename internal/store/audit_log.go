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
	Seq          int64
	Chain        string
	ChainSeq     int64
	At           time.Time
	ActorID      *string
	Actor        string
	OrgID        *string
	AssessmentID *string
	Action       string
	Detail       json.RawMessage
	PrevHash     []byte
	Hash         []byte
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

// appendAudit adds an entry inside tx, in one statement (auditWith). The
// chain's head row stays locked until the transaction ends: call it late in
// the transaction, or fold auditWith into the transaction's last statement.
func appendAudit(ctx context.Context, tx pgx.Tx, a Audit) error {
	with, args, err := auditWith(a, 1)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `WITH `+with+` SELECT 1`, args...); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// auditWith returns the WITH items of a statement that appends a to its
// organisation's chain, with their parameters numbered from n, and those
// parameters. The items move the head of the chain (audit_chains) forward
// and insert the entry with the hash PostgreSQL computed there:
// SHA-256(prev || position || body), as AuditHash recomputes it. Entries of
// one organisation are chained in commit order (the head row is locked until
// commit), while other organisations' writers never wait.
func auditWith(a Audit, n int) (string, []any, error) {
	detail, err := json.Marshal(a.Detail)
	if err != nil {
		return "", nil, fmt.Errorf("audit: encode detail: %w", err)
	}
	if a.Detail == nil {
		detail = []byte("{}")
	}
	with, args := auditWithSQL(a, n, auditSQL{Detail: "$" + strconv.Itoa(n+auditParams) + "::text"})
	return with, append(args, string(detail)), nil
}

// auditParams is the number of parameters auditWithSQL's items take.
const auditParams = 8

// auditSQL lets a statement supply parts of its audit entry as SQL.
type auditSQL struct {
	Detail string // an expression of type text holding the detail's JSON
	From   string // a WITH item: one entry per row of it (none: one entry)
	Org    string // an expression of type uuid, instead of Audit.OrgID
}

// auditWithSQL is auditWith for a statement that computes parts of the entry
// itself (auditSQL, over the columns of its From item). It returns the items
// and their auditParams parameters, numbered from n.
func auditWithSQL(a Audit, n int, q auditSQL) (string, []any) {
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	from := ""
	if q.From != "" {
		from = " FROM " + q.From
	}
	org := p(4) + "::uuid"
	if q.Org != "" {
		org = "coalesce(" + q.Org + ", " + org + ")" // Audit.OrgID is "" then
	}
	// The body of AuditHash, with the organisation and the detail from SQL.
	body := p(0) + "::text || d.org || " + p(7) + "::text || d.detail"
	with := `audit_detail AS (SELECT (` + q.Detail + `)::text AS detail, coalesce((` + org + `)::text, '') AS org` + from + `),
		audit_head AS (
			INSERT INTO audit_chains AS c (chain, seq, prev, hash)
			SELECT coalesce(nullif(d.org, ''), '` + systemChain + `'), 1, NULL::bytea, sha256(convert_to('1' || ` + body + `, 'UTF8'))
			FROM audit_detail d
			ON CONFLICT (chain) DO UPDATE SET seq = c.seq + 1, prev = c.hash,
				hash = sha256(c.hash || convert_to((c.seq + 1)::text || (SELECT ` + body + ` FROM audit_detail d), 'UTF8'))
			RETURNING chain, seq, prev, hash),
		audit_entry AS (
			INSERT INTO audit_log (chain, chain_seq, at, actor_id, actor, org_id, assessment_id, action, detail, prev_hash, hash)
			SELECT h.chain, h.seq, ` + p(1) + `, ` + p(2) + `::uuid, ` + p(3) + `, nullif(d.org, '')::uuid, ` + p(5) + `::uuid, ` + p(6) + `, d.detail::json, h.prev, h.hash
			FROM audit_head h, audit_detail d)`
	at := time.Now().UTC().Truncate(time.Microsecond)
	head := "\n" + at.Format("2006-01-02T15:04:05.000000Z") + "\n" + a.ActorID + "\n" + a.Actor + "\n"
	tail := "\n" + a.AssessmentID + "\n" + a.Action + "\n"
	return with, []any{head, at, nullable(a.ActorID), a.Actor, nullable(a.OrgID), nullable(a.AssessmentID), a.Action, tail}
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

// VerifyAudit recomputes every chain in order and compares each chain's last
// entry with its recorded head, so that a missing, altered or cut-off entry
// is found. It returns the number of entries checked and, when one does not
// match, its seq and an error.
func (s *Store) VerifyAudit(ctx context.Context) (checked int64, badSeq int64, err error) {
	heads, err := s.auditHeads(ctx)
	if err != nil {
		return 0, 0, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY chain, chain_seq`)
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
	rows, err := s.pool.Query(ctx, `SELECT chain, seq, hash FROM audit_chains`)
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
