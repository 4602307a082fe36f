package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"mamori/internal/store/storetest"
)

// sharedTables are the tables that belong to no one organisation, and why.
// Every other table is a tenant table: docs/scaling.md.
var sharedTables = map[string]string{
	"schema_migrations":     "the schema's version",
	"orgs":                  "the tenants themselves (their id is the distribution key)",
	"peer_stats":            "benchmark sums across organisations, by peer group",
	"benchmark_state":       "when the benchmark sums were built",
	"org_dash_rollup":       "the dashboard's counts per scope (every organisation, or a subtree keyed by its root's id), in shards",
	"dashboard_state":       "when the dashboard's summaries were built",
	"audit_chains":          "one head per audit chain, keyed by the organisation's id as text (or 'system')",
	"login_failures":        "sign-in attempts, before anyone is known",
	"sessions":              "sign-in state by user, anonymous visitors included",
	"api_tokens":            "credentials by user",
	"recovery_codes":        "second-factor credentials by user",
	"api_rate":              "the API rate limit's counts, by token or user",
	"mail_outbox":           "every email sent or to be sent, for the administrators' outbox",
	"notification_settings": "each user's choice of delivery per kind of notification",
	"visibility":            "one version of who sees which organisations, for the instances' caches",
	"review_sources_state":  "the visibility version org_review_sources was built at",
}

// nullableOrg are tenant tables whose rows may belong to no organisation.
var nullableOrg = map[string]string{
	"audit_log": "installation events (sign-ins of unknown accounts) belong to no organisation",
}

// TestTenantTablesCarryOrgID: every tenant table has org_id, NOT NULL unless
// listed, and an index that leads with it, so that it can be distributed by
// organisation (docs/scaling.md). A new table must either do the same or be
// listed above with its reason.
func TestTenantTablesCarryOrgID(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	rows, err := st.PoolForTest().Query(ctx, `
		SELECT t.table_name,
			c.column_name IS NOT NULL, coalesce(c.is_nullable = 'YES', false),
			EXISTS (SELECT 1 FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid
				JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = i.indkey[0]
				WHERE r.relname = t.table_name AND r.relnamespace = 'public'::regnamespace AND a.attname = 'org_id')
		FROM information_schema.tables t
		LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'org_id'
		WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tenants []string
	for rows.Next() {
		var name string
		var has, nullable, indexed bool
		if err := rows.Scan(&name, &has, &nullable, &indexed); err != nil {
			t.Fatal(err)
		}
		if _, ok := sharedTables[name]; ok || strings.HasPrefix(name, "river_") {
			continue
		}
		tenants = append(tenants, name)
		switch {
		case !has:
			t.Errorf("tenant table %s has no org_id: add it (denormalised if need be), or list the table in sharedTables with the reason", name)
		case nullable && nullableOrg[name] == "":
			t.Errorf("tenant table %s: org_id may be NULL", name)
		case !indexed:
			t.Errorf("tenant table %s: no index leads with org_id", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"answers", "assessments", "comments", "users"} {
		if !slices.Contains(tenants, want) {
			t.Errorf("%s is not among the tenant tables %v", want, tenants)
		}
	}
}
