// Package action is the domain of improvement actions (改善アクション): the
// statuses an action moves through, the requirements of each move, and the
// validation of what an action plans. It imports neither net/http nor pgx.
//
// The life of an action:
//
//	open ⇄ in_progress → done
//	open, in_progress → risk_accepted → open (by hand, or when the review date passes)
//	done → in_progress (the work turned out unfinished)
//
// Closing (done) needs at least one evidence item of the organisation's
// library (the note is optional); accepting a risk needs a reason and a review
// date no more than a year away (who may approve it is policy.AcceptRisk).
package action

import (
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/apperr"
)

// Status is where an action stands.
type Status string

const (
	Open         Status = "open"
	InProgress   Status = "in_progress"
	Done         Status = "done"
	RiskAccepted Status = "risk_accepted"
)

// Statuses lists every status, in the order the list shows them.
var Statuses = []Status{Open, InProgress, Done, RiskAccepted}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Active reports whether work on the action is still expected: open and in
// progress actions count as open work, overdue when their date has passed.
func (s Status) Active() bool { return s == Open || s == InProgress }

// Priority is how urgent an action is.
type Priority string

const (
	High   Priority = "high"
	Medium Priority = "medium"
	Low    Priority = "low"
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{High, Medium, Low}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == High || p == Medium || p == Low }

// Rank orders priorities for sorting: high 0, medium 1, low 2.
func (p Priority) Rank() int {
	switch p {
	case High:
		return 0
	case Medium:
		return 1
	}
	return 2
}

// Limits of an action's fields.
const (
	MaxTitle     = 200
	MaxText      = 5000
	MaxQuestions = 27
	MaxEvidence  = 50 // evidence items named by one closing
)

// allowed lists the moves a user may make by hand.
var allowed = map[Status][]Status{
	Open:         {InProgress, Done, RiskAccepted},
	InProgress:   {Open, Done, RiskAccepted},
	Done:         {InProgress},
	RiskAccepted: {Open},
}

// CanMove reports whether an action may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range allowed[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Change is a requested status change with what it brings along.
type Change struct {
	To          Status
	Note        string
	EvidenceIDs []string
	Reason      string
	ReviewOn    string // YYYY-MM-DD
}

// Field problems, as the API reports them.
const (
	ProblemRequired = "required"
	ProblemTooShort = "too_short"
	ProblemTooLong  = "too_long"
	ProblemInvalid  = "invalid"
	ProblemPast     = "in_the_past"
	ProblemTooFar   = "too_far"
	ProblemUnknown  = "unknown"
	ProblemRange    = "out_of_range"
	ProblemNotAbove = "not_above_current"
	ProblemOrg      = "not_in_organisation"
)

// CheckChange validates a status change from the current status, on the
// date today (the organisation's calendar date). A move the status does not
// allow answers Conflict; missing or bad requirements answer Invalid naming
// the fields. For a risk acceptance it returns the parsed review date.
//
// Closing needs at least one evidence id; whether the ids name live items of
// the action's organisation is the store's check. Other moves take none.
func CheckChange(from Status, c Change, today time.Time) (reviewOn time.Time, err error) {
	if !c.To.Valid() {
		return time.Time{}, apperr.InvalidFieldsK("err.action_invalid", map[string]string{"status": ProblemInvalid})
	}
	if !CanMove(from, c.To) {
		return time.Time{}, apperr.K(apperr.Conflict, "err.action_status_forbids", apperr.KeyArg("action.status."+string(from)), apperr.KeyArg("action.status."+string(c.To)))
	}
	bad := map[string]string{}
	if len(c.EvidenceIDs) > 0 && c.To != Done {
		bad["evidence_ids"] = ProblemInvalid
	}
	if utf8.RuneCountInString(c.Note) > MaxText {
		bad["note"] = ProblemTooLong
	}
	switch c.To {
	case Done:
		switch n := len(UniqueIDs(c.EvidenceIDs)); {
		case n == 0:
			bad["evidence_ids"] = ProblemRequired
		case n > MaxEvidence:
			bad["evidence_ids"] = ProblemTooLong
		}
	case RiskAccepted:
		if strings.TrimSpace(c.Reason) == "" {
			bad["reason"] = ProblemRequired
		} else if utf8.RuneCountInString(c.Reason) > MaxText {
			bad["reason"] = ProblemTooLong
		}
		var p string
		reviewOn, p = checkReviewDate(c.ReviewOn, today)
		if p != "" {
			bad["review_on"] = p
		}
	}
	if len(bad) > 0 {
		return time.Time{}, apperr.InvalidFieldsK("err.action_invalid", bad)
	}
	return reviewOn, nil
}

// UniqueIDs returns the non-blank ids, trimmed, each once, in their order.
func UniqueIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// checkReviewDate: a risk is reviewed after today and no more than one year
// from today (the same day of the next year; 29 February moves to 1 March).
func checkReviewDate(s string, today time.Time) (time.Time, string) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, ProblemRequired
	}
	d, err := ParseDate(s)
	if err != nil {
		return time.Time{}, ProblemInvalid
	}
	t := Day(today)
	switch {
	case !d.After(t):
		return time.Time{}, ProblemPast
	case d.After(t.AddDate(1, 0, 0)):
		return time.Time{}, ProblemTooFar
	}
	return d, ""
}

// ParseDate reads a calendar date YYYY-MM-DD (as midnight UTC).
func ParseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, strings.TrimSpace(s)) }

// Day is t's calendar date as midnight UTC, the form dates are compared in.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ReviewDue reports whether a risk acceptance has reached its review date
// on today, so that the action reopens by itself.
func ReviewDue(s Status, reviewOn *time.Time, today time.Time) bool {
	return s == RiskAccepted && reviewOn != nil && !Day(*reviewOn).After(Day(today))
}

// Overdue reports whether an active action's due date has passed on today.
func Overdue(s Status, dueOn, today time.Time) bool {
	return s.Active() && Day(dueOn).Before(Day(today))
}

// DueWithin reports whether an active action is due between today and
// today + days (inclusive), overdue ones excluded.
func DueWithin(s Status, dueOn, today time.Time, days int) bool {
	d, t := Day(dueOn), Day(today)
	return s.Active() && !d.Before(t) && !d.After(t.AddDate(0, 0, days))
}

// jst is the calendar actions are dated in: Japan has no daylight saving
// time, so a fixed zone needs no time zone database.
var jst = time.FixedZone("JST", 9*60*60)

// Today is the calendar date in Japan at now, as midnight UTC: due and
// review dates are days in the organisation's calendar, not instants.
func Today(now time.Time) time.Time { return Day(now.In(jst)) }
