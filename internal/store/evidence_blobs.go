package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// Blobs is object storage for evidence contents (MAMORI_BLOB_URL; package
// blobstore). Without it, contents live in evidence_chunks.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string, off int64) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string, fn func(key string, size int64, mod time.Time) error) error
}

// UseBlobs keeps the contents of new files in b. Files stored before stay
// where they are and are read from there: each row says where its
// contents are.
func (s *Store) UseBlobs(b Blobs) { s.blobs = b }

// blobPrefix is where evidence objects live in the bucket.
const blobPrefix = "evidence/"

// newBlobKey is a random key under the organisation's prefix: it never
// derives from the file's name.
func newBlobKey(orgID string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return blobPrefix + orgID + "/" + hex.EncodeToString(b[:])
}

// EvidenceOrphans finds objects under the evidence prefix that no row
// names (an upload whose transaction never committed, a deletion whose
// object removal failed) and were last written before olderThan (younger
// ones may belong to an upload under way). With remove, it deletes them.
// It returns their keys.
func (s *Store) EvidenceOrphans(ctx context.Context, olderThan time.Time, remove bool) ([]string, error) {
	if s.blobs == nil {
		return nil, nil
	}
	var orphans []string
	err := s.blobs.List(ctx, blobPrefix, func(key string, _ int64, mod time.Time) error {
		if !mod.Before(olderThan) {
			return nil
		}
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM evidence WHERE blob_key = $1`, key).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			orphans = append(orphans, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: evidence orphans: %w", err)
	}
	if remove {
		for _, k := range orphans {
			if err := s.blobs.Delete(ctx, k); err != nil {
				return orphans, fmt.Errorf("store: evidence orphans: %w", err)
			}
		}
	}
	return orphans, nil
}
