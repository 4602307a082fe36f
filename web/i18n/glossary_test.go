package i18n

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
)

// glossaryBanned reads docs/glossary.md and returns, per language, the terms
// it lists as not to use, with the preferred term each replaces.
func glossaryBanned(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/glossary.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{"ja": {}, "en": {}}
	rows := 0
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 5 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") || strings.TrimSpace(cells[0]) == "日本語" {
			continue
		}
		rows++
		for i, lang := range map[int]string{3: "ja", 4: "en"} {
			for _, term := range strings.Split(cells[i], ",") {
				if term = strings.TrimSpace(term); term != "" {
					pref := strings.TrimSpace(cells[0])
					if lang == "en" {
						pref = strings.TrimSpace(cells[1])
					}
					out[lang][term] = pref
				}
			}
		}
	}
	if rows < 10 || len(out["ja"]) == 0 || len(out["en"]) == 0 {
		t.Fatalf("glossary: %d rows, %d+%d banned terms: the table did not parse", rows, len(out["ja"]), len(out["en"]))
	}
	return out
}

// TestCatalogsFollowGlossary: no message uses a term the glossary marks as
// not to be used (English case-insensitively).
func TestCatalogsFollowGlossary(t *testing.T) {
	banned := glossaryBanned(t)
	for _, lang := range []string{"ja", "en"} {
		b, err := os.ReadFile(lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var cat map[string]string
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(cat))
		for k := range cat {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := cat[k]
			if lang == "en" {
				v = strings.ToLower(v)
			}
			for term, pref := range banned[lang] {
				if lang == "en" {
					term = strings.ToLower(term)
				}
				if strings.Contains(v, term) {
					t.Errorf("%s.json %s uses %q: the glossary says %q (docs/glossary.md)", lang, k, term, pref)
				}
			}
		}
	}
}

// TestGlossaryCheckCatches: the check finds a banned term (so that a
// glossary that parsed to nothing cannot pass silently).
func TestGlossaryCheckCatches(t *testing.T) {
	banned := glossaryBanned(t)
	for _, term := range []string{"再オープン", "質問", "リスク指数", "差戻し", "監査ログ", "他の人"} {
		if _, ok := banned["ja"][term]; !ok {
			t.Errorf("the glossary does not ban %q", term)
		}
	}
}
