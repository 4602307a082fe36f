package pgembed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// initIfNeeded runs initdb unless pgdata already holds a cluster. initdb
// writes into a sibling directory that is renamed into place on success, so
// an interrupted initdb never leaves a half-made cluster that looks complete.
func (c *Cluster) initIfNeeded(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.pgdata, "PG_VERSION")); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(c.pgdata); err == nil && len(entries) > 0 {
		return fmt.Errorf("pgembed: %s is not empty and holds no PostgreSQL cluster", c.pgdata)
	}
	if err := os.MkdirAll(filepath.Dir(c.pgdata), 0o755); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	tmp := c.pgdata + ".initdb"
	if err := os.RemoveAll(tmp); err != nil { // left by an interrupted initdb
		return fmt.Errorf("pgembed: %w", err)
	}
	if err := c.mkdirOwned(tmp); err != nil {
		return err
	}
	c.log.Info("pgembed: initdb", "datadir", c.pgdata)
	out, err := c.run(ctx, "initdb", "-D", tmp, "-U", "postgres", "-E", "UTF8", "--locale=C", "-A", "trust")
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("pgembed: initdb: %w%s", err, tail("output", out))
	}
	// rename(2) replaces an empty directory (e.g. a fresh t.TempDir()),
	// which os.Rename refuses to do.
	if err := syscall.Rename(tmp, c.pgdata); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("pgembed: initdb: %w", err)
	}
	return nil
}

// startOrReuse starts the server unless one is already running and ready on
// pgdata, in which case its port and socket directory are adopted.
func (c *Cluster) startOrReuse(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		running, err := c.running(ctx)
		if err != nil {
			return err
		}
		if !running {
			return c.start(ctx)
		}
		pf, pfErr := readPIDFile(c.pgdata)
		// pg_ctl status only checks that the pid exists; also require a
		// ready server answering on its socket (it may have just been killed).
		if pfErr == nil && (pf.status == "ready" || pf.status == "standby") && pf.sockDir != "" && dialable(pf) {
			c.port, c.sockDir = pf.port, pf.sockDir
			c.log.Info("pgembed: reusing running server", "datadir", c.pgdata, "socket", c.sockDir)
			c.reused = true
			return nil
		}
		// Starting up, shutting down or dying: wait for it to settle.
		if time.Now().After(deadline) {
			return fmt.Errorf("pgembed: server on %s is running but not answering on a unix socket (postmaster.pid status %q)", c.pgdata, pf.status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) start(ctx context.Context) error {
	if c.sockDir != c.pgdata {
		if err := c.mkdirOwned(c.sockDir); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	}
	logPath := filepath.Join(c.pgdata, "postgres.log")
	// pg_ctl hands -o to /bin/sh, hence the shell quoting.
	serverOpts := fmt.Sprintf("-c listen_addresses='' -c port=%d -c unix_socket_directories=%s",
		c.port, shellQuote(c.sockDir))
	c.log.Info("pgembed: starting", "datadir", c.pgdata, "socket", c.sockDir)
	// -l matters beyond logging: without it the server inherits our output
	// pipes and the command would never finish.
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.pgdata, "-l", logPath, "-o", serverOpts)
		if err == nil {
			return nil
		}
		logText, _ := os.ReadFile(logPath)
		// After a crash, the dead server's children keep its shared memory
		// until they notice and exit, which takes a moment: retry.
		if strings.Contains(lastLines(string(logText), 4), "pre-existing shared memory block") &&
			time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		return fmt.Errorf("pgembed: pg_ctl start: %w%s%s", err, tail("output", out), tail(logPath, string(logText)))
	}
}

// running reports whether a server is running on pgdata, per pg_ctl status.
func (c *Cluster) running(ctx context.Context) (bool, error) {
	out, err := c.run(ctx, "pg_ctl", "status", "-D", c.pgdata)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return !c.clearZombie(), nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 3: // not running
		return false, nil
	default:
		return false, fmt.Errorf("pgembed: pg_ctl status: %w%s", err, tail("output", out))
	}
}

// clearZombie handles a server that was killed but not yet reaped (which
// can last in containers whose init is slow to reap): pg_ctl and a new
// server would take it for alive, so its lock files are removed. It reports
// whether it found such a server.
func (c *Cluster) clearZombie() bool {
	pf, err := readPIDFile(c.pgdata)
	if err != nil || !zombie(pf.pid) {
		return false
	}
	c.log.Warn("pgembed: removing lock files of a dead server", "pid", pf.pid)
	if pf.sockDir != "" {
		os.Remove(filepath.Join(pf.sockDir, ".s.PGSQL."+strconv.Itoa(pf.port)+".lock"))
	}
	os.Remove(filepath.Join(c.pgdata, "postmaster.pid"))
	return true
}

// pidFile is what postmaster.pid says about a running server.
type pidFile struct {
	pid     int
	port    int
	sockDir string
	status  string
}

func readPIDFile(pgdata string) (pidFile, error) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return pidFile{}, err
	}
	// Lines: pid, data dir, start time, port, socket dir, listen addr, shmem key, status.
	lines := strings.Split(string(b), "\n")
	if len(lines) < 8 {
		return pidFile{}, errors.New("postmaster.pid incomplete")
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err := errors.Join(err1, err2); err != nil {
		return pidFile{}, fmt.Errorf("postmaster.pid: %w", err)
	}
	return pidFile{pid: pid, port: port, sockDir: strings.TrimSpace(lines[4]), status: strings.TrimSpace(lines[7])}, nil
}

// dialable reports whether the server accepts connections on its socket.
func dialable(pf pidFile) bool {
	sock := filepath.Join(pf.sockDir, ".s.PGSQL."+strconv.Itoa(pf.port))
	conn, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// zombie reports whether pid has exited but not been reaped (Linux /proc).
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// Format: "pid (comm) state ...": comm may contain spaces, so find the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
