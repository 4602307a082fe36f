package notice

import (
	"testing"
	"time"
)

func TestDigestDay(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		day  string
	}{
		{"JustBeforeNineJSTIsYesterday", time.Date(2026, 4, 10, 8, 59, 0, 0, JST), "2026-04-09"},
		{"AtNineJSTIsToday", time.Date(2026, 4, 10, 9, 0, 0, 0, JST), "2026-04-10"},
		{"UTCMidnightIsNineJST", time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC), "2026-04-10"},
		{"EightThirtyJSTNextMorningIsStillTheDayBefore", time.Date(2026, 4, 10, 23, 30, 0, 0, time.UTC), "2026-04-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			day, cutoff := DigestDay(tt.at)
			if day != tt.day {
				t.Fatalf("day = %s, want %s", day, tt.day)
			}
			if cutoff.After(tt.at) || tt.at.Sub(cutoff) >= 24*time.Hour {
				t.Fatalf("cutoff %v not within the day before %v", cutoff, tt.at)
			}
		})
	}
}

func TestValid(t *testing.T) {
	if !ValidKind(Assigned) || ValidKind("nope") {
		t.Fatal("ValidKind")
	}
	for _, m := range []string{Immediate, Digest, Off} {
		if !ValidMode(m) {
			t.Fatalf("%s refused", m)
		}
	}
	if ValidMode("weekly") {
		t.Fatal("weekly accepted")
	}
}
