package export

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// UserColumns are the columns of a users CSV, in order: email, name, role,
// organisation (its name or id). A header row with these names (Japanese or
// English) is optional.
var UserColumns = []Column{
	{Key: "email", JA: "メールアドレス", EN: "Email"},
	{Key: "name", JA: "氏名", EN: "Name"},
	{Key: "role", JA: "役割", EN: "Role"},
	{Key: "org", JA: "組織", EN: "Organisation"},
}

// MaxUserRows is the most users one file may create.
const MaxUserRows = 200

// UserRow is one user to create, as read from the file; OrgID is resolved.
type UserRow struct {
	Row                      int // the line of the file (1 is the first), as a spreadsheet numbers rows
	Email, Name, Role, OrgID string
}

// UserRowError is why one row cannot be imported: Field is the column key
// ("" for the whole row), Problem a catalog key's last part.
type UserRowError struct {
	Row            int
	Field, Problem string
}

// ParseUsers reads a users CSV. orgs resolves an organisation's name or id
// to its id ("" when unknown); validRole and validEmail are the rules the
// single-user form uses. The import is all or nothing: any error in any
// row comes back, every row's, and then the rows are not to be created.
func ParseUsers(r io.Reader, orgs func(string) string, validRole, validEmail func(string) bool) ([]UserRow, []UserRowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows []UserRow
	var errs []UserRowError
	seen := map[string]int{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		n, _ := cr.FieldPos(0) // the line, as a spreadsheet numbers rows
		if first && len(rec) > 0 && isUserHeader(rec) {
			continue
		}
		if blankRecord(rec) {
			continue
		}
		if len(rows)+len(errs) >= MaxUserRows {
			errs = append(errs, UserRowError{Row: n, Problem: "too_many"})
			break
		}
		if len(rec) != len(UserColumns) {
			errs = append(errs, UserRowError{Row: n, Problem: "columns"})
			continue
		}
		u := UserRow{Row: n, Email: strings.ToLower(strings.TrimSpace(rec[0])), Name: strings.TrimSpace(rec[1]), Role: strings.TrimSpace(rec[2])}
		bad := len(errs)
		switch {
		case !validEmail(u.Email):
			errs = append(errs, UserRowError{Row: n, Field: "email", Problem: "email"})
		case seen[u.Email] != 0:
			errs = append(errs, UserRowError{Row: n, Field: "email", Problem: "duplicate"})
		}
		if u.Name == "" || utf8.RuneCountInString(u.Name) > 100 {
			errs = append(errs, UserRowError{Row: n, Field: "name", Problem: "name"})
		}
		if !validRole(u.Role) {
			errs = append(errs, UserRowError{Row: n, Field: "role", Problem: "role"})
		}
		if u.OrgID = orgs(strings.TrimSpace(rec[3])); u.OrgID == "" {
			errs = append(errs, UserRowError{Row: n, Field: "org", Problem: "org"})
		}
		seen[u.Email] = n
		if len(errs) == bad {
			rows = append(rows, u)
		}
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, UserRowError{Problem: "empty"})
	}
	return rows, errs, nil
}

// UserOrgRefs returns, once each, the organisations a users CSV names (by
// name or id) in the rows ParseUsers reads: what the caller resolves before
// parsing, rather than every organisation there is.
func UserOrgRefs(r io.Reader) ([]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var refs []string
	seen := map[string]bool{}
	for n, first := 0, true; n <= MaxUserRows; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if (first && len(rec) > 0 && isUserHeader(rec)) || blankRecord(rec) {
			continue
		}
		n++
		if len(rec) == len(UserColumns) {
			if ref := strings.TrimSpace(rec[3]); !seen[ref] {
				seen[ref] = true
				refs = append(refs, ref)
			}
		}
	}
	return refs, nil
}

func isUserHeader(rec []string) bool {
	h := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(rec[0], bom)))
	return h == "email" || h == "メールアドレス" || strings.HasPrefix(h, "メールアドレス /")
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
