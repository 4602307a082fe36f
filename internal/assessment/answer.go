package assessment

import (
	"fmt"
	"unicode/utf8"

	"mamori/checklist"
	"mamori/internal/apperr"
)

// MaxComment is the longest comment accepted, in characters.
const MaxComment = 10000

// AnswerValues is an answer as a user sends it, and as it is saved.
type AnswerValues struct {
	Level     *int // nil: not answered yet
	Comment   string
	PointsMet []string
	Version   int // the version the user read; 0 for a question not answered before
}

// ValidateAnswer checks an answer to q and returns it normalised: key points
// in checklist order without duplicates. Problems answer Invalid with the
// fields named.
func ValidateAnswer(q *checklist.Question, v AnswerValues) (AnswerValues, error) {
	fields := map[string]string{}
	if v.Level != nil && (*v.Level < 1 || *v.Level > 5) {
		fields["level"] = "must be 1 to 5 or null"
	}
	if utf8.RuneCountInString(v.Comment) > MaxComment {
		fields["comment"] = fmt.Sprintf("must be at most %d characters", MaxComment)
	}
	if !ValidText(v.Comment) {
		fields["comment"] = "must be valid UTF-8 without control characters"
	}
	if v.Version < 0 {
		fields["version"] = "must be 0 or more"
	}
	met := map[string]bool{}
	for _, id := range v.PointsMet {
		if _, ok := q.Point(id); !ok {
			fields["points_met"] = fmt.Sprintf("%q is not a key point of question %s", id, q.ID)
			break
		}
		met[id] = true
	}
	if len(fields) > 0 {
		return AnswerValues{}, apperr.InvalidFieldsK("err.answer_invalid", fields)
	}
	out := v
	out.PointsMet = make([]string, 0, len(met))
	for _, p := range q.Points {
		if met[p.ID] {
			out.PointsMet = append(out.PointsMet, p.ID)
		}
	}
	return out, nil
}
