package e2e

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/mailer"
)

// inbox is a real SMTP server (emersion/go-smtp) in the test process.
type inbox struct {
	mu   sync.Mutex
	msgs []*mail.Message
}

type inboxSession struct{ in *inbox }

func (inboxSession) Reset()                               {}
func (inboxSession) Logout() error                        { return nil }
func (inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (inboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s inboxSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	m.Body = strings.NewReader(string(b))
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, m)
	s.in.mu.Unlock()
	return nil
}

func startInbox(t *testing.T) (*inbox, string) {
	in := &inbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return inboxSession{in}, nil }))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends at Close
	t.Cleanup(func() { srv.Close() })
	return in, ln.Addr().String()
}

// waitMail waits for a message to `to` whose body holds want, and returns
// its body.
func (in *inbox) waitMail(t *testing.T, to, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		in.mu.Lock()
		for _, m := range in.msgs {
			b, _ := io.ReadAll(m.Body)
			m.Body = strings.NewReader(string(b))
			if strings.Contains(m.Header.Get("To"), to) && strings.Contains(string(b), want) {
				in.mu.Unlock()
				return string(b)
			}
		}
		in.mu.Unlock()
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no email to %s holding %q", to, want)
	return ""
}

// TestCampaignJourney: a head-office manager launches a campaign over the
// holding and a subsidiary; the holding's officer assigns category 2 to a
// colleague, who answers it from My tasks; the campaign page shows the
// progress; and the reminder the day before the deadline (clock injected
// into the job runner) reaches the late subsidiary's officer by email.
func TestCampaignJourney(t *testing.T) {
	s := newSite(t)
	holding := s.org("グループ本社", nil)
	sub := s.org("グループ子会社", &holding.ID)
	s.user(holding.ID, assessment.Manager, false, "manager@group.example", "本社 部長")
	s.user(holding.ID, assessment.Officer, false, "officer@group.example", "本社 担当")
	s.user(holding.ID, assessment.Officer, false, "facilities@group.example", "施設 担当")
	s.user(sub.ID, assessment.Officer, false, "sub@group.example", "子会社 担当")
	deadline := time.Now().AddDate(0, 0, 10)
	deadlineDay := time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 0, 0, 0, 0, time.UTC)

	// The jobs of the server, with the clock at noon JST the day before the
	// deadline, mailing to an SMTP server in the test.
	in, addr := startInbox(t)
	m, err := mailer.New(config.Config{SMTPURL: "smtp://" + addr, MailFrom: "mamori@group.example", BaseURL: s.url}, s.st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	m.Now, m.PlanEvery = func() time.Time { return deadlineDay.AddDate(0, 0, -1).Add(3 * time.Hour) }, time.Second

	// The manager launches the campaign over both organisations.
	mctx := browser(t, 1280, 900)
	login(t, mctx, s.url, "manager@group.example")
	navigate(t, mctx, s.url+"/campaigns")
	checkA11y(t, mctx, "campaigns")
	do(t, mctx, "launch form",
		chromedp.SendKeys(chromedp.ID("c-title"), "2026年度 グループ実態調査"),
		chromedp.SetValue(chromedp.ID("c-deadline"), deadline.Format(time.DateOnly)),
	)
	clickNav(t, mctx, "[data-testid=launch]")
	waitText(t, mctx, "[data-testid=campaign-orgs]", "グループ子会社")
	campaignURL, _ := chromedp.Run(mctx, chromedp.Location())
	checkA11y(t, mctx, "campaign")
	shot(t, mctx, "campaign-launched")

	// The holding's officer assigns category 2 to the facilities colleague.
	octx := browser(t, 1280, 900)
	login(t, octx, s.url, "officer@group.example")
	navigate(t, octx, s.url+"/assessments")
	clickNav(t, octx, "[data-testid=assessment-row] a")
	do(t, octx, "assign category 2",
		chromedp.SetValue(chromedp.ID("assign-target"), "2"),
		chromedp.SetValue(chromedp.ID("assign-user"), userID(t, s, "facilities@group.example")),
		chromedp.SetValue(chromedp.ID("assign-due"), deadline.AddDate(0, 0, -3).Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.ID("assign-note"), "入退室管理をお願いします"),
	)
	clickNav(t, octx, "[data-testid=assign-submit]")
	waitText(t, octx, "[data-testid=assignee-progress]", "施設 担当")
	checkA11y(t, octx, "overview with assignments")

	// The colleague answers them from My tasks.
	fctx := browser(t, 1280, 900)
	login(t, fctx, s.url, "facilities@group.example")
	waitText(t, fctx, "[data-testid=unread-count]", "2") // the launch and the assignment
	navigate(t, fctx, s.url+"/tasks")
	checkA11y(t, fctx, "tasks")
	shot(t, fctx, "my-tasks")
	cat2, _ := checklist.Default().Category("2")
	clickNav(t, fctx, "[data-testid=task-question-"+cat2.Questions[0].ID+"]")
	for _, q := range cat2.Questions {
		answerByMouse(t, fctx, q, 3)
	}
	navigate(t, fctx, s.url+"/tasks")
	waitText(t, fctx, "main", "今あなたが対応する作業はありません")

	// The campaign page shows the holding in progress.
	navigate(t, mctx, campaignURL)
	waitText(t, mctx, "[data-testid=campaign-orgs]", "回答中")
	shot(t, mctx, "campaign-progress")

	// The reminder reaches the subsidiary's officer, with the link to its draft.
	r, err := mailer.Start(context.Background(), s.st, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	body := in.waitMail(t, "sub@group.example", "あと 1 日")
	if !strings.Contains(body, s.url+"/assessments/") {
		t.Fatalf("reminder without the link to the draft:\n%s", body)
	}
}

func userID(t *testing.T, s *site, email string) string {
	u, err := s.st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
