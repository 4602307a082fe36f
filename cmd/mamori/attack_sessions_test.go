package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// TestConcurrentAttacks runs the real binary against the races of issue 19:
// a session revoked while requests on it are still in flight, and the same
// status change sent many times at once. The figures they log are quoted in
// docs/security.md ("Concurrent attacks: sessions and state changes").
func TestConcurrentAttacks(t *testing.T) {
	bin := buildBinary(t, t.TempDir())
	dbURL := storetest.URL(t)
	in := serve(t, bin, dbURL)
	st := newFixtureStore(t, dbURL)
	t.Run("RevokedSessionsStayRevoked", func(t *testing.T) { revocationRaceTest(t, in, st) })
	t.Run("DoubleStateChanges", func(t *testing.T) { doubleActionTest(t, in, st) })
	t.Run("PasswordChangeRevokesTokens", func(t *testing.T) { passwordTokensTest(t, in, st) })
}

const attackPassword = "attack-pass-phrase-1"

// attackClient never follows redirects and sends no cookie of its own.
var attackClient = &http.Client{
	Timeout:       10 * time.Second,
	Transport:     &http.Transport{MaxIdleConnsPerHost: 16},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// browserDo sends a form (or nothing) with the session cookie and returns the status,
// the new session cookie if one was set, and the body.
func browserDo(in *instance, method, path, cookie string, form url.Values) (int, string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, in.url(path), body)
	if err != nil {
		return 0, "", "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: cookie})
	}
	res, err := attackClient.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	set := ""
	for _, c := range res.Cookies() {
		if c.Name == auth.SessionCookie && c.MaxAge >= 0 && c.Value != "" {
			set = c.Value
		}
	}
	return res.StatusCode, set, string(raw), err
}

// signIn signs in through the form and returns the session cookie.
func signIn(t *testing.T, in *instance, email string) string {
	t.Helper()
	code, cookie, body, err := browserDo(in, "POST", "/login", "", url.Values{"email": {email}, "password": {attackPassword}})
	if err != nil || code != http.StatusSeeOther || cookie == "" {
		t.Fatalf("sign in %s: %d %v\n%.300s", email, code, err, body)
	}
	return cookie
}

// signedIn reports whether the cookie opens a signed-in page.
func signedIn(t *testing.T, in *instance, cookie string) bool {
	t.Helper()
	code, _, _, err := browserDo(in, "GET", "/assessments", cookie, nil)
	if err != nil {
		t.Fatal(err)
	}
	return code == http.StatusOK
}

// victim is an officer of their own organisation with a draft assessment.
type victim struct {
	user store.User
	org  store.Org
	a    store.Assessment
}

func newVictim(t *testing.T, st *store.Store, name string) victim {
	t.Helper()
	ctx := context.Background()
	org, err := st.CreateOrg(ctx, "攻撃テスト "+name, nil, "manufacturing")
	if err != nil {
		t.Fatal(err)
	}
	u := newUser(t, st, name+"@attack.example", assessment.Officer, org.ID, false)
	a, err := st.CreateAssessment(ctx, store.NewAssessment{OrgID: org.ID, Title: name, ChecklistID: "ipa-benchmark-4", Actor: store.Actor{UserID: u.ID, Email: u.Email}})
	if err != nil {
		t.Fatal(err)
	}
	return victim{user: u, org: org, a: a}
}

