package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/notice"
)

// Evidence is an item of an organisation's evidence library: a file (Kind
// "file": Filename, Size, ContentType, SHA256) or a link (Kind "link": URL).
type Evidence struct {
	ID            string
	OrgID         string
	Kind          string
	Title         string
	Description   string
	URL           string
	Filename      string
	Size          int64
	ContentType   string
	SHA256        []byte
	Storage       string // "db" (evidence_chunks) or "blob" (object storage, under BlobKey)
	BlobKey       string
	EffectiveDate time.Time
	ReviewBy      *time.Time
	Retired       bool
	CreatedBy     string
	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Uses          int // links to answers
}

// The kinds of evidence.
const (
	KindFile = "file"
	KindLink = "link"
)

// EvidenceChunk is the size of the pieces a file is kept in: what an upload
// or a download holds in memory at a time.
const EvidenceChunk = 1 << 20

// NewEvidence is what adding an item takes: File for a file, URL for a
// link. The caller has validated the values and detected the file's type.
type NewEvidence struct {
	OrgID         string
	Title         string
	Description   string
	URL           string
	EffectiveDate time.Time
	ReviewBy      *time.Time
	File          *EvidenceUpload
	Quota         int64 // bytes of files the organisation may keep (0: no limit)
	Actor         Actor
}

// EvidenceUpload is a file's metadata and its contents, already read once
// to count and hash them (a spooled upload): CreateEvidence reads it from
// the start, again if its transaction is retried.
type EvidenceUpload struct {
	Filename    string
	ContentType string
	Size        int64
	SHA256      []byte
	Contents    io.ReadSeeker
}

const evidenceSelect = `
	SELECT e.id, e.org_id, e.kind, e.title, e.description, coalesce(e.url, ''), coalesce(e.filename, ''),
		coalesce(e.size, 0), coalesce(e.content_type, ''), e.sha256, coalesce(e.storage, ''), coalesce(e.blob_key, ''),
		e.effective_date, e.review_by, e.retired,
		coalesce(e.created_by::text, ''), coalesce(u.display_name, ''), e.created_at, e.updated_at,
		(SELECT count(*) FROM evidence_links l WHERE l.evidence_id = e.id)
	FROM evidence e LEFT JOIN users u ON u.id = e.created_by`

func scanEvidence(row pgx.Row) (Evidence, error) {
	var e Evidence
	err := row.Scan(&e.ID, &e.OrgID, &e.Kind, &e.Title, &e.Description, &e.URL, &e.Filename, &e.Size, &e.ContentType,
		&e.SHA256, &e.Storage, &e.BlobKey, &e.EffectiveDate, &e.ReviewBy, &e.Retired, &e.CreatedBy, &e.CreatedByName, &e.CreatedAt, &e.UpdatedAt, &e.Uses)
	return e, err
}

func evidenceRows(rows pgx.Rows, err error) ([]Evidence, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Evidence, error) { return scanEvidence(r) })
}

// lockEvidenceOrg serialises the uploads of one organisation until commit,
// so that two of them cannot both pass the quota check.
func lockEvidenceOrg(ctx context.Context, tx pgx.Tx, orgID string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('evidence:' || $1::text, 0))`, orgID)
	return err
}

// EvidenceUsage is the bytes of files an organisation keeps.
func (s *Store) EvidenceUsage(ctx context.Context, orgID string) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(size), 0) FROM evidence WHERE org_id = $1 AND kind = 'file'`, orgID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: evidence usage: %w", err)
	}
	return n, nil
}

