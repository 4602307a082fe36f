package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Where each phase's CPU went: the server, PostgreSQL (the postmaster and
// its backends), the harness itself (the load generator and the baseline
// loops), and everything else on the machine. On a shared 2-core machine
// "other" says how much the numbers were disturbed.

const clockTick = 100 // USER_HZ: /proc times are in 1/100 s on Linux

type cpuSnap struct {
	server, pg, client, busy time.Duration
}

func (a cpuSnap) sub(b cpuSnap) cpuSnap {
	return cpuSnap{a.server - b.server, a.pg - b.pg, a.client - b.client, a.busy - b.busy}
}

// cpuMeter reads the counters.
type cpuMeter struct {
	server, postmaster int // pids; 0 when unknown
}

// postmasterPID finds the database server's pid from its data directory
// (readable when the harness runs as the cluster's owner or root).
func postmasterPID(ctx context.Context, pool *pgxpool.Pool) int {
	var dir string
	if err := pool.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return pid
}

// procStat returns a process's parent, its own CPU time and that of its
// reaped children, in ticks.
func procStat(pid string) (ppid int, own, children int64, ok bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // f[0] is field 3, state
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	return int(n(1)), n(11) + n(12), n(13) + n(14), true
}

func ticks(t int64) time.Duration { return time.Duration(t) * time.Second / clockTick }

func (m cpuMeter) read() cpuSnap {
	var s cpuSnap
	if m.server > 0 {
		if _, own, _, ok := procStat(strconv.Itoa(m.server)); ok {
			s.server = ticks(own)
		}
	}
	if m.postmaster > 0 {
		if _, own, reaped, ok := procStat(strconv.Itoa(m.postmaster)); ok {
			s.pg = ticks(own + reaped)
		}
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if e.Name()[0] < '0' || e.Name()[0] > '9' {
				continue
			}
			if ppid, own, _, ok := procStat(e.Name()); ok && ppid == m.postmaster {
				s.pg += ticks(own)
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		var total int64
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
				continue
			}
			total += n
		}
		s.busy = ticks(total)
	}
	return s
}

// CPU is a phase's CPU time per request, in milliseconds, and the share of
// the machine's capacity that other processes used meanwhile.
type CPU struct {
	ServerMS float64 `json:"server_ms"`
	PGMS     float64 `json:"postgres_ms"`
	ClientMS float64 `json:"client_ms"`
	OtherPct float64 `json:"other_pct"` // of all cores over the phase
}

func cpuPerRequest(d cpuSnap, requests int, elapsed time.Duration, cpus int) CPU {
	if requests == 0 {
		return CPU{}
	}
	per := func(t time.Duration) float64 { return float64(t.Microseconds()) / 1000 / float64(requests) }
	other := d.busy - d.server - d.pg - d.client
	return CPU{ServerMS: per(d.server), PGMS: per(d.pg), ClientMS: per(d.client),
		OtherPct: max(0, 100*other.Seconds()/(elapsed.Seconds()*float64(cpus)))}
}
