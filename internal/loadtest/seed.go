package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"mamori/checklist"
	"mamori/internal/auth"
	"mamori/internal/score"
	"mamori/internal/store"
)

// The dataset. Per organisation: one officer, a company profile (nine in
// ten), CyclesPerOrg assessments of 27 answered questions each — the oldest
// approved, then one submitted, the newest a draft being filled in — and a
// frozen result (assessment_results) for every submitted and approved one,
// computed with score.Compute exactly as a submission would.
//
// The organisations form a tree: a group headquarters at the top, up to nine
// holdings under it and the subsidiaries spread over the holdings (at the
// default scale 1 + 9 + 990 = 1,000). Managers sit at the headquarters (and
// see every organisation) and at each holding; an administrator sits at the
// headquarters. Everyone has the same password, hashed once.
const (
	CyclesPerOrg  = 10
	maxHoldings   = 9
	draftAnswered = 20 // questions of the draft that already have a level
	seedPassword  = "bench-password-1234"
	cycleLength   = 180 * 24 * time.Hour
)

type id [16]byte

// Value is the id as pgx encodes a uuid.
func (u id) Value() pgtype.UUID { return pgtype.UUID{Bytes: u, Valid: true} }

func (u id) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Dataset is what the harness needs to know about the seeded data.
type Dataset struct {
	Orgs, Assessments, Answers, Results, Users int
	Holdings                                   int
	Root                                       id
	Officers                                   []Officer // one per organisation, subsidiaries first
	Admin, TopManager, HoldingManager          string    // emails
	HoldingOrgs                                int       // organisations the holding manager sees
}

// Officer is an organisation's officer and the assessments the load uses.
type Officer struct {
	UserID, Email, OrgID string
	Draft                string // the draft being answered: category pages and saves
	Submitted            string // submitted, with a frozen result: report and benchmark
}

type seedOrg struct {
	id       id
	parent   *id
	name     string
	industry string
	profile  *score.Profile
	maturity float64
}

