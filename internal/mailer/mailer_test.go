package mailer_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"

	"mamori/internal/action"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/jobargs"
	"mamori/internal/mailer"
	"mamori/internal/notice"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/internal/testdb"
)

func TestMain(m *testing.M) {
	auth.UseFastHashesForTests()
	os.Exit(testdb.Main(m))
}

// smtpServer is a real SMTP server (emersion/go-smtp) in the test process
// that keeps every message it accepts.
type smtpServer struct {
	mu   sync.Mutex
	msgs []*mail.Message
	srv  *smtp.Server
	addr string
}

type smtpSession struct {
	s  *smtpServer
	to []string
}

func (x *smtpSession) Reset()                                    {}
func (x *smtpSession) Logout() error                             { return nil }
func (x *smtpSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = append(x.to, to); return nil }
func (x *smtpSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var rd io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		rd = quotedprintable.NewReader(rd)
	case "base64":
		rd = base64.NewDecoder(base64.StdEncoding, rd)
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	m.Body = strings.NewReader(string(body))
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	return nil
}

// startSMTP listens on addr ("127.0.0.1:0" for any port).
func startSMTP(t *testing.T, addr string, keep *smtpServer) *smtpServer {
	t.Helper()
	s := keep
	if s == nil {
		s = &smtpServer{}
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	s.srv.Domain = "localhost"
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go s.srv.Serve(ln) //nolint:errcheck // ends at Close
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *smtpServer) messages() []*mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*mail.Message(nil), s.msgs...)
}

// waitFor waits until the server holds n messages, then a little longer to
// see that no more arrive.
func (s *smtpServer) waitFor(t *testing.T, n int, within time.Duration) []*mail.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) && len(s.messages()) < n {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	got := s.messages()
	if len(got) != n {
		t.Fatalf("SMTP server holds %d messages, want %d", len(got), n)
	}
	return got
}

type fixture struct {
	st              *store.Store
	url             string
	org             store.Org
	officer, helper store.User
	a               store.Assessment
}

