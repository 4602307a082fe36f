package store_test

import (
	"context"
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestAuditChainsPerOrganisation: an organisation's writer holding its chain
// does not hold up another organisation's, and each chain verifies.
func TestAuditChainsPerOrganisation(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	a, err := st.CreateOrg(ctx, "甲社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.CreateOrg(ctx, "乙社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{a.ID, b.ID} {
		if err := st.AppendAudit(ctx, store.Audit{OrgID: org, Actor: "t", Action: "test.event"}); err != nil {
			t.Fatal(err)
		}
	}
	// A transaction of organisation A's that has not committed holds A's head.
	tx, err := st.PoolForTest().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM audit_chains WHERE chain = $1 FOR UPDATE`, a.ID); err != nil {
		t.Fatal(err)
	}

	other, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.AppendAudit(other, store.Audit{OrgID: b.ID, Actor: "t", Action: "test.event"}); err != nil {
		t.Fatalf("organisation B waited on A's open transaction: %v", err)
	}
	if err := st.AppendAudit(other, store.Audit{Actor: "t", Action: "test.system"}); err != nil {
		t.Fatalf("an event of no organisation waited on A's open transaction: %v", err)
	}
	same, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if err := st.AppendAudit(same, store.Audit{OrgID: a.ID, Actor: "t", Action: "test.event"}); err == nil {
		t.Fatal("organisation A appended past its own open transaction: the chain could fork")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	n, bad, err := st.VerifyAudit(ctx)
	if err != nil {
		t.Fatalf("verify: bad row %d: %v", bad, err)
	}
	var chains int
	if err := st.PoolForTest().QueryRow(ctx, `SELECT count(DISTINCT chain) FROM audit_log WHERE chain IN ($1, $2, 'system')`, a.ID, b.ID).Scan(&chains); err != nil || chains != 3 {
		t.Fatalf("chains = %d, %v; want A's, B's and the system's", chains, err)
	}
	if n < 4 {
		t.Fatalf("verified %d entries, want at least 4", n)
	}
}

// legacyHash is the single-chain formula of the first audit schema (0003):
// SHA-256 over the previous hash and the entry's seq and content.
func legacyHash(prev []byte, seq int64, at time.Time, actor, action, detail string) []byte {
	text := strings.Join([]string{strconv.FormatInt(seq, 10), at.UTC().Format("2006-01-02T15:04:05.000000Z"), "", actor, "", "", action, detail}, "\n")
	h := sha256.New()
	h.Write(prev)
	h.Write([]byte(text))
	return h.Sum(nil)
}

// TestAuditMigrationKeepsTheOldChainVerifiable: entries written under the
// single chain verify unchanged after the migration to chains per
// organisation, and new entries verify beside them.
func TestAuditMigrationKeepsTheOldChainVerifiable(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	m, err := store.NewMigrator(url)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const singleChain = 6 // the last version with one chain
	if err := m.Down(migrationsAbove(t, singleChain)); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var prev []byte
	at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	for seq := int64(1); seq <= 5; seq++ {
		detail := `{"i":` + strconv.FormatInt(seq, 10) + `}`
		hash := legacyHash(prev, seq, at, "legacy-writer", "test.legacy", detail)
		_, err := conn.Exec(ctx, `INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			seq, at, "legacy-writer", "test.legacy", detail, prev, hash)
		if err != nil {
			t.Fatal(err)
		}
		prev = hash
	}
	conn.Close(ctx)
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, bad, err := st.VerifyAudit(ctx); err != nil || n != 5 {
		t.Fatalf("after the migration: %d entries, bad %d, %v; want the 5 old ones intact", n, bad, err)
	}
	org, err := st.CreateOrg(ctx, "移行後株式会社", nil, "other") // appends to the new organisation's chain
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AppendAudit(ctx, store.Audit{OrgID: org.ID, Actor: "t", Action: "test.event"}); err != nil {
		t.Fatal(err)
	}
	n, bad, err := st.VerifyAudit(ctx)
	if err != nil || n < 6 {
		t.Fatalf("after new entries: %d entries, bad %d, %v", n, bad, err)
	}
	seq, _, err := st.AuditHead(ctx)
	if err != nil || seq <= 5 {
		t.Fatalf("head = %d, %v; want past the old entries", seq, err)
	}
	// Cutting the old chain's last entry is noticed too.
	_, err = st.PoolForTest().Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; DELETE FROM audit_log WHERE seq = 5; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`)
	if err != nil {
		t.Fatal(err)
	}
	if _, bad, err := st.VerifyAudit(ctx); err == nil || bad != 4 || !strings.Contains(err.Error(), "cut off the end") {
		t.Fatalf("verify = bad %d, %v; want row 4 reported (entries cut off the legacy chain)", bad, err)
	}
}
