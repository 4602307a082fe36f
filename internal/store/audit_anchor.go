package store

import (
	"context"
	"fmt"
)

// AuditHead returns the seq and hash of the latest audit entry (0 and nil
// when the trail is empty). Kept outside the database (a ticket, a log
// shipped elsewhere), it is an anchor: someone able to rewrite the whole
// chain consistently cannot also change what was written down elsewhere.
func (s *Store) AuditHead(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0), (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) FROM audit_log`).Scan(&seq, &hash)
	if err != nil {
		return 0, nil, fmt.Errorf("store: audit head: %w", err)
	}
	return seq, hash, nil
}

// AuditHashAt returns the stored hash of one audit entry.
func (s *Store) AuditHashAt(ctx context.Context, seq int64) ([]byte, error) {
	var hash []byte
	if err := s.pool.QueryRow(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, seq).Scan(&hash); err != nil {
		return nil, fmt.Errorf("store: audit entry %d: %w", seq, notFound(err))
	}
	return hash, nil
}
