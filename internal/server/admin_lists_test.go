package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"mamori/internal/assessment"
	"mamori/internal/store"
)

// adminDoc is a page of the administration read as HTML, with its status.
func (e *env) adminDoc(c *http.Client, path string) (int, *goquery.Document) {
	e.t.Helper()
	res, body := e.get(c, path)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, doc
}

// adminTexts are the trimmed texts of what sel finds in doc.
func adminTexts(doc *goquery.Document, sel string) []string {
	var out []string
	doc.Find(sel).Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

// adminPicked is the value of the selected option of the select sel ("" when
// none is) and how many options it has.
func adminPicked(doc *goquery.Document, sel string) (string, int) {
	s := doc.Find(sel)
	v, _ := s.Find("option[selected]").Attr("value")
	return v, s.Find("option").Length()
}

// userNoLogin is a user who never signs in (no password hashing).
func (e *env) userNoLogin(orgID string, role assessment.Role, email string) store.User {
	e.t.Helper()
	u, err := e.st.CreateUser(context.Background(), store.NewUser{Email: email, Name: "名前 " + email, PasswordHash: "x", Role: role, OrgID: orgID})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// TestAdminOrgsPaged: the organisations page lists 50 organisations by
// name a page, narrowed by a search; bad page numbers answer the first
// page or an empty one; the unreviewed organisations are counted in full
// and 20 named; each picker offers 50 organisations with a search, and
// keeps the organisation already chosen when it is beyond them.
func TestAdminOrgsPaged(t *testing.T) {
	e := newEnv(t)
	home := e.org("Aaa 運営", nil)
	admin := e.login(e.user(home.ID, assessment.Manager, true))
	var orgs []store.Org
	for i := range 120 {
		orgs = append(orgs, e.org(fmt.Sprintf("Kaisha %03d", i), nil))
	}
	sub := e.org("Zz 子会社", &orgs[119].ID) // its parent is beyond the first 50
	e.userNoLogin(orgs[0].ID, assessment.Auditor, "auditor@kaisha000.example")
	all, err := e.st.ListOrgs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := func(os []store.Org) []string {
		out := make([]string, len(os))
		for i, o := range os {
			out[i] = o.Name
		}
		return out
	}

	code, doc := e.adminDoc(admin, "/admin/orgs")
	rows := adminTexts(doc, `[data-testid="org-row"] td:first-child`)
	if code != 200 || !slices.Equal(rows, names(all[:50])) {
		t.Fatalf("first page: %d, %d rows %v…", code, len(rows), rows[:min(3, len(rows))])
	}
	if href, _ := doc.Find(`[data-testid="org-pager"] a[rel="next"]`).Attr("href"); href != "/admin/orgs?page=2" {
		t.Errorf("next page link %q", href)
	}
	_, doc = e.adminDoc(admin, "/admin/orgs?page=3")
	if rows := adminTexts(doc, `[data-testid="org-row"] td:first-child`); !slices.Equal(rows, names(all[100:])) {
		t.Errorf("last page: %v", rows)
	}
	if doc.Find(`[data-testid="org-pager"] a[rel="next"]`).Length() != 0 || doc.Find(`[data-testid="org-pager"] a[rel="prev"]`).Length() != 1 {
		t.Error("last page: a next link, or no previous one")
	}
	if got := adminTexts(doc, `[data-testid="org-row"] td:nth-child(2)`); !slices.Contains(got, "Kaisha 119") {
		t.Errorf("the parent's name is not shown: %v", got)
	}
	for _, bad := range []string{"abc", "-4", "0", "1e9"} {
		code, doc := e.adminDoc(admin, "/admin/orgs?page="+bad)
		if rows := adminTexts(doc, `[data-testid="org-row"] td:first-child`); code != 200 || !slices.Equal(rows, names(all[:50])) {
			t.Errorf("page=%s: %d, %d rows, want the first page", bad, code, len(rows))
		}
	}
	code, doc = e.adminDoc(admin, "/admin/orgs?page=99999999999")
	if code != 200 || doc.Find(`[data-testid="org-row"]`).Length() != 0 || doc.Find(`[data-testid="empty-page"] a[href="/admin/orgs"]`).Length() != 1 {
		t.Errorf("a page past the end: %d, %d rows, no link to the first page", code, doc.Find(`[data-testid="org-row"]`).Length())
	}

	// A search by part of the name, case-insensitively, paged.
	_, doc = e.adminDoc(admin, "/admin/orgs?q="+url.QueryEscape(" kaisha 01"))
	if rows := adminTexts(doc, `[data-testid="org-row"] td:first-child`); len(rows) != 10 || rows[0] != "Kaisha 010" || doc.Find(`[data-testid="org-pager"]`).Length() != 0 {
		t.Errorf("search: %v", rows)
	}
	_, doc = e.adminDoc(admin, "/admin/orgs?q=kaisha&page=2")
	if rows := adminTexts(doc, `[data-testid="org-row"] td:first-child`); len(rows) != 50 || rows[0] != "Kaisha 050" {
		t.Errorf("search, page 2: %d rows from %v", len(rows), rows[:min(1, len(rows))])
	}
	if href, _ := doc.Find(`[data-testid="org-pager"] a[rel="next"]`).Attr("href"); href != "/admin/orgs?page=3&q=kaisha" {
		t.Errorf("the search's next page %q", href)
	}

	// Unreviewed: every organisation but Kaisha 000 (its auditor), 20 named.
	if got := doc.Find(`#unreviewed-h`).Text(); !strings.Contains(got, fmt.Sprint(len(all)-1)) {
		t.Errorf("unreviewed heading %q, want a count of %d", got, len(all)-1)
	}
	unrev := adminTexts(doc, `[data-testid="unreviewed-org"]`)
	var want []string
	for _, o := range all {
		if o.ID != orgs[0].ID && len(want) < 20 {
			want = append(want, o.Name)
		}
	}
	if !slices.Equal(unrev, want) || doc.Find(`[data-testid="unreviewed-more"]`).Length() != 1 {
		t.Errorf("unreviewed listed %v, want %v and a note that more exist", unrev, want)
	}

	// The parent picker: 50 organisations and "none", a search by name
	// that keeps the list's search and page.
	if v, n := adminPicked(doc, `[data-testid="org-form"] #org-parent`); n != 51 || v != "" {
		t.Errorf("parent picker: %d options, %q selected", n, v)
	}
	form := doc.Find(`[data-testid="org-search-form"]`)
	if form.Length() != 1 || form.Find(`input[name="org_q"]`).Length() != 1 || form.Find(`input[type="hidden"][name="q"][value="kaisha"]`).Length() != 1 ||
		form.Find(`input[type="hidden"][name="page"][value="2"]`).Length() != 1 {
		t.Errorf("the picker's search form: %d, keeps %v", form.Length(), adminTexts(doc, `[data-testid="org-search-form"] input[type="hidden"]`))
	}
	_, doc = e.adminDoc(admin, "/admin/orgs?org_q=kaisha+11")
	if _, n := adminPicked(doc, `#org-parent`); n != 11 {
		t.Errorf("parent picker narrowed to Kaisha 11x: %d options, want 10 and none", n)
	}

	// The organisation page keeps its parent, beyond the first 50, chosen.
	code, doc = e.adminDoc(admin, "/admin/orgs/"+sub.ID)
	if v, n := adminPicked(doc, `#org-parent`); code != 200 || v != orgs[119].ID || n != 52 {
		t.Errorf("organisation page: %d, parent %q selected of %d options, want %s of 52", code, v, n, orgs[119].ID)
	}
	// A refused change keeps the parent sent.
	res, body := e.send(admin, "POST", "/admin/orgs/"+sub.ID, strings.NewReader(url.Values{"name": {""}, "parent_id": {orgs[118].ID}, "industry": {"other"}}.Encode()),
		map[string]string{"Content-Type": formType})
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(body))
	if v, _ := adminPicked(doc, `#org-parent`); res.StatusCode != 422 || v != orgs[118].ID {
		t.Errorf("a refused change: %d, parent %q selected, want %s", res.StatusCode, v, orgs[118].ID)
	}
	// A user's page and the SSO provider form keep theirs.
	member := e.userNoLogin(orgs[110].ID, assessment.Officer, "member@kaisha110.example")
	_, doc = e.adminDoc(admin, "/admin/users/"+member.ID)
	if v, n := adminPicked(doc, `#u-org`); v != orgs[110].ID || n != 51 {
		t.Errorf("user page: %q selected of %d options, want %s of 51", v, n, orgs[110].ID)
	}
	res, body = e.send(admin, "POST", "/admin/sso", strings.NewReader(url.Values{"org_id": {orgs[115].ID}, "name": {""}}.Encode()), map[string]string{"Content-Type": formType})
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(body))
	if v, n := adminPicked(doc, `#sso-org`); res.StatusCode != 422 || v != orgs[115].ID || n != 51 {
		t.Errorf("SSO form refused: %d, %q selected of %d options, want %s of 51", res.StatusCode, v, n, orgs[115].ID)
	}
	_, doc = e.adminDoc(admin, "/admin/sso?org_q=Kaisha+1")
	if _, n := adminPicked(doc, `#sso-org`); n != 20 {
		t.Errorf("SSO picker narrowed to Kaisha 1…: %d options, want 20", n)
	}
}

