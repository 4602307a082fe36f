package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

const (
	kindPath     = "path"
	kindBaseline = "baseline"

	statusOK      = "ok"
	statusMissing = "missing"
)

// Results is one run of the harness, as printed and as written to JSON.
type Results struct {
	Machine      Machine        `json:"machine"`
	Options      optionsSummary `json:"options"`
	Seed         seedSummary    `json:"seed"`
	Rows         []Row          `json:"rows"`
	QueryScaling []QueryProbe   `json:"query_scaling"`
	MixedRSSKB   int            `json:"mixed_peak_rss_kb"` // largest VmRSS sampled in the mixed phase
	PeakRSSKB    int            `json:"peak_rss_kb"`       // VmHWM of the server at the end
	// UploadRSSRiseKB is how much the server's VmRSS rose while 8 clients
	// uploaded 20 MiB evidence files at once.
	UploadRSSRiseKB *int      `json:"upload_rss_rise_kb,omitempty"` // nil when not measured (-only)
	Checks          []Check   `json:"checks"`
	ServerLog       string    `json:"server_log"`
	Started         time.Time `json:"started"`
}

// Row is one measured path or baseline.
type Row struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Status   string `json:"status"` // ok, missing, failed: ...
	Baseline string `json:"baseline,omitempty"`
	Stats
	CPU         CPU     `json:"cpu_per_request"`
	BaselineRPS float64 `json:"baseline_rps,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
	Target      string  `json:"target,omitempty"`
	Result      string  `json:"result,omitempty"` // PASS, FAIL, or "" without a target
}

// QueryProbe is one request's statement count for a scope of a given size.
type QueryProbe struct {
	Path    string `json:"path"`
	Orgs    int    `json:"orgs"`
	Queries int    `json:"queries"`
	Err     string `json:"error,omitempty"`
}

// Check is a target that is not one row's: memory, query scaling.
type Check struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Target string `json:"target"`
	Result string `json:"result"`
}

type optionsSummary struct {
	Orgs          int     `json:"orgs"`
	DurationS     float64 `json:"duration_s"`
	WarmupS       float64 `json:"warmup_s"`
	Concurrency   int     `json:"concurrency"`
	DashboardConc int     `json:"dashboard_concurrency"`
	MixedConc     int     `json:"mixed_concurrency"`
	Sessions      int     `json:"sessions"`
}

type seedSummary struct {
	Orgs        int     `json:"orgs"`
	Holdings    int     `json:"holdings"`
	HoldingOrgs int     `json:"holding_orgs"`
	Assessments int     `json:"assessments"`
	Answers     int     `json:"answers"`
	Results     int     `json:"results"`
	Users       int     `json:"users"`
	Seconds     float64 `json:"seconds"`
	Reused      bool    `json:"reused,omitempty"` // kept from an earlier run (-keep-data)
}

// Machine says where the numbers come from.
type Machine struct {
	CPU        string `json:"cpu"`
	CPUs       int    `json:"cpus"`
	MemoryMB   int    `json:"memory_mb"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	PostgreSQL string `json:"postgresql"`
}

func describeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
				m.MemoryMB = kb / 1024
			}
		}
	}
	return m
}

// target is a row's goal: a description and a test.
type target struct {
	desc string
	ok   func(r Row) bool
}

// large is the dataset size from which the 10,000-organisation targets
// apply (make bench SCALE=10).
const large = 5000

// targetsFor are the goals of each row at a dataset of orgs organisations
// (docs/performance.md has the table).
func targetsFor(orgs int) map[string]target {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	report, dash, mixed := 50, 100, 500
	if orgs >= large {
		report, dash, mixed = 60, 150, 1000
	}
	return map[string]target{
		nameCategory: {"≥25% of static, p99 < 50 ms", func(r Row) bool { return r.Ratio >= 0.25 && r.P99 < ms(50) }},
		nameSave:     {"≥30% of upsert, p99 < 30 ms", func(r Row) bool { return r.Ratio >= 0.3 && r.P99 < ms(30) }},
		nameReport:   {fmt.Sprintf("p95 < %d ms", report), func(r Row) bool { return r.P95 < ms(report) }},
		nameDashTop:  {fmt.Sprintf("p95 < %d ms", dash), func(r Row) bool { return r.P95 < ms(dash) }},
		nameBenchAPI: {"p95 < 30 ms", func(r Row) bool { return r.P95 < ms(30) }},
		nameMixed:    {fmt.Sprintf("0 errors, p99 < %d ms", mixed), func(r Row) bool { return r.P99 < ms(mixed) }},
	}
}

