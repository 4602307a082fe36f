// Package mailer sends Mamori's email and runs its background jobs on
// River, inside every `mamori serve` instance: the delivery of each
// notification's email and the periodic reminder planner. Jobs are inserted
// by the store in the transaction of the change that causes them.
//
// Exactly once, as users see it: a notification's email is one River job
// (unique by notification) and one row of the mail outbox (unique by its
// message key). A retried job finds the outbox row and does not send an
// email that was recorded as sent. A crash after the SMTP server accepted a
// message and before it was recorded sends it again on retry, with the same
// Message-ID (derived from the key), so mail clients show it once. An SMTP
// outage is retried with backoff for up to 24 hours, then given up; both
// outcomes show on /admin/outbox and /admin/jobs.
package mailer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/wneessen/go-mail"

	"mamori/internal/config"
	"mamori/internal/jobargs"
	"mamori/internal/notice"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// Mailer turns notifications into emails and sends them.
type Mailer struct {
	st      *store.Store
	smtp    *config.SMTP // nil: emails go to the log and the outbox only
	from    string
	baseURL string
	log     *slog.Logger
	// Retry is the wait before attempt n+1 (River's default backoff when
	// nil); tests shorten it. GiveUpAfter bounds the retries (24 hours).
	Retry       func(attempt int) time.Duration
	GiveUpAfter time.Duration
	// Now is the clock of the reminder planner and of giving up; PlanEvery
	// how often the planner runs (15 minutes). Tests set both.
	Now       func() time.Time
	PlanEvery time.Duration
}

// New returns a mailer for cfg: SMTP when MAMORI_SMTP_URL is set.
func New(cfg config.Config, st *store.Store, log *slog.Logger) (*Mailer, error) {
	m := &Mailer{st: st, from: cfg.MailFrom, baseURL: cfg.BaseURL, log: log, GiveUpAfter: jobargs.MaxAge, Now: time.Now}
	if cfg.SMTPURL != "" {
		s, err := config.ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return nil, fmt.Errorf("mailer: %w", err)
		}
		m.smtp = &s
	}
	if m.from == "" {
		m.from = "mamori@localhost"
	}
	return m, nil
}

// Email is one rendered message.
type Email struct {
	To, Subject, Body string
}

// Render writes the email of a notification in its recipient's language:
// the notification's text (which names only what the recipient can see) and
// a link to the exact page.
func (m *Mailer) Render(d store.Delivery) Email {
	lang := d.User.Locale
	if !i18n.Supported(lang) {
		lang = i18n.Langs[0]
	}
	text := notice.Text(lang, d.Notification.Kind, d.Notification.Params)
	body := i18n.TL(lang, "mail.greeting", d.User.Name) + "\n\n" + text + "\n\n" +
		i18n.TL(lang, "mail.open") + "\n" + m.baseURL + d.Notification.Link + "\n\n" +
		i18n.TL(lang, "mail.footer", m.baseURL+"/account#notification-settings") + "\n"
	return Email{To: d.User.Email, Subject: "[Mamori] " + firstLine(text), Body: body}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

// messageID is the email's Message-ID, the same at every attempt.
func messageID(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:16]) + "@mamori"
}

// send delivers one outbox email through SMTP.
func (m *Mailer) send(ctx context.Context, o store.OutboxMail) error {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("mailer: from: %w", err)
	}
	if err := msg.To(o.To); err != nil {
		return fmt.Errorf("mailer: to: %w", err)
	}
	msg.Subject(o.Subject)
	msg.SetMessageIDWithValue(messageID(o.Key))
	msg.SetBodyString(mail.TypeTextPlain, o.Body)
	opts := []mail.Option{mail.WithPort(m.smtp.Port), mail.WithTimeout(30 * time.Second)}
	switch {
	case m.smtp.TLS:
		opts = append(opts, mail.WithSSL())
	case m.smtp.StartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if m.smtp.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(m.smtp.User), mail.WithPassword(m.smtp.Password))
	}
	c, err := mail.NewClient(m.smtp.Host, opts...)
	if err != nil {
		return fmt.Errorf("mailer: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mailer: send: %w", err)
	}
	return nil
}

