package server_test

import (
	"context"
	"mamori/internal/assessment"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// outsider is a manager of another organisation.
type outsider struct {
	org store.Org
	mgr store.User
	tok string
}

func (d *diag) org2() outsider {
	d.t.Helper()
	o := d.org("他社株式会社", nil)
	u := d.user(o.ID, assessment.Manager, false)
	return outsider{org: o, mgr: u, tok: d.token(u)}
}

func TestProfileAPIRiskBoundaries(t *testing.T) {
	d := newDiag(t)
	tests := []struct {
		name    string
		over    map[string]any
		group   string
		index   float64
		reasons []string
	}{
		{"Employees299", map[string]any{"employees": 299}, "GIII", 0, nil},
		{"Employees300", map[string]any{"employees": 300}, "GII", 25, []string{"employees_ge_300"}},
		{"Records4999", map[string]any{"personal_records": 4999}, "GIII", 0, nil},
		{"Records5000", map[string]any{"personal_records": 5000}, "GII", 10, []string{"records_ge_5000"}},
		{"Records99999", map[string]any{"personal_records": 99999}, "GII", 10, []string{"records_ge_5000"}},
		// 100,000 records weigh on both axes: 20 + 10.
		{"Records100000", map[string]any{"personal_records": 100000}, "GI", 30, []string{"records_ge_100000", "records_ge_5000"}},
		{"Sales9999", map[string]any{"annual_sales_million_jpy": 9999}, "GIII", 0, nil},
		{"Sales10000", map[string]any{"annual_sales_million_jpy": 10000}, "GII", 15, []string{"sales_ge_10000"}},
		{"ITDependence3", map[string]any{"it_dependence": 3}, "GIII", 0, nil},
		{"ITDependence4", map[string]any{"it_dependence": 4}, "GII", 10, []string{"it_dependence_ge_4"}},
		{"CriticalInfrastructure", map[string]any{"critical_infrastructure": true}, "GII", 10, []string{"critical_infrastructure"}},
		{"EmployeesAndIT", map[string]any{"employees": 300, "it_dependence": 4}, "GI", 35, []string{"employees_ge_300", "it_dependence_ge_4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, m := d.putProfile(d.offTok, d.home.ID, profileBody(tt.over))
			if st != 200 {
				t.Fatalf("PUT %d %v", st, m)
			}
			for _, got := range []map[string]any{m, func() map[string]any {
				_, g := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil)
				return g
			}()} {
				var codes []string
				for _, r := range got["reasons"].([]any) {
					r := r.(map[string]any)
					codes = append(codes, r["code"].(string))
					if r["text"] == "" || r["axis"] == "" {
						t.Errorf("reason without text or axis: %v", r)
					}
				}
				if got["risk_group"] != tt.group || got["risk_index"] != tt.index || !reflect.DeepEqual(codes, tt.reasons) {
					t.Fatalf("group %v index %v reasons %v, want %s %v %v", got["risk_group"], got["risk_index"], codes, tt.group, tt.index, tt.reasons)
				}
			}
		})
	}
	t.Run("ReasonTextCarriesTheValue", func(t *testing.T) {
		_, m := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 1234}))
		if txt := m["reasons"].([]any)[0].(map[string]any)["text"].(string); !strings.Contains(txt, "1,234") {
			t.Fatalf("reason text %q", txt)
		}
		_, en := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile?lang=en", nil)
		if txt := en["reasons"].([]any)[0].(map[string]any)["text"].(string); !strings.Contains(txt, "300 or more employees (1,234)") {
			t.Fatalf("English reason text %q", txt)
		}
	})
}

