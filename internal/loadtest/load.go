package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// The load generator is closed-loop: a fixed number of workers, each sending
// its next request as soon as the previous one is answered, for a fixed
// time. That is "fixed concurrency" as the issue asks; throughput is what
// the server sustains at that concurrency. Every latency is kept and sorted,
// so percentiles are exact rather than estimated.

// Op is one request (or one baseline operation) by worker w, its seq-th.
type Op func(ctx context.Context, w, seq int) (Obs, error)

// Obs is what one operation reports beyond its time: the SQL statements it
// cost when known (else -1) and the response body's size.
type Obs struct {
	Queries int
	Bytes   int64
}

// Stats is the outcome of one load phase.
type Stats struct {
	Concurrency int           `json:"concurrency"`
	Requests    int           `json:"requests"`
	Errors      int           `json:"errors"`
	FirstError  string        `json:"first_error,omitempty"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	RPS         float64       `json:"rps"`
	P50         time.Duration `json:"p50_ns"`
	P95         time.Duration `json:"p95_ns"`
	P99         time.Duration `json:"p99_ns"`
	Max         time.Duration `json:"max_ns"`
	// Queries per request as the server reported them (X-Mamori-Queries):
	// the most frequent count and the largest; -1 when not reported.
	Queries    int `json:"queries"`
	QueriesMax int `json:"queries_max"`
	// AvgBytes is the mean response body size.
	AvgBytes int64 `json:"avg_bytes"`
}

type workerResult struct {
	lat     []time.Duration
	bytes   int64
	errs    int
	firstEr error
	queries map[int]int
}

// Load runs op with conc workers: warmup first (not recorded), then for dur.
func Load(ctx context.Context, conc int, warmup, dur time.Duration, op Op) Stats {
	if warmup > 0 {
		loop(ctx, conc, warmup, op, false)
	}
	start := time.Now()
	res := loop(ctx, conc, dur, op, true)
	st := Stats{Concurrency: conc, Elapsed: time.Since(start), Queries: -1, QueriesMax: -1}
	var lat []time.Duration
	queries := map[int]int{}
	var bytes int64
	for _, r := range res {
		lat = append(lat, r.lat...)
		bytes += r.bytes
		st.Errors += r.errs
		if r.firstEr != nil && st.FirstError == "" {
			st.FirstError = r.firstEr.Error()
		}
		for q, n := range r.queries {
			queries[q] += n
		}
	}
	st.Requests = len(lat)
	if st.Requests == 0 {
		return st
	}
	slices.Sort(lat)
	st.RPS = float64(st.Requests) / st.Elapsed.Seconds()
	st.AvgBytes = bytes / int64(st.Requests)
	st.P50, st.P95, st.P99, st.Max = pct(lat, 50), pct(lat, 95), pct(lat, 99), lat[len(lat)-1]
	best := 0
	for q, n := range queries {
		if n > best || (n == best && q < st.Queries) {
			st.Queries, best = q, n
		}
		st.QueriesMax = max(st.QueriesMax, q)
	}
	return st
}

// pct is the nearest-rank percentile of sorted latencies.
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}

func loop(ctx context.Context, conc int, dur time.Duration, op Op, record bool) []workerResult {
	deadline := time.Now().Add(dur)
	res := make([]workerResult, conc)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			r := &res[w]
			r.queries = map[int]int{}
			for seq := 0; time.Now().Before(deadline) && ctx.Err() == nil; seq++ {
				t0 := time.Now()
				o, err := op(ctx, w, seq)
				d := time.Since(t0)
				if !record {
					continue
				}
				r.lat = append(r.lat, d)
				if err != nil {
					r.errs++
					if r.firstEr == nil {
						r.firstEr = err
					}
				}
				r.bytes += o.Bytes
				if o.Queries >= 0 {
					r.queries[o.Queries]++
				}
			}
		})
	}
	wg.Wait()
	return res
}

// errStatus is a response with an unexpected status.
type errStatus struct {
	method, path string
	status       int
}

func (e errStatus) Error() string { return fmt.Sprintf("%s %s: status %d", e.method, e.path, e.status) }

// do sends req, reads the body to the end and checks the status. It
// returns the server's statement count for the request (-1 when absent).
func do(client *http.Client, req *http.Request, want int) (Obs, error) {
	o := Obs{Queries: -1}
	res, err := client.Do(req)
	if err != nil {
		return o, err
	}
	o.Bytes, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if h := res.Header.Get("X-Mamori-Queries"); h != "" {
		o.Queries, _ = strconv.Atoi(h)
	}
	if err != nil {
		return o, err
	}
	if res.StatusCode != want {
		return o, errStatus{req.Method, req.URL.Path, res.StatusCode}
	}
	return o, nil
}

// statusOf returns the status of an errStatus, or 0.
func statusOf(err error) int {
	var e errStatus
	if errors.As(err, &e) {
		return e.status
	}
	return 0
}
