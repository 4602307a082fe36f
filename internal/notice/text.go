package notice

import (
	"fmt"
	"strings"

	"mamori/web/i18n"
)

// Text is a notification's one-line message in lang, from its kind and
// parameters (the titles its recipient can see, nothing else).
func Text(lang, kind string, params map[string]any) string {
	str := func(k string) string {
		switch v := params[k].(type) {
		case string:
			return v
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = fmt.Sprint(x)
			}
			return strings.Join(parts, ", ")
		case []string:
			return strings.Join(v, ", ")
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	switch kind {
	case Assigned:
		if d := str("due_on"); d != "" {
			return i18n.TL(lang, "notice.assigned_due", str("assessment"), str("questions"), d)
		}
		return i18n.TL(lang, "notice.assigned", str("assessment"), str("questions"))
	case Submitted, Decided:
		return i18n.TL(lang, "notice."+kind, str("assessment"), str("org"), i18n.TL(lang, "status."+str("status")))
	case CampaignLaunched, CampaignClosed:
		return i18n.TL(lang, "notice."+kind, str("campaign"), str("deadline"))
	case ActionAssigned, ActionDue, ActionOverdue:
		return i18n.TL(lang, "notice."+kind, str("action"), str("due_on"))
	case EvidenceReview:
		return i18n.TL(lang, "notice.evidence_review", str("evidence"), str("review_by"))
	case CampaignReminder:
		if str("overdue") == "true" {
			return i18n.TL(lang, "notice.campaign_overdue", str("campaign"), str("deadline"))
		}
		return i18n.TL(lang, "notice.campaign_reminder", str("campaign"), str("deadline"), str("days_left"))
	}
	return i18n.TL(lang, "notice."+kind, str("assessment"))
}
