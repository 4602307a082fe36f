package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store/storetest"
)

// TestCrossSiteExportRefused: an export that another site started (a link
// or a redirect elsewhere, which carries the session cookie) is refused with
// a message and writes nothing to the audit trail; started in Mamori's own
// pages, from a bookmark or by an API client, it is served and recorded.
func TestCrossSiteExportRefused(t *testing.T) {
	f := newExportFixture(t)
	ctx := context.Background()
	exported := func() int {
		var n int
		if err := storetest.DB(t, f.e.st).QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('assessment.exported', 'dashboard.exported')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	officer := f.e.login(f.officer)
	mgr := f.e.user(f.officer.OrgID, assessment.Manager, false)
	manager := f.e.login(mgr)
	downloads := []struct {
		name string
		c    *http.Client
		path string
		auth string
	}{
		{"Page", officer, "/assessments/" + f.a.ID + "/export?format=csv", ""},
		{"APIWithSession", officer, "/api/v1/assessments/" + f.a.ID + "/export?format=json", ""},
		{"APIWithToken", nil, "/api/v1/assessments/" + f.a.ID + "/export?format=csv", "Bearer " + f.tok},
		{"Dashboard", manager, "/dashboard/export.xlsx", ""},
	}
	for _, d := range downloads {
		t.Run(d.name, func(t *testing.T) {
			for _, site := range []string{"same-origin", "same-site", "none", ""} {
				h := map[string]string{}
				if site != "" {
					h["Sec-Fetch-Site"] = site
				}
				if d.auth != "" {
					h["Authorization"] = d.auth
				}
				before := exported()
				if res, body := f.e.send(d.c, "GET", d.path, nil, h); res.StatusCode != http.StatusOK {
					t.Fatalf("Sec-Fetch-Site %q: %d %.200s", site, res.StatusCode, body)
				}
				if exported() != before+1 {
					t.Errorf("Sec-Fetch-Site %q: the export was not recorded", site)
				}
			}
			h := map[string]string{"Sec-Fetch-Site": "cross-site", "Accept-Language": "en"}
			if d.auth != "" {
				h["Authorization"] = d.auth
			}
			before := exported()
			res, body := f.e.send(d.c, "GET", d.path, nil, h)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site: %d %.200s", res.StatusCode, body)
			}
			if !strings.Contains(body, "from another site") && !strings.Contains(body, "他のサイトから") {
				t.Errorf("cross-site: no message saying why: %.300s", body)
			}
			if res.Header.Get("Content-Disposition") != "" {
				t.Error("cross-site: a file was sent")
			}
			if exported() != before {
				t.Error("cross-site: an audit entry was written")
			}
		})
	}
}
