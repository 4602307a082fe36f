package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mamori/internal/store"
)

// Options configure one run of the harness.
type Options struct {
	Orgs          int           // organisations seeded (1,000 × scale)
	Duration      time.Duration // measured time per path
	Warmup        time.Duration // unrecorded load before each path
	Concurrency   int           // clients per path (the 64)
	DashboardConc int           // clients for the dashboards and their SQL
	MixedConc     int           // clients of the mixed phase (RSS target: 200)
	Sessions      int           // officers signed in for the load (at most Concurrency)
	DatabaseURL   string        // an empty database; the harness migrates and seeds it
	WorkDir       string        // server binary and log
	ProfileDir    string        // if set, CPU and allocation profiles per path
	Log           io.Writer     // progress
	Only          []string      // if set, only the phases whose names contain one of these
	// DatasetFile, if set, is where the seeded dataset's description is
	// kept: when it exists the database already holds that seed and it is
	// reused (see -keep-data); otherwise the seed is written and described
	// there.
	DatasetFile string
}

func (o Options) selected(name string) bool {
	if len(o.Only) == 0 {
		return true
	}
	for _, s := range o.Only {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// Run migrates and seeds the database, starts the server and measures every
// path against its baseline.
func Run(ctx context.Context, o Options) (*Results, error) {
	logf := func(format string, args ...any) { fmt.Fprintf(o.Log, "bench: "+format+"\n", args...) }
	res := &Results{Machine: describeMachine(), Options: o.summary()}

	logf("migrating")
	if err := store.MigrateUp(o.DatabaseURL); err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer pool.Close()
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&res.Machine.PostgreSQL); err != nil {
		return nil, fmt.Errorf("server version: %w", err)
	}

	ds, reused, err := loadDataset(o.DatasetFile, o.Orgs)
	if err != nil {
		return nil, err
	}
	if reused {
		logf("reusing the seed of %d organisations kept in %s", ds.Orgs, filepath.Dir(o.DatasetFile))
		if err := forgetEarlierRuns(ctx, pool); err != nil {
			return nil, err
		}
		res.Seed = seedSummary{Orgs: ds.Orgs, Assessments: ds.Assessments, Answers: ds.Answers, Results: ds.Results,
			Users: ds.Users, Holdings: ds.Holdings, HoldingOrgs: ds.HoldingOrgs, Reused: true}
	} else {
		logf("seeding %d organisations", o.Orgs)
		t0 := time.Now()
		if ds, err = Seed(ctx, pool, o.Orgs, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
			return nil, err
		}
		res.Seed = seedSummary{Orgs: ds.Orgs, Assessments: ds.Assessments, Answers: ds.Answers, Results: ds.Results,
			Users: ds.Users, Holdings: ds.Holdings, HoldingOrgs: ds.HoldingOrgs, Seconds: time.Since(t0).Seconds()}
		logf("seeded %d orgs, %d assessments, %d answers, %d results in %.1fs",
			ds.Orgs, ds.Assessments, ds.Answers, ds.Results, res.Seed.Seconds)
		if err := saveDataset(o.DatasetFile, ds); err != nil {
			return nil, err
		}
	}

	// The seed wrote behind the store's back: build the benchmark's sums
	// (what `mamori benchmark rebuild` does), and time it.
	t1 := time.Now()
	rst, err := store.Open(ctx, o.DatabaseURL)
	if err != nil {
		return nil, err
	}
	n, err := rst.RebuildPeerStats(ctx)
	if err != nil {
		rst.Close()
		return nil, err
	}
	logf("benchmark sums rebuilt for %d organisations in %.2fs", n, time.Since(t1).Seconds())
	t1 = time.Now()
	n, err = rst.RebuildDashboard(ctx)
	rst.Close()
	if err != nil {
		return nil, err
	}
	logf("dashboard summaries rebuilt for %d organisations in %.2fs", n, time.Since(t1).Seconds())

	logf("building and starting mamori serve")
	bin, err := buildServer(ctx, o.WorkDir)
	if err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, bin, o.DatabaseURL, filepath.Join(o.WorkDir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	res.ServerLog = srv.logPath

	// The baselines' store: the same pool settings the server uses.
	st, err := store.Open(ctx, o.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	b, err := newBench(ctx, o, ds, srv, st, pool, logf)
	if err != nil {
		return nil, err
	}
	b.bin = bin
	defer func() {
		if b.second != nil {
			b.second.stop()
		}
	}()
	if err := b.measure(ctx, res); err != nil {
		return nil, err
	}
	if kb, err := memKB(srv.cmd.Process.Pid, "VmHWM"); err == nil {
		res.PeakRSSKB = kb
	}
	res.evaluate()
	return res, nil
}

func (o Options) summary() optionsSummary {
	return optionsSummary{Orgs: o.Orgs, DurationS: o.Duration.Seconds(), WarmupS: o.Warmup.Seconds(),
		Concurrency: o.Concurrency, DashboardConc: o.DashboardConc, MixedConc: o.MixedConc, Sessions: o.Sessions}
}

// startProfile fetches a CPU profile of the next seconds of load and an
// allocation profile before and after it, from the server's pprof.
func (b *bench) startProfile(name string) func() {
	if b.o.ProfileDir == "" {
		return func() {}
	}
	base := filepath.Join(b.o.ProfileDir, slug(name))
	fetch := func(path, file string) {
		res, err := b.client.Get(b.srv.base + path)
		if err != nil {
			b.logf("profile %s: %v", path, err)
			return
		}
		defer res.Body.Close()
		f, err := os.Create(file)
		if err != nil {
			b.logf("profile %s: %v", file, err)
			return
		}
		defer f.Close()
		_, _ = io.Copy(f, res.Body)
	}
	fetch("/debug/pprof/allocs", base+".allocs.before.pb.gz")
	secs := max(1, int(b.o.Duration.Seconds()))
	done := make(chan struct{})
	go func() {
		fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), base+".cpu.pb.gz")
		close(done)
	}()
	return func() {
		<-done
		fetch("/debug/pprof/allocs", base+".allocs.after.pb.gz")
	}
}

func slug(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out = append(out, r)
		case r >= 'A' && r <= 'Z':
			out = append(out, r+'a'-'A')
		default:
			if len(out) > 0 && out[len(out)-1] != '-' {
				out = append(out, '-')
			}
		}
	}
	return string(out)
}
