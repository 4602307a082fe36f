package action

import (
	"strings"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/apperr"
)

var today = time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)

func TestUniqueIDs(t *testing.T) {
	got := UniqueIDs([]string{" b", "a", "", "b", "a "})
	if strings.Join(got, ",") != "b,a" {
		t.Fatalf("UniqueIDs = %q", got)
	}
}

func TestCheckChange(t *testing.T) {
	long := "対策を実施し、手順書を改訂して全員に周知しました。"
	many := make([]string, MaxEvidence+1)
	for i := range many {
		many[i] = "e" + strings.Repeat("x", i+1)
	}
	tests := []struct {
		name   string
		from   Status
		change Change
		code   apperr.Code // "" = allowed
		fields map[string]string
	}{
		{"StartWork", Open, Change{To: InProgress}, "", nil},
		{"BackToOpen", InProgress, Change{To: Open}, "", nil},
		{"CloseWithEvidence", InProgress, Change{To: Done, EvidenceIDs: []string{"e1"}}, "", nil},
		{"CloseFromOpenWithNote", Open, Change{To: Done, Note: long, EvidenceIDs: []string{"e1", "e2"}}, "", nil},
		{"CloseWithoutEvidence", InProgress, Change{To: Done, Note: long}, apperr.Invalid, map[string]string{"evidence_ids": ProblemRequired}},
		{"CloseWithBlankEvidence", InProgress, Change{To: Done, EvidenceIDs: []string{" ", ""}}, apperr.Invalid, map[string]string{"evidence_ids": ProblemRequired}},
		{"CloseWithTooMuchEvidence", InProgress, Change{To: Done, EvidenceIDs: many}, apperr.Invalid, map[string]string{"evidence_ids": ProblemTooLong}},
		{"CloseWithTooLongNote", InProgress, Change{To: Done, Note: strings.Repeat("あ", MaxText+1), EvidenceIDs: []string{"e1"}}, apperr.Invalid, map[string]string{"note": ProblemTooLong}},
		{"EvidenceOnlyWhenClosing", Open, Change{To: InProgress, EvidenceIDs: []string{"e1"}}, apperr.Invalid, map[string]string{"evidence_ids": ProblemInvalid}},
		{"AcceptRisk", Open, Change{To: RiskAccepted, Reason: "費用対効果が低い", ReviewOn: "2027-05-01"}, "", nil},
		{"AcceptRiskExactlyOneYear", InProgress, Change{To: RiskAccepted, Reason: "r", ReviewOn: "2027-11-29"}, "", nil},
		{"AcceptRiskOneYearAndADay", Open, Change{To: RiskAccepted, Reason: "r", ReviewOn: "2027-11-30"}, apperr.Invalid, map[string]string{"review_on": ProblemTooFar}},
		{"AcceptRiskReviewToday", Open, Change{To: RiskAccepted, Reason: "r", ReviewOn: "2026-11-29"}, apperr.Invalid, map[string]string{"review_on": ProblemPast}},
		{"AcceptRiskNoReason", Open, Change{To: RiskAccepted, ReviewOn: "2027-01-01"}, apperr.Invalid, map[string]string{"reason": ProblemRequired}},
		{"AcceptRiskNoDate", Open, Change{To: RiskAccepted, Reason: "r"}, apperr.Invalid, map[string]string{"review_on": ProblemRequired}},
		{"AcceptRiskBadDate", Open, Change{To: RiskAccepted, Reason: "r", ReviewOn: "2027-02-30"}, apperr.Invalid, map[string]string{"review_on": ProblemInvalid}},
		{"ReopenAcceptedRisk", RiskAccepted, Change{To: Open}, "", nil},
		{"ReopenDone", Done, Change{To: InProgress}, "", nil},
		{"DoneToOpenRefused", Done, Change{To: Open}, apperr.Conflict, nil},
		{"DoneToRiskRefused", Done, Change{To: RiskAccepted, Reason: "r", ReviewOn: "2027-01-01"}, apperr.Conflict, nil},
		{"SameStatusRefused", Open, Change{To: Open}, apperr.Conflict, nil},
		{"RiskToDoneRefused", RiskAccepted, Change{To: Done, EvidenceIDs: []string{"e1"}}, apperr.Conflict, nil},
		{"UnknownStatus", Open, Change{To: "closed"}, apperr.Invalid, map[string]string{"status": ProblemInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckChange(tt.from, tt.change, today)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			e, _ := apperr.As(err)
			for f, p := range tt.fields {
				if e.Fields[f] != p {
					t.Errorf("field %s: %q, want %q (all: %v)", f, e.Fields[f], p, e.Fields)
				}
			}
			if len(tt.fields) > 0 && len(e.Fields) != len(tt.fields) {
				t.Errorf("fields %v, want %v", e.Fields, tt.fields)
			}
		})
	}
}

func TestCheckChangeReturnsReviewDate(t *testing.T) {
	d, err := CheckChange(Open, Change{To: RiskAccepted, Reason: "r", ReviewOn: "2027-03-31"}, today)
	if err != nil || d.Format(time.DateOnly) != "2027-03-31" {
		t.Fatalf("review date %v, %v", d, err)
	}
}

