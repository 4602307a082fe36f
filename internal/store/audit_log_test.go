package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/mailer"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// TestAuditAppendOnly: the application's own pool (here the owner of the
// table) cannot update, delete or truncate audit rows: the trigger refuses.
func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	e.submitted(t, e.org.ID, "追記のみ")
	n, _, err := e.st.VerifyAudit(ctx)
	if err != nil || n < 3 {
		t.Fatalf("verify: %d rows, %v", n, err)
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET detail = '{"forged": true}' WHERE seq = 2`,
		`DELETE FROM audit_log WHERE seq = 2`,
		`TRUNCATE audit_log`,
	} {
		_, err := e.st.PoolForTest().Exec(ctx, stmt)
		if sqlState(err) != "42501" || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the trigger's refusal (42501)", stmt, err)
		}
	}
	if m, _, err := e.st.VerifyAudit(ctx); err != nil || m != n {
		t.Fatalf("after the attempts: %d rows (want %d), %v", m, n, err)
	}
}

// tamper changes the audit trail behind the trigger's back, as a superuser
// with database access could.
func tamper(t *testing.T, st *store.Store, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, st.PoolForTest(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, stmt, args...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`)
		return err
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) rvEnv {
		e := rvSetup(t)
		a := e.submitted(t, e.org.ID, "改ざん検知")
		e.move(t, a, assessment.Return, e.auditor, "理由")
		if n, _, err := e.st.VerifyAudit(ctx); err != nil || n < 6 {
			t.Fatalf("before tampering: %d rows, %v", n, err)
		}
		return e
	}
	// seqOf is the global seq of entry n of the organisation's chain (n < 0:
	// counted from the end, -1 the last).
	seqOf := func(t *testing.T, e rvEnv, n int) int64 {
		t.Helper()
		var seq int64
		q := `SELECT seq FROM audit_log WHERE chain = $1 AND chain_seq = $2`
		arg := int64(n)
		if n < 0 {
			q = `SELECT seq FROM audit_log WHERE chain = $1 ORDER BY chain_seq DESC OFFSET $2 - 1 LIMIT 1`
			arg = int64(-n)
		}
		if err := e.st.PoolForTest().QueryRow(ctx, q, e.org.ID, arg).Scan(&seq); err != nil {
			t.Fatalf("entry %d of the chain: %v", n, err)
		}
		return seq
	}
	for _, tc := range []struct {
		name    string
		stmt    string
		entry   int // the entry the statement changes
		badAt   int // the entry verification reports
		wantMsg string
	}{
		{"AlteredDetail", `UPDATE audit_log SET detail = '{"comment": "書き換え"}' WHERE seq = $1`, 3, 3, "content does not match its hash"},
		{"AlteredActor", `UPDATE audit_log SET actor = 'someone-else@example.jp' WHERE seq = $1`, 2, 2, "content does not match its hash"},
		{"RemovedRow", `DELETE FROM audit_log WHERE seq = $1`, 2, 3, "a row is missing"},
		{"RemovedLastRow", `DELETE FROM audit_log WHERE seq = $1`, -1, -2, "cut off the end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			wantBad := seqOf(t, e, tc.badAt)
			tamper(t, e.st, tc.stmt, seqOf(t, e, tc.entry))
			_, bad, err := e.st.VerifyAudit(ctx)
			if err == nil || bad != wantBad || !strings.Contains(err.Error(), fmt.Sprintf("audit row %d", wantBad)) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("verify = bad %d, %v; want row %d: %s", bad, err, wantBad, tc.wantMsg)
			}
		})
	}
	t.Run("RemovedChain", func(t *testing.T) {
		e := setup(t)
		tamper(t, e.st, `DELETE FROM audit_log WHERE chain = $1`, e.org.ID)
		if _, _, err := e.st.VerifyAudit(ctx); err == nil || !strings.Contains(err.Error(), "the chain was removed") {
			t.Fatalf("verify = %v, want the removed chain reported", err)
		}
	})
	t.Run("HeadOnlyMovesForward", func(t *testing.T) {
		e := setup(t)
		for _, stmt := range []string{
			`UPDATE audit_chains SET seq = seq - 1 WHERE chain = $1`,
			`UPDATE audit_chains SET seq = seq + 1, hash = '\x00' WHERE chain = $1`,
			`DELETE FROM audit_chains WHERE chain = $1`,
		} {
			if _, err := e.st.PoolForTest().Exec(ctx, stmt, e.org.ID); sqlState(err) != "42501" {
				t.Errorf("%s: err = %v, want the trigger's refusal", stmt, err)
			}
		}
		if _, err := e.st.PoolForTest().Exec(ctx, `TRUNCATE audit_chains`); sqlState(err) != "42501" {
			t.Errorf("TRUNCATE audit_chains: err = %v, want the trigger's refusal", err)
		}
	})
	t.Run("RehashedRowBreaksTheNext", func(t *testing.T) {
		e := setup(t)
		var row store.AuditEntry
		err := e.st.PoolForTest().QueryRow(ctx, `SELECT seq, chain_seq, at, actor_id, actor, org_id, assessment_id, action, detail::text, prev_hash, hash FROM audit_log WHERE seq = $1`, seqOf(t, e, 2)).
			Scan(&row.Seq, &row.ChainSeq, &row.At, &row.ActorID, &row.Actor, &row.OrgID, &row.AssessmentID, &row.Action, (*jsonText)(&row.Detail), &row.PrevHash, &row.Hash)
		if err != nil {
			t.Fatal(err)
		}
		row.Detail = json.RawMessage(`{"forged": true}`)
		tamper(t, e.st, `UPDATE audit_log SET detail = $2, hash = $3 WHERE seq = $1`, row.Seq, string(row.Detail), store.AuditHash(row))
		_, bad, err := e.st.VerifyAudit(ctx)
		if next := seqOf(t, e, 3); err == nil || bad != next || !strings.Contains(err.Error(), "prev_hash") {
			t.Fatalf("verify = bad %d, %v; want row %d (prev_hash)", bad, err, next)
		}
	})
	t.Run("AnchorNoticesARewrittenChain", func(t *testing.T) {
		e := setup(t)
		seq, head, err := e.st.AuditHead(ctx)
		if err != nil || seq < 6 || len(head) != 32 {
			t.Fatalf("head = %d %x, %v", seq, head, err)
		}
		got, err := e.st.AuditHashAt(ctx, seq)
		if err != nil || hex.EncodeToString(got) != hex.EncodeToString(head) {
			t.Fatalf("hash at head = %x, %v", got, err)
		}
		if _, err := e.st.AuditHashAt(ctx, seq+100); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("beyond the head: %v, want NotFound", err)
		}
	})
}

