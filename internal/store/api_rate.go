package store

import (
	"context"
	"fmt"
	"time"
)

// RateHit counts one request of a caller (key) in the API rate limit's
// current minute, shared by every server instance, and returns the caller's
// requests in the sliding minute that ends now: all of this minute's, and the
// previous minute's weighted by the part of it still inside the window.
func (s *Store) RateHit(ctx context.Context, key string, now time.Time) (float64, error) {
	minute := now.Truncate(time.Minute)
	var cur, prev int
	err := s.pool.QueryRow(ctx, `
		WITH hit AS (
			INSERT INTO api_rate (key, minute, count) VALUES ($1, $2, 1)
			ON CONFLICT (key, minute) DO UPDATE SET count = api_rate.count + 1
			RETURNING count)
		SELECT hit.count, coalesce((SELECT count FROM api_rate WHERE key = $1 AND minute = $3), 0) FROM hit`,
		key, minute, minute.Add(-time.Minute)).Scan(&cur, &prev)
	if err != nil {
		return 0, fmt.Errorf("store: rate hit: %w", err)
	}
	left := 1 - float64(now.Sub(minute))/float64(time.Minute)
	return float64(cur) + float64(prev)*left, nil
}

// DeleteOldRates removes the counts the sliding window no longer reads.
func (s *Store) DeleteOldRates(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM api_rate WHERE minute < $1`, now.Truncate(time.Minute).Add(-time.Minute))
	if err != nil {
		return 0, fmt.Errorf("store: delete old rates: %w", err)
	}
	return tag.RowsAffected(), nil
}
