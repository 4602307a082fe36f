package assessment

import (
	"slices"
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/apperr"
)

func TestValidateAnswer(t *testing.T) {
	q, ok := checklist.Default().Question("1-2")
	if !ok {
		t.Fatal("question 1-2 missing")
	}
	lvl := func(n int) *int { return &n }
	t.Run("NormalisesPoints", func(t *testing.T) {
		got, err := ValidateAnswer(q, AnswerValues{Level: lvl(3), PointsMet: []string{"1-2-3", "1-2-1", "1-2-3"}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.PointsMet, []string{"1-2-1", "1-2-3"}) {
			t.Fatalf("points = %v", got.PointsMet)
		}
	})
	t.Run("NullLevelAllowed", func(t *testing.T) {
		if _, err := ValidateAnswer(q, AnswerValues{}); err != nil {
			t.Fatal(err)
		}
	})
	for name, tc := range map[string]struct {
		v     AnswerValues
		field string
	}{
		"LevelZero":       {AnswerValues{Level: lvl(0)}, "level"},
		"LevelSix":        {AnswerValues{Level: lvl(6)}, "level"},
		"OtherQuestionPt": {AnswerValues{PointsMet: []string{"1-1-1"}}, "points_met"},
		"UnknownPoint":    {AnswerValues{PointsMet: []string{"1-2-99"}}, "points_met"},
		"CommentTooLong":  {AnswerValues{Comment: strings.Repeat("あ", MaxComment+1)}, "comment"},
		"NegativeVersion": {AnswerValues{Version: -1}, "version"},
		"InvalidUTF8":     {AnswerValues{Comment: "\xff"}, "comment"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ValidateAnswer(q, tc.v)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Fields[tc.field] == "" {
				t.Fatalf("err = %v, want invalid %s", err, tc.field)
			}
		})
	}
	t.Run("CommentAtLimit", func(t *testing.T) {
		if _, err := ValidateAnswer(q, AnswerValues{Comment: strings.Repeat("あ", MaxComment)}); err != nil {
			t.Fatal(err)
		}
	})
}
