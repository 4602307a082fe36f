package server

import (
	"bytes"
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/export"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleAdminUserImport creates users from an uploaded CSV (email, name,
// role, organisation by name or id), all or none: any problem in any row
// shows every row's problem and creates nobody. Each user gets a generated
// password, shown once, which they must change at first sign-in.
func (s *Server) handleAdminUserImport(w http.ResponseWriter, r *http.Request) {
	if !s.adminOnly(w, r) {
		return
	}
	ctx := r.Context()
	refuse := func(errs []views.UserImportError, msg string) {
		s.usersPage(w, r, http.StatusUnprocessableEntity, views.AdminUsersData{ImportError: msg, ImportErrors: errs})
	}
	data, _, err := uploadedFile(r)
	if err != nil {
		if e, ok := userError(r, err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Malformed) {
			refuse(nil, e.Message)
			return
		}
		s.pageError(w, r, err)
		return
	}
	// Only the organisations the file names are looked up, in one query.
	refs, err := export.UserOrgRefs(bytes.NewReader(data))
	if err != nil {
		refuse(nil, i18n.T(ctx, "admin.import.unreadable"))
		return
	}
	byName, err := s.store.OrgIDsByRef(ctx, refs)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	rows, rowErrs, err := export.ParseUsers(bytes.NewReader(data), func(s string) string { return byName[s] }, assessment.ValidRole, validEmail)
	if err != nil {
		refuse(nil, i18n.T(ctx, "admin.import.unreadable"))
		return
	}
	if len(rowErrs) > 0 {
		errs := make([]views.UserImportError, len(rowErrs))
		for i, e := range rowErrs {
			errs[i] = views.UserImportError{Row: e.Row, Field: e.Field, Message: i18n.T(ctx, "admin.import.problem."+e.Problem)}
		}
		refuse(errs, i18n.T(ctx, "admin.import.refused", len(rowErrs)))
		return
	}
	nus := make([]store.NewUser, len(rows))
	passwords := make([]string, len(rows))
	for i, row := range rows {
		passwords[i] = auth.GeneratePassword()
		hash, err := auth.HashPassword(passwords[i])
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		nus[i] = store.NewUser{Email: row.Email, Name: row.Name, PasswordHash: hash, Role: assessment.Role(row.Role), OrgID: row.OrgID,
			Actor: actor(r), MustChangePassword: true}
	}
	created, err := s.store.CreateUsers(ctx, nus)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
			if d, ok := e.Detail.(map[string]any); ok {
				if i, ok := d["index"].(int); ok && i < len(rows) {
					refuse([]views.UserImportError{{Row: rows[i].Row, Field: "email", Message: messageOf(r, err)}}, i18n.T(ctx, "admin.import.refused", 1))
					return
				}
			}
		}
		s.pageError(w, r, err)
		return
	}
	d := views.AdminUsersData{}
	for i, u := range created {
		d.Imported = append(d.Imported, views.ImportedUser{Email: u.Email, Name: u.Name, Password: passwords[i]})
	}
	s.usersPage(w, r, http.StatusCreated, d)
}