func newFixture(t *testing.T) *fixture {
	ctx := context.Background()
	f := &fixture{url: storetest.URL(t)}
	f.st = storetest.Open(t, f.url)
	var err error
	if f.org, err = f.st.CreateOrg(ctx, "メール株式会社", nil, "other"); err != nil {
		t.Fatal(err)
	}
	f.officer = f.user(t, "officer@example.jp", "山田")
	f.helper = f.user(t, "helper@example.jp", "Helper Smith")
	if err := f.st.SetLocale(ctx, f.helper.ID, "en"); err != nil {
		t.Fatal(err)
	}
	f.a, err = f.st.CreateAssessment(ctx, store.NewAssessment{OrgID: f.org.ID, Title: "2026 self-assessment", ChecklistID: "ipa-benchmark-4", Actor: store.Actor{UserID: f.officer.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) user(t *testing.T, email, name string) store.User {
	u, err := f.st.CreateUser(context.Background(), store.NewUser{Email: email, Name: name, PasswordHash: "x", Role: assessment.Officer, OrgID: f.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// assign gives question q to the helper: one notification, one email job.
func (f *fixture) assign(t *testing.T, q string) {
	t.Helper()
	_, err := f.st.AssignQuestions(context.Background(), store.NewQuestionAssignment{AssessmentID: f.a.ID, QuestionIDs: []string{q}, UserID: f.helper.ID,
		Actor: store.Actor{UserID: f.officer.ID, Email: f.officer.Email}})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) start(t *testing.T, st *store.Store, smtpAddr string, tune func(*mailer.Mailer)) {
	t.Helper()
	cfg := config.Config{SMTPURL: "smtp://" + smtpAddr, MailFrom: "mamori@example.jp", BaseURL: "https://mamori.example.jp"}
	m, err := mailer.New(cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(m)
	}
	r, err := mailer.Start(context.Background(), st, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

func decodeSubject(t *testing.T, m *mail.Message) string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAssignmentEmail: the assignee gets one email, in their language
// (English here), with a link to the exact page.
func TestAssignmentEmail(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, "127.0.0.1:0", nil)
	f.start(t, f.st, srv.addr, nil)
	f.assign(t, "2-1")
	m := srv.waitFor(t, 1, 20*time.Second)[0]
	if to := m.Header.Get("To"); !strings.Contains(to, "helper@example.jp") {
		t.Fatalf("To: %s", to)
	}
	subj := decodeSubject(t, m)
	body, _ := io.ReadAll(m.Body)
	if !strings.Contains(subj, "were assigned to you") || !strings.Contains(subj, "2026 self-assessment") {
		t.Fatalf("subject not English or not naming the assessment: %q", subj)
	}
	if !strings.Contains(string(body), "https://mamori.example.jp/tasks") || !strings.Contains(string(body), "Dear Helper Smith") {
		t.Fatalf("body: %s", body)
	}
	out, err := f.st.Outbox(context.Background(), 10)
	if err != nil || len(out) != 1 || out[0].Status != "sent" {
		t.Fatalf("outbox: %v %+v", err, out)
	}

	// The same delivery queued again is a duplicate River skips; and once
	// River has cleaned its completed jobs, a new job for it finds the
	// outbox row sent and sends nothing.
	ctx := context.Background()
	ns, err := f.st.Notifications(ctx, f.helper.ID, false, 10)
	if err != nil || len(ns) != 1 {
		t.Fatalf("notifications: %v %d", err, len(ns))
	}
	if err := f.st.InsertJobInTx(ctx, jobargs.Deliver{NotificationID: ns[0].ID}, nil); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var jobs int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'deliver_notification'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("deliver jobs: %d %v, want the one", jobs, err)
	}
	// The job's completion is recorded after its email went out: clean up
	// only once it is, as River's cleaner would (deleting the row of a job
	// still being completed left River retrying its completion).
	waitCompleted(t, conn, "deliver_notification", 1)
	if _, err := conn.Exec(ctx, `DELETE FROM river_job`); err != nil {
		t.Fatal(err)
	}
	if err := f.st.InsertJobInTx(ctx, jobargs.Deliver{NotificationID: ns[0].ID}, nil); err != nil {
		t.Fatal(err)
	}
	waitCompleted(t, conn, "deliver_notification", 1)
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("the job worked again sent %d emails in all, want 1", n)
	}
}

// TestRolledBackChangeLeavesNoJob: a job inserted in a transaction that
// rolls back is not there; a refused assignment queues nothing either.
func TestRolledBackChangeLeavesNoJob(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	count := func() int {
		js, err := f.st.Jobs(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(js)
	}
	if err := f.st.InsertJobInTx(ctx, jobargs.Deliver{NotificationID: "00000000-0000-0000-0000-000000000001"}, errors.New("boom")); err == nil {
		t.Fatal("rolled back transaction reported success")
	}
	if n := count(); n != 0 {
		t.Fatalf("%d jobs after a rollback", n)
	}
	manager, err := f.st.CreateUser(ctx, store.NewUser{Email: "m@example.jp", Name: "M", PasswordHash: "x", Role: assessment.Manager, OrgID: f.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.AssignQuestions(ctx, store.NewQuestionAssignment{AssessmentID: f.a.ID, QuestionIDs: []string{"1-1"}, UserID: manager.ID}); err == nil {
		t.Fatal("assigned to a manager")
	}
	if n := count(); n != 0 {
		t.Fatalf("%d jobs after a refused assignment", n)
	}
	if err := f.st.InsertJobInTx(ctx, jobargs.Deliver{NotificationID: "00000000-0000-0000-0000-000000000001"}, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d jobs after a commit, want 1", n)
	}
}

// TestTwoInstancesSendOnce: two instances work the same queue; every
// notification is emailed once.
func TestTwoInstancesSendOnce(t *testing.T) {
	f := newFixture(t)
	srv := startSMTP(t, "127.0.0.1:0", nil)
	second := storetest.Open(t, f.url)
	f.start(t, f.st, srv.addr, nil)
	f.start(t, second, srv.addr, nil)
	qs := []string{"1-1", "1-2", "2-1", "2-2", "3-1", "3-2"}
	for _, q := range qs {
		f.assign(t, q)
	}
	msgs := srv.waitFor(t, len(qs), 30*time.Second)
	seen := map[string]bool{}
	for _, m := range msgs {
		id := m.Header.Get("Message-Id")
		if seen[id] {
			t.Fatalf("message %s sent twice", id)
		}
		seen[id] = true
	}
}

// TestDeliveryAfterOutage: the SMTP server is down for 30 s (3 s with
// -short); the email is retried through the real path (River's retry with a
// shortened backoff) and arrives once, with the failed attempts recorded.
func TestDeliveryAfterOutage(t *testing.T) {
	outage := 30 * time.Second
	if testing.Short() {
		outage = 3 * time.Second
	}
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens: connection refused
	f.start(t, f.st, addr, func(m *mailer.Mailer) { m.Retry = func(int) time.Duration { return time.Second } })
	f.assign(t, "4-4")
	time.Sleep(outage)
	out, err := f.st.Outbox(context.Background(), 10)
	if err != nil || len(out) != 1 || out[0].Status != "queued" || out[0].Attempts < 2 || out[0].LastError == "" {
		t.Fatalf("during the outage: %v %+v", err, out)
	}
	srv := startSMTP(t, addr, nil)
	m := srv.waitFor(t, 1, 30*time.Second)[0]
	if !strings.Contains(decodeSubject(t, m), "2026 self-assessment") {
		t.Fatalf("subject: %s", m.Header.Get("Subject"))
	}
	out, _ = f.st.Outbox(context.Background(), 10)
	if out[0].Status != "sent" {
		t.Fatalf("after the outage: %+v", out[0])
	}
	fmt.Fprintf(os.Stderr, "outage %s: delivered after %d attempts\n", outage, out[0].Attempts)
}

// TestGivenUpAfter24h: with the clock past the limit, a failing email is
// given up on and recorded as failed.
func TestGivenUpAfter24h(t *testing.T) {
	f := newFixture(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	f.start(t, f.st, addr, func(m *mailer.Mailer) {
		m.Now = func() time.Time { return time.Now().Add(25 * time.Hour) }
	})
	f.assign(t, "5-1")
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := f.st.Outbox(context.Background(), 10)
		js, _ := f.st.Jobs(context.Background(), 10)
		if len(out) == 1 && out[0].Status == "failed" && len(js) == 1 && js[0].State == "cancelled" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("not given up")
}

// TestReminderEmail: the periodic planner, run by two instances with the
// clock injected at one day before the deadline, reminds each officer of
// the late organisation once, by email, in their language, with the link
// to their draft.
func TestReminderEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	srv := startSMTP(t, "127.0.0.1:0", nil)
	second := storetest.Open(t, f.url)
	// The launch's own notification goes to the in-app list only.
	for _, u := range []store.User{f.officer, f.helper} {
		if err := f.st.SetNotificationSettings(ctx, store.Actor{UserID: u.ID}, f.org.ID, map[string]string{"campaign_launched": "off"}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	deadline := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 10)
	c, err := f.st.LaunchCampaign(ctx, store.NewCampaign{OrgID: f.org.ID, Title: "Group survey 2026", ChecklistID: "ipa-benchmark-4",
		OrgIDs: []string{f.org.ID}, Deadline: deadline, ReminderDays: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return deadline.AddDate(0, 0, -1).Add(3 * time.Hour) } // noon JST, the day before
	tune := func(m *mailer.Mailer) { m.Now, m.PlanEvery = clock, time.Second }
	f.start(t, f.st, srv.addr, tune)
	f.start(t, second, srv.addr, tune)
	msgs := srv.waitFor(t, 2, 30*time.Second)
	orgs, err := f.st.CampaignOrgsPage(ctx, c.ID, 1, 1)
	if err != nil || len(orgs.Rows) != 1 {
		t.Fatalf("campaign orgs: %v %+v", err, orgs)
	}
	link := "https://mamori.example.jp/assessments/" + orgs.Rows[0].AssessmentID
	langs := map[string]bool{}
	for _, m := range msgs {
		body, _ := io.ReadAll(m.Body)
		subj := decodeSubject(t, m)
		if !strings.Contains(subj, "Group survey 2026") || !strings.Contains(string(body), link) {
			t.Fatalf("reminder: %q\n%s", subj, body)
		}
		switch {
		case strings.Contains(subj, "days left"):
			langs["en"] = true
		case strings.Contains(subj, "あと 1 日"):
			langs["ja"] = true
		}
	}
	if !langs["en"] || !langs["ja"] {
		t.Fatalf("languages: %v", langs)
	}
}

// TestDailyDigest: a user who takes assignments as a digest gets no email
// at once, then one email at the next 9:00 JST (clock injected) listing
// both, and nothing more on the next runs.
func TestDailyDigest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	srv := startSMTP(t, "127.0.0.1:0", nil)
	if err := f.st.SetNotificationSettings(ctx, store.Actor{UserID: f.helper.ID}, f.org.ID, map[string]string{"assigned": "digest"}); err != nil {
		t.Fatal(err)
	}
	f.assign(t, "1-1")
	f.assign(t, "2-1")
	tomorrow := time.Now().In(notice.JST).AddDate(0, 0, 1)
	at := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 9, 30, 0, 0, notice.JST)
	f.start(t, f.st, srv.addr, func(m *mailer.Mailer) { m.Now, m.PlanEvery = func() time.Time { return at }, time.Second })
	m := srv.waitFor(t, 1, 20*time.Second)[0]
	time.Sleep(2 * time.Second) // more planner runs
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("%d emails, want one digest", n)
	}
	body, _ := io.ReadAll(m.Body)
	if !strings.Contains(decodeSubject(t, m), "digest") || strings.Count(string(body), "https://mamori.example.jp/tasks") != 2 {
		t.Fatalf("digest: %q\n%s", decodeSubject(t, m), body)
	}
}

// TestActionDueEmail: an improvement action given to the helper tells them
// at once, and the planner reminds them a week before its due date, in
// their language, with a link to the action; a second planner run adds
// nothing.
func TestActionDueEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	srv := startSMTP(t, "127.0.0.1:0", nil)
	now := time.Now()
	due := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 30)
	as, err := f.st.CreateActions(ctx, f.org.ID, []store.NewAction{{OrgID: f.org.ID, Title: "Backup restore drill", OwnerID: f.helper.ID,
		DueOn: due, Priority: action.High, Questions: []action.Planned{{QuestionID: "3-2", PlannedLevel: 4}}}},
		store.Actor{UserID: f.officer.ID, Email: f.officer.Email})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return due.AddDate(0, 0, -7).Add(3 * time.Hour) } // noon JST, a week before
	f.start(t, f.st, srv.addr, func(m *mailer.Mailer) { m.Now, m.PlanEvery = clock, time.Second })
	msgs := srv.waitFor(t, 2, 30*time.Second)
	time.Sleep(2 * time.Second) // a second planner run
	msgs = srv.messages()
	link := "https://mamori.example.jp/actions/" + as[0].ID
	var assigned, dueSoon int
	for _, m := range msgs {
		body, _ := io.ReadAll(m.Body)
		subj := decodeSubject(t, m)
		if !strings.Contains(subj, "Backup restore drill") || !strings.Contains(string(body), link) {
			t.Fatalf("action email: %q\n%s", subj, body)
		}
		switch {
		case strings.Contains(subj, "was assigned to you"):
			assigned++
		case strings.Contains(subj, "is due on "+due.Format(time.DateOnly)):
			dueSoon++
		}
	}
	if len(msgs) != 2 || assigned != 1 || dueSoon != 1 {
		t.Fatalf("%d emails: %d assigned, %d due", len(msgs), assigned, dueSoon)
	}
}

// waitCompleted waits until n River jobs of kind are completed, and fails
// naming every job's state and errors if that takes more than 60 s. (Jobs
// of other kinds, such as the periodic sweep, complete alongside: counting
// them made the wait last for ever.)
func waitCompleted(t *testing.T, conn *pgx.Conn, kind string, n int) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var done int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'completed' AND kind = $1`, kind).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done == n {
			return
		}
		if time.Now().After(deadline) {
			var jobs string
			_ = conn.QueryRow(ctx, `SELECT coalesce(string_agg(kind || ' ' || state || ' attempt ' || attempt || ' ' || errors::text, '; '), 'none') FROM river_job`).Scan(&jobs)
			t.Fatalf("%d jobs completed after 60 s, want %d; jobs: %s", done, n, jobs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
