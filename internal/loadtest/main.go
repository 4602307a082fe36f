// Command loadtest is `make bench`: it seeds a dataset into a throwaway
// PostgreSQL, starts `mamori serve` on loopback and measures every main path
// at fixed concurrency against a baseline measured in the same run. See
// docs/performance.md for what it measures and the results.
//
//	go run ./internal/loadtest [-scale 1] [-duration 5s] [-c 64] [-profile DIR] [-keep-data]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/pgembed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Float64("scale", 1, "dataset size: 1 = 1,000 organisations, 10,000 assessments, 270,000 answers")
	duration := fs.Duration("duration", 5*time.Second, "measured time per path")
	warmup := fs.Duration("warmup", time.Second, "unrecorded load before each path")
	conc := fs.Int("c", 64, "concurrent clients per path")
	dashConc := fs.Int("c-dashboard", 4, "concurrent clients for the dashboards and their SQL (managers opening it at once)")
	mixedConc := fs.Int("c-mixed", 200, "concurrent clients of the mixed phase (peak RSS)")
	sessions := fs.Int("sessions", 64, "officers signed in for the load (each login costs one argon2id hash)")
	dbURL := fs.String("database-url", "", "an EMPTY database to use instead of a throwaway cluster (it is migrated and seeded)")
	out := fs.String("json", "bin/bench-results.json", "where to write the results as JSON (empty: nowhere)")
	profile := fs.String("profile", "", "directory for CPU and allocation profiles of each path (pprof)")
	keep := fs.Bool("keep", false, "keep the work directory (server binary and log)")
	keepData := fs.Bool("keep-data", false, "keep the seeded cluster in -data-dir and reuse it on the next run of the same -scale")
	dataDir := fs.String("data-dir", "bin/bench-data", "where -keep-data keeps the seeded clusters, one per scale")
	only := fs.String("only", "", "comma-separated parts of phase names to run, e.g. 'category,static' (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale <= 0 || *conc < 1 || *dashConc < 1 || *mixedConc < 1 || *duration <= 0 {
		return errors.New("-scale, -c, -c-dashboard, -c-mixed and -duration must be positive")
	}
	work, err := os.MkdirTemp("", "mamori-bench-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(stderr, "bench: work directory", work)
	} else {
		defer os.RemoveAll(work)
	}
	if *profile != "" {
		if err := os.MkdirAll(*profile, 0o755); err != nil {
			return err
		}
	}
	opts := Options{Orgs: max(3, int(math.Round(1000**scale))), Duration: *duration, Warmup: *warmup,
		Concurrency: *conc, DashboardConc: *dashConc, MixedConc: *mixedConc, Sessions: min(*sessions, *conc),
		DatabaseURL: *dbURL, WorkDir: work, ProfileDir: *profile, Log: stderr}
	if *only != "" {
		opts.Only = strings.Split(*only, ",")
	}

	if opts.DatabaseURL == "" && *keepData {
		dir, err := filepath.Abs(filepath.Join(*dataDir, fmt.Sprintf("scale-%g", *scale)))
		if err != nil {
			return err
		}
		stopPG, url, err := keptCluster(ctx, dir)
		if err != nil {
			return err
		}
		defer stopPG()
		opts.DatabaseURL, opts.DatasetFile = url, filepath.Join(dir, "dataset.json")
	}
	if opts.DatabaseURL == "" {
		stopPG, url, err := throwawayCluster(ctx, filepath.Join(work, "pg"))
		if err != nil {
			return err
		}
		defer stopPG()
		opts.DatabaseURL = url
	}
	started := time.Now()
	res, err := Run(ctx, opts)
	if err != nil {
		return err
	}
	res.Started = started
	res.Print(stdout)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			return err
		}
		if err := res.WriteJSON(*out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nresults: %s; server log: kept only with -keep\n", *out)
	}
	return nil
}

// throwawayCluster starts a private PostgreSQL cluster in dir with an empty
// database, and returns a function that stops and removes it.
func throwawayCluster(ctx context.Context, dir string) (func(), string, error) {
	c, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir})
	if err != nil {
		return nil, "", err
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Stop(sctx); err != nil {
			fmt.Fprintln(os.Stderr, "bench: stop PostgreSQL:", err)
		}
		_ = os.RemoveAll(c.DataDir()) // the mapped directory when running as root
		_ = os.RemoveAll(dir)
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		stop()
		return nil, "", err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE mamori_bench"); err != nil {
		stop()
		return nil, "", err
	}
	return stop, c.URL("mamori_bench"), nil
}

// keptCluster starts (initialising it the first time) the cluster kept in
// dir between runs, with its database, and returns a function that stops
// it and leaves it on disk.
func keptCluster(ctx context.Context, dir string) (func(), string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	c, err := pgembed.Start(ctx, pgembed.Options{DataDir: filepath.Join(dir, "pg")})
	if err != nil {
		return nil, "", err
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Stop(sctx); err != nil {
			fmt.Fprintln(os.Stderr, "bench: stop PostgreSQL:", err)
		}
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		stop()
		return nil, "", err
	}
	defer conn.Close(context.Background())
	// A database without a dataset description (never seeded, or a seed
	// that was interrupted) is made again.
	if _, err := os.Stat(filepath.Join(dir, "dataset.json")); err != nil {
		for _, q := range []string{"DROP DATABASE IF EXISTS mamori_bench", "CREATE DATABASE mamori_bench"} {
			if _, err := conn.Exec(ctx, q); err != nil {
				stop()
				return nil, "", err
			}
		}
	}
	return stop, c.URL("mamori_bench"), nil
}
