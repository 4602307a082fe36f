package assessment

import (
	"strings"

	"mamori/internal/apperr"
)

// Review marks, as the review page and the approval rule read them.
const (
	MarkOK             = "ok"
	MarkNeedsAttention = "needs_attention"
)

// OpenReview is what an approval would leave open: the questions marked as
// needing attention and those the auditor has not marked at all, in
// checklist order.
type OpenReview struct {
	Attention, Unviewed []string
}

// Empty reports whether nothing is left open.
func (o OpenReview) Empty() bool { return len(o.Attention) == 0 && len(o.Unviewed) == 0 }

// OpenItems sorts the questions (in checklist order) by their mark.
func OpenItems(questionIDs []string, marks map[string]string) OpenReview {
	var o OpenReview
	for _, id := range questionIDs {
		switch marks[id] {
		case MarkNeedsAttention:
			o.Attention = append(o.Attention, id)
		case "":
			o.Unviewed = append(o.Unviewed, id)
		}
	}
	return o
}

// CheckApprovable is the approval rule: an approval that leaves questions
// marked as needing attention must say so explicitly (acknowledged), so
// that no finding is approved over by accident. Otherwise it answers Invalid
// naming them, with the detail {"open_marks": [...]}.
func CheckApprovable(attention []string, acknowledged bool) error {
	if len(attention) == 0 || acknowledged {
		return nil
	}
	return apperr.InvalidFieldsK("review.open_marks", map[string]string{"acknowledge_open_marks": "required"},
		len(attention), strings.Join(attention, ", ")).WithDetail(map[string]any{"open_marks": attention})
}

// Unaddressed lists the findings (questions marked as needing attention, in
// checklist order) that the officers have neither changed nor commented on
// since the assessment was returned: resubmitting with them is most likely
// an oversight, so the page asks first.
func Unaddressed(findings []string, changed, commented map[string]bool) []string {
	var out []string
	for _, id := range findings {
		if !changed[id] && !commented[id] {
			out = append(out, id)
		}
	}
	return out
}
