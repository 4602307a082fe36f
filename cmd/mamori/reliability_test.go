package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/internal/testdb"
)

// TestReliability runs the real binary: a crash in the middle of a burst of
// saves, a graceful stop with a request in flight, and two instances on one
// database. The numbers they log are quoted in docs/security.md.
func TestReliability(t *testing.T) {
	bin := buildBinary(t, t.TempDir())
	t.Run("CrashKeepsAcknowledgedSaves", func(t *testing.T) { crashTest(t, bin) })
	t.Run("SIGTERMDrainsInFlightRequest", func(t *testing.T) { drainTest(t, bin) })
	t.Run("TwoInstancesShareSessionsAndVersions", func(t *testing.T) { twoInstancesTest(t, bin) })
}

// sent is one save request: what the client sent, and whether the server
// acknowledged it with 200.
type sent struct {
	qid, comment string
	level        int
	version      int // the version the save creates
	acked        bool
}

// crashTest saves answers as fast as 8 clients can, kills the server with
// SIGKILL mid-burst, restarts it and checks every save it had acknowledged.
func crashTest(t *testing.T, bin string) {
	dbURL := storetest.URL(t)
	f := newFixture(t, dbURL)
	in := serve(t, bin, dbURL)
	qids := checklist.Default().QuestionIDs()

	const workers = 8
	var (
		mu     sync.Mutex
		log    []sent
		acks   int
		wg     sync.WaitGroup
		killed = make(chan struct{})
	)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			version := map[string]int{}
			var mine []string
			for i, q := range qids {
				if i%workers == w {
					mine = append(mine, q)
				}
			}
			for n := 0; ; n++ {
				select {
				case <-killed:
					return
				default:
				}
				// Each worker owns its questions, so a save's version is known
				// before it is sent: a lost or half-written save shows.
				qid := mine[n%len(mine)]
				s := sent{qid: qid, level: n%5 + 1, version: version[qid] + 1}
				s.comment = fmt.Sprintf("worker %d save %d version %d <script>\"'", w, n, s.version)
				mu.Lock()
				i := len(log)
				log = append(log, s)
				mu.Unlock()
				status, got, err := putAnswer(client, in, f, qid, s.level, s.comment, version[qid])
				if err != nil {
					return // the server is gone
				}
				if status != 200 || got.Version != s.version || got.Comment != s.comment || got.Level == nil || *got.Level != s.level {
					t.Errorf("save %+v answered %d %+v", s, status, got)
					return
				}
				version[qid] = got.Version
				mu.Lock()
				log[i].acked = true
				acks++
				mu.Unlock()
			}
		}(w)
	}
	// Kill once the burst is well under way.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := acks
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := in.signal(syscall.SIGKILL, 10*time.Second); err == nil {
		t.Fatal("the server exited cleanly on SIGKILL?")
	}
	close(killed)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	acked, inFlight := 0, 0
	last := map[string]sent{}      // the last acknowledged save per question
	unacked := map[string][]sent{} // sent, no answer: may or may not have committed
	for _, s := range log {
		if s.acked {
			acked++
			last[s.qid] = s
		} else {
			inFlight++
			unacked[s.qid] = append(unacked[s.qid], s)
		}
	}
	if acked < 100 {
		t.Fatalf("only %d saves acknowledged before the kill", acked)
	}

	in2 := serve(t, bin, dbURL) // restart on the same database
	answers, err := f.st.Answers(context.Background(), f.assessment.ID)
	if err != nil {
		t.Fatal(err)
	}
	lost, torn, committedUnacked := 0, 0, 0
	for qid, s := range last {
		a, ok := answers[qid]
		switch {
		case !ok || a.Version < s.version:
			lost++
			t.Errorf("question %s: acknowledged version %d, found %d", qid, s.version, a.Version)
		case a.Version == s.version:
			if a.Comment != s.comment || a.Level == nil || *a.Level != s.level {
				torn++
				t.Errorf("question %s v%d: stored %q level %v, acknowledged %q level %d", qid, a.Version, a.Comment, a.Level, s.comment, s.level)
			}
		default: // a later save committed but its answer was cut off by the kill
			match := false
			for _, u := range unacked[qid] {
				match = match || (u.version == a.Version && u.comment == a.Comment && a.Level != nil && *a.Level == u.level)
			}
			if !match {
				torn++
				t.Errorf("question %s v%d: stored %q matches no save sent", qid, a.Version, a.Comment)
			}
			committedUnacked++
		}
	}
	// The audit trail is intact after the crash.
	out, _, err := cli(t, map[string]string{"DATABASE_URL": dbURL}, "", "audit", "verify")
	if err != nil || !strings.Contains(out, "audit trail intact") {
		t.Fatalf("audit verify after the crash: %q %v", out, err)
	}
	// And the restarted server serves the answers.
	if status, _, err := putAnswer(http.DefaultClient, in2, f, qids[0], 1, "after restart", 0); err != nil || status != 409 {
		t.Fatalf("stale save after restart: %d %v (want 409: the version moved on)", status, err)
	}
	t.Logf("crash: %d saves acknowledged before SIGKILL, %d in flight; after restart %d questions checked, %d lost, %d torn, %d in-flight saves had committed",
		acked, inFlight, len(last), lost, torn, committedUnacked)
}