// TestAdminOrgPageOwnUsers: an organisation's page lists its own users and
// auditors, not anyone else's, and links to the rest when it has more.
func TestAdminOrgPageOwnUsers(t *testing.T) {
	e := newEnv(t)
	home := e.org("運営", nil)
	admin := e.login(e.user(home.ID, assessment.Manager, true))
	big, small := e.org("大企業", nil), e.org("小企業", nil)
	for i := range 55 {
		e.userNoLogin(big.ID, assessment.Officer, fmt.Sprintf("big%02d@big.example", i))
	}
	mine := e.userNoLogin(small.ID, assessment.Officer, "mine@small.example")
	aud := e.userNoLogin(home.ID, assessment.Auditor, "aud@home.example")
	if err := e.st.AssignAuditor(context.Background(), aud.ID, small.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	code, doc := e.adminDoc(admin, "/admin/orgs/"+small.ID)
	users := doc.Find(`[data-testid="org-users"] li`)
	if code != 200 || users.Length() != 1 || !strings.Contains(users.Text(), mine.Email) {
		t.Errorf("small organisation: %d, users %q", code, users.Text())
	}
	if got := doc.Find(`[data-testid="org-auditors"] li`).Text(); !strings.Contains(got, aud.Email) {
		t.Errorf("assigned auditor not listed: %q", got)
	}
	_, doc = e.adminDoc(admin, "/admin/orgs/"+big.ID)
	if n := doc.Find(`[data-testid="org-users"] li`).Length(); n != 50 || strings.Contains(doc.Text(), mine.Email) {
		t.Errorf("big organisation: %d users listed, want 50 of its own", n)
	}
	href, _ := doc.Find(`[data-testid="org-users-all"]`).Attr("href")
	if href != "/admin/users?org="+big.ID {
		t.Fatalf("link to all its users %q", href)
	}
	_, doc = e.adminDoc(admin, href+"&page=2")
	if rows := adminTexts(doc, `[data-testid="user-row"] td:nth-child(2)`); len(rows) != 5 || rows[0] != "big50@big.example" {
		t.Errorf("its users, page 2: %v", rows)
	}
	if code, _ := e.adminDoc(admin, "/admin/users?org=not-an-id"); code != 404 {
		t.Errorf("users of an unknown organisation: %d", code)
	}
}

// TestAdminUsersPaged: the users page lists 50 users by email a page,
// with their organisation's name; the assignments shown are those of the
// page's users.
func TestAdminUsersPaged(t *testing.T) {
	e := newEnv(t)
	home := e.org("運営", nil)
	admin := e.login(e.user(home.ID, assessment.Manager, true)) // manager-…@example.jp
	a, b := e.org("会社A", nil), e.org("会社B", nil)
	far := e.org("遠方の監査先", nil)
	for i := range 60 {
		e.userNoLogin([]string{a.ID, b.ID}[i%2], assessment.Officer, fmt.Sprintf("m%02d@users.example", i))
	}
	first := e.userNoLogin(a.ID, assessment.Auditor, "aaa-auditor@users.example")
	last := e.userNoLogin(b.ID, assessment.Auditor, "zzz-auditor@users.example")
	by := store.Actor{Email: "test"}
	if err := e.st.AssignAuditor(context.Background(), first.ID, b.ID, by); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AssignAuditor(context.Background(), last.ID, far.ID, by); err != nil {
		t.Fatal(err)
	}
	all, _, err := e.st.UserPage(context.Background(), store.UserFilter{}, 0, 1000)
	if err != nil || len(all) != 63 {
		t.Fatalf("%d users %v", len(all), err)
	}
	emails := func(us []store.ListedUser) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.Email
		}
		return out
	}

	code, doc := e.adminDoc(admin, "/admin/users")
	if rows := adminTexts(doc, `[data-testid="user-row"] td:nth-child(2)`); code != 200 || !slices.Equal(rows, emails(all[:50])) {
		t.Fatalf("first page: %d %v", code, rows)
	}
	if orgsShown := adminTexts(doc, `[data-testid="user-row"] td:nth-child(3)`); orgsShown[0] != "会社A" {
		t.Errorf("organisation of %s: %q", all[0].Email, orgsShown[0])
	}
	if got := doc.Find(`[data-testid="assign"]`).Closest("section").Find("tbody").Text(); !strings.Contains(got, first.Email) || strings.Contains(got, far.Name) {
		t.Errorf("page 1 assignments: %q, want %s's only", got, first.Email)
	}
	if v, n := adminPicked(doc, `#a-user`); n != 1 || v != "" || doc.Find(`#a-user option[value="`+first.ID+`"]`).Length() != 1 {
		t.Errorf("auditor picker: %d options", n)
	}
	_, doc = e.adminDoc(admin, "/admin/users?page=2")
	if rows := adminTexts(doc, `[data-testid="user-row"] td:nth-child(2)`); !slices.Equal(rows, emails(all[50:])) {
		t.Errorf("page 2: %v", rows)
	}
	if got := doc.Find(`[data-testid="assign"]`).Closest("section").Find("tbody").Text(); !strings.Contains(got, far.Name) || strings.Contains(got, first.Email) {
		t.Errorf("page 2 assignments: %q, want %s's only", got, last.Email)
	}
	for _, bad := range []string{"abc", "-1"} {
		if _, doc := e.adminDoc(admin, "/admin/users?page="+bad); doc.Find(`[data-testid="user-row"]`).Length() != 50 {
			t.Errorf("page=%s: not the first page", bad)
		}
	}
	code, doc = e.adminDoc(admin, "/admin/users?page=100000&q=m0")
	if code != 200 || doc.Find(`[data-testid="user-row"]`).Length() != 0 || doc.Find(`[data-testid="empty-page"] a[href="/admin/users?q=m0"]`).Length() != 1 {
		t.Errorf("a page past the end of a search: %d", code)
	}
	// The search: by email, name or organisation, paged.
	_, doc = e.adminDoc(admin, "/admin/users?q="+url.QueryEscape("会社B"))
	if n := doc.Find(`[data-testid="user-row"]`).Length(); n != 31 {
		t.Errorf("users of 会社B by search: %d, want 31", n)
	}
	for path, want := range map[string]string{
		"/admin/users?q=users.example":        "「users.example」に一致するユーザー: 50人を超えます",
		"/admin/users?q=users.example&page=2": "「users.example」に一致するユーザー: 62人",
	} {
		if _, doc := e.adminDoc(admin, path); !strings.HasPrefix(strings.TrimSpace(doc.Find(`[data-testid="user-search-result"]`).Text()), want) {
			t.Errorf("%s: %q, want %q", path, doc.Find(`[data-testid="user-search-result"]`).Text(), want)
		}
	}
	_, doc = e.adminDoc(admin, "/admin/users?q="+url.QueryEscape("5@USERS"))
	if rows := adminTexts(doc, `[data-testid="user-row"] td:nth-child(2)`); len(rows) != 6 || rows[0] != "m05@users.example" {
		t.Errorf("search 5@USERS: %v", rows)
	}
}