// Seed fills an empty, migrated database with orgs organisations.
func Seed(ctx context.Context, pool *pgxpool.Pool, orgs int, now time.Time) (*Dataset, error) {
	if orgs < 3 {
		return nil, fmt.Errorf("seed: want at least 3 organisations, got %d", orgs)
	}
	rng := rand.New(rand.NewPCG(7, 2024))
	newID := func() id {
		var u id
		for i := 0; i < 16; i += 8 {
			v := rng.Uint64()
			for j := range 8 {
				u[i+j] = byte(v >> (8 * j))
			}
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
		return u
	}
	hash, err := auth.HashPassword(seedPassword)
	if err != nil {
		return nil, err
	}
	cl := checklist.Default()
	ds := &Dataset{Orgs: orgs}

	// Organisations: headquarters, holdings, subsidiaries.
	holdings := min(maxHoldings, max(1, (orgs-1)/10))
	ds.Holdings = holdings
	all := make([]seedOrg, 0, orgs)
	newOrg := func(name string, parent *id) seedOrg {
		ind := score.Industries[rng.IntN(len(score.Industries))]
		o := seedOrg{id: newID(), parent: parent, name: name, industry: ind, maturity: 1.5 + 2.5*rng.Float64()}
		if rng.IntN(10) > 0 {
			o.profile = &score.Profile{Industry: ind, Employees: int(math.Exp(math.Log(5) + rng.Float64()*math.Log(2000))),
				AnnualSalesMillionJPY: int64(rng.IntN(30000)), PersonalRecords: int64(rng.IntN(300000)),
				ITDependence: 1 + rng.IntN(5), OnlineServices: rng.IntN(2) == 0, CriticalInfrastructure: rng.IntN(8) == 0}
		}
		return o
	}
	root := newOrg("ベンチ本社", nil)
	ds.Root = root.id
	hold := make([]seedOrg, holdings)
	for h := range hold {
		hold[h] = newOrg(fmt.Sprintf("ベンチ持株 %02d", h+1), &root.id)
	}
	subs := make([]seedOrg, 0, orgs-1-holdings)
	perHolding := make([]int, holdings)
	for i := 0; i < orgs-1-holdings; i++ {
		h := i % holdings
		perHolding[h]++
		subs = append(subs, newOrg(fmt.Sprintf("子会社 %05d", i+1), &hold[h].id))
	}
	ds.HoldingOrgs = 1 + perHolding[0]
	// Subsidiaries first: the load's officers are the subsidiaries' ones.
	all = append(append(append(all, subs...), hold...), root)

	var orgRows, profRows, histRows, userRows, asmRows, ansRows, resRows [][]any
	for _, o := range append(append([]seedOrg{root}, hold...), subs...) { // parents before children
		var parent any
		if o.parent != nil {
			parent = o.parent.Value()
		}
		orgRows = append(orgRows, []any{o.id.Value(), o.name, parent, o.industry, now, now})
	}
	user := func(email, name, role string, org id, admin bool) id {
		u := newID()
		userRows = append(userRows, []any{u.Value(), email, name, hash, role, org.Value(), admin})
		return u
	}
	ds.Admin, ds.TopManager = "admin@bench.example", "manager-top@bench.example"
	ds.HoldingManager = "manager-h01@bench.example"
	user(ds.Admin, "ベンチ 管理者", "manager", root.id, true)
	user(ds.TopManager, "ベンチ 本社マネージャー", "manager", root.id, false)
	for h, o := range hold {
		user(fmt.Sprintf("manager-h%02d@bench.example", h+1), fmt.Sprintf("ベンチ 持株%02d マネージャー", h+1), "manager", o.id, false)
	}

	cats := store.ScoreChecklist(cl, false)
	qids := cl.QuestionIDs()
	first := now.Add(-CyclesPerOrg * cycleLength)
	for i, o := range all {
		email := fmt.Sprintf("officer-%05d@bench.example", i+1)
		uid := user(email, fmt.Sprintf("ベンチ 担当者 %05d", i+1), "officer", o.id, false)
		off := Officer{UserID: uid.String(), Email: email, OrgID: o.id.String()}
		risk := score.RiskOf(o.profile)
		if o.profile != nil {
			doc, _ := json.Marshal(o.profile)
			p := o.profile
			profRows = append(profRows, []any{o.id.Value(), p.Industry, int32(p.Employees), p.AnnualSalesMillionJPY, p.PersonalRecords,
				int16(p.ITDependence), p.OnlineServices, p.CriticalInfrastructure, int32(1), uid.Value(), first.Add(-24 * time.Hour)})
			histRows = append(histRows, []any{o.id.Value(), int32(1), string(doc), uid.Value(), first.Add(-24 * time.Hour)})
		}
		targets := score.DefaultTargets(risk.Group, qids, nil)
		tj, _ := json.Marshal(targets)
		for k := range CyclesPerOrg {
			a := newID()
			created := first.Add(time.Duration(k) * cycleLength)
			var status string
			var submitted, decided any
			switch {
			case k < CyclesPerOrg-2:
				status, submitted, decided = "approved", created.Add(20*24*time.Hour), created.Add(30*24*time.Hour)
			case k == CyclesPerOrg-2:
				status, submitted = "submitted", created.Add(20*24*time.Hour)
				off.Submitted = a.String()
			default:
				status, created = "draft", now.Add(-30*24*time.Hour)
				off.Draft = a.String()
			}
			updated := created.Add(20 * 24 * time.Hour)
			if status == "draft" {
				updated = now.Add(-24 * time.Hour)
			}
			asmRows = append(asmRows, []any{a.Value(), o.id.Value(), fmt.Sprintf("%d年度 %s期", 2016+k/2, []string{"上", "下"}[k%2]),
				cl.ID, status, uid.Value(), created, uid.Value(), updated, submittedBy(submitted, uid), submitted, submittedBy(decided, uid), decided})
			answers := make(map[string]score.Answer, len(qids))
			for qi, qid := range qids {
				q, _ := cl.Question(qid)
				lv := int(math.Round(o.maturity + 0.12*float64(k) + rng.NormFloat64()*0.7))
				lv = min(5, max(1, lv))
				npts := int(math.Round(float64(len(q.Points)) * float64(lv-1) / 4))
				pts := make([]string, 0, npts)
				for _, p := range q.Points[:npts] {
					pts = append(pts, p.ID)
				}
				var level any = int16(lv)
				if status == "draft" && qi >= draftAnswered {
					level, pts = nil, []string{}
				} else {
					answers[qid] = score.Answer{Level: lv, PointsMet: pts}
				}
				ansRows = append(ansRows, []any{a.Value(), qid, level, "", pts, int32(1), uid.Value(), updated})
			}
			if status == "draft" {
				continue
			}
			rep := score.Compute(cats, answers, targets)
			catAvg := make(map[string]float64, len(rep.Categories))
			catTgt := make(map[string]float64, len(rep.Categories))
			for _, c := range rep.Categories {
				catAvg[c.ID], catTgt[c.ID] = c.Average, c.TargetAverage
			}
			aj, _ := json.Marshal(catAvg)
			cj, _ := json.Marshal(catTgt)
			computed := submitted
			if decided != nil {
				computed = decided
			}
			resRows = append(resRows, []any{a.Value(), o.id.Value(), string(risk.Group), int16(risk.Index), string(tj), int16(rep.Total.Score),
				rep.Total.Average, int16(rep.Total.Target), string(aj), string(cj), int16(rep.Answered), computed})
		}
		ds.Officers = append(ds.Officers, off)
	}

	tables := []struct {
		name string
		cols []string
		rows [][]any
	}{
		{"orgs", []string{"id", "name", "parent_id", "industry", "created_at", "updated_at"}, orgRows},
		{"users", []string{"id", "email", "display_name", "password_hash", "role", "org_id", "is_admin"}, userRows},
		{"org_profiles", []string{"org_id", "industry", "employees", "annual_sales_million_jpy", "personal_records",
			"it_dependence", "online_services", "critical_infrastructure", "version", "updated_by", "updated_at"}, profRows},
		{"org_profile_history", []string{"org_id", "version", "profile", "updated_by", "updated_at"}, histRows},
		{"assessments", []string{"id", "org_id", "title", "checklist_id", "status", "created_by", "created_at", "updated_by",
			"updated_at", "submitted_by", "submitted_at", "decided_by", "decided_at"}, asmRows},
		{"answers", []string{"assessment_id", "question_id", "level", "comment", "points_met", "version", "updated_by", "updated_at"}, ansRows},
		{"assessment_results", []string{"assessment_id", "org_id", "risk_group", "risk_index", "targets", "total_score",
			"total_average", "total_target", "category_averages", "category_targets", "answered", "computed_at"}, resRows},
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, t := range tables {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("seed: copy %s: %w", t.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Fresh tables have no statistics: give the planner what a database in
	// service has, and set the visibility map for index-only scans.
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return nil, fmt.Errorf("seed: vacuum analyze: %w", err)
	}
	ds.Assessments, ds.Answers, ds.Results, ds.Users = len(asmRows), len(ansRows), len(resRows), len(userRows)
	return ds, nil
}

func submittedBy(at any, uid id) any {
	if at == nil {
		return nil
	}
	return uid.Value()
}
