package export

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseUsers(t *testing.T) {
	orgs := func(s string) string { return map[string]string{"本社": "org-1", "org-2": "org-2"}[s] }
	role := func(r string) bool { return r == "officer" || r == "auditor" || r == "manager" }
	email := func(e string) bool { return strings.Contains(e, "@") && strings.Contains(e, ".") }
	t.Run("Valid", func(t *testing.T) {
		in := "\ufeffメールアドレス,氏名,役割,組織\nA@x.jp, 山田 花子 ,officer,本社\n\nb@x.jp,佐藤 健,auditor,org-2\n"
		rows, errs, err := ParseUsers(strings.NewReader(in), orgs, role, email)
		if err != nil || len(errs) != 0 || len(rows) != 2 {
			t.Fatalf("rows %v errs %v err %v", rows, errs, err)
		}
		if rows[0] != (UserRow{Row: 2, Email: "a@x.jp", Name: "山田 花子", Role: "officer", OrgID: "org-1"}) || rows[1].Row != 4 {
			t.Errorf("rows %+v", rows)
		}
	})
	t.Run("ErrorsByRow", func(t *testing.T) {
		in := "a@x.jp,山田,officer,本社\n" + // 1 ok
			"bad,佐藤,officer,本社\n" + // 2 email
			"a@x.jp,鈴木,officer,本社\n" + // 3 duplicate
			"c@x.jp,,admin,支社\n" + // 4 name, role, org
			"d@x.jp,田中,officer\n" // 5 columns
		rows, errs, err := ParseUsers(strings.NewReader(in), orgs, role, email)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(errs)
		want := "[{2 email email} {3 email duplicate} {4 name name} {4 role role} {4 org org} {5  columns}]"
		if got != want {
			t.Errorf("errors %s\nwant %s", got, want)
		}
		if len(rows) != 1 {
			t.Errorf("valid rows %d (the caller creates none when there are errors)", len(rows))
		}
	})
	t.Run("Empty", func(t *testing.T) {
		_, errs, _ := ParseUsers(strings.NewReader("email,name,role,org\n"), orgs, role, email)
		if len(errs) != 1 || errs[0].Problem != "empty" {
			t.Errorf("errs %v", errs)
		}
	})
}

func TestUserOrgRefs(t *testing.T) {
	in := "\ufeffメールアドレス,氏名,役割,組織\na@x.jp,山田,officer, 本社\n\nb@x.jp,佐藤,auditor,org-2\nc@x.jp,鈴木,officer,本社\nd@x.jp,田中,officer\n"
	refs, err := UserOrgRefs(strings.NewReader(in))
	if err != nil || fmt.Sprint(refs) != "[本社 org-2]" {
		t.Errorf("refs %q %v", refs, err)
	}
	var many strings.Builder
	for i := range MaxUserRows + 50 {
		fmt.Fprintf(&many, "u%d@x.jp,名前,officer,組織 %d\n", i, i)
	}
	if refs, err := UserOrgRefs(strings.NewReader(many.String())); err != nil || len(refs) != MaxUserRows+1 {
		t.Errorf("a long file: %d refs, want %d (as many rows as the import reads) %v", len(refs), MaxUserRows+1, err)
	}
}