// TestAdminUserImportByNames: the import resolves the organisations its
// file names, by name or id, wherever they sort, and refuses unknown ones.
func TestAdminUserImportByNames(t *testing.T) {
	e := newEnv(t)
	home := e.org("運営", nil)
	admin := e.login(e.user(home.ID, assessment.Manager, true))
	var orgs []store.Org
	for i := range 60 {
		orgs = append(orgs, e.org(fmt.Sprintf("取引先 %02d", i), nil))
	}
	post := func(csv string) (int, *goquery.Document) {
		ct, body := usersCSV(t, csv)
		res, html := e.send(admin, "POST", "/admin/users/import", body, map[string]string{"Content-Type": ct})
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(html))
		return res.StatusCode, doc
	}
	code, doc := post("a@imp.example,山田,officer,取引先 59\nb@imp.example,佐藤,officer,取引先 99\n")
	if lines := adminTexts(doc, `[data-testid="import-row-error"]`); code != 422 || len(lines) != 1 || !strings.HasPrefix(lines[0], "2行目") {
		t.Fatalf("unknown organisation: %d %v", code, lines)
	}
	code, _ = post("a@imp.example,山田,officer,取引先 59\nb@imp.example,佐藤,auditor," + orgs[58].ID + "\n")
	if code != 201 {
		t.Fatalf("import: %d", code)
	}
	for email, org := range map[string]string{"a@imp.example": orgs[59].ID, "b@imp.example": orgs[58].ID} {
		if u, err := e.st.UserByEmail(context.Background(), email); err != nil || u.OrgID != org {
			t.Errorf("%s in %s, want %s (%v)", email, u.OrgID, org, err)
		}
	}
}