func newUser(t *testing.T, st *store.Store, email string, role assessment.Role, orgID string, admin bool) store.User {
	t.Helper()
	hash, err := auth.HashPassword(attackPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(context.Background(), store.NewUser{Email: email, Name: email, PasswordHash: hash, Role: role, OrgID: orgID, Admin: admin})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// hammer keeps six goroutines saving answers through the form (each save
// sets a flash message, each following page takes it: both save the
// session) on the given cookies until stop is closed, at most 20 s.
func hammer(in *instance, v victim, cookies []string, stop <-chan struct{}) (wait func() int) {
	const workers = 6
	qids := checklist.Default().QuestionIDs()
	var wg sync.WaitGroup
	var requests atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cookie, qid, version := cookies[w%len(cookies)], qids[w], 0
			deadline := time.Now().Add(20 * time.Second)
			for n := 0; n < 2000 && time.Now().Before(deadline); n++ {
				select {
				case <-stop:
					return
				default:
				}
				form := url.Values{"level": {fmt.Sprint(n%5 + 1)}, "comment": {fmt.Sprintf("w%d n%d", w, n)}, "version": {fmt.Sprint(version)}}
				code, _, _, err := browserDo(in, "POST", "/assessments/"+v.a.ID+"/answers/"+qid, cookie, form)
				requests.Add(1)
				if err == nil && code == http.StatusSeeOther {
					version++
					_, _, _, _ = browserDo(in, "GET", "/assessments/"+v.a.ID, cookie, nil) // takes the flash
					requests.Add(1)
				}
			}
		}(w)
	}
	return func() int { wg.Wait(); return int(requests.Load()) }
}

var totpSecretRE = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)

// revocationRaceTest revokes sessions by every path while six goroutines
// save those same sessions, then checks that no revoked cookie works again.
func revocationRaceTest(t *testing.T, in *instance, st *store.Store) {
	ctx := context.Background()
	adminOrg, err := st.CreateOrg(ctx, "攻撃テスト運営", nil, "it")
	if err != nil {
		t.Fatal(err)
	}
	admin := newUser(t, st, "admin@attack.example", assessment.Officer, adminOrg.ID, true)
	adminCookie := signIn(t, in, admin.Email)

	// Each path signs the victim in on one or two devices, starts the
	// hammering on those cookies, revokes, and returns the cookies that must
	// be dead (and a cookie that must still work, if any).
	type path struct {
		name   string
		devs   int
		revoke func(t *testing.T, v victim, cookies []string) (alive string)
	}
	paths := []path{
		{"Logout", 1, func(t *testing.T, v victim, c []string) string {
			mustStatus(t, in, "POST", "/logout", c[0], url.Values{}, http.StatusSeeOther)
			return ""
		}},
		{"PasswordChange", 2, func(t *testing.T, v victim, c []string) string {
			code, fresh, body, err := browserDo(in, "POST", "/account/password", c[0], url.Values{"current": {attackPassword}, "new": {attackPassword + "-new"}})
			if err != nil || code != http.StatusSeeOther || fresh == "" {
				t.Fatalf("password change: %d %v\n%.300s", code, err, body)
			}
			return fresh
		}},
		{"AdminPasswordReset", 1, func(t *testing.T, v victim, c []string) string {
			mustStatus(t, in, "POST", "/admin/users/"+v.user.ID+"/password", adminCookie, url.Values{"password": {attackPassword + "-reset"}}, http.StatusOK)
			return ""
		}},
		{"EnableTOTP", 2, nil}, // below: needs the secret first
		{"OrgRequiresTOTP", 1, func(t *testing.T, v victim, c []string) string {
			mustStatus(t, in, "POST", "/admin/orgs/"+v.org.ID+"/totp", adminCookie, url.Values{"require_totp": {"on"}}, http.StatusSeeOther)
			return ""
		}},
		{"RoleChange", 1, func(t *testing.T, v victim, c []string) string {
			mustStatus(t, in, "POST", "/admin/users/"+v.user.ID, adminCookie,
				url.Values{"name": {"昇格"}, "role": {"manager"}, "org_id": {v.org.ID}, "active": {"on"}}, http.StatusSeeOther)
			return ""
		}},
	}
	const rounds = 3
	total := 0
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			resurrected, rows, requests := 0, 0, 0
			refusedBefore := len(logLines(in, "flash not saved"))
			for round := 0; round < rounds; round++ {
				v := newVictim(t, st, fmt.Sprintf("%s-%d", strings.ToLower(p.name), round))
				cookies := []string{signIn(t, in, v.user.Email)}
				if p.devs == 2 {
					cookies = append(cookies, signIn(t, in, v.user.Email))
				}
				revoke := p.revoke
				if p.name == "EnableTOTP" {
					code, _, body, err := browserDo(in, "GET", "/account/totp", cookies[0], nil)
					m := totpSecretRE.FindStringSubmatch(body)
					if err != nil || code != http.StatusOK || m == nil {
						t.Fatalf("totp setup page: %d %v", code, err)
					}
					revoke = func(t *testing.T, v victim, c []string) string {
						otp, err := auth.TOTPCode(m[1], time.Now())
						if err != nil {
							t.Fatal(err)
						}
						code, fresh, body, err := browserDo(in, "POST", "/account/totp/confirm", c[0], url.Values{"code": {otp}})
						if err != nil || code != http.StatusOK || fresh == "" {
							t.Fatalf("totp confirm: %d %v\n%.300s", code, err, body)
						}
						return fresh
					}
				}
				stop := make(chan struct{})
				wait := hammer(in, v, cookies, stop)
				time.Sleep(150 * time.Millisecond)
				alive := revoke(t, v, cookies)
				time.Sleep(300 * time.Millisecond) // saves keep coming after the revocation
				close(stop)
				requests += wait()

				for _, c := range cookies {
					dead := true
					for i := 0; i < 5; i++ {
						if signedIn(t, in, c) {
							dead = false
						}
					}
					if !dead {
						resurrected++
					}
					var n int
					if err := storetest.DB(t, st).QueryRow(ctx, `SELECT count(*) FROM sessions WHERE id_hash = $1`, auth.HashToken(c)).Scan(&n); err != nil {
						t.Fatal(err)
					}
					rows += n
				}
				if alive != "" && !signedIn(t, in, alive) {
					t.Errorf("round %d: the session that made the change was signed out too", round)
				}
			}
			total += resurrected
			refused := len(logLines(in, "flash not saved")) - refusedBefore
			t.Logf("%s: %d rounds, %d requests on the sessions, %d saves in flight at the revocation refused; %d revoked cookies work again, %d rows left for them",
				p.name, rounds, requests, refused, resurrected, rows)
			if resurrected != 0 || rows != 0 {
				t.Errorf("%d revoked sessions came back (%d rows)", resurrected, rows)
			}
		})
	}
	t.Logf("revocation races: %d resurrected sessions over %d paths × %d rounds", total, len(paths), rounds)
}

