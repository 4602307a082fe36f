package server

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/assessment"
	"mamori/internal/evidence"
	"mamori/internal/store"
)

// multipartSlack is what a multipart body may carry beyond the file: the
// other fields and the part headers.
const multipartSlack = 64 << 10

// evidenceBodyLimit is the body limit of the evidence upload routes, which
// take a file of up to MAMORI_EVIDENCE_MAX_BYTES (other requests keep
// MAMORI_MAX_BODY_BYTES).
func (s *Server) evidenceBodyLimit(r *http.Request) int64 {
	if r.Method == http.MethodPost && isEvidenceUpload(r.URL.Path) {
		return s.cfg.EvidenceMaxBytes + multipartSlack
	}
	return s.cfg.MaxBodyBytes
}

func isEvidenceUpload(path string) bool {
	return path == "/api/v1/evidence" || path == "/evidence" ||
		(strings.HasPrefix(path, "/assessments/") && strings.HasSuffix(path, "/evidence"))
}

// evidenceForm is an upload's fields and, when it carried a file, the file
// spooled to a temporary file (removed by close).
type evidenceForm struct {
	fields url.Values
	file   *store.EvidenceUpload
	tmp    *os.File
}

func (f *evidenceForm) close() {
	if f.tmp != nil {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
	}
}

// spoolPattern names the temporary files of uploads under way.
const spoolPattern = "mamori-evidence-*"

// RemoveStaleUploads deletes the temporary files of uploads that a killed
// server left in dir (older than age: a younger one may belong to another
// instance's upload under way). They hold no evidence: an item exists only
// once its transaction commits. It returns how many it removed.
func RemoveStaleUploads(dir string, age time.Duration) int {
	names, _ := filepath.Glob(filepath.Join(dir, spoolPattern))
	n := 0
	for _, name := range names {
		if fi, err := os.Stat(name); err == nil && time.Since(fi.ModTime()) > age && os.Remove(name) == nil {
			n++
		}
	}
	return n
}

// maxFieldBytes bounds one text field of an upload.
const maxFieldBytes = 8 << 10

// readEvidenceForm reads a multipart upload part by part: text fields into
// memory (bounded), the "file" part into a temporary file while it is
// counted, hashed and its first bytes kept to detect its type. A body that
// announces more than the limit is refused before any of it is read; one
// that turns out larger stops at the limit. The caller closes the form.
func (s *Server) readEvidenceForm(w http.ResponseWriter, r *http.Request) (*evidenceForm, error) {
	if r.ContentLength > s.cfg.EvidenceMaxBytes+multipartSlack {
		w.Header().Set("Connection", "close") // the rest of the body is not read
		return nil, tooLargeFile(s.cfg.EvidenceMaxBytes)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.K(apperr.Malformed, "evidence.multipart")
	}
	f := &evidenceForm{fields: url.Values{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.close()
			return nil, bodyError(err, s.cfg.EvidenceMaxBytes)
		}
		name := part.FormName()
		if name == "file" && part.FileName() != "" {
			if f.tmp != nil {
				f.close()
				return nil, apperr.K(apperr.Malformed, "evidence.multipart")
			}
			if err := s.spool(f, part); err != nil {
				f.close()
				return nil, err
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			f.close()
			return nil, bodyError(err, s.cfg.EvidenceMaxBytes)
		}
		if len(b) > maxFieldBytes {
			f.close()
			return nil, apperr.InvalidFieldsK("evidence.field_too_long", map[string]string{name: "length"})
		}
		if !assessment.ValidText(name) || !assessment.ValidText(string(b)) {
			f.close()
			return nil, assessment.TextError(printable(name))
		}
		f.fields.Add(name, string(b))
	}
	return f, nil
}

// spool copies the file part to a temporary file, at most the maximum size.
func (s *Server) spool(f *evidenceForm, part *multipart.Part) error {
	tmp, err := os.CreateTemp("", spoolPattern)
	if err != nil {
		return err
	}
	f.tmp = tmp
	h := sha256.New()
	head := &headBuffer{max: evidence.SniffLen}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(part, s.cfg.EvidenceMaxBytes+1))
	if err != nil {
		return bodyError(err, s.cfg.EvidenceMaxBytes)
	}
	if n > s.cfg.EvidenceMaxBytes {
		return tooLargeFile(s.cfg.EvidenceMaxBytes)
	}
	f.file = &store.EvidenceUpload{Filename: evidence.CleanFilename(part.FileName()), Size: n, SHA256: h.Sum(nil), Contents: tmp}
	var entries []string
	if evidence.IsZip(head.b) {
		zr, err := zip.NewReader(tmp, n)
		if err != nil {
			return apperr.InvalidFieldsK("evidence.type_refused", map[string]string{"file": "type"})
		}
		for _, e := range zr.File {
			entries = append(entries, e.Name)
		}
	}
	ct, err := evidence.Detect(head.b, entries, f.file.Filename)
	if err != nil {
		return err
	}
	f.file.ContentType = ct
	return nil
}

