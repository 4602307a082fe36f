package auth

import (
	"bytes"
	"strings"
	"testing"

	"mamori/internal/apperr"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q does not carry the documented parameters", h)
	}
	if ok, err := CheckPassword(h, "correct horse battery"); err != nil || !ok {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct horse batterz"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if _, err := CheckPassword("$bcrypt$xyz", "x"); err == nil {
		t.Fatal("unknown format accepted")
	}
	if CheckDummy("anything") {
		t.Fatal("CheckDummy returned true")
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                  false,
		"elevenchars":            false,
		"twelve-chars":           true,
		"password1234":           false,
		"PASSWORD1234":           false,
		"qwerty123456":           false,
		"あいうえおかきくけこさし":           true,
		strings.Repeat("x", 257): false,
	} {
		if got := ValidatePassword(pw) == nil; got != ok {
			t.Errorf("ValidatePassword(%q) ok = %v, want %v", pw, got, ok)
		}
	}
	// The reason is a catalog key, put into the reader's language where it
	// is shown.
	for pw, key := range map[string]string{"short": "err.password_short", strings.Repeat("x", 257): "err.password_long", "password1234": "err.password_common"} {
		e, ok := apperr.As(ValidatePassword(pw))
		if !ok || e.Code != apperr.Invalid || e.Key != key || e.Fields["password"] == "" {
			t.Errorf("ValidatePassword(%.12q) = %v, want Invalid %s", pw, e, key)
		}
	}
	if e, _ := apperr.As(ValidatePassword("short")); len(e.Args) != 1 || e.Args[0] != MinPasswordLength {
		t.Errorf("too short: args %v, want the minimum length", e.Args)
	}
	if p := GeneratePassword(); len(p) != 20 || ValidatePassword(p) != nil {
		t.Fatalf("generated password %q is not valid", p)
	}
}

func TestToken(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || !strings.HasPrefix(a, TokenPrefix) || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if !bytes.Equal(HashToken(a), HashToken(a)) || bytes.Equal(HashToken(a), HashToken(b)) {
		t.Fatal("HashToken is not a function of the token")
	}
}