func TestProfileAPI(t *testing.T) {
	d := newDiag(t)

	t.Run("UnsetProfileIsNullAndGII", func(t *testing.T) {
		st, m := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil)
		if st != 200 || m["profile"] != nil || m["risk_group"] != "GII" || m["risk_index"] != 0.0 || len(m["reasons"].([]any)) != 0 {
			t.Fatalf("status %d %v", st, m)
		}
	})

	t.Run("Invalid422ListsFields", func(t *testing.T) {
		st, m := d.putProfile(d.offTok, d.home.ID, map[string]any{"industry": "fishing", "employees": 0, "annual_sales_million_jpy": -1,
			"personal_records": -1, "it_dependence": 6, "online_services": false})
		fields, _ := m["error"].(map[string]any)["fields"].(map[string]any)
		want := map[string]any{"industry": "invalid_choice", "employees": "out_of_range", "annual_sales_million_jpy": "out_of_range",
			"personal_records": "out_of_range", "it_dependence": "out_of_range", "critical_infrastructure": "required"}
		if st != http.StatusUnprocessableEntity || errCode(m) != "invalid" || !reflect.DeepEqual(fields, want) {
			t.Fatalf("status %d fields %v", st, fields)
		}
		st, m = d.putProfile(d.offTok, d.home.ID, map[string]any{})
		if fields := m["error"].(map[string]any)["fields"].(map[string]any); st != 422 || len(fields) != 7 || fields["employees"] != "required" {
			t.Fatalf("empty body: %d %v", st, m)
		}
		if st, m := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 10_000_001})); st != 422 {
			t.Fatalf("too many employees: %d %v", st, m)
		}
		// Wrong types and unknown fields cannot be decoded: 400.
		if st, _ := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": "many"})); st != http.StatusBadRequest {
			t.Fatalf("string employees: %d", st)
		}
		if st, _ := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"shoe_size": 42})); st != http.StatusBadRequest {
			t.Fatalf("unknown field: %d", st)
		}
		// Nothing was written.
		if _, m := d.api(d.offTok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil); m["profile"] != nil {
			t.Fatalf("profile written by a refused request: %v", m["profile"])
		}
	})

	t.Run("SaveAndVersion", func(t *testing.T) {
		st, m := d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"version": 0}))
		p, _ := m["profile"].(map[string]any)
		if st != 200 || p["version"] != 1.0 || p["employees"] != 10.0 || m["risk_group"] != "GIII" || m["default_target"] != 2.0 {
			t.Fatalf("status %d %v", st, m)
		}
		// A client that read version 0 is too late now: 409 with the current.
		st, m = d.putProfile(d.mgrTok, d.home.ID, profileBody(map[string]any{"employees": 50, "version": 0}))
		if st != http.StatusConflict || m["current"].(map[string]any)["version"] != 1.0 {
			t.Fatalf("stale: %d %v", st, m)
		}
		// The manager saves on top of version 1; the audit trail has old → new.
		if st, m = d.putProfile(d.mgrTok, d.home.ID, profileBody(map[string]any{"employees": 50, "version": 1})); st != 200 || m["profile"].(map[string]any)["version"] != 2.0 {
			t.Fatalf("manager save: %d %v", st, m)
		}
		var old, nw int
		err := storetest.DB(t, d.st).QueryRow(context.Background(), `SELECT (detail->'old'->>'employees')::int, (detail->'new'->>'employees')::int
			FROM audit_log WHERE org_id = $1 AND action = 'profile.updated' ORDER BY seq DESC LIMIT 1`, d.home.ID).Scan(&old, &nw)
		if err != nil || old != 10 || nw != 50 {
			t.Fatalf("audit old %d new %d: %v", old, nw, err)
		}
	})

	t.Run("AuditorReadsButCannotEdit", func(t *testing.T) {
		aud := d.user(d.home.ID, assessment.Auditor, false)
		tok := d.token(aud)
		if st, _ := d.api(tok, "GET", "/api/v1/orgs/"+d.home.ID+"/profile", nil); st != 200 {
			t.Fatalf("GET %d", st)
		}
		if st, m := d.putProfile(tok, d.home.ID, profileBody(nil)); st != http.StatusForbidden || errCode(m) != "forbidden" {
			t.Fatalf("PUT %d %v", st, m)
		}
	})

	t.Run("OtherOrganisation404", func(t *testing.T) {
		o := d.org2()
		for _, method := range []string{"GET", "PUT"} {
			var body any
			if method == "PUT" {
				body = profileBody(nil)
			}
			for _, path := range []string{"/profile", "/targets"} {
				b := body
				if method == "PUT" && path == "/targets" {
					b = map[string]any{"targets": map[string]any{}}
				}
				st, m := d.api(o.tok, method, "/api/v1/orgs/"+d.home.ID+path, b)
				if st != http.StatusNotFound || errCode(m) != "not_found" {
					t.Fatalf("%s %s: %d %v", method, path, st, m)
				}
			}
		}
		// An organisation that does not exist looks the same.
		if st, _ := d.api(d.offTok, "GET", "/api/v1/orgs/00000000-0000-0000-0000-000000000000/profile", nil); st != http.StatusNotFound {
			t.Fatalf("unknown org %d", st)
		}
	})
}

