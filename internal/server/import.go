package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"

	"mamori/checklist"
	"mamori/internal/apperr"
	"mamori/internal/export"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// importAnswers validates an uploaded answers sheet (XLSX or CSV, told
// apart by content: an XLSX is a zip) and writes it in one transaction.
// Any invalid row answers Invalid with every row error in Detail["rows"],
// and nothing is written.
func (s *Server) importAnswers(r *http.Request, a store.Assessment, cl *checklist.Checklist, data []byte) (store.ImportResult, error) {
	ctx := r.Context()
	if err := policy.EditAnswers(principal(ctx), a.OrgID, a.Status); err != nil {
		return store.ImportResult{}, err
	}
	parse := export.ParseCSV
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		parse = export.ParseXLSX
	}
	rows, rowErrs, err := parse(bytes.NewReader(data), cl)
	var fe *export.FileError
	switch {
	case errors.As(err, &fe):
		return store.ImportResult{}, fileError(fe)
	case err != nil:
		return store.ImportResult{}, err
	case len(rowErrs) > 0:
		out := make([]apiRowError, len(rowErrs))
		for i, e := range rowErrs {
			out[i] = apiRowError{RowError: e, Message: rowErrorMessage(r, e)}
		}
		return store.ImportResult{}, apperr.K(apperr.Invalid, "import.rows_invalid", len(rowErrs)).
			WithDetail(map[string]any{"rows": out})
	}
	return s.store.ImportAnswers(ctx, a.ID, rows, actor(r))
}

// fileError is the Invalid error of a file that cannot be imported at all.
// Every file message takes the detail as its argument (an empty one when the
// code has none): shown without it, the message ended in a literal "%s".
func fileError(fe *export.FileError) error {
	return apperr.InvalidFieldsK("import.file."+fe.Code, map[string]string{"file": fe.Code}, fe.Detail)
}

// rowErrorMessage says what is wrong with a row, e.g. "3行目「回答レベル」:
// 1〜5の数字か空欄にしてください（入力値: 7）".
func rowErrorMessage(r *http.Request, e export.RowError) string {
	ctx := r.Context()
	col := e.Column
	for _, c := range export.AnswerColumns {
		if c.Key == e.Column {
			col = c.JA
			if i18n.Lang(ctx) == "en" {
				col = c.EN
			}
		}
	}
	msg := i18n.T(ctx, "import.err."+e.Code, e.Value)
	return i18n.T(ctx, "import.row_error", e.Row, col, msg)
}

// handleImportForm is the import page: a file input for a draft or returned
// assessment's officers.
func (s *Server) handleImportForm(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := policy.EditAnswers(principal(r.Context()), a.OrgID, a.Status); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.importPage(w, r, http.StatusOK, views.ImportData{A: a})
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request, status int, d views.ImportData) {
	d.MaxBytes = s.cfg.MaxBodyBytes
	s.render(w, r, status, views.ImportPage(s.page(r, i18n.T(r.Context(), "import.title", d.A.Title), "assessments"), d))
}

// handleImport takes the multipart upload of the import page.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := policy.EditAnswers(principal(ctx), a.OrgID, a.Status); err != nil {
		s.pageError(w, r, err)
		return
	}
	data, name, err := uploadedFile(r)
	if err != nil {
		s.importFailed(w, r, a, name, err)
		return
	}
	res, err := s.importAnswers(r, a, cl, data)
	if err != nil {
		s.importFailed(w, r, a, name, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "import.done", len(res.Changed), res.Unchanged), "/assessments/"+a.ID)
}

// importFailed shows the import page again with what was wrong: the file,
// or every invalid row.
func (s *Server) importFailed(w http.ResponseWriter, r *http.Request, a store.Assessment, name string, err error) {
	e := s.classify(r, err)
	if e.Code != apperr.Invalid && e.Code != apperr.Malformed && e.Code != apperr.TooLarge {
		s.pageError(w, r, err)
		return
	}
	d := views.ImportData{A: a, FileName: name, Error: e.Message}
	if m, ok := e.Detail.(map[string]any); ok {
		if rows, ok := m["rows"].([]apiRowError); ok {
			for _, re := range rows {
				d.RowErrors = append(d.RowErrors, views.ImportRowError{Row: re.Row, Message: re.Message})
			}
		}
	}
	s.importPage(w, r, statusOf(e.Code), d)
}

// uploadedFile reads the "file" field of a multipart form.
func uploadedFile(r *http.Request) ([]byte, string, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", err
		}
		return nil, "", apperr.K(apperr.Malformed, "import.no_file")
	}
	defer r.MultipartForm.RemoveAll() //nolint:errcheck // temporary files only
	f, h, err := r.FormFile("file")
	if err != nil {
		return nil, "", apperr.InvalidFieldsK("import.no_file", map[string]string{"file": "required"})
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, h.Filename, err
	}
	if len(data) == 0 {
		return nil, h.Filename, apperr.InvalidFieldsK("import.no_file", map[string]string{"file": "empty"})
	}
	return data, h.Filename, nil
}

// apiImport is POST /api/v1/assessments/{id}/import: the file is the raw
// body, Content-Type text/csv or the XLSX type.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := policy.EditAnswers(principal(ctx), a.OrgID, a.Status); err != nil {
		s.apiError(w, r, err)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "text/csv" && ct != export.XLSXContentType {
		s.apiError(w, r, apperr.K(apperr.Malformed, "err.import_content_type", export.XLSXContentType))
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if ct == export.XLSXContentType && !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		s.apiError(w, r, fileError(&export.FileError{Code: export.FileUnreadable}))
		return
	}
	res, err := s.importAnswers(r, a, cl, data)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	changed := res.Changed
	if changed == nil {
		changed = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"changed": changed, "unchanged": res.Unchanged})
}
