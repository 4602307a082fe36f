package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// EvidenceContents reads a file's contents, from evidence_chunks or from
// object storage: an io.ReadSeeker (for http.ServeContent and Range) that
// holds one chunk at a time. The caller has checked that the item is a
// file it may read, and closes it.
type EvidenceContents struct {
	ctx  context.Context
	s    *Store
	id   string
	key  string // object storage key, "" for evidence_chunks
	size int64
	off  int64
	seq  int    // chunk held in buf, -1 none
	buf  []byte // the chunk seq
	blob io.ReadCloser
	at   int64 // offset blob reads from
}

// OpenEvidence returns the contents of a file.
func (s *Store) OpenEvidence(ctx context.Context, e Evidence) *EvidenceContents {
	c := &EvidenceContents{ctx: ctx, s: s, id: e.ID, size: e.Size, seq: -1}
	if e.Storage == "blob" {
		c.key = e.BlobKey
	}
	return c
}

// Close releases an object storage reader.
func (c *EvidenceContents) Close() error {
	if c.blob != nil {
		err := c.blob.Close()
		c.blob = nil
		return err
	}
	return nil
}

// Read reads from the current offset, loading the chunk it falls in.
func (c *EvidenceContents) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	if c.key != "" {
		return c.readBlob(p)
	}
	seq := int(c.off / EvidenceChunk)
	if seq != c.seq {
		if err := c.loadChunk(seq); err != nil {
			return 0, fmt.Errorf("store: read evidence %s chunk %d: %w", c.id, seq, err)
		}
		c.seq = seq
	}
	start := c.off - int64(seq)*EvidenceChunk
	if start >= int64(len(c.buf)) {
		return 0, fmt.Errorf("store: evidence %s: chunk %d is short", c.id, seq)
	}
	n := copy(p, c.buf[start:])
	c.off += int64(n)
	return n, nil
}

// loadChunk reads chunk seq into c.buf, reusing it: the bytes are copied
// out of pgx's read buffer (DriverBytes) instead of allocated anew, so a
// long download makes no garbage in proportion to its size.
func (c *EvidenceContents) loadChunk(seq int) error {
	rows, err := c.s.pool.Query(c.ctx, `SELECT data FROM evidence_chunks WHERE evidence_id = $1 AND seq = $2`, c.id, seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	var data pgtype.DriverBytes
	if err := rows.Scan(&data); err != nil {
		return err
	}
	c.buf = append(c.buf[:0], data...)
	return rows.Err()
}

// readBlob reads from object storage, opening a reader at the offset
// (again after a Seek).
func (c *EvidenceContents) readBlob(p []byte) (int, error) {
	if c.s.blobs == nil {
		return 0, fmt.Errorf("store: evidence %s is in object storage, and MAMORI_BLOB_URL is not set", c.id)
	}
	if c.blob != nil && c.at != c.off {
		c.Close()
	}
	if c.blob == nil {
		r, err := c.s.blobs.Open(c.ctx, c.key, c.off)
		if err != nil {
			return 0, fmt.Errorf("store: read evidence %s: %w", c.id, err)
		}
		c.blob, c.at = r, c.off
	}
	if rest := c.size - c.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.blob.Read(p)
	c.off += int64(n)
	c.at = c.off
	if errors.Is(err, io.EOF) && c.off < c.size {
		err = fmt.Errorf("store: evidence %s: object is short", c.id)
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// Seek moves the offset (io.Seeker).
func (c *EvidenceContents) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		offset += c.size
	default:
		return 0, errors.New("store: evidence seek: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("store: evidence seek: negative offset")
	}
	c.off = offset
	return offset, nil
}

// VerifyResult is what re-hashing one stored file found.
type VerifyResult struct {
	Evidence Evidence
	Problem  string // "" when the contents match; "missing", "size" or "sha256"
}

// VerifyEvidence re-reads and re-hashes every stored file and reports those
// that are missing or changed, through report. It returns how many files it
// checked.
func (s *Store) VerifyEvidence(ctx context.Context, report func(VerifyResult)) (int, error) {
	es, err := evidenceRows(s.pool.Query(ctx, evidenceSelect+` WHERE e.kind = 'file' ORDER BY e.org_id, e.created_at, e.id`))
	if err != nil {
		return 0, fmt.Errorf("store: verify evidence: %w", err)
	}
	for _, e := range es {
		if e.Storage == "db" {
			var chunks int
			if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM evidence_chunks WHERE evidence_id = $1`, e.ID).Scan(&chunks); err != nil {
				return 0, fmt.Errorf("store: verify evidence: %w", err)
			}
			if chunks == 0 && e.Size > 0 {
				report(VerifyResult{Evidence: e, Problem: "missing"})
				continue
			}
		}
		h := sha256.New()
		c := s.OpenEvidence(ctx, e)
		n, err := io.Copy(h, c)
		c.Close()
		switch {
		case err != nil:
			report(VerifyResult{Evidence: e, Problem: "missing"})
		case n != e.Size:
			report(VerifyResult{Evidence: e, Problem: "size"})
		case string(h.Sum(nil)) != string(e.SHA256):
			report(VerifyResult{Evidence: e, Problem: "sha256"})
		default:
			report(VerifyResult{Evidence: e})
		}
	}
	return len(es), nil
}
