package evidence

import (
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
)

func TestDetect(t *testing.T) {
	docx := []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"}
	xlsx := []string{"[Content_Types].xml", "xl/workbook.xml"}
	for _, c := range []struct {
		name, file string
		head       string
		entries    []string
		want       string // "" refused
	}{
		{"PDF", "報告書.pdf", "%PDF-1.7\n", nil, PDF},
		{"PDFNoExtension", "report", "%PDF-1.4", nil, PDF},
		{"PNG", "a.PNG", "\x89PNG\r\n\x1a\n....", nil, PNG},
		{"JPEG", "a.jpeg", "\xff\xd8\xff\xe0", nil, JPEG},
		{"GIF", "a.gif", "GIF89a", nil, GIF},
		{"WebP", "a.webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", nil, WebP},
		{"Text", "memo.txt", "アクセス権の見直し記録\r\n", nil, Text},
		{"ShiftJISCSV", "台帳.csv", "\x83\x41,\x83\x43\r\n", nil, CSV},
		{"DOCX", "規程.docx", "PK\x03\x04", docx, DOCX},
		{"XLSX", "台帳.xlsx", "PK\x03\x04", xlsx, XLSX},
		{"PlainZipRefused", "a.zip", "PK\x03\x04", []string{"a.txt"}, ""},
		{"HTMLRefused", "a.txt", "  <!DOCTYPE html><script>", nil, ""},
		{"SVGRefused", "a.svg", "<svg xmlns=", nil, ""},
		{"BinaryRefused", "a.exe", "MZ\x90\x00\x03", nil, ""},
		{"EmptyRefused", "a.txt", "", nil, ""},
		{"PDFNamedPNGRefused", "a.png", "%PDF-1.7", nil, ""},
		{"TextNamedHTMLRefused", "a.html", "hello", nil, ""},
		{"DOCXNamedXLSXRefused", "a.xlsx", "PK\x03\x04", docx, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect([]byte(c.head), c.entries, c.file)
			if c.want == "" {
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("got %q, %v; want Invalid", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestCleanFilename(t *testing.T) {
	long := strings.Repeat("あ", 100) + ".pdf"
	for _, c := range []struct{ in, want string }{
		{"アクセス権レビュー 2026.pdf", "アクセス権レビュー 2026.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\a\報告.pdf`, "報告.pdf"},
		{"a\x00b\nc.pdf", "abc.pdf"},
		{"evil\u202egpj.exe", "evilgpj.exe"},
		{"CON.txt", "_CON.txt"},
		{"nul", "_nul"},
		{"what?.pdf", "what_.pdf"},
		{" ..hidden. ", "hidden"},
		{"", "file"},
		{"../", "file"},
	} {
		if got := CleanFilename(c.in); got != c.want {
			t.Errorf("CleanFilename(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := CleanFilename(long); len(got) > MaxNameBytes || !strings.HasSuffix(got, ".pdf") || !strings.HasPrefix(got, "あ") {
		t.Errorf("long name: %q (%d bytes)", got, len(got))
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"https://intra.example.jp/wiki/鍵管理", true},
		{"http://example.jp", true},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,<script>", false},
		{"ftp://example.jp/a", false},
		{"https://", false},
		{"//example.jp/a", false},
		{"", false},
		{"https://example.jp/" + strings.Repeat("a", 2000), false},
	} {
		if err := CheckURL(c.in); (err == nil) != c.ok {
			t.Errorf("CheckURL(%.40q) = %v, want ok %v", c.in, err, c.ok)
		}
	}
}

func TestStale(t *testing.T) {
	today := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	d := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	p := func(s string) *time.Time { v := d(s); return &v }
	for _, c := range []struct {
		name     string
		eff      time.Time
		reviewBy *time.Time
		want     bool
	}{
		{"Fresh", d("2026-06-01"), nil, false},
		{"ExactlyTwelveMonths", d("2025-11-29"), nil, false},
		{"OverTwelveMonths", d("2025-11-28"), nil, true},
		{"ReviewByToday", d("2026-06-01"), p("2026-11-29"), false},
		{"ReviewByPassed", d("2026-06-01"), p("2026-11-28"), true},
	} {
		if got := Stale(c.eff, c.reviewBy, today); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}
