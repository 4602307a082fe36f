// Package metrics measures the running server: Prometheus metrics of the
// requests and the database pool (/metrics), and the load harness's
// measurement aids, which are off unless configured (docs/performance.md):
//
//   - MAMORI_DEBUG_QUERY_COUNT: every response carries X-Mamori-Queries, the
//     number of SQL statements (BEGIN and COMMIT included) the request sent.
//     The store must be opened with store.WithTracer(store.QueryCountTracer{}).
//   - MAMORI_DEBUG_PPROF: net/http/pprof under /debug/pprof/, answered only
//     to callers on the loopback interface (and 404 to everyone else, proxy
//     headers notwithstanding).
package metrics
