package assessment

import (
	"unicode/utf8"

	"mamori/internal/apperr"
)

// ValidText reports whether s may be stored as text: valid UTF-8 without
// NUL or another C0 control character other than tab, line feed and
// carriage return. PostgreSQL refuses NUL and invalid UTF-8 outright (a save
// failed with 500); the other controls are invisible, and nobody types them.
func ValidText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// CheckText is ValidText as the coded error every text field answers:
// Invalid, naming the field.
func CheckText(field, s string) error {
	if ValidText(s) {
		return nil
	}
	return TextError(field)
}

// TextError is the error of a field whose text ValidText refuses.
func TextError(field string) error {
	return apperr.InvalidFieldsK("err.text_control", map[string]string{field: "control_character"}, field)
}
