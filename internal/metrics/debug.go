package metrics

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync/atomic"

	"github.com/go-chi/chi/v5"

	"mamori/internal/middleware"
	"mamori/internal/store"
)

// QueryCountHeader names the response header with the request's SQL count.
const QueryCountHeader = "X-Mamori-Queries"

// MountDebug adds the measurement aids that are turned on to r. It runs
// before any route is added (chi wants middleware first).
func MountDebug(r chi.Router, log *slog.Logger, queryCount, pprofOn bool) {
	if queryCount {
		r.Use(countQueries)
	}
	if pprofOn {
		log.Warn("pprof enabled on /debug/pprof/ for loopback callers (MAMORI_DEBUG_PPROF)")
		r.Route("/debug/pprof", func(r chi.Router) {
			r.Use(middleware.LoopbackOnly)
			r.HandleFunc("/cmdline", pprof.Cmdline)
			r.HandleFunc("/profile", pprof.Profile)
			r.HandleFunc("/symbol", pprof.Symbol)
			r.HandleFunc("/trace", pprof.Trace)
			r.HandleFunc("/*", pprof.Index) // index, heap, allocs, goroutine, ...
		})
	}
}

// countQueries gives the request a statement counter and reports it in
// QueryCountHeader when the response header is written. Pages and JSON are
// rendered after their data is loaded, so the count is complete then.
func countQueries(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, n := store.CountQueries(r.Context())
		next.ServeHTTP(&countingWriter{ResponseWriter: w, n: n}, r.WithContext(ctx))
	})
}

type countingWriter struct {
	http.ResponseWriter
	n     *atomic.Int64
	wrote bool
}

func (w *countingWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set(QueryCountHeader, strconv.FormatInt(w.n.Load(), 10))
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
