package main

import (
	"context"
	"net/http"
	"runtime"
	"time"

	"mamori/internal/store"
)

// Row names.
const (
	nameStatic      = "static asset"
	nameLogin       = "login page"
	nameCategory    = "category page"
	nameReport      = "report page"
	nameUpsert      = "bare upsert (pgx)"
	nameSave        = "answer save (htmx)"
	nameSave2       = "answer save, 2 instances"
	nameDashSQLAll  = "dashboard SQL, all orgs"
	nameDashAdmin   = "dashboard (admin)"
	nameDashSQLTop  = "dashboard SQL, manager"
	nameDashTop     = "dashboard (top manager)"
	nameDashHolding = "dashboard (holding manager)"
	nameBenchSQL    = "benchmark SQL"
	nameBenchAPI    = "benchmark API"
	nameMixed       = "mixed, all paths"
)

// measure runs every phase in turn, each baseline right before the path
// compared with it, so both see the same machine state.
func (b *bench) measure(ctx context.Context, res *Results) error {
	o := b.o
	missing := map[string]bool{}
	run := func(name, kind string, conc int, op Op, baseline string) {
		if !o.selected(name) {
			return
		}
		row := b.phase(ctx, name, kind, conc, op)
		row.Baseline = baseline
		if row.Status == statusMissing {
			missing[name] = true
		}
		res.Rows = append(res.Rows, row)
	}
	c, dc := o.Concurrency, o.DashboardConc

	run(nameStatic, kindBaseline, c, b.staticOp(), "")
	run(nameLogin, kindPath, c, b.loginPageOp(), nameStatic)
	run(nameCategory, kindPath, c, b.categoryOp(), nameStatic)
	run(nameReport, kindPath, c, b.reportOp(), nameStatic)

	upsert, closeUpsert, err := b.upsertOp(ctx, c)
	if err != nil {
		return err
	}
	run(nameUpsert, kindBaseline, c, upsert, "")
	closeUpsert()
	// Saves at half the clients (32 by default), and the same load split
	// over two instances of the server: nothing may serialise them.
	sc := max(1, c/2)
	save, err := b.saveOp(ctx, sc)
	if err != nil {
		return err
	}
	run(nameSave, kindPath, sc, save, nameUpsert)
	if o.selected(nameSave2) && !missing[nameSave] {
		if b.second == nil {
			if b.second, err = b.startSecond(ctx); err != nil {
				return err
			}
		}
		save2, err := b.saveOp(ctx, sc, b.srv, b.second)
		if err != nil {
			return err
		}
		run(nameSave2, kindPath, sc, save2, nameSave)
	}

	run(nameDashSQLAll, kindBaseline, dc, b.dashboardSQLOp(store.OrgScope{All: true}), "")
	run(nameDashAdmin, kindPath, dc, b.dashboardOp(b.admin), nameDashSQLAll)
	run(nameDashSQLTop, kindBaseline, dc, b.dashboardSQLOp(store.OrgScope{OrgIDs: b.topVisible}), "")
	run(nameDashTop, kindPath, dc, b.dashboardOp(b.top), nameDashSQLTop)

	run(nameBenchSQL, kindBaseline, c, b.benchmarkSQLOp(), "")
	run(nameBenchAPI, kindPath, c, b.benchmarkOp(), nameBenchSQL)

	// Queries per request must not grow with the organisations in view:
	// one request each for a holding manager (one holding), the top manager
	// and the administrator (every organisation).
	if !missing[nameDashTop] && o.selected(nameDashTop) {
		for _, p := range []struct {
			name string
			c    any
			orgs int
		}{{nameDashHolding, b.holdingMgr, len(b.holdVisible)}, {nameDashTop, b.top, len(b.topVisible)}, {nameDashAdmin, b.admin, b.ds.Orgs}} {
			// The second request: the first of a while may also touch the
			// session (once a minute), which is not the page's cost.
			op := b.dashboardOp(p.c.(*http.Cookie))
			_, _ = op(ctx, 0, 0)
			ob, err := op(ctx, 0, 0)
			res.QueryScaling = append(res.QueryScaling, QueryProbe{Path: p.name, Orgs: p.orgs, Queries: ob.Queries, Err: errText(err)})
		}
	}

	if err := b.evidenceRows(ctx, run); err != nil {
		return err
	}
	if o.selected(nameEvUp) {
		kb, err := b.uploadRSS(ctx)
		if err != nil {
			return err
		}
		res.UploadRSSRiseKB = &kb
	}

	mixed, err := b.mixedOp(ctx, o.MixedConc, missing)
	if err != nil {
		return err
	}
	if !o.selected(nameMixed) {
		return nil
	}
	sampler := sampleRSS(b.srv.cmd.Process.Pid, 50*time.Millisecond)
	run(nameMixed, kindPath, o.MixedConc, mixed, "")
	res.MixedRSSKB = sampler.Stop()
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// phase probes a path once (a 404 means it does not exist yet: reported as
// missing, not measured), then loads it.
func (b *bench) phase(ctx context.Context, name, kind string, conc int, op Op) Row {
	row := Row{Name: name, Kind: kind, Status: statusOK}
	if _, err := op(ctx, 0, 0); err != nil {
		switch st := statusOf(err); st {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			row.Status = statusMissing
			b.logf("%-28s missing (%d): not measured", name, st)
		default:
			row.Status = "failed: " + err.Error()
			b.logf("%-28s failed its first request: %v", name, err)
		}
		return row
	}
	if b.o.Warmup > 0 {
		Load(ctx, conc, 0, b.o.Warmup, op)
	}
	stop := b.startProfile(name)
	before := b.meter.read()
	row.Stats = Load(ctx, conc, 0, b.o.Duration, op)
	row.CPU = cpuPerRequest(b.meter.read().sub(before), row.Requests, row.Elapsed, runtime.NumCPU())
	stop()
	b.logf("%-28s c=%-3d %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  cpu ms/req server %.2f pg %.2f client %.2f, other %.0f%%",
		name, conc, row.RPS, ms(row.P50), ms(row.P99), row.Errors, row.CPU.ServerMS, row.CPU.PGMS, row.CPU.ClientMS, row.CPU.OtherPct)
	if row.Errors > 0 {
		b.logf("%-28s first error: %s", name, row.FirstError)
	}
	return row
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