// TestAdminQueryBudgets: each administration page runs the same few SQL
// statements with 3 organisations or 123 and their users.
func TestAdminQueryBudgets(t *testing.T) {
	e := newCountingEnv(t)
	home := e.org("Aaa 運営", nil)
	admin := e.login(e.user(home.ID, assessment.Manager, true))
	sub := e.org("Bbb 子会社", &home.ID)
	member := e.userNoLogin(sub.ID, assessment.Officer, "member@sub.example")
	paths := []string{"/admin/orgs", "/admin/orgs?q=kaisha&page=2", "/admin/users", "/admin/users?q=example&page=2",
		"/admin/orgs/" + sub.ID, "/admin/users/" + member.ID, "/admin/sso"}
	count := func() []int {
		n := make([]int, len(paths))
		for i, p := range paths {
			req, _ := http.NewRequest("GET", e.ts.URL+p, nil)
			res, err := admin.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, res)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", p, res.StatusCode)
			}
			n[i] = queryCount(t, res)
		}
		return n
	}
	count() // the first request after the tree changed reads who sees what again
	few := count()
	for i := range 120 {
		o := e.org(fmt.Sprintf("Kaisha %03d", i), nil)
		e.userNoLogin(o.ID, []assessment.Role{assessment.Officer, assessment.Auditor}[i%2], fmt.Sprintf("u%03d@kaisha.example", i))
	}
	count()
	many := count()
	// The session with its principal, then: the page of organisations,
	// the unreviewed ones and the parent picker; the page of users, their
	// assignments and the organisation picker; the organisation, its
	// users, its auditors and the picker; the user and the picker; the
	// providers and the picker.
	budget := []int{4, 4, 4, 4, 5, 3, 3}
	for i, p := range paths {
		if few[i] != many[i] || many[i] > budget[i] {
			t.Errorf("%s: %d SQL statements with 3 organisations, %d with 123, want the same and at most %d", p, few[i], many[i], budget[i])
		} else {
			t.Logf("%s: %d SQL statements (budget %d)", p, many[i], budget[i])
		}
	}
}
