package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/testdb"
)

func TestMain(m *testing.M) {
	auth.UseFastHashesForTests() // the seeded hash, and so every bench login
	os.Exit(testdb.Main(m))
}

// TestSmoke runs the whole harness at a tiny scale for a few seconds, so it
// never rots: the dataset seeds, the server starts, every path answers 2xx
// and every ratio and query count is computed. It asserts no performance
// number: that is `make bench`'s job, on a quiet machine.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary: not part of the quick loop (make test-unit)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	res, err := Run(ctx, Options{Orgs: 12, Duration: 400 * time.Millisecond, Warmup: 100 * time.Millisecond,
		Concurrency: 4, DashboardConc: 2, MixedConc: 8, Sessions: 3,
		DatabaseURL: testdb.New(t), WorkDir: t.TempDir(), Log: &log})
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, log.String())
	}
	var table bytes.Buffer
	res.Print(&table)
	t.Log(table.String())

	if res.Seed.Orgs != 12 || res.Seed.Assessments != 12*CyclesPerOrg || res.Seed.Answers != 12*CyclesPerOrg*27 ||
		res.Seed.Results != 12*(CyclesPerOrg-1) {
		t.Errorf("seed: %+v", res.Seed)
	}
	want := []string{nameStatic, nameLogin, nameCategory, nameReport, nameUpsert, nameSave, nameSave2, nameDashSQLAll, nameDashAdmin,
		nameDashSQLTop, nameDashTop, nameBenchSQL, nameBenchAPI, nameFileDown, nameEvDown, nameFileUp, nameEvUp, nameMixed}
	rows := map[string]Row{}
	for _, r := range res.Rows {
		rows[r.Name] = r
	}
	for _, name := range want {
		r, ok := rows[name]
		switch {
		case !ok:
			t.Errorf("%s: not measured", name)
		case r.Status != statusOK:
			t.Errorf("%s: %s", name, r.Status)
		case r.Requests == 0 || r.RPS <= 0 || r.P50 <= 0:
			t.Errorf("%s: no requests measured: %+v", name, r.Stats)
		case r.Errors > 0:
			t.Errorf("%s: %d of %d requests failed, first: %s", name, r.Errors, r.Requests, r.FirstError)
		case r.Baseline != "" && r.Ratio <= 0:
			t.Errorf("%s: no ratio to %s", name, r.Baseline)
		case r.Kind == kindPath && r.Queries < 0:
			t.Errorf("%s: the server reported no query count", name)
		}
	}
	// The pages read the database; the static asset and the anonymous
	// sign-in page do not.
	for _, name := range []string{nameCategory, nameReport, nameSave, nameDashAdmin, nameDashTop, nameBenchAPI} {
		if q := rows[name].Queries; q < 1 {
			t.Errorf("%s: %d queries per request", name, q)
		}
	}
	if q := rows[nameStatic].Queries; q != 0 {
		t.Errorf("%s: %d queries per request, want 0", nameStatic, q)
	}
	if len(res.QueryScaling) != 3 {
		t.Errorf("query scaling probes: %+v", res.QueryScaling)
	}
	for _, c := range res.Checks {
		if c.Result == "n/a" || c.Value == "" {
			t.Errorf("check %q was not made: %+v", c.Name, c)
		}
	}
	// (VmHWM is updated lazily by the kernel: it may trail a VmRSS sample.)
	if res.MixedRSSKB <= 0 || res.PeakRSSKB <= 0 {
		t.Errorf("RSS: mixed %d kB, peak %d kB", res.MixedRSSKB, res.PeakRSSKB)
	}
}
