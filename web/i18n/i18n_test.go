package i18n

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestCatalogsHaveSameKeys: no string is left untranslated.
func TestCatalogsHaveSameKeys(t *testing.T) {
	ja, en := Catalog("ja"), Catalog("en")
	if len(ja) < 100 {
		t.Fatalf("ja catalog has only %d keys", len(ja))
	}
	for k, v := range ja {
		if strings.TrimSpace(v) == "" {
			t.Errorf("ja %q is empty", k)
		}
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k, v := range en {
		if _, ok := ja[k]; !ok {
			t.Errorf("ja lacks %q", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("en %q is empty", k)
		}
		if hasJapanese(v) {
			t.Errorf("en %q is not English: %q", k, v)
		}
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) {
			return true
		}
	}
	return false
}

// TestEveryUsedKeyExists scans the source for literal keys passed to T, and
// for the keys of coded errors (apperr.K, apperr.InvalidFieldsK), which the
// server translates when it shows them.
func TestEveryUsedKeyExists(t *testing.T) {
	root := filepath.Join("..", "..")
	re := regexp.MustCompile(`i18n\.TL?\((?:ctx|r\.Context\(\)|[a-zA-Z.()]+), "([a-z0-9_.]+)"` +
		`|\bK\((?:apperr\.)?[A-Z][A-Za-z]*, "([a-z0-9_.]+)"` +
		`|InvalidFieldsK\("([a-z0-9_.]+)"` +
		`|KeyArg\("([a-z0-9_.]+)"\)`)
	errKeys := 0
	ja := Catalog("ja")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testoutput" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".templ") {
			return nil
		}
		if strings.HasSuffix(p, "_templ.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2] + m[3] + m[4] // one group matched
			if strings.HasSuffix(key, ".") {
				continue // a prefix completed at run time, e.g. "role." + role
			}
			n++
			if m[1] == "" {
				errKeys++
			}
			if _, ok := ja[key]; !ok {
				t.Errorf("%s uses missing key %q", p, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 || errKeys < 20 {
		t.Fatalf("found only %d key uses (%d of coded errors): the scan is broken", n, errKeys)
	}
}

func TestLanguagePick(t *testing.T) {
	for h, want := range map[string]string{
		"":                        "",
		"en-US,en;q=0.9":          "en",
		"ja,en-US;q=0.8":          "ja",
		"fr-FR,en;q=0.5,ja;q=0.9": "ja",
		"de":                      "",
		"EN":                      "en",
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
	ctx := WithLang(context.Background(), "en")
	if T(ctx, "login.title") != "Sign in" || TL("ja", "login.title") != "ログイン" {
		t.Fatal("T does not follow the context's language")
	}
	if T(ctx, "no.such.key") != "no.such.key" {
		t.Fatal("missing key should show itself")
	}
}
