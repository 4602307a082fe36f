package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// Helpers of the reliability tests: the real binary, started and killed as
// an operator's process manager would.

// raceBuild is set by race_test.go when the tests run with -race: the binary
// is then built with -race too, which reuses the compiled packages of the
// test build (only linking is left) and checks the server for data races
// under the tests' load.
var raceBuild bool

// buildBinary builds `mamori` into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real binary: not part of the quick loop (make test-unit)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	bin := filepath.Join(dir, "mamori")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool, append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// syncBuffer is a bytes.Buffer safe for the process's writes and our reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instance is a running `mamori serve`.
type instance struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve starts the binary on dbURL and waits until /readyz answers 200.
func serve(t *testing.T, bin, dbURL string, env ...string) *instance {
	t.Helper()
	in := &instance{t: t, addr: freeAddr(t), stderr: &syncBuffer{}, exited: make(chan struct{})}
	in.cmd = exec.Command(bin, "serve")
	in.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"DATABASE_URL=" + dbURL, "MAMORI_ADDR=" + in.addr, "MAMORI_DATA_DIR=" + t.TempDir(),
		"MAMORI_LOG_FORMAT=json", "MAMORI_API_RATE_LIMIT=0",
	}, env...)
	in.cmd.Stdout, in.cmd.Stderr = io.Discard, in.stderr
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.err = in.cmd.Wait(); close(in.exited) }()
	t.Cleanup(func() {
		select {
		case <-in.exited:
		default:
			_ = in.cmd.Process.Kill()
			<-in.exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(in.url("/readyz"))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return in
			}
		}
		select {
		case <-in.exited:
			t.Fatalf("mamori serve exited: %v\n%s", in.err, in.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mamori serve not ready after 30 s\n%s", in.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) url(path string) string { return "http://" + in.addr + path }

// signal sends sig and waits up to timeout for the process to end.
func (in *instance) signal(sig syscall.Signal, timeout time.Duration) error {
	in.t.Helper()
	if err := in.cmd.Process.Signal(sig); err != nil {
		in.t.Fatal(err)
	}
	select {
	case <-in.exited:
		return in.err
	case <-time.After(timeout):
		in.t.Fatalf("process still running %s after %s\n%s", timeout, sig, in.stderr)
		return nil
	}
}

// fixture is an organisation with an officer, their API token and a draft.
type fixture struct {
	st         *store.Store
	officer    store.User
	token      string
	assessment store.Assessment
}

func newFixture(t *testing.T, dbURL string) fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dbURL)
	org, err := st.CreateOrg(ctx, "信頼性テスト株式会社", nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("reliability-pass-phrase")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "officer@reliability.example", Name: "担当", PasswordHash: hash, Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	tok := auth.NewToken()
	if _, err := st.CreateToken(ctx, u.ID, "reliability", auth.HashToken(tok), store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "信頼性", ChecklistID: "ipa-benchmark-4", Actor: store.Actor{UserID: u.ID, Email: u.Email}})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{st: st, officer: u, token: tok, assessment: a}
}

// savedAnswer is the API's answer.
type savedAnswer struct {
	Level     *int     `json:"level"`
	Comment   string   `json:"comment"`
	PointsMet []string `json:"points_met"`
	Version   int      `json:"version"`
}

// putAnswer saves an answer through the API of in and returns the status
// and the decoded body (on 200 and 409).
func putAnswer(client *http.Client, in *instance, f fixture, qid string, level int, comment string, version int) (int, savedAnswer, error) {
	body, _ := json.Marshal(map[string]any{"level": level, "comment": comment, "version": version})
	req, _ := http.NewRequest("PUT", in.url("/api/v1/assessments/"+f.assessment.ID+"/answers/"+qid), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, savedAnswer{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, savedAnswer{}, err // cut off mid-response: not acknowledged
	}
	var out savedAnswer
	switch res.StatusCode {
	case 200:
		if err := json.Unmarshal(raw, &out); err != nil {
			return 0, savedAnswer{}, fmt.Errorf("decode %q: %w", raw, err)
		}
	case 409:
		var c struct {
			Current savedAnswer `json:"current"`
		}
		_ = json.Unmarshal(raw, &c)
		out = c.Current
	}
	return res.StatusCode, out, nil
}

// logLines returns the JSON log lines of the process whose msg is msg.
func logLines(in *instance, msg string) []string {
	var out []string
	for _, l := range strings.Split(in.stderr.String(), "\n") {
		if strings.Contains(l, `"msg":"`+msg+`"`) {
			out = append(out, l)
		}
	}
	return out
}

func answerInput(level int, comment string) assessment.AnswerValues {
	return assessment.AnswerValues{Level: &level, Comment: comment, Version: 0}
}

func storeActor(f fixture) store.Actor {
	return store.Actor{UserID: f.officer.ID, Email: f.officer.Email}
}

// newFixtureStore opens a store on dbURL, closed when the test ends.
func newFixtureStore(t *testing.T, dbURL string) *store.Store {
	t.Helper()
	return storetest.Open(t, dbURL)
}

// tableCounts returns the row count of every table in the public schema.
func tableCounts(t *testing.T, dbURL string) map[string]int {
	t.Helper()
	ctx := context.Background()
	db := storetest.Connect(t, dbURL)
	rows, err := db.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	counts := map[string]int{}
	for _, name := range tables {
		var n int
		if err := db.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[name] = n
	}
	return counts
}
