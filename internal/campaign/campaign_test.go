package campaign

import (
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDueReminder(t *testing.T) {
	deadline, launched := date("2026-06-30"), date("2026-06-01")
	tests := []struct {
		name, today, on string
		left            int
		ok              bool
	}{
		{"BeforeTheFirst", "2026-06-15", "", 0, false},
		{"FourteenDaysBefore", "2026-06-16", "2026-06-16", 14, true},
		{"BetweenKeepsTheLastOne", "2026-06-20", "2026-06-16", 14, true},
		{"SevenDaysBefore", "2026-06-23", "2026-06-23", 7, true},
		{"OneDayBefore", "2026-06-29", "2026-06-29", 1, true},
		{"OnTheDeadline", "2026-06-30", "2026-06-29", 1, true},
		{"OneWeekLate", "2026-07-07", "2026-07-07", -7, true},
		{"TenDaysLate", "2026-07-10", "2026-07-07", -7, true},
		{"TwoWeeksLate", "2026-07-14", "2026-07-14", -14, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := DueReminder(deadline, launched, date(tt.today), DefaultReminderDays)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			if got := r.On.Format(time.DateOnly); got != tt.on || r.DaysLeft != tt.left || r.Overdue != (tt.left < 0) {
				t.Fatalf("got %s (%d left, overdue %v), want %s (%d)", got, r.DaysLeft, r.Overdue, tt.on, tt.left)
			}
		})
	}
	t.Run("NothingBeforeTheLaunch", func(t *testing.T) {
		if _, ok := DueReminder(deadline, date("2026-06-25"), date("2026-06-26"), DefaultReminderDays); ok {
			t.Fatal("the 14- and 7-day reminders predate the launch")
		}
	})
}

func TestOrgState(t *testing.T) {
	for _, tt := range []struct {
		status   string
		answered int
		want     string
	}{{"draft", 0, NotStarted}, {"draft", 3, InProgress}, {"returned", 27, Returned}, {"submitted", 27, Submitted}, {"approved", 27, Approved}} {
		if got := OrgState(tt.status, tt.answered); got != tt.want {
			t.Errorf("%s/%d = %s, want %s", tt.status, tt.answered, got, tt.want)
		}
	}
}

func TestValidReminderDays(t *testing.T) {
	if !ValidReminderDays([]int{14, 7, 1}) || ValidReminderDays([]int{0}) || ValidReminderDays([]int{7, 7}) || ValidReminderDays([]int{400}) {
		t.Fatal("ValidReminderDays")
	}
	if got := OutsideScope([]string{"a", "x"}, []string{"a", "b"}); len(got) != 1 || got[0] != "x" {
		t.Fatalf("OutsideScope = %v", got)
	}
	if DaysLeft(date("2026-06-30"), date("2026-06-28")) != 2 || DaysLeft(date("2026-06-30"), date("2026-07-01")) != -1 {
		t.Fatal("DaysLeft")
	}
}
