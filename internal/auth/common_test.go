package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCommonPasswordList(t *testing.T) {
	list := commonPasswords()
	if len(list) < 3000 {
		t.Fatalf("only %d common passwords", len(list))
	}
	for pw := range list {
		if utf8.RuneCountInString(pw) < MinPasswordLength || pw != strings.ToLower(pw) {
			t.Fatalf("%q is shorter than the minimum or not lower case: the length rule refuses it already", pw)
		}
	}
	// Patterns people use to stretch a password to 12 characters.
	for _, pw := range []string{
		"Password2024!", "qwertyuiopasdf", "1qaz2wsx3edc4rfv", "Sakura123456", "TANAKA2025!",
		"iloveyou2026", "P@ssw0rd2024", "welcome12345", "Superman1234!", "111111111111",
	} {
		if ValidatePassword(pw) == nil {
			t.Errorf("%q accepted", pw)
		}
	}
	// Ordinary long passphrases pass.
	for _, pw := range []string{"kumo-no-ue-de-hirune", "orange tram at dawn", "情報セキュリティ対策の基本"} {
		if err := ValidatePassword(pw); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
	}
}
