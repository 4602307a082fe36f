package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mamori/internal/auth"
)

// server is a `mamori serve` process started by the harness.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	logPath string
	done    chan error
}

// moduleRoot finds the directory of go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// buildServer compiles cmd/mamori into dir, as `make build` does.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mamori")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/mamori")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mamori: %w\n%s", err, out)
	}
	return bin, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs bin serve on a free loopback port against databaseURL,
// with the measurement aids on and the API rate limit off, logging to
// logPath, and waits until it is ready.
func startServer(ctx context.Context, bin, databaseURL, logPath string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+databaseURL,
		"MAMORI_ADDR="+addr,
		"MAMORI_API_RATE_LIMIT=0",
		"MAMORI_EVIDENCE_QUOTA_BYTES=1099511627776", // the upload rows write many files
		"MAMORI_DEMO=false",
		"MAMORI_LOG_FORMAT=json",
		"MAMORI_DEBUG_QUERY_COUNT=true",
		"MAMORI_DEBUG_PPROF=true",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, logPath: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("mamori serve exited: %v; log: %s", err, tailFile(logPath))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("mamori serve not ready after 60s; log: %s", tailFile(logPath))
		}
	}
}

// stop asks the server to drain and exit, and kills it if it does not.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func tailFile(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// memKB reads a field such as VmRSS or VmHWM (kB) of /proc/<pid>/status.
func memKB(pid int, field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// rssSampler records the largest VmRSS seen while it runs.
type rssSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak int // kB
}

func sampleRSS(pid int, every time.Duration) *rssSampler {
	r := &rssSampler{stop: make(chan struct{})}
	r.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if kb, err := memKB(pid, "VmRSS"); err == nil {
				r.peak = max(r.peak, kb)
			}
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	})
	return r
}

// Stop ends sampling and returns the peak in kB.
func (r *rssSampler) Stop() int {
	close(r.stop)
	r.wg.Wait()
	return r.peak
}

// newClient is an HTTP client for conc concurrent workers on one host: keep
// alive, one idle connection per worker, redirects returned, not followed.
func newClient(conc int) *http.Client {
	tr := &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs in through the form, as a browser does, and returns the
// session cookie.
func login(client *http.Client, base, email string) (*http.Cookie, error) {
	res, err := client.PostForm(base+"/login", url.Values{"email": {email}, "password": {seedPassword}})
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login %s: status %d", email, res.StatusCode)
	}
	for _, c := range res.Cookies() {
		if c.Name == auth.SessionCookie && c.Value != "" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("login %s: no session cookie", email)
}

// startSecond starts a second instance of the server on the same database
// (stopped with the harness).
func (b *bench) startSecond(ctx context.Context) (*server, error) {
	b.logf("starting a second mamori serve on the same database")
	return startServer(ctx, b.bin, b.o.DatabaseURL, filepath.Join(b.o.WorkDir, "server2.log"))
}
