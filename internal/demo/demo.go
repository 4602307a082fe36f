// Package demo seeds a demonstration organisation so that a new user can try
// every role at once after `make run`.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mamori/checklist"
	"mamori/internal/action"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/campaign"
	"mamori/internal/score"
	"mamori/internal/store"
)

// Login is one demo account.
type Login struct {
	Role, Email, Password string
}

// Logins are the demo accounts. The passwords are public: the demo is for a
// machine of one's own, never for production.
var Logins = []Login{
	{"officer", "officer@demo.mamori.example", "demo-officer-2026"},
	{"auditor", "auditor@demo.mamori.example", "demo-auditor-2026"},
	{"manager", "manager@demo.mamori.example", "demo-manager-2026"},
	{"admin", "admin@demo.mamori.example", "demo-admin-2026!"},
}

var names = map[string]string{
	"officer": "山田 花子（情報セキュリティ担当）",
	"auditor": "佐藤 健（内部監査）",
	"manager": "鈴木 一郎（情報システム部長）",
	"admin":   "管理者",
}

// Seed creates the demo organisation, its subsidiary, one user per role and
// a running group campaign: the demo draft is half answered with questions
// assigned (My tasks), the subsidiary's is submitted and waits for the
// auditor. Running it again changes nothing.
func Seed(ctx context.Context, st *store.Store) ([]Login, error) {
	if _, err := st.UserByEmail(ctx, Logins[0].Email); err == nil {
		return Logins, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, fmt.Errorf("demo: %w", err)
	}
	org, err := st.CreateOrg(ctx, "デモ株式会社", nil, "manufacturing")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	plant, err := st.CreateOrg(ctx, "デモ株式会社 九州工場", &org.ID, "manufacturing")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	ids := map[string]string{}
	for _, l := range Logins {
		hash, err := auth.HashPassword(l.Password)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		role, admin := assessment.Role(l.Role), false
		if l.Role == "admin" {
			role, admin = assessment.Manager, true
		}
		u, err := st.CreateUser(ctx, store.NewUser{Email: l.Email, Name: names[l.Role], PasswordHash: hash, Role: role, OrgID: org.ID, Admin: admin})
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		ids[l.Role] = u.ID
	}
	if err := st.AssignAuditor(ctx, ids["auditor"], org.ID, store.Actor{Email: "demo"}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	officer := store.Actor{UserID: ids["officer"], Email: Logins[0].Email}
	cl := checklist.Default()
	// The head office's yearly survey of the group, running: the demo
	// organisation's draft is the officer's assessment.
	c, err := st.LaunchCampaign(ctx, store.NewCampaign{OrgID: org.ID, Title: "2026年度 グループ実態調査", ChecklistID: cl.ID,
		OrgIDs: []string{org.ID, plant.ID}, Deadline: time.Now().AddDate(0, 0, 21), ReminderDays: campaign.DefaultReminderDays,
		Actor: store.Actor{UserID: ids["manager"], Email: Logins[2].Email}})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	orgs, err := st.CampaignOrgsPage(ctx, c.ID, 1, 2)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var a store.Assessment
	for _, o := range orgs.Rows {
		if o.OrgID == org.ID {
			if a, err = st.GetAssessment(ctx, o.AssessmentID); err != nil {
				return nil, fmt.Errorf("demo: %w", err)
			}
		} else if err := seedPlant(ctx, st, plant.ID, o.AssessmentID, ids["auditor"]); err != nil {
			return nil, err
		}
	}
	// Answer the first two categories: a plausible, uneven picture.
	levels := []int{4, 3, 3, 2, 3, 4, 3, 2, 3, 4, 3, 3}
	i := 0
	for _, c := range cl.Categories[:2] {
		for _, q := range c.Questions {
			lvl := levels[i%len(levels)]
			var met []string
			for k, p := range q.Points {
				if k < len(q.Points)*lvl/5 {
					met = append(met, p.ID)
				}
			}
			in := assessment.AnswerValues{Level: &lvl, PointsMet: met, Comment: "規程類は整備済み。運用状況は年1回確認しています。"}
			if _, err := st.SaveAnswer(ctx, a.ID, q.ID, in, officer); err != nil {
				return nil, fmt.Errorf("demo: %w", err)
			}
			i++
		}
	}
	if err := seedAssignments(ctx, st, org.ID, a.ID, officer); err != nil {
		return nil, err
	}
	if err := seedProfile(ctx, st, org.ID, store.Actor{UserID: ids["manager"], Email: Logins[2].Email}); err != nil {
		return nil, err
	}
	if err := seedActions(ctx, st, org.ID, a.ID, officer); err != nil {
		return nil, err
	}
	// Dashboard and peer benchmark data (benchmark.go).
	if err := seedBenchmark(ctx, st, org, store.Actor{Email: "demo"}); err != nil {
		return nil, err
	}
	return Logins, nil
}

// seedProfile gives the demo organisation a company profile (a mid-sized
// manufacturer whose structural vulnerability is high: GII) unless it has
// one already.
func seedProfile(ctx context.Context, st *store.Store, orgID string, by store.Actor) error {
	if _, err := st.GetProfile(ctx, orgID); err == nil {
		return nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return fmt.Errorf("demo: %w", err)
	}
	p := score.Profile{Industry: "manufacturing", Employees: 250, AnnualSalesMillionJPY: 8_000, PersonalRecords: 20_000, ITDependence: 4}
	if _, _, err := st.SaveProfile(ctx, orgID, p, nil, by); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// seedActions plans two improvement actions on the draft's weakest answers
// (1-4 and 1-8 at level 2), owned by the officer.
func seedActions(ctx context.Context, st *store.Store, orgID, assessmentID string, officer store.Actor) error {
	today := action.Today(time.Now())
	_, err := st.CreateActions(ctx, orgID, []store.NewAction{
		{OrgID: orgID, Title: "重要な情報資産の棚卸しと分類の見直し", Description: "情報資産台帳を更新し、重要度の分類基準を全部署に展開する。",
			Questions: []action.Planned{{QuestionID: "1-4", PlannedLevel: 3}}, OwnerID: officer.UserID, DueOn: today.AddDate(0, 2, 0),
			Priority: action.High, SourceAssessmentID: assessmentID},
		{OrgID: orgID, Title: "委託先のセキュリティ評価手順の整備", Questions: []action.Planned{{QuestionID: "1-8", PlannedLevel: 3}},
			OwnerID: officer.UserID, DueOn: today.AddDate(0, 4, 0), Priority: action.Medium, SourceAssessmentID: assessmentID},
	}, officer)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// Describe prints the logins for the terminal.
func Describe(logins []Login, url string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nMamori demo — open %s and sign in as:\n", url)
	for _, l := range logins {
		fmt.Fprintf(&b, "  %-8s %-32s password: %s\n", l.Role, l.Email, l.Password)
	}
	return b.String()
}

// colleague adds an officer without a demo login (a random password).
func colleague(ctx context.Context, st *store.Store, orgID, email, name string) (store.User, error) {
	hash, err := auth.HashPassword(auth.GeneratePassword())
	if err != nil {
		return store.User{}, fmt.Errorf("demo: %w", err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: email, Name: name, PasswordHash: hash, Role: assessment.Officer, OrgID: orgID})
	if err != nil {
		return store.User{}, fmt.Errorf("demo: %w", err)
	}
	return u, nil
}

// seedAssignments gives category 3 to a colleague in facilities and
// category 5 (incident response) to the demo officer, with due dates.
func seedAssignments(ctx context.Context, st *store.Store, orgID, assessmentID string, by store.Actor) error {
	facilities, err := colleague(ctx, st, orgID, "facilities@demo.mamori.example", "田中 誠（総務・施設管理）")
	if err != nil {
		return err
	}
	cl := checklist.Default()
	for _, x := range []struct {
		cat, user, note string
		days            int
	}{
		{"3", facilities.ID, "入退室と機器の管理状況の確認をお願いします。", 14},
		{"5", by.UserID, "CSIRT と相談して回答してください。", 10},
	} {
		c, ok := cl.Category(x.cat)
		if !ok {
			return fmt.Errorf("demo: category %s not in the checklist", x.cat)
		}
		var qs []string
		for _, q := range c.Questions {
			qs = append(qs, q.ID)
		}
		due := time.Now().AddDate(0, 0, x.days)
		due = time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)
		if _, err := st.AssignQuestions(ctx, store.NewQuestionAssignment{AssessmentID: assessmentID, QuestionIDs: qs, UserID: x.user, DueOn: &due, Note: x.note, Actor: by}); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// seedPlant: the subsidiary's officer answered its campaign draft and
// submitted it; it waits for the demo auditor, assigned to the plant.
func seedPlant(ctx context.Context, st *store.Store, plantID, assessmentID, auditorID string) error {
	if err := st.AssignAuditor(ctx, auditorID, plantID, store.Actor{Email: "demo"}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	u, err := colleague(ctx, st, plantID, "kyushu@demo.mamori.example", "高橋 美咲（九州工場 情報セキュリティ担当）")
	if err != nil {
		return err
	}
	by := store.Actor{UserID: u.ID, Email: u.Email}
	for i, q := range checklist.Default().QuestionIDs() {
		lvl := 2 + i%3
		if _, err := st.SaveAnswer(ctx, assessmentID, q, assessment.AnswerValues{Level: &lvl, Comment: "工場の運用に合わせて実施しています。"}, by); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if _, err := st.Submit(ctx, assessmentID, assessment.Draft, by); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