// jsonText scans a text column into a json.RawMessage.
type jsonText json.RawMessage

func (j *jsonText) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("jsonText: %T", src)
	}
	*j = jsonText(s)
	return nil
}

// TestAuditConcurrentWriters: 20 writers appending at once (plain events and
// real changes) leave one intact chain with no gap and no fork.
func TestAuditConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	a := e.submitted(t, e.org.ID, "同時書き込み")
	before, _, err := e.st.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 20, 10
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start // the barrier: every writer starts at once
			for i := range each {
				var err error
				if w%2 == 0 {
					err = e.st.AppendAudit(ctx, store.Audit{Actor: fmt.Sprintf("writer-%d", w), Action: "test.event", Detail: map[string]any{"i": i}})
				} else {
					_, err = e.st.AddComment(ctx, store.NewComment{AssessmentID: a.ID, Body: fmt.Sprintf("writer %d comment %d", w, i), Actor: e.auditor})
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, bad, err := e.st.VerifyAudit(ctx)
	if err != nil {
		t.Fatalf("verify after concurrent writers: bad row %d: %v", bad, err)
	}
	if n != before+writers*each {
		t.Fatalf("verified %d rows, want %d", n, before+writers*each)
	}
	cs, err := e.st.Comments(ctx, a.ID)
	if err != nil || len(cs) != writers/2*each {
		t.Fatalf("comments = %d, %v", len(cs), err)
	}
}

// docGrants is the grant script of docs/operations.md for role: the test
// keeps the documentation honest.
func docGrants(t *testing.T, role string) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- grants:begin -->")
	block, _, ok2 := strings.Cut(rest, "<!-- grants:end -->")
	if !ok || !ok2 {
		t.Fatal("docs/operations.md: grants markers not found")
	}
	block = strings.NewReplacer("```sql", "", "```", "", "mamori_app", role).Replace(block)
	var stmts []string
	for _, s := range strings.Split(block, ";") {
		if s = strings.TrimSpace(s); s != "" {
			stmts = append(stmts, s)
		}
	}
	if len(stmts) < 3 {
		t.Fatalf("grant script too short: %q", stmts)
	}
	return stmts
}