// headBuffer keeps the first max bytes written to it.
type headBuffer struct {
	b   []byte
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func tooLargeFile(max int64) error {
	return apperr.K(apperr.TooLarge, "evidence.file_too_large", max>>20)
}

// bodyError is the error of a body that could not be read: over the limit
// (413), or cut off (400).
func bodyError(err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLargeFile(max)
	}
	return apperr.K(apperr.Malformed, "evidence.multipart")
}

// newEvidence validates an upload's fields into what the store takes: a
// title, an effective date, optional review-by date and description, and
// either the file or a url.
func newEvidence(f *evidenceForm, orgID string, actor store.Actor, quota int64) (store.NewEvidence, error) {
	n := store.NewEvidence{OrgID: orgID, Title: strings.TrimSpace(f.fields.Get("title")), Description: strings.TrimSpace(f.fields.Get("description")),
		File: f.file, Quota: quota, Actor: actor}
	bad := map[string]string{}
	if n.Title == "" && f.file != nil {
		n.Title = f.file.Filename // a file's name is a fine first title
	}
	if n.Title == "" || len([]rune(n.Title)) > 200 {
		bad["title"] = "required"
	}
	if len([]rune(n.Description)) > 2000 {
		bad["description"] = "length"
	}
	d, err := parseDate(f.fields.Get("effective_date"))
	if err != nil || d == nil {
		bad["effective_date"] = "date"
	} else {
		n.EffectiveDate = *d
	}
	if n.ReviewBy, err = parseDate(f.fields.Get("review_by")); err != nil {
		bad["review_by"] = "date"
	}
	url := strings.TrimSpace(f.fields.Get("url"))
	switch {
	case f.file != nil && url != "":
		bad["url"] = "file_or_url"
	case f.file == nil && url == "":
		bad["file"] = "required"
	case f.file == nil:
		if err := evidence.CheckURL(url); err != nil {
			return store.NewEvidence{}, err
		}
		n.URL = url
	}
	if len(bad) > 0 {
		return store.NewEvidence{}, apperr.InvalidFieldsK("evidence.invalid", bad)
	}
	return n, nil
}

// parseDate reads YYYY-MM-DD; "" is no date.
func parseDate(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// contentDisposition names the file for the browser (RFC 6266, with
// filename* for non-ASCII names), inline or as an attachment.
func contentDisposition(kind, name string) string {
	if v := mime.FormatMediaType(kind, map[string]string{"filename": name}); v != "" {
		return v
	}
	return kind + `; filename="evidence"`
}

// serveEvidence writes a file's contents, honouring Range. Types a browser
// shows safely (PDF, images) are inline under a sandbox policy; everything
// else is an attachment. Nothing is ever sniffed.
func (s *Server) serveEvidence(w http.ResponseWriter, r *http.Request, e store.Evidence) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", e.ContentType)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+hex.EncodeToString(e.SHA256)+`"`)
	if evidence.Inline(e.ContentType) && r.URL.Query().Get("download") == "" {
		h.Set("Content-Disposition", contentDisposition("inline", e.Filename))
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'")
	} else {
		h.Set("Content-Disposition", contentDisposition("attachment", e.Filename))
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	}
	c := s.store.OpenEvidence(r.Context(), e)
	defer c.Close()
	http.ServeContent(w, r, "", e.CreatedAt, c)
}