func mustStatus(t *testing.T, in *instance, method, path, cookie string, form url.Values, want int) {
	t.Helper()
	code, _, body, err := browserDo(in, method, path, cookie, form)
	if err != nil || code != want {
		t.Fatalf("%s %s: %d, want %d (%v)\n%.300s", method, path, code, want, err, body)
	}
}

// apiPost posts JSON with a bearer token and returns the status.
func apiPost(in *instance, token, path string, body map[string]string) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest("POST", in.url(path), rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := attackClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// doubleActionTest sends every status change eight times at once: one must
// win, the others be refused with 409, and the audit trail hold one entry.
func doubleActionTest(t *testing.T, in *instance, st *store.Store) {
	ctx := context.Background()
	v := newVictim(t, st, "double")
	auditorOrg, err := st.CreateOrg(ctx, "攻撃テスト監査", nil, "it")
	if err != nil {
		t.Fatal(err)
	}
	auditor := newUser(t, st, "auditor@attack.example", assessment.Auditor, auditorOrg.ID, false)
	if err := st.AssignAuditor(ctx, auditor.ID, v.org.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	token := func(u store.User) string {
		tok := auth.NewToken()
		if _, err := st.CreateToken(ctx, u.ID, "attack", auth.HashToken(tok), store.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	officerTok, auditorTok := token(v.user), token(auditor)
	for i, qid := range checklist.Default().QuestionIDs() {
		if _, err := st.SaveAnswer(ctx, v.a.ID, qid, answerInput(i%5+1, "回答"), store.Actor{UserID: v.user.ID, Email: v.user.Email}); err != nil {
			t.Fatal(err)
		}
	}
	base := "/api/v1/assessments/" + v.a.ID + "/"
	steps := []struct {
		action, tok, field string
		want               assessment.Status
		audits             int // entries of the action in the trail after the step
	}{
		{"submit", officerTok, "", assessment.Submitted, 1},
		{"return", auditorTok, "comment", assessment.Returned, 1},
		{"submit", officerTok, "", assessment.Submitted, 2},
		{"approve", auditorTok, "comment", assessment.Approved, 1},
		{"reopen", auditorTok, "reason", assessment.Returned, 1},
	}
	const n = 8
	for _, s := range steps {
		var body map[string]string
		if s.field != "" {
			body = map[string]string{s.field: "同時操作 " + s.action}
		}
		codes := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				var err error
				if codes[i], err = apiPost(in, s.tok, base+s.action, body); err != nil {
					t.Error(err)
				}
			}(i)
		}
		close(start)
		wg.Wait()
		wins, conflicts := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				wins++
			case http.StatusConflict:
				conflicts++
			default:
				t.Errorf("%s: unexpected status %d", s.action, c)
			}
		}
		var audits int
		if err := storetest.DB(t, st).QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE assessment_id = $1 AND action = $2`, v.a.ID, "assessment."+s.action).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		a, err := st.GetAssessment(ctx, v.a.ID)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d × %s at once: %d succeeded, %d refused with 409; %d %q entries in the trail; status %s", n, s.action, wins, conflicts, audits, "assessment."+s.action, a.Status)
		if wins != 1 || conflicts != n-1 || audits != s.audits || a.Status != s.want {
			t.Errorf("%s: %d wins, %d conflicts, %d audit entries (want %d), status %s (want %s)", s.action, wins, conflicts, audits, s.audits, a.Status, s.want)
		}
	}
	var submissions, comments int
	if err := storetest.DB(t, st).QueryRow(ctx, `SELECT (SELECT count(*) FROM submissions WHERE assessment_id = $1), (SELECT count(*) FROM comments WHERE assessment_id = $1)`, v.a.ID).Scan(&submissions, &comments); err != nil {
		t.Fatal(err)
	}
	t.Logf("after the double actions: %d submissions recorded, %d decision comments", submissions, comments)
	if submissions != 2 || comments != 3 {
		t.Errorf("%d submissions (want 2), %d comments (want 3: return, approve, reopen)", submissions, comments)
	}
}

// passwordTokensTest: the password change revokes the API tokens when the
// box (ticked by default) is ticked, and keeps them when it is not.
func passwordTokensTest(t *testing.T, in *instance, st *store.Store) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		form    url.Values
		revoked bool
	}{
		{"Ticked", url.Values{"revoke_tokens": {"1"}}, true},
		{"Unticked", url.Values{}, false},
	} {
		v := newVictim(t, st, "tokens-"+strings.ToLower(c.name))
		tok := auth.NewToken()
		if _, err := st.CreateToken(ctx, v.user.ID, "ci", auth.HashToken(tok), store.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
		cookie := signIn(t, in, v.user.Email)
		c.form.Set("current", attackPassword)
		c.form.Set("new", attackPassword+"-changed")
		mustStatus(t, in, "POST", "/account/password", cookie, c.form, http.StatusSeeOther)
		req, _ := http.NewRequest("GET", in.url("/api/v1/me"), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := attackClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var audits int
		if err := storetest.DB(t, st).QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'token.revoked_all' AND detail->>'user_id' = $1`, v.user.ID).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		want, wantAudits := http.StatusOK, 0
		if c.revoked {
			want, wantAudits = http.StatusUnauthorized, 1
		}
		if res.StatusCode != want || audits != wantAudits {
			t.Errorf("%s: token answers %d (want %d), %d audit entries (want %d)", c.name, res.StatusCode, want, audits, wantAudits)
		}
	}
}
