package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// EvidenceContents reads a file's contents from evidence_chunks: an
// io.ReadSeeker (for http.ServeContent and Range) that holds one chunk at a
// time. The caller has checked that the item is a file it may read.
type EvidenceContents struct {
	ctx  context.Context
	s    *Store
	id   string
	size int64
	off  int64
	seq  int    // chunk held in buf, -1 none
	buf  []byte // the chunk seq
}

// OpenEvidence returns the contents of a file of size bytes.
func (s *Store) OpenEvidence(ctx context.Context, e Evidence) *EvidenceContents {
	return &EvidenceContents{ctx: ctx, s: s, id: e.ID, size: e.Size, seq: -1}
}

// Read reads from the current offset, loading the chunk it falls in.
func (c *EvidenceContents) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	seq := int(c.off / EvidenceChunk)
	if seq != c.seq {
		c.buf = c.buf[:0]
		err := c.s.pool.QueryRow(c.ctx, `SELECT data FROM evidence_chunks WHERE evidence_id = $1 AND seq = $2`, c.id, seq).Scan(&c.buf)
		if err != nil {
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
		var chunks int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM evidence_chunks WHERE evidence_id = $1`, e.ID).Scan(&chunks); err != nil {
			return 0, fmt.Errorf("store: verify evidence: %w", err)
		}
		if chunks == 0 && e.Size > 0 {
			report(VerifyResult{Evidence: e, Problem: "missing"})
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, s.OpenEvidence(ctx, e))
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