// TestAuditAppRolePrivileges runs the application as the non-owner role of
// docs/operations.md: everything works, and the role cannot change audit
// rows even while the trigger is disabled.
func TestAuditAppRolePrivileges(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	owner, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	rb := make([]byte, 4)
	rand.Read(rb)
	role := "mamori_app_test_" + hex.EncodeToString(rb)
	const password = "app-role-test-password"
	if _, err := owner.PoolForTest().Exec(ctx, `CREATE ROLE `+role+` LOGIN PASSWORD '`+password+`'`); err != nil {
		t.Fatal(err)
	}
	// Roles belong to the cluster: drop it once the app pool is closed.
	t.Cleanup(func() {
		for _, s := range []string{`DROP OWNED BY ` + role, `DROP ROLE ` + role} {
			if _, err := owner.PoolForTest().Exec(context.Background(), s); err != nil {
				t.Errorf("%s: %v", s, err)
			}
		}
	})
	for _, s := range docGrants(t, role) {
		if _, err := owner.PoolForTest().Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	app, err := store.Open(ctx, url, func(c *pgxpool.Config) {
		c.ConnConfig.User, c.ConnConfig.Password = role, password
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)

	// The whole review loop works with the granted privileges.
	org, err := app.CreateOrg(ctx, "権限テスト株式会社", nil, "other")
	if err != nil {
		t.Fatal(err)
	}
	u, err := app.CreateUser(ctx, store.NewUser{Email: "o@perm.example", Name: "担当", PasswordHash: "x", Role: assessment.Officer, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	au, err := app.CreateUser(ctx, store.NewUser{Email: "a@perm.example", Name: "監査", PasswordHash: "x", Role: assessment.Auditor, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	by := store.Actor{UserID: u.ID, Email: u.Email}
	a, err := app.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: "権限", ChecklistID: checklist.Default().ID, Actor: by})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.ChangeStatus(ctx, store.StatusChange{AssessmentID: a.ID, From: assessment.Draft, To: assessment.Submitted, Action: assessment.Submit, Actor: by}); err != nil {
		t.Fatal(err)
	}
	if err := app.SetMark(ctx, a.ID, "1-1", store.MarkNeedsAttention, store.Actor{UserID: au.ID, Email: au.Email}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.AddComment(ctx, store.NewComment{AssessmentID: a.ID, Body: "確認しました", Actor: by}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	// The job queue works with the same grants: the submission queued the
	// auditor's email, which the app role's River client works (to the
	// outbox, with no SMTP configured).
	m, err := mailer.New(config.Config{BaseURL: "http://127.0.0.1:8080"}, app, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := mailer.Start(ctx, app, m)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := app.Outbox(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) == 1 && out[0].Status == "logged" && out[0].To == au.Email {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app role's job did not run: %+v", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := jobs.Stop(sctx); err != nil {
		t.Fatal(err)
	}

	refused := func(when string) {
		t.Helper()
		for _, stmt := range []string{`UPDATE audit_log SET actor = 'x' WHERE seq = 1`, `DELETE FROM audit_log WHERE seq = 1`, `TRUNCATE audit_log`,
			`DELETE FROM audit_chains`, `TRUNCATE audit_chains`} {
			_, err := app.PoolForTest().Exec(ctx, stmt)
			if sqlState(err) != "42501" || !strings.Contains(err.Error(), "permission denied") {
				t.Errorf("%s: %s: err = %v, want permission denied", when, stmt, err)
			}
		}
	}
	refused("trigger enabled")
	if _, err := app.PoolForTest().Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`); sqlState(err) != "42501" {
		t.Errorf("the app role disabled the trigger: %v", err)
	}
	if _, err := owner.PoolForTest().Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`); err != nil {
		t.Fatal(err)
	}
	refused("trigger disabled by the owner")
	if _, err := owner.PoolForTest().Exec(ctx, `ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestAccountChangesAuditedWithTheChange: user, password, token and
// assignment changes append their audit entry in their own transaction, and
// a refused change appends none.
func TestAccountChangesAuditedWithTheChange(t *testing.T) {
	ctx := context.Background()
	e := rvSetup(t)
	admin := store.Actor{UserID: e.auditor.UserID, Email: "admin@review.example"}
	last := func(action string) (actorID, actor, orgID string, detail map[string]any) {
		t.Helper()
		var aid, oid *string
		var d string
		err := e.st.PoolForTest().QueryRow(ctx, `SELECT actor_id::text, actor, org_id::text, detail::text FROM audit_log WHERE action = $1 ORDER BY seq DESC LIMIT 1`, action).
			Scan(&aid, &actor, &oid, &d)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		_ = json.Unmarshal([]byte(d), &detail)
		if aid != nil {
			actorID = *aid
		}
		if oid != nil {
			orgID = *oid
		}
		return actorID, actor, orgID, detail
	}
	unchanged := func(action string, n int) {
		t.Helper()
		if got := e.auditCount(t, action); got != n {
			t.Fatalf("%s entries %d → %d after a refused change", action, n, got)
		}
	}

	u, err := e.st.CreateUser(ctx, store.NewUser{Email: "New@Review.example", Name: "新人", PasswordHash: "x", Role: assessment.Officer, OrgID: e.org2.ID, Actor: admin})
	if err != nil {
		t.Fatal(err)
	}
	if aid, actor, oid, d := last("user.created"); aid != admin.UserID || actor != admin.Email || oid != e.org2.ID || d["user_id"] != u.ID || d["email"] != "new@review.example" || d["role"] != "officer" {
		t.Fatalf("user.created = %s %s %s %v", aid, actor, oid, d)
	}
	n := e.auditCount(t, "user.created")
	if _, err := e.st.CreateUser(ctx, store.NewUser{Email: "new@review.example", Name: "重複", PasswordHash: "x", Role: assessment.Officer, OrgID: e.org.ID, Actor: admin}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate: %v", err)
	}
	unchanged("user.created", n)

	up := store.UserUpdate{Name: "新人", Role: assessment.Auditor, OrgID: e.org2.ID, Active: true, Actor: admin}
	if _, _, err := e.st.UpdateUser(ctx, u.ID, up); err != nil {
		t.Fatal(err)
	}
	if _, _, _, d := last("user.updated"); d["old"].(map[string]any)["role"] != "officer" || d["new"].(map[string]any)["role"] != "auditor" {
		t.Fatalf("user.updated = %v", d)
	}
	n = e.auditCount(t, "user.updated")
	if _, _, err := e.st.UpdateUser(ctx, "00000000-0000-0000-0000-000000000000", up); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	unchanged("user.updated", n)

	self := store.Actor{UserID: u.ID, Email: u.Email}
	if err := e.st.SetPassword(ctx, u.ID, "y", nil, self, false); err != nil {
		t.Fatal(err)
	}
	if aid, _, _, d := last("user.password_changed"); aid != u.ID || d["user_id"] != u.ID {
		t.Fatalf("password_changed by %s: %v", aid, d)
	}
	if err := e.st.SetPassword(ctx, u.ID, "z", nil, admin, false); err != nil {
		t.Fatal(err)
	}
	if aid, _, oid, _ := last("user.password_reset"); aid != admin.UserID || oid != e.org2.ID {
		t.Fatalf("password_reset by %s in %s", aid, oid)
	}
	n = e.auditCount(t, "user.password_reset")
	if err := e.st.SetPassword(ctx, "00000000-0000-0000-0000-000000000000", "z", nil, admin, false); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	unchanged("user.password_reset", n)

	tok, err := e.st.CreateToken(ctx, u.ID, "集計", []byte("hash-1"), self)
	if err != nil {
		t.Fatal(err)
	}
	if aid, _, _, d := last("token.created"); aid != u.ID || d["token_id"] != tok.ID || d["label"] != "集計" {
		t.Fatalf("token.created = %v", d)
	}
	if _, err := e.st.RevokeToken(ctx, u.ID, tok.ID, self); err != nil {
		t.Fatal(err)
	}
	if _, _, _, d := last("token.revoked"); d["token_id"] != tok.ID {
		t.Fatalf("token.revoked = %v", d)
	}
	n = e.auditCount(t, "token.revoked")
	if _, err := e.st.RevokeToken(ctx, u.ID, tok.ID, self); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("revoked twice: %v", err)
	}
	unchanged("token.revoked", n)

	// u is an auditor now.
	n = e.auditCount(t, "auditor.assigned")
	if err := e.st.AssignAuditor(ctx, u.ID, e.org.ID, admin); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AssignAuditor(ctx, u.ID, e.org.ID, admin); err != nil {
		t.Fatal(err)
	}
	if got := e.auditCount(t, "auditor.assigned"); got != n+1 {
		t.Fatalf("assigned twice: %d entries, want %d", got, n+1)
	}
	if err := e.st.AssignAuditor(ctx, rvUser(t, e.st, e.org.ID, assessment.Officer, "o2@review.example").ID, e.org.ID, admin); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("officer assigned: %v", err)
	}
	unchanged("auditor.assigned", n+1)
	if err := e.st.UnassignAuditor(ctx, u.ID, e.org.ID, admin); err != nil {
		t.Fatal(err)
	}
	if aid, _, oid, d := last("auditor.unassigned"); aid != admin.UserID || oid != e.org.ID || d["user_id"] != u.ID {
		t.Fatalf("auditor.unassigned = %v", d)
	}
	if err := e.st.UnassignAuditor(ctx, u.ID, e.org.ID, admin); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("unassigned twice: %v", err)
	}
	unchanged("auditor.unassigned", 1)
	if _, _, err := e.st.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