func TestReviewDueOverdueDueWithin(t *testing.T) {
	day := func(s string) time.Time { d, _ := ParseDate(s); return d }
	rev := day("2026-11-29")
	later := day("2026-11-30")
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"ReviewDueOnTheDay", ReviewDue(RiskAccepted, &rev, today), true},
		{"ReviewNotYetDue", ReviewDue(RiskAccepted, &later, today), false},
		{"ReviewOnlyForAcceptedRisks", ReviewDue(Open, &rev, today), false},
		{"ReviewWithoutDate", ReviewDue(RiskAccepted, nil, today), false},
		{"OverdueYesterday", Overdue(Open, day("2026-11-28"), today), true},
		{"NotOverdueToday", Overdue(InProgress, day("2026-11-29"), today), false},
		{"DoneNeverOverdue", Overdue(Done, day("2026-01-01"), today), false},
		{"DueWithin30Days", DueWithin(Open, day("2026-12-29"), today, 30), true},
		{"Due31DaysAway", DueWithin(Open, day("2026-12-30"), today, 30), false},
		{"OverdueIsNotDueWithin", DueWithin(Open, day("2026-11-28"), today, 30), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestCheckPlan(t *testing.T) {
	cl := checklist.Default()
	current := map[string]int{"1-1": 2, "3-2": 5}
	good := func() Plan {
		return Plan{Title: "規程の整備", Questions: []Planned{{"1-1", 4}}, PointIDs: []string{"1-1-1", "1-1-2"},
			OwnerID: "u1", DueOn: "2027-03-31", Priority: High}
	}
	tests := []struct {
		name     string
		mutate   func(p *Plan)
		checkDue bool
		fields   map[string]string // nil = valid
	}{
		{"Valid", func(*Plan) {}, true, nil},
		{"UnansweredQuestionAnyLevel", func(p *Plan) { p.Questions = []Planned{{"2-1", 1}}; p.PointIDs = nil }, true, nil},
		{"NoTitle", func(p *Plan) { p.Title = "  " }, true, map[string]string{"title": ProblemRequired}},
		{"LongTitle", func(p *Plan) { p.Title = strings.Repeat("a", MaxTitle+1) }, true, map[string]string{"title": ProblemTooLong}},
		{"NoQuestions", func(p *Plan) { p.Questions = nil; p.PointIDs = nil }, true, map[string]string{"questions": ProblemRequired}},
		{"UnknownQuestion", func(p *Plan) { p.Questions = append(p.Questions, Planned{"9-9", 3}) }, true, map[string]string{"questions[1].question_id": ProblemUnknown}},
		{"QuestionTwice", func(p *Plan) { p.Questions = append(p.Questions, Planned{"1-1", 5}) }, true, map[string]string{"questions[1].question_id": ProblemUnknown}},
		{"LevelZero", func(p *Plan) { p.Questions[0].PlannedLevel = 0 }, true, map[string]string{"questions[0].planned_level": ProblemRange}},
		{"LevelSix", func(p *Plan) { p.Questions[0].PlannedLevel = 6 }, true, map[string]string{"questions[0].planned_level": ProblemRange}},
		{"LevelEqualToCurrent", func(p *Plan) { p.Questions[0].PlannedLevel = 2 }, true, map[string]string{"questions[0].planned_level": ProblemNotAbove}},
		{"LevelBelowCurrent", func(p *Plan) { p.Questions[0].PlannedLevel = 1 }, true, map[string]string{"questions[0].planned_level": ProblemNotAbove}},
		{"AlreadyAtFive", func(p *Plan) { p.Questions = []Planned{{"3-2", 5}}; p.PointIDs = nil }, true, map[string]string{"questions[0].planned_level": ProblemNotAbove}},
		{"UnknownPoint", func(p *Plan) { p.PointIDs = []string{"1-1-99"} }, true, map[string]string{"point_ids[0]": ProblemUnknown}},
		{"PointOfAnotherQuestion", func(p *Plan) { p.PointIDs = []string{"1-1-1", "2-1-1"} }, true, map[string]string{"point_ids[1]": ProblemUnknown}},
		{"PointTwice", func(p *Plan) { p.PointIDs = []string{"1-1-1", "1-1-1"} }, true, map[string]string{"point_ids[1]": ProblemUnknown}},
		{"NoOwner", func(p *Plan) { p.OwnerID = "" }, true, map[string]string{"owner_id": ProblemRequired}},
		{"DueYesterday", func(p *Plan) { p.DueOn = "2026-11-28" }, true, map[string]string{"due_on": ProblemPast}},
		{"DueToday", func(p *Plan) { p.DueOn = "2026-11-29" }, true, nil},
		{"PastDueKeptOnEdit", func(p *Plan) { p.DueOn = "2026-01-01" }, false, nil},
		{"DueNotADate", func(p *Plan) { p.DueOn = "31/03/2027" }, true, map[string]string{"due_on": ProblemInvalid}},
		{"NoDue", func(p *Plan) { p.DueOn = "" }, true, map[string]string{"due_on": ProblemRequired}},
		{"BadPriority", func(p *Plan) { p.Priority = "urgent" }, true, map[string]string{"priority": ProblemInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good()
			tt.mutate(&p)
			_, err := CheckPlan(cl, p, current, today, tt.checkDue)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid {
				t.Fatalf("got %v, want invalid", err)
			}
			if len(e.Fields) != len(tt.fields) {
				t.Errorf("fields %v, want %v", e.Fields, tt.fields)
			}
			for f, prob := range tt.fields {
				if e.Fields[f] != prob {
					t.Errorf("field %s: %q, want %q", f, e.Fields[f], prob)
				}
			}
		})
	}
}

func TestTodayIsTheDateInJapan(t *testing.T) {
	late := time.Date(2026, 11, 29, 15, 30, 0, 0, time.UTC) // 00:30 on the 30th in Tokyo
	if got := Today(late).Format(time.DateOnly); got != "2026-11-30" {
		t.Fatalf("Today = %s, want 2026-11-30", got)
	}
}