// CreateEvidence adds an item and, for a file, its contents, in one
// transaction: a failure (or a killed server) leaves nothing behind. A file
// that would take the organisation over its quota answers TooLarge, naming
// the bytes in use; a file whose SHA-256 is already in the library answers
// Conflict with the existing item in the detail.
func (s *Store) CreateEvidence(ctx context.Context, n NewEvidence) (Evidence, error) {
	var id, blobKey string
	if n.File != nil && s.blobs != nil {
		// Object storage: the contents first, under a key of their own;
		// the row that names them commits after. An object whose row never
		// commits (refused, failed, killed) is removed here or found as an
		// orphan by EvidenceOrphans; it never counts against the quota,
		// which sums the rows.
		blobKey = newBlobKey(n.OrgID)
		if _, err := n.File.Contents.Seek(0, io.SeekStart); err != nil {
			return Evidence{}, fmt.Errorf("store: create evidence: %w", err)
		}
		if err := s.blobs.Put(ctx, blobKey, n.File.Contents); err != nil {
			return Evidence{}, fmt.Errorf("store: create evidence: %w", err)
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		kind, url := KindLink, nullable(n.URL)
		var filename, ctype, storage *string
		var size *int64
		var sum []byte
		if f := n.File; f != nil {
			kind, url = KindFile, nil
			filename, ctype, storage, size, sum = &f.Filename, &f.ContentType, nullable("db"), &f.Size, f.SHA256
			if blobKey != "" {
				storage = nullable("blob")
			}
			if err := lockEvidenceOrg(ctx, tx, n.OrgID); err != nil {
				return err
			}
			var existing string
			err := tx.QueryRow(ctx, `SELECT id FROM evidence WHERE org_id = $1 AND sha256 = $2 AND NOT retired ORDER BY created_at LIMIT 1`,
				n.OrgID, sum).Scan(&existing)
			if err == nil {
				return apperr.K(apperr.Conflict, "evidence.duplicate").WithDetail(map[string]any{"existing_id": existing})
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if n.Quota > 0 {
				var used int64
				err := tx.QueryRow(ctx, `SELECT coalesce(sum(size), 0) FROM evidence WHERE org_id = $1 AND kind = 'file'`, n.OrgID).Scan(&used)
				if err != nil {
					return err
				}
				if used+f.Size > n.Quota {
					return QuotaError(used, n.Quota)
				}
			}
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO evidence (org_id, kind, title, description, url, filename, size, content_type, sha256, storage,
				blob_key, effective_date, review_by, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			n.OrgID, kind, n.Title, n.Description, url, filename, size, ctype, sum, storage,
			nullable(blobKey), n.EffectiveDate, n.ReviewBy, nullable(n.Actor.UserID)).Scan(&id)
		if err != nil {
			if pgCode(err) == codeCheckViolation {
				return apperr.InvalidFieldsK("evidence.invalid", map[string]string{"title": "length"})
			}
			return err
		}
		if n.File != nil && blobKey == "" {
			if err := writeChunks(ctx, tx, id, n.OrgID, n.File); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, Audit{ActorID: n.Actor.UserID, Actor: n.Actor.Email, OrgID: n.OrgID,
			Action: "evidence.added", Detail: map[string]any{"evidence_id": id, "kind": kind, "title": n.Title,
				"filename": filename, "size": size, "sha256": hexOrNil(sum), "url": url}})
	})
	if err != nil {
		if blobKey != "" {
			_ = s.blobs.Delete(context.WithoutCancel(ctx), blobKey)
		}
		return Evidence{}, fmt.Errorf("store: create evidence: %w", err)
	}
	return s.GetEvidence(ctx, id)
}

// QuotaError is the TooLarge error of an upload past the organisation's
// quota, saying how much is used (in MiB).
func QuotaError(used, quota int64) error {
	return apperr.K(apperr.TooLarge, "evidence.quota_exceeded", mib(used), mib(quota)).
		WithDetail(map[string]any{"used_bytes": used, "quota_bytes": quota})
}

func mib(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }

func hexOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return hex.EncodeToString(b)
}

// chunkBuffers are the uploads' chunk buffers, reused: uploads at once
// hold one each instead of leaving 1 MiB of garbage per upload.
var chunkBuffers = sync.Pool{New: func() any { b := make([]byte, EvidenceChunk); return &b }}

// writeChunks copies a file's contents into evidence_chunks, one chunk in
// memory at a time, and checks that they are the size the caller counted.
func writeChunks(ctx context.Context, tx pgx.Tx, id, orgID string, f *EvidenceUpload) error {
	if _, err := f.Contents.Seek(0, io.SeekStart); err != nil {
		return err
	}
	bp := chunkBuffers.Get().(*[]byte)
	defer chunkBuffers.Put(bp)
	buf := *bp
	var total int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(f.Contents, buf)
		if n > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO evidence_chunks (evidence_id, org_id, seq, data) VALUES ($1, $2, $3, $4)`,
				id, orgID, seq, buf[:n]); err != nil {
				return err
			}
			total += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if total != f.Size {
		return fmt.Errorf("evidence contents: read %d bytes, expected %d", total, f.Size)
	}
	return nil
}

// GetEvidence returns one item (NotFound when there is none).
func (s *Store) GetEvidence(ctx context.Context, id string) (Evidence, error) {
	e, err := scanEvidence(s.pool.QueryRow(ctx, evidenceSelect+` WHERE e.id = $1`, id))
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return Evidence{}, fmt.Errorf("store: get evidence %s: %w", id, notFound(err))
	}
	return e, nil
}

// EvidenceFilter narrows the library: Q matches title and file name;
// QuestionID items linked to that question in any assessment; State
// "unused" (linked nowhere), "expired" (review-by passed or effective date
// over twelve months before Today) or "due" (review-by within 30 days).
type EvidenceFilter struct {
	Q          string
	QuestionID string
	State      string
	Retired    bool // include retired items
	Today      time.Time
}

// ListEvidence returns an organisation's library, newest first.
func (s *Store) ListEvidence(ctx context.Context, orgID string, f EvidenceFilter) ([]Evidence, error) {
	where := []string{"e.org_id = $1"}
	args := []any{orgID}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.Retired {
		where = append(where, "NOT e.retired")
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		p := arg("%" + likeEscape(q) + "%")
		where = append(where, "(e.title ILIKE "+p+" OR e.filename ILIKE "+p+" OR e.description ILIKE "+p+")")
	}
	if f.QuestionID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM evidence_links l WHERE l.evidence_id = e.id AND l.question_id = "+arg(f.QuestionID)+")")
	}
	today := f.Today
	if today.IsZero() {
		today = time.Now()
	}
	switch f.State {
	case "unused":
		where = append(where, "NOT EXISTS (SELECT 1 FROM evidence_links l WHERE l.evidence_id = e.id)")
	case "expired":
		d := arg(today.Format(time.DateOnly))
		where = append(where, "(e.review_by < "+d+"::date OR e.effective_date < "+d+"::date - interval '12 months')")
	case "due":
		d := arg(today.Format(time.DateOnly))
		where = append(where, "e.review_by >= "+d+"::date AND e.review_by <= "+d+"::date + 30")
	}
	es, err := evidenceRows(s.pool.Query(ctx, evidenceSelect+` WHERE `+strings.Join(where, " AND ")+` ORDER BY e.created_at DESC, e.id`, args...))
	if err != nil {
		return nil, fmt.Errorf("store: list evidence: %w", err)
	}
	return es, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// EvidencePatch is a change of an item's description: nil fields stay.
type EvidencePatch struct {
	Title         *string
	Description   *string
	EffectiveDate *time.Time
	ReviewBy      **time.Time // set to a nil pointer to clear
	Retired       *bool
}

// UpdateEvidence changes an item's title, description, dates or retired
// flag (its contents never change) and records the change.
func (s *Store) UpdateEvidence(ctx context.Context, id string, p EvidencePatch, actor Actor) (Evidence, error) {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanEvidence(tx.QueryRow(ctx, evidenceSelect+` WHERE e.id = $1 FOR UPDATE OF e`, id))
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		nw := old
		if p.Title != nil {
			nw.Title = *p.Title
		}
		if p.Description != nil {
			nw.Description = *p.Description
		}
		if p.EffectiveDate != nil {
			nw.EffectiveDate = *p.EffectiveDate
		}
		if p.ReviewBy != nil {
			nw.ReviewBy = *p.ReviewBy
		}
		if p.Retired != nil {
			nw.Retired = *p.Retired
		}
		_, err = tx.Exec(ctx, `
			UPDATE evidence SET title = $2, description = $3, effective_date = $4, review_by = $5, retired = $6, updated_at = now()
			WHERE id = $1`, id, nw.Title, nw.Description, nw.EffectiveDate, nw.ReviewBy, nw.Retired)
		if err != nil {
			if pgCode(err) == codeCheckViolation {
				return apperr.InvalidFieldsK("evidence.invalid", map[string]string{"title": "length"})
			}
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: old.OrgID,
			Action: "evidence.updated", Detail: map[string]any{"evidence_id": id,
				"old": map[string]any{"title": old.Title, "description": old.Description, "effective_date": old.EffectiveDate.Format(time.DateOnly), "review_by": dateOrNil(old.ReviewBy), "retired": old.Retired},
				"new": map[string]any{"title": nw.Title, "description": nw.Description, "effective_date": nw.EffectiveDate.Format(time.DateOnly), "review_by": dateOrNil(nw.ReviewBy), "retired": nw.Retired}}})
	})
	if err != nil {
		return Evidence{}, fmt.Errorf("store: update evidence %s: %w", id, err)
	}
	return s.GetEvidence(ctx, id)
}

func dateOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

// DeleteEvidence removes an item, its contents and its links to answers
// that can still change. An item linked to a submitted or approved
// assessment answers Conflict: that assessment keeps showing what the
// auditor saw; so does an item a done action was closed with.
func (s *Store) DeleteEvidence(ctx context.Context, id string, actor Actor) error {
	var blobKey string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := scanEvidence(tx.QueryRow(ctx, evidenceSelect+` WHERE e.id = $1 FOR UPDATE OF e`, id))
		if err != nil {
			if pgCode(err) == codeInvalidText {
				err = pgx.ErrNoRows
			}
			return notFound(err)
		}
		var locked int
		// FOR SHARE: a submission of one of those assessments waits.
		err = tx.QueryRow(ctx, `
			SELECT count(*) FROM (SELECT 1 FROM evidence_links l JOIN assessments a ON a.id = l.assessment_id
			WHERE l.evidence_id = $1 AND a.status IN ('submitted', 'approved') FOR SHARE OF a) x`, id).Scan(&locked)
		if err != nil {
			return err
		}
		if locked > 0 {
			return apperr.K(apperr.Conflict, "evidence.locked")
		}
		// The proof of a closed action stays: it can be retired, not deleted.
		var closes bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM action_evidence WHERE org_id = $1 AND evidence_id = $2)`, old.OrgID, id).Scan(&closes)
		if err != nil {
			return err
		}
		if closes {
			return apperr.K(apperr.Conflict, "evidence.closes_action")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM evidence WHERE id = $1`, id); err != nil {
			return err
		}
		blobKey = old.BlobKey
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: old.OrgID,
			Action: "evidence.deleted", Detail: map[string]any{"evidence_id": id, "title": old.Title, "filename": nullable(old.Filename),
				"sha256": hexOrNil(old.SHA256), "url": nullable(old.URL)}})
	})
	if err != nil {
		return fmt.Errorf("store: delete evidence %s: %w", id, err)
	}
	if blobKey != "" && s.blobs != nil {
		// After the commit: a failure leaves an orphan (EvidenceOrphans),
		// never a row without its contents.
		if err := s.blobs.Delete(context.WithoutCancel(ctx), blobKey); err != nil {
			return fmt.Errorf("store: delete evidence %s contents: %w", id, err)
		}
	}
	return nil
}

// NotifyEvidenceReviews tells the officers of each organisation about its
// live (not retired) evidence items whose review-by date has passed as of
// the day today: once per item, review-by date and officer, so that a new
// review-by date earns a new notice.
func (s *Store) NotifyEvidenceReviews(ctx context.Context, today time.Time) error {
	rows, err := s.pool.Query(ctx, `
		SELECT e.org_id, u.id, e.id, e.title, e.review_by
		FROM evidence e JOIN users u ON u.org_id = e.org_id AND u.role = 'officer' AND u.active
		WHERE NOT e.retired AND e.review_by < $1::date`, today)
	if err != nil {
		return fmt.Errorf("store: evidence reviews: %w", err)
	}
	var ns []Notice
	for rows.Next() {
		var org, user, id, title string
		var reviewBy time.Time
		if err := rows.Scan(&org, &user, &id, &title, &reviewBy); err != nil {
			rows.Close()
			return fmt.Errorf("store: evidence reviews: %w", err)
		}
		d := reviewBy.Format(time.DateOnly)
		ns = append(ns, Notice{OrgID: org, UserID: user, Kind: notice.EvidenceReview, SubjectOrg: org, Link: "/evidence?state=expired",
			Params: map[string]any{"evidence": title, "review_by": d}, DedupeKey: fmt.Sprintf("evidence_review:%s:%s:%s", id, d, user)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: evidence reviews: %w", err)
	}
	if len(ns) == 0 {
		return nil
	}
	if err := s.inTx(ctx, func(tx pgx.Tx) error { return s.notify(ctx, tx, ns) }); err != nil {
		return fmt.Errorf("store: evidence reviews: %w", err)
	}
	return nil
}
