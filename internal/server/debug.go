package server

import (
	"context"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
)

// Measurement aids for the load harness (internal/loadtest,
// docs/performance.md). Both are off unless configured; when off, nothing
// here is mounted and no request pays for them.
//
//   - MAMORI_DEBUG_QUERY_COUNT: every response carries X-Mamori-Queries, the
//     number of SQL statements (BEGIN and COMMIT included) the request sent.
//     The store must be opened with store.WithTracer(QueryCountTracer{}).
//   - MAMORI_DEBUG_PPROF: net/http/pprof under /debug/pprof/, answered only
//     to callers on the loopback interface (and 404 to everyone else, proxy
//     headers notwithstanding).

// QueryCountHeader names the response header with the request's SQL count.
const QueryCountHeader = "X-Mamori-Queries"

type queryCountKey struct{}

// QueryCountTracer is a pgx.QueryTracer that counts each statement against
// the request whose context it runs in. Statements outside a request (the
// session sweep, startup) are not counted.
type QueryCountTracer struct{}

var _ pgx.QueryTracer = QueryCountTracer{}

// TraceQueryStart counts one statement for the request in ctx, if any.
func (QueryCountTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if n, ok := ctx.Value(queryCountKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return ctx
}

// TraceQueryEnd does nothing.
func (QueryCountTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// mountDebug adds the configured measurement aids to r. It runs before any
// route is added (chi wants middleware first).
func (s *Server) mountDebug(r chi.Router) {
	if s.cfg.DebugQueryCount {
		r.Use(countQueries)
	}
	if s.cfg.DebugPprof {
		s.log.Warn("pprof enabled on /debug/pprof/ for loopback callers (MAMORI_DEBUG_PPROF)")
		r.Route("/debug/pprof", func(r chi.Router) {
			r.Use(loopbackOnly)
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
		n := new(atomic.Int64)
		cw := &countingWriter{ResponseWriter: w, n: n}
		next.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), queryCountKey{}, n)))
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

// loopbackOnly answers 404 to callers not on the loopback interface. It
// looks at the connection's address only: a forwarded-for header is the
// client's claim, not a fact.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
