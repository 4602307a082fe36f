package export

import (
	"io"
	"time"

	"mamori/web/i18n"
)

// CampaignRow is one organisation of a campaign as the export shows it.
type CampaignRow struct {
	Org             string
	State           string // campaign.OrgState
	Answered, Total int
	DaysLeft        int
	Overdue         bool
	Late            *bool
}

// WriteCampaignXLSX writes a campaign's organisations with their state,
// progress, days left and lateness, as rows hands them over (a cursor: the
// sheet is streamed, nothing held per row).
func WriteCampaignXLSX(w io.Writer, title string, deadline time.Time, rows func(func(CampaignRow) error) error) error {
	wb, err := newWorkbook(title)
	if err != nil {
		return err
	}
	defer wb.f.Close() // the stream's temporary file, if it grew to one
	cols := []Column{
		{Key: "org", JA: "組織", EN: "Organisation", Width: 30},
		{Key: "state", JA: "状況", EN: "State", Width: 16},
		{Key: "answered", JA: "回答済み", EN: "Answered", Width: 10},
		{Key: "total", JA: "設問数", EN: "Questions", Width: 10},
		{Key: "deadline", JA: "期限", EN: "Deadline", Width: 12},
		{Key: "days_left", JA: "残り日数", EN: "Days left", Width: 10},
		{Key: "overdue", JA: "期限超過", EN: "Overdue", Width: 10},
		{Key: "late", JA: "遅延（終了時）", EN: "Late (at close)", Width: 14},
	}
	s := wb.sheet("一斉調査", cols)
	yes := func(b bool) string {
		if b {
			return "○"
		}
		return ""
	}
	err = rows(func(r CampaignRow) error {
		late := ""
		if r.Late != nil {
			late = yes(*r.Late)
		}
		state := i18n.TL("ja", "campaign.state."+r.State) + " / " + i18n.TL("en", "campaign.state."+r.State)
		return s.row([]any{r.Org, state, r.Answered, r.Total, deadline.Format(time.DateOnly), r.DaysLeft, yes(r.Overdue), late})
	})
	if err != nil {
		return err
	}
	if s.err != nil {
		return s.err
	}
	return wb.finish(w)
}
