// Package notice holds the rules of notifications: the kinds of event a user
// is told about, how each user may choose to receive them, and when the
// daily digest is due. It imports neither net/http nor pgx.
package notice

import "time"

// Kinds of notification. Each user chooses a Mode per kind.
const (
	Assigned         = "assigned"          // questions assigned to you
	Due              = "due"               // an assignment due in 7 days or 1 day
	Overdue          = "overdue"           // an assignment past its due date
	Submitted        = "submitted"         // an assessment submitted (to its auditors)
	Decided          = "decided"           // returned or approved (to the officers)
	Commented        = "commented"         // a comment on a question assigned to you
	CampaignLaunched = "campaign_launched" // your organisation is in a campaign
	CampaignReminder = "campaign_reminder" // the campaign's deadline is near, or past
	CampaignClosed   = "campaign_closed"
	ActionAssigned   = "action_assigned" // an improvement action you now own
	ActionDue        = "action_due"      // an action of yours due in 7 days or 1 day
	ActionOverdue    = "action_overdue"  // an action of yours past its due date
	EvidenceReview   = "evidence_review" // an evidence item of your organisation past its review-by date
)

// Kinds lists every kind, in the order the settings page shows them.
var Kinds = []string{Assigned, Due, Overdue, Submitted, Decided, Commented, ActionAssigned, ActionDue, ActionOverdue,
	EvidenceReview, CampaignLaunched, CampaignReminder, CampaignClosed}

// Modes of delivery.
const (
	Immediate = "immediate" // in-app and an email at once (the default)
	Digest    = "digest"    // in-app, and in the daily digest email at 9:00 JST
	Off       = "off"       // in-app only
)

// ValidKind reports whether k is a known kind.
func ValidKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// ValidMode reports whether m is a known mode.
func ValidMode(m string) bool { return m == Immediate || m == Digest || m == Off }

// JST is Japan Standard Time (UTC+9, no daylight saving).
var JST = time.FixedZone("JST", 9*60*60)

// DigestHour is the hour of the day (JST) the digest goes out.
const DigestHour = 9

// DigestDay names the digest due at t: the JST date of the last 9:00 JST at
// or before t, and that instant. Notifications created before the instant
// and not yet sent belong to that digest.
func DigestDay(t time.Time) (day string, cutoff time.Time) {
	j := t.In(JST)
	c := time.Date(j.Year(), j.Month(), j.Day(), DigestHour, 0, 0, 0, JST)
	if j.Before(c) {
		c = c.AddDate(0, 0, -1)
	}
	return c.Format(time.DateOnly), c
}
