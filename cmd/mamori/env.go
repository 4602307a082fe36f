package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"mamori/internal/blobstore"
	"mamori/internal/config"
	"mamori/internal/pgembed"
	"mamori/internal/store"
)

// cliEnv is what every command gets: the environment, the standard streams,
// and (opened on demand) the database.
type cliEnv struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func (e *cliEnv) config() (config.Config, error) { return config.FromEnv(e.getenv) }

// logger writes JSON lines when stderr is not a terminal, text otherwise.
func (e *cliEnv) logger(cfg config.Config) *slog.Logger {
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := e.stderr.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(e.stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(e.stderr, nil))
}

// openDB connects to DATABASE_URL, or starts the embedded cluster under the
// data directory when there is none. close stops what openDB started.
func (e *cliEnv) openDB(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (st *store.Store, url string, closeFn func(), err error) {
	url = cfg.DatabaseURL
	stopCluster := func() {}
	if url == "" {
		dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "postgres"))
		if err != nil {
			return nil, "", nil, fmt.Errorf("data dir: %w", err)
		}
		c, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir, Logger: log})
		if err != nil {
			return nil, "", nil, fmt.Errorf("embedded postgres: %w", err)
		}
		if !c.Reused() {
			stopCluster = func() {
				sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := c.Stop(sctx); err != nil {
					log.Error("embedded postgres stop failed", "err", err)
				}
			}
		}
		if err := c.EnsureDatabase(ctx, "mamori"); err != nil {
			stopCluster()
			return nil, "", nil, err
		}
		url = c.URL("mamori")
	}
	if migrate {
		if err := store.MigrateUp(url); err != nil {
			stopCluster()
			return nil, "", nil, err
		}
	}
	var opts []store.Option
	if cfg.DebugQueryCount {
		opts = append(opts, store.WithTracer(store.QueryCountTracer{}))
	}
	st, err = store.Open(ctx, url, opts...)
	if err != nil {
		stopCluster()
		return nil, "", nil, err
	}
	closeBlobs := func() {}
	if cfg.BlobURL != "" { // evidence contents in object storage
		b, err := blobstore.Open(ctx, cfg.BlobURL)
		if err != nil {
			st.Close()
			stopCluster()
			return nil, "", nil, err
		}
		st.UseBlobs(b)
		closeBlobs = func() { _ = b.Close() }
	}
	return st, url, func() { st.Close(); closeBlobs(); stopCluster() }, nil
}
