package pgembed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// findBinDir returns the directory holding initdb and pg_ctl. An explicit
// BinDir is final: falling back elsewhere would hide a misconfiguration.
func findBinDir(binDir string) (string, error) {
	if binDir != "" {
		if hasServerBinaries(binDir) {
			return binDir, nil
		}
		return "", fmt.Errorf("pgembed: %w (looked in %s)", ErrNoBinaries, binDir)
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil && hasServerBinaries(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	// Debian/Ubuntu keep the server binaries off PATH, one dir per major version.
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorVersion(dirs[i]) > majorVersion(dirs[j]) })
	for _, d := range dirs {
		if hasServerBinaries(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("pgembed: %w", ErrNoBinaries)
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// majorVersion parses the "15" of /usr/lib/postgresql/15/bin (so 15 sorts above 9.6).
func majorVersion(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// run executes a PostgreSQL binary, as the postgres user when we are root,
// and returns its combined output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = "/" // our cwd may be unreadable by the postgres user
	cmd.Env = serverEnv()
	// Setsid: the server must not share our terminal's process group, or a
	// Ctrl-C on `go test` would also shut down the shared cluster.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: c.cred}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// serverEnv is our environment without PG* variables, which would otherwise
// override what we pass explicitly (PGDATA, PGPORT, PGOPTIONS...).
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// tail formats the last lines of a command's output or a log for an error
// message, so that failures can be diagnosed from the error alone.
func tail(label, text string) string {
	body := lastLines(text, 20)
	if strings.TrimSpace(body) == "" {
		return ""
	}
	return "\n--- " + label + " (tail) ---\n" + body
}

func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
