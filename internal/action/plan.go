package action

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/checklist"
	"mamori/internal/apperr"
)

// Planned is one question an action addresses and the level it should reach
// when the action is done.
type Planned struct {
	QuestionID   string `json:"question_id"`
	PlannedLevel int    `json:"planned_level"`
}

// Plan is what an action says it will do, as created or edited.
type Plan struct {
	Title       string
	Description string
	Questions   []Planned
	PointIDs    []string
	OwnerID     string
	DueOn       string // YYYY-MM-DD
	Priority    Priority
}

// CheckPlan validates a plan against the checklist and today's levels of
// the organisation (current: question id → level, 0 or absent when not
// answered), on the date today. It returns the parsed due date.
//
//   - title: 1..MaxTitle characters; description at most MaxText;
//   - questions: at least one, none twice, each known, planned level 1..5
//     and above its current level;
//   - point_ids: each a key point of one of the action's questions, none twice;
//   - owner_id: required (whether the owner belongs to the organisation is
//     the store's to check);
//   - due_on: a date, and not in the past when checkDue (on creation, and
//     when an edit moves the date);
//   - priority: high, medium or low.
//
// Problems are reported by field, e.g. "questions[1].planned_level":
// "not_above_current".
func CheckPlan(cl *checklist.Checklist, p Plan, current map[string]int, today time.Time, checkDue bool) (time.Time, error) {
	bad := map[string]string{}
	if n := utf8.RuneCountInString(strings.TrimSpace(p.Title)); n == 0 {
		bad["title"] = ProblemRequired
	} else if utf8.RuneCountInString(p.Title) > MaxTitle {
		bad["title"] = ProblemTooLong
	}
	if utf8.RuneCountInString(p.Description) > MaxText {
		bad["description"] = ProblemTooLong
	}
	seen := map[string]bool{}
	switch {
	case len(p.Questions) == 0:
		bad["questions"] = ProblemRequired
	case len(p.Questions) > MaxQuestions:
		bad["questions"] = ProblemTooLong
	}
	for i, q := range p.Questions {
		f := fmt.Sprintf("questions[%d]", i)
		if _, ok := cl.Question(q.QuestionID); !ok || seen[q.QuestionID] {
			bad[f+".question_id"] = ProblemUnknown
			continue
		}
		seen[q.QuestionID] = true
		switch {
		case q.PlannedLevel < 1 || q.PlannedLevel > checklist.NumLevels:
			bad[f+".planned_level"] = ProblemRange
		case q.PlannedLevel <= current[q.QuestionID]:
			bad[f+".planned_level"] = ProblemNotAbove
		}
	}
	pts := map[string]bool{}
	for i, id := range p.PointIDs {
		if pts[id] || !pointOf(cl, seen, id) {
			bad[fmt.Sprintf("point_ids[%d]", i)] = ProblemUnknown
		}
		pts[id] = true
	}
	if strings.TrimSpace(p.OwnerID) == "" {
		bad["owner_id"] = ProblemRequired
	}
	var due time.Time
	if strings.TrimSpace(p.DueOn) == "" {
		bad["due_on"] = ProblemRequired
	} else if d, err := ParseDate(p.DueOn); err != nil {
		bad["due_on"] = ProblemInvalid
	} else if checkDue && d.Before(Day(today)) {
		bad["due_on"] = ProblemPast
	} else {
		due = d
	}
	if !p.Priority.Valid() {
		bad["priority"] = ProblemInvalid
	}
	if len(bad) > 0 {
		return time.Time{}, apperr.InvalidFieldsK("err.action_invalid", bad)
	}
	return due, nil
}

// pointOf reports whether id is a key point of one of the questions.
func pointOf(cl *checklist.Checklist, questions map[string]bool, id string) bool {
	for qid := range questions {
		if q, ok := cl.Question(qid); ok {
			if _, ok := q.Point(id); ok {
				return true
			}
		}
	}
	return false
}
