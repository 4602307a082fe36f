package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// pgTool finds pg_dump or pg_restore on PATH or beside the server binaries.
func pgTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Strings(matches)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("%s not found: install the PostgreSQL client (Debian/Ubuntu: apt-get install postgresql-client)", name)
}

// cmdBackup writes a pg_dump custom-format archive of the database.
func cmdBackup(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("backup", env)
	out := fs.String("out", "", "archive file to write")
	if err := parse(fs, args, "out"); err != nil {
		return err
	}
	return withDBURL(ctx, env, func(url string) error {
		bin, err := pgTool("pg_dump")
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--file="+*out, "--dbname="+url)
		cmd.Stderr = env.stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("backup: pg_dump: %w", err)
		}
		st, err := os.Stat(*out)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(env.stdout, "backup written: %s (%d bytes)\n", *out, st.Size())
		return nil
	})
}

// cmdRestore restores an archive into the (empty) database.
func cmdRestore(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("restore", env)
	in := fs.String("in", "", "archive file to read")
	if err := parse(fs, args, "in"); err != nil {
		return err
	}
	if _, err := os.Stat(*in); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return withDBURL(ctx, env, func(url string) error {
		bin, err := pgTool("pg_restore")
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, bin, "--no-owner", "--exit-on-error", "--single-transaction", "--dbname="+url, *in)
		cmd.Stderr = env.stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("restore: pg_restore (the database must be empty): %w", err)
		}
		fmt.Fprintln(env.stdout, "restore complete")
		return nil
	})
}

// withDBURL runs fn with the database URL, starting the embedded cluster if
// needed, without applying migrations.
func withDBURL(ctx context.Context, env *cliEnv, fn func(url string) error) error {
	cfg, err := env.config()
	if err != nil {
		return err
	}
	_, url, closeDB, err := env.openDB(ctx, cfg, env.logger(cfg), false)
	if err != nil {
		return err
	}
	defer closeDB()
	return fn(url)
}
