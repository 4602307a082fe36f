package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"mamori/internal/demo"
	"mamori/internal/mailer"
	"mamori/internal/server"
)

func cmdServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	cfg, err := env.config()
	if err != nil {
		return err
	}
	log := env.logger(cfg)
	st, _, closeDB, err := env.openDB(ctx, cfg, log, cfg.AutoMigrate && !*noMigrate)
	if err != nil {
		return err
	}
	defer closeDB()
	// The peer benchmark reads maintained sums: build them once after the
	// migration that introduced them.
	t0 := time.Now()
	if built, err := st.EnsurePeerStats(ctx); err != nil {
		return err
	} else if built {
		log.Info("benchmark sums built", "seconds", time.Since(t0).Seconds())
	}
	// So does the dashboard (its per-organisation summaries and counts).
	t0 = time.Now()
	if built, err := st.EnsureDashboard(ctx); err != nil {
		return err
	} else if built {
		log.Info("dashboard summaries built", "seconds", time.Since(t0).Seconds())
	}
	if cfg.DemoSeed {
		logins, err := demo.Seed(ctx, st)
		if err != nil {
			return err
		}
		fmt.Fprint(env.stdout, demo.Describe(logins, "http://"+cfg.Addr))
	}

	if n := server.RemoveStaleUploads(os.TempDir(), time.Hour); n > 0 {
		log.Info("removed the temporary files of interrupted evidence uploads", "files", n)
	}
	// Background jobs (notification email) on River, in this instance.
	m, err := mailer.New(cfg, st, log)
	if err != nil {
		return err
	}
	jobs, err := mailer.Start(ctx, st, m)
	if err != nil {
		return err
	}
	defer func() {
		jctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := jobs.Stop(jctx); err != nil {
			log.Warn("jobs not stopped cleanly", "err", err)
		}
	}()

	srv := server.New(cfg, st, log)
	httpSrv := srv.HTTPServer(cfg.Addr)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go srv.Sweep(sweepCtx, 10*time.Minute)
	// The organisation cache is used only while this listener is up.
	go st.ListenForChanges(sweepCtx, log)

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	log.Info("mamori serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Drain: stop accepting, let in-flight requests finish.
	log.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
