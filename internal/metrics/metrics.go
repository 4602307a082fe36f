package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mamori/internal/middleware"
)

// Metrics is the server's Prometheus instrumentation. Each server has its own
// registry (no globals), so tests can run many servers in one process.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New registers the request metrics, the Go runtime's and the process's, and
// the connection pool's when poolStat is not nil (it reads the pool's
// statistics at each scrape).
func New(poolStat func() *pgxpool.Stat) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mamori_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mamori_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if poolStat != nil {
		m.reg.MustRegister(poolCollector{poolStat})
	}
	return m
}

// Measure counts every request under its route pattern (not its path: ids
// in paths would make a series per assessment). Requests that match no
// route count as "unmatched".
func (m *Metrics) Measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := chimw.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
			m.latency.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(ww, r)
	})
}

// Handler serves the metrics to whoever holds token or, when token is empty,
// to callers on this machine only.
func (m *Metrics) Handler(token string) http.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request) {
		if !Allowed(r, token) {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	}
}

// Allowed tells whether the caller may read operational detail: it holds
// token (MAMORI_METRICS_TOKEN) or, when none is configured, it is on this
// machine and not behind a proxy.
func Allowed(r *http.Request, token string) bool {
	if token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		// Compare digests: equal lengths, so the comparison's time reveals
		// neither the token nor its length.
		a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(token))
		return ok && subtle.ConstantTimeCompare(a[:], b[:]) == 1
	}
	// Behind a reverse proxy every request comes from loopback: one that
	// carries forwarding headers came from elsewhere.
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	return middleware.FromLoopback(r)
}

// poolCollector reports the database connection pool (pgxpool.Stat) at
// each scrape.
type poolCollector struct{ stat func() *pgxpool.Stat }

var (
	poolAcquired     = prometheus.NewDesc("mamori_db_pool_acquired_connections", "Connections in use.", nil, nil)
	poolIdle         = prometheus.NewDesc("mamori_db_pool_idle_connections", "Idle connections.", nil, nil)
	poolTotal        = prometheus.NewDesc("mamori_db_pool_total_connections", "Open connections.", nil, nil)
	poolMax          = prometheus.NewDesc("mamori_db_pool_max_connections", "The pool's size limit.", nil, nil)
	poolAcquires     = prometheus.NewDesc("mamori_db_pool_acquires_total", "Successful connection acquisitions.", nil, nil)
	poolEmptyAcq     = prometheus.NewDesc("mamori_db_pool_empty_acquires_total", "Acquisitions that had to wait for a connection.", nil, nil)
	poolCanceledAcq  = prometheus.NewDesc("mamori_db_pool_canceled_acquires_total", "Acquisitions abandoned (request ended or timed out).", nil, nil)
	poolAcquireTime  = prometheus.NewDesc("mamori_db_pool_acquire_seconds_total", "Time spent acquiring connections.", nil, nil)
	poolNewConns     = prometheus.NewDesc("mamori_db_pool_new_connections_total", "Connections opened.", nil, nil)
	poolDestroyed    = prometheus.NewDesc("mamori_db_pool_lifetime_destroyed_total", "Connections closed for their age.", nil, nil)
	poolIdleDestroys = prometheus.NewDesc("mamori_db_pool_idle_destroyed_total", "Connections closed for idleness.", nil, nil)
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolEmptyAcq,
		poolCanceledAcq, poolAcquireTime, poolNewConns, poolDestroyed, poolIdleDestroys} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(st.AcquiredConns()))
	gauge(poolIdle, float64(st.IdleConns()))
	gauge(poolTotal, float64(st.TotalConns()))
	gauge(poolMax, float64(st.MaxConns()))
	counter(poolAcquires, float64(st.AcquireCount()))
	counter(poolEmptyAcq, float64(st.EmptyAcquireCount()))
	counter(poolCanceledAcq, float64(st.CanceledAcquireCount()))
	counter(poolAcquireTime, st.AcquireDuration().Seconds())
	counter(poolNewConns, float64(st.NewConnsCount()))
	counter(poolDestroyed, float64(st.MaxLifetimeDestroyCount()))
	counter(poolIdleDestroys, float64(st.MaxIdleDestroyCount()))
}
