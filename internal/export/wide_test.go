package export

import (
	"strings"
	"testing"
)

// TestTooWideStopsAtTheCap: the column count of a CSV is checked before the
// CSV reader builds a record, and the check stops at the first field over
// MaxImportColumns, however long the line.
func TestTooWideStopsAtTheCap(t *testing.T) {
	cases := []struct {
		name       string
		data       string
		wide       bool
		stopAtMost int
	}{
		{"AllCommas4MB", strings.Repeat(",", 4<<20), true, MaxImportColumns},
		{"WideSecondRow", "a,b\r\n" + strings.Repeat("x,", 4<<20), true, 5 + 2*MaxImportColumns},
		{"AtTheCap", strings.Repeat(",", MaxImportColumns-1) + "\r\n" + strings.Repeat(",", MaxImportColumns-1), false, 2 * MaxImportColumns},
		{"CommasInQuotes", `"` + strings.Repeat(",", 1000) + "\n" + `""",x` + "\r\n1,2,3", false, 1020},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wide, stop := tooWide([]byte(c.data))
			if wide != c.wide || stop > c.stopAtMost {
				t.Fatalf("tooWide = %v, stopped at byte %d; want %v, stopping by byte %d", wide, stop, c.wide, c.stopAtMost)
			}
		})
	}
}