func TestTargetsAPI(t *testing.T) {
	d := newDiag(t)
	path := "/api/v1/orgs/" + d.home.ID + "/targets"

	t.Run("DefaultsForTheGroup", func(t *testing.T) {
		st, m := d.api(d.offTok, "GET", path, nil)
		tg := m["targets"].(map[string]any)
		if st != 200 || len(tg) != 27 || tg["1-1"] != 3.0 || tg["5-3"] != 3.0 || m["risk_group"] != "GII" || len(m["overrides"].(map[string]any)) != 0 {
			t.Fatalf("status %d %v", st, m)
		}
	})

	t.Run("OfficerForbidden", func(t *testing.T) {
		st, m := d.api(d.offTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 5}})
		if st != http.StatusForbidden || errCode(m) != "forbidden" {
			t.Fatalf("status %d %v", st, m)
		}
	})

	t.Run("Invalid422", func(t *testing.T) {
		st, m := d.api(d.mgrTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 6, "1-2": 0, "9-9": 3, "2-1": "3", "2-2": 2.5, "2-3": 4}})
		fields, _ := m["error"].(map[string]any)["fields"].(map[string]any)
		want := map[string]any{"1-1": "out_of_range", "1-2": "out_of_range", "9-9": "unknown_question", "2-1": "out_of_range", "2-2": "out_of_range"}
		if st != 422 || !reflect.DeepEqual(fields, want) {
			t.Fatalf("status %d fields %v", st, fields)
		}
		if st, m := d.api(d.mgrTok, "PUT", path, map[string]any{}); st != 422 || m["error"].(map[string]any)["fields"].(map[string]any)["targets"] != "required" {
			t.Fatalf("no targets: %d %v", st, m)
		}
		// Nothing written: 2-3 (valid) was not stored either.
		if _, m := d.api(d.mgrTok, "GET", path, nil); len(m["overrides"].(map[string]any)) != 0 {
			t.Fatalf("overrides after refusal %v", m["overrides"])
		}
	})

	t.Run("SetReplaceAndAudit", func(t *testing.T) {
		st, m := d.api(d.mgrTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 5, "3-2": 1}})
		tg := m["targets"].(map[string]any)
		if st != 200 || tg["1-1"] != 5.0 || tg["3-2"] != 1.0 || tg["3-3"] != 3.0 || len(m["overrides"].(map[string]any)) != 2 {
			t.Fatalf("status %d %v", st, m)
		}
		// The full set replaces: 3-2 left out is back to the default.
		_, m = d.api(d.mgrTok, "PUT", path, map[string]any{"targets": map[string]any{"1-1": 4}})
		if tg := m["targets"].(map[string]any); tg["3-2"] != 3.0 || tg["1-1"] != 4.0 {
			t.Fatalf("after replace %v", tg)
		}
		// A profile change moves the defaults, not the overrides: GI → 4.
		d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 300, "online_services": true}))
		_, m = d.api(d.offTok, "GET", path, nil)
		if tg := m["targets"].(map[string]any); tg["3-2"] != 4.0 || tg["1-1"] != 4.0 || m["risk_group"] != "GI" || m["default_target"] != 4.0 {
			t.Fatalf("after profile %v", m)
		}
		var n int
		var old, nw string
		db := storetest.DB(t, d.st)
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'targets.updated'`, d.home.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(context.Background(), `SELECT detail->>'old', detail->>'new' FROM audit_log WHERE org_id = $1 AND action = 'targets.updated' ORDER BY seq DESC LIMIT 1`, d.home.ID).Scan(&old, &nw); err != nil {
			t.Fatal(err)
		}
		if n != 2 || strings.ReplaceAll(old, " ", "") != `{"1-1":5,"3-2":1}` || strings.ReplaceAll(nw, " ", "") != `{"1-1":4}` {
			t.Fatalf("audit: %d entries, last %s → %s", n, old, nw)
		}
	})

	t.Run("ManagerOfParentSetsChildTargets", func(t *testing.T) {
		child := d.org("診断株式会社 子会社", &d.home.ID)
		st, m := d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+child.ID+"/targets", map[string]any{"targets": map[string]any{"2-2": 2}})
		if st != 200 || m["overrides"].(map[string]any)["2-2"] != 2.0 {
			t.Fatalf("status %d %v", st, m)
		}
	})
}

func TestFrozenTargets(t *testing.T) {
	d := newDiag(t)
	// GII (no profile), 1-1 set to 5 by the manager.
	d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+d.home.ID+"/targets", map[string]any{"targets": map[string]any{"1-1": 5}})
	a := d.draft(d.officer)
	d.answer(a.ID, d.uniformLevels(3), nil)
	if st, m := d.api(d.offTok, "POST", "/api/v1/assessments/"+a.ID+"/submit", map[string]any{}); st != 200 {
		t.Fatalf("submit: %d %v", st, m)
	}
	before := d.report(d.offTok, a.ID)
	// 26 × 3 + 5 = 83; 1-1 gap 2.
	if tt := totalsOf(before); tt.Target != 83 || before["targets_frozen"] != true || before["frozen_at"] == nil || recs(before) != "1-1:2" {
		t.Fatalf("submitted report %+v frozen %v recs %s", tt, before["targets_frozen"], recs(before))
	}

	// Change both the targets and the profile (GI: default 4).
	d.api(d.mgrTok, "PUT", "/api/v1/orgs/"+d.home.ID+"/targets", map[string]any{"targets": map[string]any{"2-1": 1}})
	d.putProfile(d.offTok, d.home.ID, profileBody(map[string]any{"employees": 300, "online_services": true}))

	after := d.report(d.offTok, a.ID)
	for _, k := range []string{"total", "categories", "questions", "recommendations", "risk_group", "risk_index"} {
		if !reflect.DeepEqual(before[k], after[k]) {
			t.Fatalf("%s of the submitted assessment changed:\n before %v\n after  %v", k, before[k], after[k])
		}
	}
	if after["risk_group"] != "GII" {
		t.Fatalf("frozen risk group %v", after["risk_group"])
	}

	// A new draft (a copy, confirmed) uses the new ones: GI, 4 everywhere
	// but 2-1 → 26 × 4 + 1 = 105.
	st, m := d.api(d.offTok, "POST", "/api/v1/assessments", map[string]any{"title": "次年度", "copy_from": a.ID})
	if st != 201 {
		t.Fatalf("copy: %d %v", st, m)
	}
	draft := d.report(d.offTok, m["id"].(string))
	if tt := totalsOf(draft); tt.Target != 105 || draft["risk_group"] != "GI" || draft["targets_frozen"] != false || draft["frozen_at"] != nil {
		t.Fatalf("draft report %+v %v %v", tt, draft["risk_group"], draft["targets_frozen"])
	}
	// The frozen row says the same.
	res, err := d.st.GetResult(context.Background(), a.ID)
	if err != nil || res.TotalTarget != 83 || res.TotalScore != 81 || res.Targets["1-1"] != 5 || res.RiskGroup != "GII" {
		t.Fatalf("frozen row %+v %v", res, err)
	}
}
