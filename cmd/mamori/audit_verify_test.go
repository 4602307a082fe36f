package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestAuditVerifyCommand: `mamori audit verify` passes on an intact chain and
// prints its head, checks an anchor, and exits 1 naming the first bad row
// once a row was changed behind the trigger's back.
func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	for i := range 5 {
		if err := st.AppendAudit(ctx, store.Audit{Actor: "cli-test", Action: "test.event", Detail: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		}
		err := run(ctx, append([]string{"audit", "verify"}, args...), getenv, strings.NewReader(""), &out, &errb)
		return out.String(), err
	}

	out, err := verify()
	head := regexp.MustCompile(`head: (5:[0-9a-f]{64})`).FindStringSubmatch(out)
	if err != nil || !strings.Contains(out, "audit trail intact: 5 rows verified") || head == nil {
		t.Fatalf("intact chain: %q, %v", out, err)
	}
	if out, err := verify("--anchor", head[1]); err != nil || !strings.Contains(out, "anchor 5 matches") {
		t.Fatalf("anchor: %q, %v", out, err)
	}
	last := "0" // the head with its last hex digit changed
	if strings.HasSuffix(head[1], "0") {
		last = "1"
	}
	forged := head[1][:len(head[1])-1] + last
	if _, err := verify("--anchor", forged); err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "row 5") {
		t.Fatalf("wrong anchor: %v", err)
	}
	if _, err := verify("--anchor", "5:zz"); exitCode(err) != 2 {
		t.Fatalf("malformed anchor: %v (exit %d), want a usage error", err, exitCode(err))
	}

	err = pgx.BeginFunc(ctx, storetest.Connect(t, url), func(tx pgx.Tx) error {
		for _, s := range []string{
			`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`,
			`UPDATE audit_log SET detail = '{"i": 99}' WHERE seq = 3`,
			`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`,
		} {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err = verify()
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "broken at row 3") || strings.Contains(out, "intact") {
		t.Fatalf("tampered chain: %q, %v", out, err)
	}
}
