// Package jobargs names Mamori's background jobs and their arguments: what
// the store inserts in a change's transaction and internal/mailer works.
package jobargs

import (
	"time"

	"github.com/riverqueue/river"
)

// Deliver sends the email of one notification. Unique by notification:
// two instances, or a retried request, never queue it twice.
type Deliver struct {
	NotificationID string `json:"notification_id" river:"unique"`
}

// Kind is River's name of the job.
func (Deliver) Kind() string { return "deliver_notification" }

// InsertOpts: unique for as long as River keeps the job (the mail outbox's
// message key guards after that); retried with backoff for up to MaxAge,
// when the worker gives up. MaxAttempts is only a ceiling.
func (Deliver) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 200, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// MaxAge is how long a delivery is retried before it is given up on.
const MaxAge = 24 * time.Hour

// PlanReminders runs the planner (campaign reminders, assignment due
// dates, daily digests): a periodic job of the instance River elects
// leader.
type PlanReminders struct{}

// Kind is River's name of the job.
func (PlanReminders) Kind() string { return "plan_reminders" }
