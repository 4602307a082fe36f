package export_test

import (
	"strings"
	"testing"

	"mamori/checklist"
	"mamori/internal/export"
)

// BenchmarkParseCSVWideHeader: a 4 MB header of commas is refused after
// reading MaxImportColumns of them (it took 11 s of CPU per megabyte when
// every field was read and matched against every column name).
func BenchmarkParseCSVWideHeader(b *testing.B) {
	cl := checklist.Default()
	data := strings.Repeat(",", 4<<20) + "\r\n1-1,3,,\r\n"
	for b.Loop() {
		_, _, _ = export.ParseCSV(strings.NewReader(data), cl)
	}
}
