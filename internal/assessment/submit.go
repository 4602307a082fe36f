package assessment

import "mamori/internal/apperr"

// AnswerState is what submission needs to know of one stored answer.
type AnswerState struct {
	Answered    bool // it has a level
	CarriedOver bool // copied from the previous assessment and not yet confirmed
}

// CheckSubmittable is the submission rule: every question of the checklist
// (questionIDs, in checklist order) has a level, and every answer carried
// over from the previous assessment has been confirmed. Otherwise it answers
// Invalid with the questions in the way, in checklist order, as the detail
// {"unanswered": [...], "unconfirmed": [...]} (empty lists, never null).
func CheckSubmittable(questionIDs []string, answers map[string]AnswerState) error {
	missing, unconfirmed := []string{}, []string{}
	for _, id := range questionIDs {
		switch a := answers[id]; {
		case !a.Answered:
			missing = append(missing, id)
		case a.CarriedOver:
			unconfirmed = append(unconfirmed, id)
		}
	}
	if len(missing) == 0 && len(unconfirmed) == 0 {
		return nil
	}
	e := apperr.K(apperr.Invalid, "assessment.incomplete")
	e.Detail = map[string]any{"unanswered": missing, "unconfirmed": unconfirmed}
	return e
}
