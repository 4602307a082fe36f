package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// A change enqueues its jobs (internal/jobargs) in its own transaction
// (River's InsertTx), so that the change and its job commit together or not
// at all. Their workers are in internal/mailer.

// riverInserter is an insert-only River client on the store's pool.
func (s *Store) riverInserter() (*river.Client[pgx.Tx], error) {
	s.riverOnce.Do(func() {
		s.riverClient, s.riverErr = river.NewClient(riverpgxv5.New(s.pool.Pool), &river.Config{})
	})
	return s.riverClient, s.riverErr
}

// insertJobs queues jobs inside tx.
func (s *Store) insertJobs(ctx context.Context, tx pgx.Tx, jobs []river.JobArgs) error {
	if len(jobs) == 0 {
		return nil
	}
	c, err := s.riverInserter()
	if err != nil {
		return fmt.Errorf("store: river client: %w", err)
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if _, err := c.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("store: insert jobs: %w", err)
	}
	return nil
}

// NewRiverClient returns a River client on the store's pool with cfg (its
// workers, queues and periodic jobs): the one mamori serve runs.
func (s *Store) NewRiverClient(cfg *river.Config) (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(s.pool.Pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("store: river client: %w", err)
	}
	return c, nil
}

// InsertJobInTx queues job in a transaction that then ends with fail (nil
// commits, an error rolls back): for the tests that show a rolled-back
// change leaves no job.
func (s *Store) InsertJobInTx(ctx context.Context, job river.JobArgs, fail error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.insertJobs(ctx, tx, []river.JobArgs{job}); err != nil {
			return err
		}
		return fail
	})
}

// migrateRiver applies River's own schema (its river_* tables) with River's
// migrator, after Mamori's migrations, with the same role. River migrates
// version by version (some versions cannot share a transaction); a session
// advisory lock makes a second instance starting at once wait.
func migrateRiver(ctx context.Context, url string) error {
	lock, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("store: river migrate: connect: %w", err)
	}
	defer lock.Close(ctx)
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock(7264310012)`); err != nil {
		return fmt.Errorf("store: river migrate: lock: %w", err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("store: river migrate: %w", err)
	}
	defer pool.Close()
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("store: river migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: river migrate up: %w", err)
	}
	return nil
}
