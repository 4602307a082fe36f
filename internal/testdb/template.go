package testdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// lockClass is the first key of testdb's advisory locks, keeping them apart
// from any the application takes.
const lockClass = 0x6d616d6f // "mamo"

// CreateTemplate makes template database name unless it exists: it creates
// an empty database, calls setup with its connection string (e.g. to run the
// migrations), then marks it as a template. Clone it per test with NewFrom.
//
// name should contain a hash of what setup does (e.g. of the migration
// files), so that an outdated template is never reused; templates are kept
// on the server for later runs. setup must close its connections before
// returning. Test binaries running at once may call CreateTemplate with the
// same name: a server-side advisory lock lets one create it while the
// others wait, and a template is only marked complete once setup succeeded.
func CreateTemplate(ctx context.Context, name string, setup func(url string) error) error {
	if len(name) > 63 { // longer names would be truncated by the server
		return fmt.Errorf("testdb: template name %q longer than 63 bytes", name)
	}
	admin, err := adminURL()
	if err != nil {
		return fmt.Errorf("testdb: no PostgreSQL server for tests: %w", err)
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("testdb: %w", err)
	}
	defer conn.Close(context.Background()) // also releases the advisory lock

	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1::int4, hashtext($2))", lockClass, name); err != nil {
		return fmt.Errorf("testdb: lock template %s: %w", name, err)
	}
	var done bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&done)
	switch {
	case err == nil && done:
		return nil
	case err == nil: // left by a setup that failed or was interrupted
		if _, err := conn.Exec(ctx, "DROP DATABASE "+ident(name)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("testdb: drop incomplete template %s: %w", name, err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("testdb: look up template %s: %w", name, err)
	}

	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(name)); err != nil {
		return fmt.Errorf("testdb: create template %s: %w", name, err)
	}
	if err := setup(withDatabase(admin, name)); err != nil {
		conn.Exec(ctx, "DROP DATABASE "+ident(name)+" WITH (FORCE)")
		return fmt.Errorf("testdb: set up template %s: %w", name, err)
	}
	// Cloning fails while anyone is connected to the template: refuse new
	// sessions and end any that setup leaked.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(name)+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("testdb: finish template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		return fmt.Errorf("testdb: finish template %s: %w", name, err)
	}
	// Marking it a template is what tells later calls it is complete.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(name)+" WITH IS_TEMPLATE true"); err != nil {
		return fmt.Errorf("testdb: finish template %s: %w", name, err)
	}
	return nil
}
