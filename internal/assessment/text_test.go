package assessment

import (
	"testing"

	"mamori/internal/apperr"
)

func TestValidText(t *testing.T) {
	cases := []struct {
		name, s string
		ok      bool
	}{
		{"Empty", "", true},
		{"Japanese", "規程は整備済み。", true},
		{"TabAndLineBreaks", "一行目\r\n\t二行目\n", true},
		{"Delete", "a\x7fb", true}, // not a C0 control; PostgreSQL stores it
		{"NUL", "a\x00b", false},
		{"Bell", "a\x07", false},
		{"Escape", "\x1b[31m", false},
		{"UnitSeparator", "\x1f", false},
		{"InvalidUTF8", "a\xff", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ValidText(c.s); got != c.ok {
				t.Fatalf("ValidText(%q) = %v", c.s, got)
			}
			err := CheckText("comment", c.s)
			if c.ok != (err == nil) {
				t.Fatalf("CheckText(%q) = %v", c.s, err)
			}
			if err != nil {
				e, _ := apperr.As(err)
				if e.Code != apperr.Invalid || e.Key != "err.text_control" || e.Fields["comment"] == "" || len(e.Args) != 1 || e.Args[0] != "comment" {
					t.Fatalf("CheckText error %+v: want Invalid err.text_control naming the field", e)
				}
			}
		})
	}
}
