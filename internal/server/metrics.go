package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mamori/internal/store"
)

// metrics is the server's Prometheus instrumentation. Each Server has its own
// registry (no globals), so tests can run many servers in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func (s *Server) newMetrics() *metrics {
	m := &metrics{
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
	if s.store != nil {
		m.reg.MustRegister(poolCollector{s.store})
	}
	return m
}

// measure counts every request under its route pattern (not its path: ids
// in paths would make a series per assessment). Requests that match no
// route count as "unmatched".
func (m *metrics) measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
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

// handleMetrics serves the metrics to whoever holds MAMORI_METRICS_TOKEN
// or, when no token is configured, to callers on this machine only.
func (s *Server) handleMetrics(m *metrics) http.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.metricsAllowed(r) {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	}
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	if want := s.cfg.MetricsToken; want != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		// Compare digests: equal lengths, so the comparison's time reveals
		// neither the token nor its length.
		a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
		return ok && subtle.ConstantTimeCompare(a[:], b[:]) == 1
	}
	// Behind a reverse proxy every request comes from loopback: one that
	// carries forwarding headers came from elsewhere.
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// poolCollector reports the database connection pool (pgxpool.Stat) at
// each scrape.
type poolCollector struct{ store *store.Store }

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
	st := c.store.PoolStat()
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
