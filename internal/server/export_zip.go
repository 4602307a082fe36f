package server

import (
	"archive/zip"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"mamori/internal/evidence"
	"mamori/internal/export"
	"mamori/internal/store"
)

// The audit package (GET /assessments/{id}/export?format=zip): the
// assessment's XLSX, a folder per question with its evidence files, and
// manifest.json listing every item with its SHA-256, dates and links. It is
// streamed: the files are copied chunk by chunk from the store into the
// ZIP as it is sent, so memory does not grow with the package. A failure
// after the first byte can only cut the download short (the ZIP then has
// no central directory and does not open); it is logged.

// manifest is manifest.json.
type manifest struct {
	AssessmentID string          `json:"assessment_id"`
	Title        string          `json:"title"`
	OrgName      string          `json:"org_name"`
	Status       string          `json:"status"`
	ExportedAt   time.Time       `json:"exported_at"`
	Workbook     string          `json:"workbook"`
	Evidence     []manifestEntry `json:"evidence"`
}

type manifestEntry struct {
	ID            string         `json:"id"`
	Kind          string         `json:"kind"`
	Title         string         `json:"title"`
	Filename      *string        `json:"filename,omitempty"`
	Size          *int64         `json:"size,omitempty"`
	ContentType   *string        `json:"content_type,omitempty"`
	SHA256        *string        `json:"sha256,omitempty"`
	URL           *string        `json:"url,omitempty"`
	EffectiveDate string         `json:"effective_date"`
	ReviewBy      *string        `json:"review_by"`
	Links         []manifestLink `json:"links"`
}

type manifestLink struct {
	QuestionID string   `json:"question_id"`
	PointIDs   []string `json:"point_ids"`
	Review     *string  `json:"review"`
	Comment    string   `json:"review_comment"`
	Path       string   `json:"path,omitempty"` // the file's copy in the package
}

// writeAuditPackage streams the package of an assessment whose export data
// (for the XLSX) is built.
func (s *Server) writeAuditPackage(w http.ResponseWriter, r *http.Request, a store.Assessment, data *export.Assessment) error {
	ctx := r.Context()
	var xlsx bytes.Buffer
	if err := export.WriteXLSX(&xlsx, data); err != nil {
		return err
	}
	links, err := s.store.AnswerEvidence(ctx, a.ID)
	if err != nil {
		return err
	}
	base := fileName(a.Title) + "-" + s.fileDate()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", attachment(base+".zip"))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)

	zw := zip.NewWriter(w)
	m := manifest{AssessmentID: a.ID, Title: a.Title, OrgName: a.OrgName, Status: string(a.Status), ExportedAt: data.ExportedAt,
		Workbook: base + ".xlsx", Evidence: []manifestEntry{}}
	if err := addZipFile(zw, m.Workbook, zip.Deflate, data.ExportedAt, bytes.NewReader(xlsx.Bytes())); err != nil {
		return err
	}
	entries := map[string]int{} // evidence id → index in m.Evidence
	for _, q := range data.Checklist.QuestionIDs() {
		used := map[string]bool{}
		for _, l := range links[q] {
			e := l.Evidence
			i, ok := entries[e.ID]
			if !ok {
				i = len(m.Evidence)
				entries[e.ID] = i
				m.Evidence = append(m.Evidence, manifestOf(e))
			}
			ml := manifestLink{QuestionID: q, PointIDs: l.PointIDs}
			if l.Review != "" {
				rv := l.Review
				ml.Review, ml.Comment = &rv, l.ReviewComment
			}
			if e.Kind == store.KindFile {
				ml.Path = q + "/" + uniqueName(evidence.CleanFilename(e.Filename), used)
				method := zip.Store // PDF, images and Office files are compressed already
				if strings.HasPrefix(e.ContentType, "text/") {
					method = zip.Deflate
				}
				c := s.store.OpenEvidence(ctx, e)
				err := addZipFile(zw, ml.Path, method, e.CreatedAt, c)
				c.Close()
				if err != nil {
					return err
				}
			}
			m.Evidence[i].Links = append(m.Evidence[i].Links, ml)
		}
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := addZipFile(zw, "manifest.json", zip.Deflate, data.ExportedAt, bytes.NewReader(mj)); err != nil {
		return err
	}
	return zw.Close()
}

func addZipFile(zw *zip.Writer, name string, method uint16, mod time.Time, r io.Reader) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: mod})
	if err != nil {
		return fmt.Errorf("audit package: %s: %w", name, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("audit package: %s: %w", name, err)
	}
	return nil
}

// uniqueName keeps names apart within one folder: "a.pdf", "a (2).pdf".
func uniqueName(name string, used map[string]bool) string {
	out := name
	ext := path.Ext(name)
	for n := 2; used[strings.ToLower(out)]; n++ {
		out = fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), n, ext)
	}
	used[strings.ToLower(out)] = true
	return out
}

func manifestOf(e store.Evidence) manifestEntry {
	me := manifestEntry{ID: e.ID, Kind: e.Kind, Title: e.Title, EffectiveDate: e.EffectiveDate.Format(time.DateOnly), Links: []manifestLink{}}
	if e.Kind == store.KindFile {
		sum := hex.EncodeToString(e.SHA256)
		me.Filename, me.Size, me.ContentType, me.SHA256 = &e.Filename, &e.Size, &e.ContentType, &sum
	} else {
		me.URL = &e.URL
	}
	if e.ReviewBy != nil {
		d := e.ReviewBy.Format(time.DateOnly)
		me.ReviewBy = &d
	}
	return me
}
