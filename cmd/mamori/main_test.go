package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/store/storetest"
	"mamori/internal/testdb"
)

func TestMain(m *testing.M) {
	auth.UseFastHashesForTests()
	os.Exit(testdb.Main(m))
}

// cli runs the command with env and returns stdout, stderr and the error.
func cli(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func TestCommands(t *testing.T) {
	env := map[string]string{"DATABASE_URL": storetest.URL(t), "MAMORI_LOG_FORMAT": "text"}

	out, _, err := cli(t, env, "", "org", "create", "--name", "株式会社CLI", "--industry", "finance_insurance")
	if err != nil {
		t.Fatal(err)
	}
	orgID := lastLine(out)
	if len(orgID) != 36 {
		t.Fatalf("org create printed %q", out)
	}
	out, _, err = cli(t, env, "", "org", "create", "--name", "子会社", "--parent", orgID)
	if err != nil || len(lastLine(out)) != 36 {
		t.Fatalf("child org: %q %v", out, err)
	}

	out, _, err = cli(t, env, "a-strong-password-1\n", "user", "create", "--email", "officer@cli.example", "--name", "担当", "--role", "officer", "--org", orgID, "--password-stdin")
	if err != nil || len(lastLine(out)) != 36 || strings.Contains(out, "password:") {
		t.Fatalf("user create stdin: %q %v", out, err)
	}
	out, _, err = cli(t, env, "", "user", "create", "--email", "auditor@cli.example", "--name", "監査", "--role", "auditor", "--org", orgID)
	if err != nil || !strings.HasPrefix(out, "password: ") || len(lastLine(out)) != 36 {
		t.Fatalf("user create generated: %q %v", out, err)
	}
	// Refusals say why in English, never as a catalog key.
	if _, _, err := cli(t, env, "short\n", "user", "create", "--email", "x@cli.example", "--name", "x", "--role", "officer", "--org", orgID, "--password-stdin"); err == nil ||
		!strings.Contains(errorText(err), "at least 12 characters") {
		t.Fatalf("weak password: %v", err)
	}
	if _, _, err := cli(t, env, "", "user", "create", "--email", "y@cli.example", "--name", "y", "--role", "boss", "--org", orgID); exitCode(err) != 2 {
		t.Fatalf("bad role: %v", err)
	}
	if _, _, err := cli(t, env, "", "user", "create", "--email", "officer@cli.example", "--name", "dup", "--role", "officer", "--org", orgID); err == nil ||
		!strings.Contains(errorText(err), "already registered") || strings.Contains(errorText(err), "err.") {
		t.Fatalf("duplicate email: %v", err)
	}

	if out, _, err := cli(t, env, "", "auditor", "assign", "--email", "auditor@cli.example", "--org", orgID); err != nil || len(lastLine(out)) != 36 {
		t.Fatalf("auditor assign: %q %v", out, err)
	}
	if _, _, err := cli(t, env, "", "auditor", "assign", "--email", "officer@cli.example", "--org", orgID); err == nil ||
		!strings.Contains(errorText(err), "Only auditors") {
		t.Fatalf("an officer assigned as auditor: %v", err)
	}

	out, _, err = cli(t, env, "", "token", "create", "--email", "officer@cli.example", "--label", "集計")
	if err != nil || !strings.HasPrefix(lastLine(out), auth.TokenPrefix) {
		t.Fatalf("token create: %q %v", out, err)
	}

	for i := 0; i < 2; i++ { // idempotent
		out, _, err = cli(t, env, "", "demo")
		if err != nil || !strings.Contains(out, "officer@demo.mamori.example") {
			t.Fatalf("demo run %d: %q %v", i+1, out, err)
		}
	}

	out, _, err = cli(t, env, "", "checklist", "export", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var cl struct {
		ID         string `json:"id"`
		Categories []struct {
			Questions []json.RawMessage `json:"questions"`
		} `json:"categories"`
	}
	if err := json.Unmarshal([]byte(out), &cl); err != nil || cl.ID != "ipa-benchmark-4" || len(cl.Categories) != 5 {
		t.Fatalf("checklist export: %v %+v", err, cl.ID)
	}
	if out, _, err := cli(t, env, "", "checklist", "export", "--format", "yaml"); err != nil || !strings.Contains(out, "ipa-benchmark-4") {
		t.Fatalf("yaml export: %v", err)
	}

	if out, _, err := cli(t, env, "", "audit", "verify"); err != nil || !strings.Contains(out, "audit trail intact") {
		t.Fatalf("audit verify: %q %v", out, err)
	}
	if out, _, err := cli(t, env, "", "migrate", "version"); err != nil || !strings.HasPrefix(out, "schema version ") {
		t.Fatalf("migrate version: %q %v", out, err)
	}
	if _, _, err := cli(t, env, ""); exitCode(err) != 2 {
		t.Fatalf("no command: %v", err)
	}
	if _, _, err := cli(t, env, "", "org", "create"); exitCode(err) != 2 {
		t.Fatalf("missing --name: %v", err)
	}
}

// TestServeEmbedded starts `mamori serve` with no DATABASE_URL: it must run
// its own PostgreSQL, answer, and stop it again on shutdown.
func TestServeEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster: not part of the quick loop (make test-unit)")
	}
	dataDir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"MAMORI_DATA_DIR": dataDir, "MAMORI_ADDR": addr, "MAMORI_LOG_FORMAT": "text", "MAMORI_DEMO": "true"}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	}()
	ready := false
	for i := 0; i < 300 && !ready; i++ {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			ready = res.StatusCode == 200
		}
		if !ready {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !ready {
		cancel()
		t.Fatalf("server never became ready; stderr:\n%s", errOut.String())
	}
	res, err := http.Get("http://" + addr + "/login")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login page: %v", err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(out.String(), "officer@demo.mamori.example") {
		t.Fatalf("demo logins not printed: %q", out.String())
	}
	// The cluster was stopped: its postmaster.pid is gone.
	pgdata := filepath.Join(dataDir, "postgres")
	if mapped, err := os.ReadFile(filepath.Join(pgdata, "PGEMBED_MAPPED_TO")); err == nil {
		pgdata = strings.TrimSpace(string(mapped))
		t.Cleanup(func() { os.RemoveAll(pgdata) })
	}
	if _, err := os.Stat(filepath.Join(pgdata, "postmaster.pid")); !os.IsNotExist(err) {
		t.Fatalf("embedded PostgreSQL still running after shutdown (%s): %v", pgdata, err)
	}
}
