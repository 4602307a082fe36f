package assessment

import (
	"reflect"
	"testing"

	"mamori/internal/apperr"
)

func TestCheckSubmittable(t *testing.T) {
	qs := []string{"1-1", "1-2", "2-1"}
	done, carried := AnswerState{Answered: true}, AnswerState{Answered: true, CarriedOver: true}
	tests := []struct {
		name        string
		answers     map[string]AnswerState
		unanswered  []string
		unconfirmed []string
	}{
		{"EveryQuestionAnsweredAndConfirmed", map[string]AnswerState{"1-1": done, "1-2": done, "2-1": done}, nil, nil},
		{"NoAnswersListsEveryQuestion", nil, qs, []string{}},
		{"MissingAnswerInChecklistOrder", map[string]AnswerState{"1-2": done}, []string{"1-1", "2-1"}, []string{}},
		{"AnswerWithoutLevelIsUnanswered", map[string]AnswerState{"1-1": {}, "1-2": done, "2-1": done}, []string{"1-1"}, []string{}},
		{"CarriedOverWithoutLevelIsUnanswered", map[string]AnswerState{"1-1": {CarriedOver: true}, "1-2": done, "2-1": done}, []string{"1-1"}, []string{}},
		{"UnconfirmedCarriedOver", map[string]AnswerState{"1-1": done, "1-2": carried, "2-1": carried}, []string{}, []string{"1-2", "2-1"}},
		{"BothKinds", map[string]AnswerState{"1-1": carried, "2-1": done}, []string{"1-2"}, []string{"1-1"}},
		{"AnswersOutsideTheChecklistIgnored", map[string]AnswerState{"1-1": done, "1-2": done, "2-1": done, "9-9": carried}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSubmittable(qs, tt.answers)
			if tt.unanswered == nil && tt.unconfirmed == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Key != "assessment.incomplete" {
				t.Fatalf("err = %#v, want Invalid assessment.incomplete", err)
			}
			want := map[string]any{"unanswered": tt.unanswered, "unconfirmed": tt.unconfirmed}
			if !reflect.DeepEqual(e.Detail, want) {
				t.Errorf("detail = %#v, want %#v", e.Detail, want)
			}
		})
	}
}
