// Package evidence holds the rules of evidence, pure and without I/O: which
// file types are accepted (told from the bytes, never from the client or
// the name), how a file name is made safe, which links are accepted, and
// when evidence is stale.
package evidence

import (
	"bytes"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"mamori/internal/apperr"
)

// The content types an evidence file may have.
const (
	PDF  = "application/pdf"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	GIF  = "image/gif"
	WebP = "image/webp"
	Text = "text/plain"
	CSV  = "text/csv"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)

// extensions are the file name extensions that agree with each type.
var extensions = map[string][]string{
	PDF:  {".pdf"},
	PNG:  {".png"},
	JPEG: {".jpg", ".jpeg", ".jpe"},
	GIF:  {".gif"},
	WebP: {".webp"},
	Text: {".txt", ".text", ".log", ".md"},
	CSV:  {".csv"},
	DOCX: {".docx"},
	XLSX: {".xlsx"},
	PPTX: {".pptx"},
}

// SniffLen is how many leading bytes Detect needs to decide.
const SniffLen = 8192

// IsZip tells whether head starts like a ZIP archive: the caller then lists
// its entries for Detect (Office Open XML files are ZIP archives).
func IsZip(head []byte) bool { return bytes.HasPrefix(head, []byte("PK\x03\x04")) }

// Detect tells the content type of a file from its first bytes (head, up to
// SniffLen), the names of its entries when it is a ZIP archive, and its
// file name, which only tells CSV from plain text. It refuses (Invalid,
// with the reason) a type that is not accepted, and a name whose extension
// contradicts the content.
func Detect(head []byte, zipEntries []string, filename string) (string, error) {
	ct := sniff(head, zipEntries)
	if ct == "" {
		return "", apperr.InvalidFieldsK("evidence.type_refused", map[string]string{"file": "type"})
	}
	ext := strings.ToLower(path.Ext(filename))
	if ct == Text && ext == ".csv" {
		ct = CSV
	}
	if ext != "" && !hasExt(ct, ext) {
		return "", apperr.InvalidFieldsK("evidence.extension_mismatch", map[string]string{"file": "extension"}, ext, Label(ct))
	}
	return ct, nil
}

func hasExt(ct, ext string) bool {
	for _, e := range extensions[ct] {
		if e == ext {
			return true
		}
	}
	return false
}

func sniff(head []byte, zipEntries []string) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return JPEG
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return WebP
	case IsZip(head):
		return office(zipEntries)
	case isText(head):
		return Text
	}
	return ""
}

// office tells an Office Open XML document by its parts.
func office(entries []string) string {
	var types bool
	var kind string
	for _, e := range entries {
		switch {
		case e == "[Content_Types].xml":
			types = true
		case strings.HasPrefix(e, "word/document"):
			kind = DOCX
		case strings.HasPrefix(e, "xl/workbook"):
			kind = XLSX
		case strings.HasPrefix(e, "ppt/presentation"):
			kind = PPTX
		}
	}
	if !types {
		return ""
	}
	return kind
}

// isText: no NUL or control bytes but tab, line breaks, form feed and
// escape (any encoding, Shift_JIS included), and not markup a browser
// could run (HTML, SVG, XML).
func isText(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	for _, b := range head {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1b {
			return false
		}
		if b == 0x7f {
			return false
		}
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n\f")
	if len(t) > 0 && t[0] == '<' {
		return false // <!DOCTYPE, <html, <svg, <?xml, <script…
	}
	return true
}

// Label is a short name of a content type for messages ("PDF", "XLSX").
func Label(ct string) string {
	switch ct {
	case Text:
		return "TXT"
	case "":
		return "?"
	}
	return strings.ToUpper(strings.TrimPrefix(extensions[ct][0], "."))
}

// Inline tells whether a browser may show the type in place (under a
// sandbox policy); everything else is downloaded.
func Inline(ct string) bool {
	switch ct {
	case PDF, PNG, JPEG, GIF, WebP:
		return true
	}
	return false
}

// reserved are names Windows refuses for a file, with any extension.
var reserved = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// MaxNameBytes bounds a cleaned file name.
const MaxNameBytes = 200

// CleanFilename makes a client's file name safe to show, store and use in a
// download or an archive: the last path element only, control and
// invisible format characters dropped, characters that are special in
// file systems replaced, reserved device names prefixed, leading and
// trailing dots and spaces trimmed, at most MaxNameBytes (keeping the
// extension). Japanese and other scripts are kept. "" becomes "file".
func CleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case unicode.Is(unicode.Cf, r): // bidi overrides and the like
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return "file"
	}
	base := name
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if reserved[strings.ToUpper(strings.TrimSpace(base))] {
		name = "_" + name
	}
	if len(name) > MaxNameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:MaxNameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}

// MaxURLLen bounds a link.
const MaxURLLen = 2000

// CheckURL accepts absolute http and https URLs with a host, of at most
// MaxURLLen characters; javascript:, data: and the rest are refused.
func CheckURL(raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return apperr.InvalidFieldsK("evidence.url_invalid", map[string]string{"url": "required"})
	}
	if len(raw) > MaxURLLen {
		return apperr.InvalidFieldsK("evidence.url_too_long", map[string]string{"url": "length"}, MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apperr.InvalidFieldsK("evidence.url_invalid", map[string]string{"url": "scheme"})
	}
	return nil
}

// StaleAfter is how old an effective date may be before the evidence is
// flagged.
const StaleAfter = 12 // months

// Stale tells whether evidence needs a fresh look on day today: its
// effective date is more than twelve months old, or its review-by date has
// passed.
func Stale(effective time.Time, reviewBy *time.Time, today time.Time) bool {
	today = day(today)
	if day(effective).Before(today.AddDate(0, -StaleAfter, 0)) {
		return true
	}
	return reviewBy != nil && day(*reviewBy).Before(today)
}

// DueSoon is how many days ahead a review-by date counts as due.
const DueSoon = 30

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

// Review is an auditor's view of an evidence link.
const (
	Accepted     = "accepted"
	Insufficient = "insufficient"
)

// ValidReview tells whether r is a review an auditor may give.
func ValidReview(r string) bool { return r == Accepted || r == Insufficient }
