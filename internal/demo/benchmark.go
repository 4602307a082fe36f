package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/score"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// peer is an anonymous organisation taking part in the benchmark: a
// profile that places it in a risk group, a maturity its answers centre on,
// and the month its assessment was approved.
type peer struct {
	name     string
	profile  score.Profile
	maturity float64 // the mean level its answers centre on
	approved time.Time
}

func month(y int, m time.Month) time.Time { return time.Date(y, m, 15, 10, 0, 0, 0, i18n.JST) }

// peers spread over the risk groups (GII, the demo company's, has six
// besides it), industries (five in manufacturing) and size bands (four of
// 101–300 employees, the demo company's band).
var peers = []peer{
	{"ベンチマーク参加企業 01", score.Profile{Industry: "manufacturing", Employees: 180, PersonalRecords: 8_000, ITDependence: 3}, 3.1, month(2025, 6)},
	{"ベンチマーク参加企業 02", score.Profile{Industry: "manufacturing", Employees: 120, ITDependence: 4}, 2.6, month(2025, 7)},
	{"ベンチマーク参加企業 03", score.Profile{Industry: "wholesale_retail", Employees: 260, OnlineServices: true, ITDependence: 3}, 3.4, month(2025, 5)},
	{"ベンチマーク参加企業 04", score.Profile{Industry: "information_services", Employees: 80, ITDependence: 5}, 3.8, month(2025, 9)},
	{"ベンチマーク参加企業 05", score.Profile{Industry: "manufacturing", Employees: 450, ITDependence: 2}, 2.9, month(2025, 8)},
	{"ベンチマーク参加企業 06", score.Profile{Industry: "construction", Employees: 35, PersonalRecords: 6_000, ITDependence: 2}, 2.2, month(2025, 10)},
	{"ベンチマーク参加企業 07", score.Profile{Industry: "finance_insurance", Employees: 900, AnnualSalesMillionJPY: 40_000, PersonalRecords: 500_000, OnlineServices: true, ITDependence: 5}, 4.2, month(2025, 4)},
	{"ベンチマーク参加企業 08", score.Profile{Industry: "manufacturing", Employees: 1_500, AnnualSalesMillionJPY: 60_000, OnlineServices: true, ITDependence: 4}, 3.7, month(2025, 11)},
	{"ベンチマーク参加企業 09", score.Profile{Industry: "medical_welfare", Employees: 300, PersonalRecords: 150_000, ITDependence: 4}, 3.3, month(2025, 6)},
	{"ベンチマーク参加企業 10", score.Profile{Industry: "manufacturing", Employees: 15, ITDependence: 2}, 1.9, month(2025, 7)},
	{"ベンチマーク参加企業 11", score.Profile{Industry: "education", Employees: 140, PersonalRecords: 3_000, ITDependence: 3}, 2.4, month(2025, 12)},
	{"ベンチマーク参加企業 12", score.Profile{Industry: "other", Employees: 60, ITDependence: 1}, 2.1, month(2025, 8)},
}

// seedBenchmark gives the dashboard and the peer benchmark something to
// show: the demo company's 2025 assessment approved a year ago, its
// subsidiary's assessments approved in 2024 and 2025, and twelve anonymous
// peer organisations (no users) with approved assessments. It does nothing
// when the peers exist already.
func seedBenchmark(ctx context.Context, st *store.Store, holding store.Org, by store.Actor) error {
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var sub *store.Org
	for i, o := range orgs {
		switch {
		case o.Name == peers[0].name:
			return nil // seeded before
		case o.ParentID != nil && *o.ParentID == holding.ID && sub == nil:
			sub = &orgs[i]
		}
	}
	if err := approved(ctx, st, holding.ID, "2025年度 自己評価", 2.8, month(2025, 6), by); err != nil {
		return err
	}
	if sub != nil {
		subProfile := score.Profile{Industry: "manufacturing", Employees: 120, PersonalRecords: 2_000, ITDependence: 3}
		if _, _, err := st.SaveProfile(ctx, sub.ID, subProfile, nil, by); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := approved(ctx, st, sub.ID, "2024年度 自己評価", 2.3, month(2024, 7), by); err != nil {
			return err
		}
		if err := approved(ctx, st, sub.ID, "2025年度 自己評価", 2.7, month(2025, 7), by); err != nil {
			return err
		}
	}
	for _, p := range peers {
		o, err := st.CreateOrg(ctx, p.name, nil, p.profile.Industry)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if _, _, err := st.SaveProfile(ctx, o.ID, p.profile, nil, by); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := approved(ctx, st, o.ID, "2025年度 自己評価", p.maturity, p.approved, by); err != nil {
			return err
		}
	}
	return nil
}

// approved creates an assessment answered around maturity, submits and
// approves it as the workflow does (freezing its result each time), and
// dates it to the month it was approved in.
func approved(ctx context.Context, st *store.Store, orgID, title string, maturity float64, at time.Time, by store.Actor) error {
	cl := checklist.Default()
	a, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: orgID, Title: title, ChecklistID: cl.ID, Actor: by})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	rows := make([]store.ImportRow, 0, cl.NumQuestions())
	for _, c := range cl.Categories {
		for _, q := range c.Questions {
			lv := demoLevel(orgID+title+q.ID, maturity)
			var met []string
			for k, p := range q.Points {
				if k < len(q.Points)*lv/5 {
					met = append(met, p.ID)
				}
			}
			rows = append(rows, store.ImportRow{QuestionID: q.ID, Level: &lv, PointsMet: met})
		}
	}
	if _, err := st.ImportAnswers(ctx, a.ID, rows, by); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := st.Submit(ctx, a.ID, assessment.Draft, by); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := st.Decide(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Submitted, To: assessment.Approved,
		Action: assessment.Approve, Actor: by}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// Back-date it: the dashboard's trend and "latest approved" follow the
	// decision dates.
	if err := st.BackdateDecision(ctx, a.ID, at); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// demoLevel is a plausible level near maturity, the same for the same key.
func demoLevel(key string, maturity float64) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	offset := float64(h.Sum32()%1000)/1000*2 - 1 // −1 … +1
	lv := int(maturity + offset + 0.5)
	return max(score.MinLevel, min(score.MaxLevel, lv))
}