// deliver sends (or logs) the outbox email o unless it went out already.
// started is when its job was created, for giving up after GiveUpAfter.
func (m *Mailer) deliver(ctx context.Context, o store.OutboxMail, started time.Time) error {
	if o.Status == "sent" || o.Status == "logged" || o.Status == "failed" {
		return nil
	}
	if m.smtp == nil {
		m.log.Info("email (no SMTP configured: see /admin/outbox)", "to", o.To, "subject", o.Subject, "key", o.Key)
		return m.st.OutboxMark(ctx, o.Key, "logged", "")
	}
	err := m.send(ctx, o)
	if err == nil {
		return m.st.OutboxMark(ctx, o.Key, "sent", "")
	}
	if m.Now().Sub(started) >= m.GiveUpAfter {
		m.log.Error("email given up", "to", o.To, "key", o.Key, "err", err)
		if merr := m.st.OutboxMark(ctx, o.Key, "failed", err.Error()); merr != nil {
			return merr
		}
		return river.JobCancel(err)
	}
	m.log.Warn("email not sent yet, will retry", "to", o.To, "key", o.Key, "err", err)
	if merr := m.st.OutboxMark(ctx, o.Key, "queued", err.Error()); merr != nil {
		return errors.Join(err, merr)
	}
	return err
}

// DeliverWorker works jobargs.Deliver.
type DeliverWorker struct {
	river.WorkerDefaults[jobargs.Deliver]
	m *Mailer
}

// Work renders the notification's email, records it in the outbox under its
// key and sends it.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[jobargs.Deliver]) error {
	d, err := w.m.st.DeliveryOf(ctx, job.Args.NotificationID)
	if err != nil {
		return err
	}
	if !d.User.Active {
		return nil
	}
	e := w.m.Render(d)
	key := "notification:" + d.Notification.ID
	o, err := w.m.st.OutboxPut(ctx, store.OutboxMail{Key: key, To: e.To, Subject: e.Subject, Body: e.Body}, d.User.ID)
	if err != nil {
		return err
	}
	if err := w.m.deliver(ctx, o, job.CreatedAt); err != nil {
		return err
	}
	return w.m.st.MarkEmailed(ctx, []string{d.Notification.ID})
}

// NextRetry is the mailer's Retry when set, else River's default backoff.
func (w *DeliverWorker) NextRetry(job *river.Job[jobargs.Deliver]) time.Time {
	if w.m.Retry == nil {
		return time.Time{}
	}
	return time.Now().Add(w.m.Retry(job.Attempt))
}

// sendDigests emails each user who chose a digest the notifications created
// before the last 9:00 JST, in one email keyed by user and day.
func (m *Mailer) sendDigests(ctx context.Context, now time.Time) error {
	day, cutoff := notice.DigestDay(now)
	batches, err := m.st.DigestBatches(ctx, cutoff)
	if err != nil {
		return err
	}
	for _, b := range batches {
		if !b.User.Active {
			continue
		}
		e := m.RenderDigest(b, day)
		o, err := m.st.OutboxPut(ctx, store.OutboxMail{Key: "digest:" + b.User.ID + ":" + day, To: e.To, Subject: e.Subject, Body: e.Body}, b.User.ID)
		if err != nil {
			return err
		}
		if err := m.deliver(ctx, o, o.CreatedAt); err != nil {
			return err
		}
		ids := make([]string, len(b.Notifications))
		for i, n := range b.Notifications {
			ids[i] = n.ID
		}
		if err := m.st.MarkEmailed(ctx, ids); err != nil {
			return err
		}
	}
	return nil
}

// RenderDigest writes one user's daily digest: each notification's text and
// link, in the user's language.
func (m *Mailer) RenderDigest(b store.DigestBatch, day string) Email {
	lang := b.User.Locale
	if !i18n.Supported(lang) {
		lang = i18n.Langs[0]
	}
	var sb strings.Builder
	sb.WriteString(i18n.TL(lang, "mail.greeting", b.User.Name) + "\n\n" + i18n.TL(lang, "mail.digest_intro", len(b.Notifications)) + "\n\n")
	for _, n := range b.Notifications {
		sb.WriteString("- " + notice.Text(lang, n.Kind, n.Params) + "\n  " + m.baseURL + n.Link + "\n")
	}
	sb.WriteString("\n" + i18n.TL(lang, "mail.footer", m.baseURL+"/account#notification-settings") + "\n")
	return Email{To: b.User.Email, Subject: "[Mamori] " + i18n.TL(lang, "mail.digest_subject", day), Body: sb.String()}
}