// drainTest sends SIGTERM while a request is in flight (its body half sent)
// and checks that the server finishes it before exiting, and takes no new
// connections meanwhile.
func drainTest(t *testing.T, bin string) {
	dbURL := storetest.URL(t)
	f := newFixture(t, dbURL)
	in := serve(t, bin, dbURL)

	body := `{"level":4,"comment":"saved while the server stops","version":0}`
	conn, err := net.Dial("tcp", in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "PUT /api/v1/assessments/" + f.assessment.ID + "/answers/1-1 HTTP/1.1\r\nHost: " + in.addr +
		"\r\nAuthorization: Bearer " + f.token + "\r\nContent-Type: application/json\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
	half := len(body) / 2
	if _, err := io.WriteString(conn, head+body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the handler is now reading the body

	start := time.Now()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Draining: the listener closes, the process stays for the request.
	refused := false
	for i := 0; i < 100 && !refused; i++ {
		c, err := net.DialTimeout("tcp", in.addr, time.Second)
		if err != nil {
			refused = true
		} else {
			c.Close()
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !refused {
		t.Fatal("the server kept accepting connections after SIGTERM")
	}
	time.Sleep(500 * time.Millisecond)
	select {
	case <-in.exited:
		t.Fatalf("the server exited with a request in flight: %v", in.err)
	default:
	}
	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response to the in-flight request: %v\n%s", err, in.stderr)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("in-flight request: %d", res.StatusCode)
	}
	select {
	case <-in.exited:
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not exit after draining")
	}
	if in.err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", in.err, in.stderr)
	}
	answers, err := f.st.Answers(context.Background(), f.assessment.ID)
	if err != nil || answers["1-1"].Comment != "saved while the server stops" {
		t.Fatalf("the drained save is not in the database: %+v %v", answers["1-1"], err)
	}
	if len(logLines(in, "shutting down: draining in-flight requests")) != 1 || len(logLines(in, "stopped")) != 1 {
		t.Fatalf("shutdown not logged:\n%s", in.stderr)
	}
	t.Logf("drain: request in flight at SIGTERM answered 200; exit 0 %s after the signal", time.Since(start).Round(time.Millisecond))
}

// twoInstancesTest runs two servers on one database.
func twoInstancesTest(t *testing.T, bin string) {
	dbURL := storetest.URL(t)
	f := newFixture(t, dbURL)
	a, b := serve(t, bin, dbURL), serve(t, bin, dbURL)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.PostForm(a.url("/login"), url.Values{"email": {f.officer.Email}, "password": {"reliability-pass-phrase"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in on A: %v %v", res, err)
	}
	res.Body.Close()
	// The cookie of A is for 127.0.0.1: the jar sends it to B (other port) too.
	get := func(in *instance, path string) int {
		res, err := browser.Get(in.url(path))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(b, "/assessments"); code != 200 {
		t.Fatalf("session of A on B: %d", code)
	}
	// Signing out on B ends the session on A.
	res, err = browser.PostForm(b.url("/logout"), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if code := get(a, "/assessments"); code != http.StatusSeeOther {
		t.Fatalf("after sign-out on B, A still signed in: %d", code)
	}

	// Conflicting saves through the two: the second, on the same version, is
	// refused with the first one's answer.
	status, first, err := putAnswer(http.DefaultClient, a, f, "2-1", 3, "via A", 0)
	if err != nil || status != 200 || first.Version != 1 {
		t.Fatalf("save on A: %d %+v %v", status, first, err)
	}
	status, cur, err := putAnswer(http.DefaultClient, b, f, "2-1", 5, "via B", 0)
	if err != nil || status != 409 || cur.Comment != "via A" || cur.Version != 1 {
		t.Fatalf("conflicting save on B: %d %+v %v", status, cur, err)
	}
	status, second, err := putAnswer(http.DefaultClient, b, f, "2-1", 5, "via B", 1)
	if err != nil || status != 200 || second.Version != 2 {
		t.Fatalf("save on B after reading A's: %d %+v %v", status, second, err)
	}
	// Concurrent identical-version saves through both: exactly one wins.
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			in := a
			if i%2 == 1 {
				in = b
			}
			codes[i], _, _ = putAnswer(http.DefaultClient, in, f, "2-2", 2, fmt.Sprintf("racer %d", i), 0)
		}(i)
	}
	wg.Wait()
	wins := 0
	for _, c := range codes {
		switch c {
		case 200:
			wins++
		case 409:
		default:
			t.Errorf("racing save: %d", c)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of 20 racing saves of version 0 won, want exactly 1", wins)
	}
	t.Logf("two instances: session shared and revoked across; 20 racing saves through both, 1 won, 19 refused with 409")
}

// TestBackupRestore dumps a database with data, restores it into a fresh
// empty one and compares them.
func TestBackupRestore(t *testing.T) {
	src := storetest.URL(t)
	env := map[string]string{"DATABASE_URL": src, "MAMORI_LOG_FORMAT": "text"}
	if _, _, err := cli(t, env, "", "demo"); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, src)
	for i, qid := range checklist.Default().QuestionIDs()[:10] {
		if _, err := f.st.SaveAnswer(context.Background(), f.assessment.ID, qid, answerInput(i%5+1, "バックアップ "+qid), storeActor(f)); err != nil {
			t.Fatal(err)
		}
	}
	// An evidence file of several chunks: the backup carries its contents.
	data := append([]byte("%PDF-1.7 backup\n"), bytes.Repeat([]byte("証跡"), 500_000)...)
	sum := sha256.Sum256(data)
	if _, err := f.st.CreateEvidence(context.Background(), store.NewEvidence{OrgID: f.officer.OrgID, Title: "バックアップ", EffectiveDate: time.Now(),
		File:  &store.EvidenceUpload{Filename: "b.pdf", ContentType: "application/pdf", Size: int64(len(data)), SHA256: sum[:], Contents: bytes.NewReader(data)},
		Actor: storeActor(f)}); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "mamori.dump")
	if out, errOut, err := cli(t, env, "", "backup", "--out", archive); err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %q %q %v", out, errOut, err)
	}

	dst := testdb.New(t) // empty: no schema at all
	denv := map[string]string{"DATABASE_URL": dst, "MAMORI_LOG_FORMAT": "text"}
	if out, errOut, err := cli(t, denv, "", "restore", "--in", archive); err != nil || !strings.Contains(out, "restore complete") {
		t.Fatalf("restore: %q %q %v", out, errOut, err)
	}
	// Restoring again into the now full database is refused, changing nothing.
	if _, _, err := cli(t, denv, "", "restore", "--in", archive); err == nil {
		t.Fatal("a restore over existing data succeeded")
	}

	srcCounts, dstCounts := tableCounts(t, src), tableCounts(t, dst)
	if len(srcCounts) < 10 {
		t.Fatalf("only %d tables in the source", len(srcCounts))
	}
	rows := 0
	for table, n := range srcCounts {
		if dstCounts[table] != n {
			t.Errorf("%s: %d rows in the backup's source, %d restored", table, n, dstCounts[table])
		}
		rows += n
	}
	dstStore := newFixtureStore(t, dst)
	want, _ := f.st.Answers(context.Background(), f.assessment.ID)
	got, err := dstStore.Answers(context.Background(), f.assessment.ID)
	if err != nil || len(got) != len(want) || len(got) != 10 {
		t.Fatalf("restored answers: %d of %d, %v", len(got), len(want), err)
	}
	for qid, a := range want {
		if g := got[qid]; g.Comment != a.Comment || *g.Level != *a.Level || g.Version != a.Version {
			t.Errorf("%s: restored %+v, want %+v", qid, g, a)
		}
	}
	if out, _, err := cli(t, denv, "", "audit", "verify"); err != nil || !strings.Contains(out, "audit trail intact") {
		t.Fatalf("audit verify on the restored copy: %q %v", out, err)
	}
	if out, _, err := cli(t, denv, "", "evidence", "verify"); err != nil || !strings.Contains(out, "checked 1 files: 0 missing or changed") {
		t.Fatalf("evidence verify on the restored copy: %q %v", out, err)
	}
	if out, _, err := cli(t, denv, "", "migrate", "version"); err != nil || strings.Contains(out, "dirty") {
		t.Fatalf("restored schema version: %q %v", out, err)
	}
	t.Logf("backup/restore: %d tables, %d rows, all equal; 10 answers and the audit chain intact", len(srcCounts), rows)
}
