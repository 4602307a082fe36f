// Package campaign holds the rules of group-wide campaigns (一斉調査): the
// reminder schedule, the state of each organisation, and the checks of a
// launch. It imports neither net/http nor pgx.
package campaign

import (
	"slices"
	"time"
)

// DefaultReminderDays are the days before the deadline a reminder goes out.
var DefaultReminderDays = []int{14, 7, 1}

// OverdueEvery is how often a late organisation is reminded after the
// deadline.
const OverdueEvery = 7

// Day truncates t to its date (in t's location), as UTC midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ValidReminderDays reports whether days are each 1–365 and distinct.
func ValidReminderDays(days []int) bool {
	seen := map[int]bool{}
	for _, d := range days {
		if d < 1 || d > 365 || seen[d] {
			return false
		}
		seen[d] = true
	}
	return true
}

// Reminder is the reminder due on a day: the schedule date it is for, the
// days left until the deadline (negative when overdue).
type Reminder struct {
	On       time.Time
	DaysLeft int
	Overdue  bool
}

// DueReminder returns the latest reminder of the schedule on or before
// today and on or after the launch day: days before the deadline, then
// every OverdueEvery days after it. ok is false when none is due. Sending it
// once per (campaign, organisation, On) is the caller's part: a planner that
// missed a day sends the latest one only.
func DueReminder(deadline, launched, today time.Time, days []int) (Reminder, bool) {
	deadline, launched, today = Day(deadline), Day(launched), Day(today)
	var best time.Time
	consider := func(d time.Time) {
		if !d.After(today) && !d.Before(launched) && d.After(best) {
			best = d
		}
	}
	for _, n := range days {
		consider(deadline.AddDate(0, 0, -n))
	}
	if today.After(deadline) {
		weeks := int(today.Sub(deadline).Hours()/24) / OverdueEvery
		if weeks >= 1 {
			consider(deadline.AddDate(0, 0, weeks*OverdueEvery))
		}
	}
	if best.IsZero() {
		return Reminder{}, false
	}
	left := int(deadline.Sub(best).Hours() / 24)
	return Reminder{On: best, DaysLeft: left, Overdue: left < 0}, true
}

// States of an organisation in a campaign.
const (
	NotStarted = "not_started"
	InProgress = "in_progress"
	Submitted  = "submitted"
	Returned   = "returned"
	Approved   = "approved"
)

// OrgState is an organisation's state from its assessment's status and the
// number of answered questions.
func OrgState(status string, answered int) string {
	switch status {
	case "submitted", "approved", "returned":
		return status
	}
	if answered == 0 {
		return NotStarted
	}
	return InProgress
}

// Done reports whether the organisation has handed in (submitted or approved).
func Done(status string) bool { return status == "submitted" || status == "approved" }

// DaysLeft is the number of days from today to the deadline (negative when
// past).
func DaysLeft(deadline, today time.Time) int {
	return int(Day(deadline).Sub(Day(today)).Hours() / 24)
}

// OutsideScope returns the ids of orgIDs that are not in allowed.
func OutsideScope(orgIDs, allowed []string) []string {
	var out []string
	for _, id := range orgIDs {
		if !slices.Contains(allowed, id) {
			out = append(out, id)
		}
	}
	return out
}
