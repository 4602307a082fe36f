package server

import (
	"bytes"
	"mime"
	"net/http"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/export"
	"mamori/internal/store"
	"mamori/web/i18n"
)

// exportFormat is one download format of an assessment.
type exportFormat struct {
	ext, contentType string
	write            func(*bytes.Buffer, *export.Assessment) error
}

var exportFormats = map[string]exportFormat{
	"xlsx":        {"xlsx", export.XLSXContentType, func(b *bytes.Buffer, a *export.Assessment) error { return export.WriteXLSX(b, a) }},
	"csv":         {"csv", "text/csv; charset=utf-8", func(b *bytes.Buffer, a *export.Assessment) error { return export.WriteCSV(b, a) }},
	"actions-csv": {"csv", "text/csv; charset=utf-8", func(b *bytes.Buffer, a *export.Assessment) error { return export.WriteActionsCSV(b, a) }},
	"json":        {"json", "application/json; charset=utf-8", func(b *bytes.Buffer, a *export.Assessment) error { return export.WriteJSON(b, a) }},
}

// handleExport is GET /assessments/{id}/export?format=xlsx|csv|actions-csv|json (and
// the same under /api/v1): the assessment as a download, for anyone who may
// view it. The file is built in memory first, so a failure answers an error
// instead of half a file.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	fail := s.pageError
	if isAPI(r) {
		fail = s.apiError
	}
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	name := r.URL.Query().Get("format")
	if name == "" {
		name = "xlsx"
	}
	zipped := strings.EqualFold(name, "zip") // the audit package (export_zip.go)
	f, ok := exportFormats[strings.ToLower(name)]
	if !ok && !zipped {
		fail(w, r, apperr.InvalidFieldsK("export.format_invalid", map[string]string{"format": "xlsx, csv, actions-csv, json or zip"}))
		return
	}
	answers, err := s.store.Answers(ctx, a.ID)
	if err != nil {
		fail(w, r, err)
		return
	}
	comments, err := s.store.Comments(ctx, a.ID)
	if err != nil {
		fail(w, r, err)
		return
	}
	dg, err := s.diagnose(ctx, a, cl, answers)
	if err != nil {
		fail(w, r, err)
		return
	}
	data := &export.Assessment{Assessment: a, Checklist: cl, Answers: answers, Report: dg.Report, RiskGroup: dg.Risk.Group,
		Comments: comments, ExportedAt: s.now()}
	if data.Actions, err = s.store.ListActions(ctx, store.ActionFilter{OrgIDs: []string{a.OrgID}}); err != nil {
		fail(w, r, err)
		return
	}
	if zipped {
		s.audit(r, store.Audit{OrgID: a.OrgID, AssessmentID: a.ID, Action: "assessment.exported", Detail: map[string]any{"format": "zip"}})
		if err := s.writeAuditPackage(w, r, a, data); err != nil {
			s.log.Error("audit package cut short", "err", err, "request_id", requestID(ctx), "assessment_id", a.ID)
		}
		return
	}
	var buf bytes.Buffer
	if err := f.write(&buf, data); err != nil {
		fail(w, r, err)
		return
	}
	s.audit(r, store.Audit{OrgID: a.OrgID, AssessmentID: a.ID, Action: "assessment.exported", Detail: map[string]any{"format": f.ext}})
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Disposition", attachment(fileName(a.Title)+"-"+s.fileDate()+"."+f.ext))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// attachment is a Content-Disposition header that makes the browser save
// the response as name (RFC 6266; non-ASCII names are encoded).
func attachment(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return `attachment; filename="mamori-export"`
}

// fileName makes a title safe as a file name on every system.
func fileName(title string) string {
	r := strings.NewReplacer("/", "_", "\\", "_", ":", "_", "*", "_", "?", "_", "\"", "_", "<", "_", ">", "_", "|", "_")
	name := strings.TrimSpace(r.Replace(title))
	name = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return -1
		}
		return c
	}, name)
	if rs := []rune(name); len(rs) > 80 {
		name = string(rs[:80])
	}
	if name == "" {
		name = "assessment"
	}
	return name
}

// fileDate is today in Japan, for file names (20260401).
func (s *Server) fileDate() string {
	return s.now().In(i18n.JST).Format("20060102")
}
