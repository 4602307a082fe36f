package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"mamori/migrations"
)

// Migrator applies the embedded migrations to one database, then River's
// own schema (the job queue's river_* tables) with River's migrator.
type Migrator struct {
	m   *migrate.Migrate
	db  *sql.DB
	url string
}

// NewMigrator opens a migrator on url.
func NewMigrator(url string) (*Migrator, error) {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: parse url: %w", err)
	}
	db := stdlib.OpenDB(*cc)
	drv, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrate: driver: %w", err)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrate: source: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	return &Migrator{m: m, db: db, url: url}, nil
}

// Close releases the migrator's connection.
func (g *Migrator) Close() error {
	g.m.Close()
	return g.db.Close()
}

// Up applies every pending migration, Mamori's then River's.
func (g *Migrator) Up() error {
	if err := g.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("store: migrate up: %w", err)
	}
	return migrateRiver(context.Background(), g.url)
}

// Down reverts n migrations.
func (g *Migrator) Down(n int) error {
	if n <= 0 {
		return fmt.Errorf("store: migrate down: want a positive count, got %d", n)
	}
	if err := g.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("store: migrate down %d: %w", n, err)
	}
	return nil
}

// DownTo reverts migrations until version v is the one applied (0: none).
// Versions need not be consecutive.
func (g *Migrator) DownTo(v uint) error {
	var err error
	if v == 0 {
		err = g.m.Down()
	} else {
		err = g.m.Migrate(v)
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("store: migrate down to %d: %w", v, err)
	}
	return nil
}

// Version returns the applied version and whether it is dirty (0 when none).
func (g *Migrator) Version() (uint, bool, error) {
	v, dirty, err := g.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: migrate version: %w", err)
	}
	return v, dirty, nil
}

// LatestVersion is the highest migration number embedded in the binary.
func LatestVersion() (uint, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return 0, fmt.Errorf("store: migrations source: %w", err)
	}
	defer src.Close()
	v, err := src.First()
	if err != nil {
		return 0, fmt.Errorf("store: first migration: %w", err)
	}
	for {
		next, err := src.Next(v)
		if err != nil {
			return v, nil
		}
		v = next
	}
}

// MigrateUp is a convenience for serve and tests.
func MigrateUp(url string) error {
	m, err := NewMigrator(url)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Up()
}

// SchemaVersion reads the applied migration version through the pool.
func (s *Store) SchemaVersion(ctx context.Context) (uint, bool, error) {
	var v int64
	var dirty bool
	err := s.pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty)
	if err != nil {
		return 0, false, fmt.Errorf("store: schema version: %w", err)
	}
	return uint(v), dirty, nil
}