// evaluate fills in the ratios, the targets and the checks.
func (res *Results) evaluate() {
	rps := map[string]float64{}
	for _, r := range res.Rows {
		if r.Status == statusOK {
			rps[r.Name] = r.RPS
		}
	}
	for i := range res.Rows {
		r := &res.Rows[i]
		if r.Baseline != "" && r.Status == statusOK && rps[r.Baseline] > 0 {
			r.BaselineRPS = rps[r.Baseline]
			r.Ratio = r.RPS / r.BaselineRPS
		}
		t, ok := targetsFor(res.Seed.Orgs)[r.Name]
		if !ok {
			continue
		}
		r.Target = t.desc
		switch {
		case r.Status != statusOK:
			r.Result = "n/a"
		case t.ok(*r) && r.Errors == 0:
			r.Result = "PASS"
		default:
			r.Result = "FAIL"
		}
	}
	rssMB := 150
	if res.Seed.Orgs >= large {
		rssMB = 200
	}
	rss := Check{Name: fmt.Sprintf("server peak RSS, %d clients", res.Options.MixedConc),
		Value:  fmt.Sprintf("%.0f MB (VmHWM over the run %.0f MB)", float64(res.MixedRSSKB)/1024, float64(res.PeakRSSKB)/1024),
		Target: fmt.Sprintf("< %d MB", rssMB), Result: passIf(res.MixedRSSKB < rssMB*1024)}
	if res.MixedRSSKB == 0 { // the mixed phase did not run (-only)
		rss.Value, rss.Result = "not measured", "n/a"
	}
	res.Checks = append(res.Checks, rss)
	up := Check{Name: fmt.Sprintf("server RSS rise, %d clients uploading %d MiB evidence files", rssUploaders, rssUploadSize>>20),
		Value: "not measured", Target: "< 40 MiB", Result: "n/a"}
	if kb := res.UploadRSSRiseKB; kb != nil {
		up.Value, up.Result = fmt.Sprintf("%.1f MB", float64(*kb)/1024), passIf(*kb < 40*1024)
	}
	res.Checks = append(res.Checks, up)
	q := Check{Name: "dashboard queries per request by organisations in view", Target: "constant", Result: "n/a"}
	if len(res.QueryScaling) > 0 {
		var parts []string
		same := true
		for _, p := range res.QueryScaling {
			parts = append(parts, fmt.Sprintf("%d orgs: %d", p.Orgs, p.Queries))
			same = same && p.Err == "" && p.Queries >= 0 && p.Queries == res.QueryScaling[0].Queries
		}
		q.Value, q.Result = strings.Join(parts, ", "), passIf(same)
	}
	res.Checks = append(res.Checks, q)
}

func passIf(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// Print writes the table.
func (res *Results) Print(w io.Writer) {
	m, s := res.Machine, res.Seed
	fmt.Fprintf(w, "\nMamori load harness — %s, %d CPUs, %d MB, %s, PostgreSQL %s\n", m.CPU, m.CPUs, m.MemoryMB, m.Go, m.PostgreSQL)
	seeded := fmt.Sprintf("seeded in %.1fs", s.Seconds)
	if s.Reused {
		seeded = "seeded by an earlier run (-keep-data)"
	}
	fmt.Fprintf(w, "dataset: %d organisations (%d holdings, %d in the first), %d assessments, %d answers, %d frozen results, %d users; %s\n",
		s.Orgs, s.Holdings, s.HoldingOrgs, s.Assessments, s.Answers, s.Results, s.Users, seeded)
	fmt.Fprintf(w, "each path: %gs warm-up, %gs measured, closed loop at fixed concurrency\n\n", res.Options.WarmupS, res.Options.DurationS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\tc\treq/s\tp50 ms\tp95 ms\tp99 ms\terrors\tKB\tbaseline\tbase req/s\tratio\tq/req\tcpu ms/req srv+pg+cli\tother\ttarget\tresult\t")
	for _, r := range res.Rows {
		if r.Status != statusOK {
			fmt.Fprintf(tw, "%s\t\t%s\t\t\t\t\t\t%s\t\t\t\t\t\t%s\t%s\t\n", r.Name, r.Status, r.Baseline, r.Target, r.Result)
			continue
		}
		ratio, base := "", ""
		if r.Ratio > 0 {
			ratio, base = fmt.Sprintf("%.2f", r.Ratio), fmt.Sprintf("%.0f", r.BaselineRPS)
		}
		c := r.CPU
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f+%.2f+%.2f\t%.0f%%\t%s\t%s\t\n", r.Name, r.Concurrency, r.RPS,
			ms(r.P50), ms(r.P95), ms(r.P99), r.Errors, kb(r.AvgBytes), r.Baseline, base, ratio, queries(r), c.ServerMS, c.PGMS, c.ClientMS, c.OtherPct,
			r.Target, r.Result)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, c := range res.Checks {
		fmt.Fprintf(w, "%-55s %-45s target %-10s %s\n", c.Name, c.Value, c.Target, c.Result)
	}
}

func kb(n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(n)/1024)
}

func queries(r Row) string {
	switch {
	case r.Queries < 0:
		return "-"
	case r.QueriesMax > r.Queries:
		return fmt.Sprintf("%d (≤%d)", r.Queries, r.QueriesMax)
	}
	return strconv.Itoa(r.Queries)
}

// WriteJSON writes the results to path.
func (res *Results) WriteJSON(path string) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
