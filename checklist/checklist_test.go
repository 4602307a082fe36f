package checklist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestDefaultLoads(t *testing.T) {
	if _, err := Load(defaultJSON); err != nil {
		t.Fatalf("embedded checklist does not load: %v", err)
	}
	c := Default()
	if c.ID != DefaultID || c.Version != "4.0" {
		t.Errorf("Default() = %q version %q", c.ID, c.Version)
	}
	if Default() != c {
		t.Error("Default() is not loaded once")
	}
}

func TestCounts(t *testing.T) {
	c := Default()
	wantPerCategory := []int{8, 4, 7, 5, 3}
	if len(c.Categories) != len(wantPerCategory) {
		t.Fatalf("%d categories, want %d", len(c.Categories), len(wantPerCategory))
	}
	for i, cat := range c.Categories {
		if len(cat.Questions) != wantPerCategory[i] {
			t.Errorf("category %s: %d questions, want %d", cat.ID, len(cat.Questions), wantPerCategory[i])
		}
	}
	if n := c.NumQuestions(); n != 27 {
		t.Errorf("NumQuestions() = %d, want 27", n)
	}

	// Key points per question, counted from the source.
	wantPoints := map[string]int{
		"1-1": 12, "1-2": 4, "1-3": 12, "1-4": 6, "1-5": 6, "1-6": 4, "1-7": 7, "1-8": 5,
		"2-1": 6, "2-2": 4, "2-3": 5, "2-4": 8,
		"3-1": 6, "3-2": 9, "3-3": 4, "3-4": 6, "3-5": 6, "3-6": 3, "3-7": 4,
		"4-1": 4, "4-2": 4, "4-3": 5, "4-4": 6, "4-5": 8,
		"5-1": 8, "5-2": 5, "5-3": 5,
	}
	points := 0
	var iso, asides []string
	for _, cat := range c.Categories {
		for _, q := range cat.Questions {
			if len(q.Points) != wantPoints[q.ID] {
				t.Errorf("question %s: %d points, want %d", q.ID, len(q.Points), wantPoints[q.ID])
			}
			points += len(q.Points)
			for _, p := range q.Points {
				if p.ISO27001_2013 {
					iso = append(iso, p.ID)
				}
				if p.Aside != "" {
					asides = append(asides, p.ID)
				}
			}
		}
	}
	if points != 162 {
		t.Errorf("%d key points, want 162", points)
	}
	wantISO := []string{"1-3-12", "1-6-4", "2-4-8", "3-5-6", "4-2-4", "4-5-8", "5-1-8", "5-2-5"}
	if !slices.Equal(iso, wantISO) {
		t.Errorf("（※） points = %v, want %v", iso, wantISO)
	}
	wantAsides := []string{"5-1-1", "5-1-3", "5-2-4"}
	if !slices.Equal(asides, wantAsides) {
		t.Errorf("points with an aside = %v, want %v", asides, wantAsides)
	}
}

func TestIDsUniqueAndNumbered(t *testing.T) {
	c := Default()
	seen := map[string]bool{}
	add := func(id string) {
		if seen[id] {
			t.Errorf("duplicate id %q", id)
		}
		seen[id] = true
	}
	for ci, cat := range c.Categories {
		add(cat.ID)
		if cat.Number != ci+1 || cat.ID != fmt.Sprint(ci+1) {
			t.Errorf("category %q number %d at position %d", cat.ID, cat.Number, ci+1)
		}
		for qi, q := range cat.Questions {
			add(q.ID)
			if want := fmt.Sprintf("%d-%d", ci+1, qi+1); q.ID != want || q.Number != qi+1 {
				t.Errorf("question %q number %d, want %q", q.ID, q.Number, want)
			}
			if q.CategoryID != cat.ID {
				t.Errorf("question %q CategoryID = %q, want %q", q.ID, q.CategoryID, cat.ID)
			}
			for pi, p := range q.Points {
				add(p.ID)
				if want := fmt.Sprintf("%s-%d", q.ID, pi+1); p.ID != want || p.Number != pi+1 {
					t.Errorf("point %q number %d, want %q", p.ID, p.Number, want)
				}
			}
		}
	}
}

// The source's numbering artefacts: category 3 prints ⑦ twice, and 1-7 and
// 3-5 number their key points ①②….
func TestSourceNumberingFixed(t *testing.T) {
	c := Default()
	tests := []struct {
		id, prefix string
		points     int
	}{
		{"3-5", "導入している情報システムに対して、適切なぜい弱性対策", 6},
		{"3-6", "通信ネットワークを流れるデータや、公開サーバ上のデータに対して、暗号化などの適切な保護策", 3},
		{"3-7", "モバイル PC や USB メモリなどの記憶媒体やデータを外部に持ち出す場合", 4},
		{"1-7", "従業者（派遣を含む）に対し、採用、退職の際に守秘義務", 7},
		{"1-8", "経営層や派遣を含む全ての従業者に対し", 5},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			q, ok := c.Question(tt.id)
			if !ok {
				t.Fatalf("no question %s", tt.id)
			}
			if !strings.HasPrefix(q.Text, tt.prefix) {
				t.Errorf("text = %q, want prefix %q", q.Text, tt.prefix)
			}
			if len(q.Points) != tt.points {
				t.Fatalf("%d points, want %d", len(q.Points), tt.points)
			}
			for i, p := range q.Points {
				if p.Number != i+1 {
					t.Errorf("point %s number %d, want %d", p.ID, p.Number, i+1)
				}
			}
		})
	}
}

// Spot checks of transcribed text where the PDF extraction needed repair.
func TestTranscription(t *testing.T) {
	c := Default()
	get := func(id string) *Question {
		t.Helper()
		q, ok := c.Question(id)
		if !ok {
			t.Fatalf("no question %s", id)
		}
		return q
	}
	point := func(id string) *Point {
		t.Helper()
		q := get(id[:strings.LastIndex(id, "-")])
		p, ok := q.Point(id)
		if !ok {
			t.Fatalf("no point %s", id)
		}
		return p
	}
	cat4, _ := c.Category("4")
	tests := []struct {
		name, got, want string
	}{
		{"category 1 title", c.Categories[0].Title, "情報セキュリティに対する組織的な取組状況"},
		{"category 2 title", c.Categories[1].Title, "物理的（環境的）セキュリティ上の施策"},
		{"category 4 title (two lines)", cat4.Title, "情報システムのアクセス制御の状況及び情報システムの開発、保守におけるセキュリティ対策の状況"},
		{"1-1-3 カバー", point("1-1-3").Text, "ポリシーは全組織をカバーしているか"},
		{"1-3-7 parenthetical stays in text", point("1-3-7").Text, "他者の知的財産権を保護するための手続を定め、それを実践しているか（たとえば、ソフトウェアの不正コピーを予防するための手当てなど）"},
		{"1-3-12 （※） stripped", point("1-3-12").Text, "全てのプロジェクトマネジメントにおいて、情報セキュリティに取り組んでいるか"},
		{"1-7 note without its outer brackets", get("1-7").Note, "従業者に情報セキュリティについての要求を順守させるためには、従業者の管理責任者を明確にし、従業者が守るべきルールなどを明確にし、それらを周知させておく必要があります。"},
		{"3-6 note", get("3-6").Note, "適切な保護策には、VPNの使用や重要な情報の SSLなどによる暗号化があります。"},
		{"4-2-4 joined over a page number", point("4-2-4").Text, "全てのシステム又はサービスへのアクセス権の割り当て又は無効化のために、全ての正規利用者に対するアクセス権の提供を実施しているか"},
		{"5-1-1 aside", point("5-1-1").Aside, "可用性とは、情報システムを使う権限のある人がいつでも使えるようにすることをいいます"},
		{"5-1-1 text", point("5-1-1").Text, "情報システムの可用性に関する要求は明確で妥当なものか"},
		{"5-1-3 aside", point("5-1-3").Aside, "縮退運転とは、提供する機能やサービスの対象者の絞り込みなどにより、障害時でも、必要最低限のサービスを提供できるようにすることを言います"},
		{"5-3 text", get("5-3").Text, "何らかの理由で情報システムが停止した場合でも、必要最小限の業務を継続できるようになっていますか。"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, tt.got, tt.want)
		}
	}
	if !strings.Contains(get("5-3").Explanation, "情報システム全体をカバーするバックアップセンター") {
		t.Errorf("5-3 explanation lacks カバー: %q", get("5-3").Explanation)
	}
	if !strings.Contains(ISO27001Note, "JIS Q 27001:2014") {
		t.Errorf("ISO27001Note = %q", ISO27001Note)
	}
}

// strings walks every text of the checklist with a path naming it.
func allTexts(c *Checklist) map[string]string {
	m := map[string]string{"title": c.Title}
	for _, l := range c.Levels {
		m[fmt.Sprintf("level %d label", l.Value)] = l.Label
		m[fmt.Sprintf("level %d description", l.Value)] = l.Description
	}
	for _, cat := range c.Categories {
		m["category "+cat.ID+" title"] = cat.Title
		for _, q := range cat.Questions {
			m[q.ID+" text"] = q.Text
			m[q.ID+" note"] = q.Note
			m[q.ID+" explanation"] = q.Explanation
			for _, p := range q.Points {
				m[p.ID+" text"] = p.Text
				if p.Aside != "" {
					m[p.ID+" aside"] = p.Aside
				}
			}
		}
	}
	return m
}

func TestNoPDFArtefacts(t *testing.T) {
	pageNumber := regexp.MustCompile(`(^|\s)\d+(\s|$)`)
	circled := regexp.MustCompile(`[①-⑳]`)
	for path, s := range allTexts(Default()) {
		switch {
		case s == "":
			t.Errorf("%s: empty", path)
		case strings.Contains(s, "かバー"):
			t.Errorf("%s: contains かバー: %q", path, s)
		case strings.Contains(s, "JIQ"):
			t.Errorf("%s: contains JIQ: %q", path, s)
		case strings.Contains(s, "※"):
			t.Errorf("%s: contains the （※） marker: %q", path, s)
		case strings.ContainsAny(s, "\r\n\t\f"):
			t.Errorf("%s: contains a line break or control character: %q", path, s)
		case s != strings.TrimSpace(s):
			t.Errorf("%s: leading or trailing space: %q", path, s)
		case strings.Contains(s, "  "):
			t.Errorf("%s: double space: %q", path, s)
		case pageNumber.MatchString(s):
			t.Errorf("%s: stray page number: %q", path, s)
		case circled.MatchString(s):
			t.Errorf("%s: circled item number: %q", path, s)
		}
	}
	for _, cat := range Default().Categories {
		for _, q := range cat.Questions {
			if !strings.HasSuffix(q.Text, "か。") {
				t.Errorf("question %s does not end as a question: %q", q.ID, q.Text)
			}
			for _, s := range []string{q.Note} {
				if strings.HasPrefix(s, "（") || strings.HasPrefix(s, "(") || strings.HasSuffix(s, "）") {
					t.Errorf("question %s: note keeps its outer brackets: %q", q.ID, s)
				}
			}
			if strings.HasPrefix(q.Explanation, "説明") {
				t.Errorf("question %s: explanation keeps the 説明 label", q.ID)
			}
			for _, p := range q.Points {
				if strings.HasPrefix(p.Aside, "（") || strings.HasSuffix(p.Aside, "）") {
					t.Errorf("point %s: aside keeps its outer brackets: %q", p.ID, p.Aside)
				}
			}
		}
	}
}

func TestLevels(t *testing.T) {
	c := Default()
	want := []string{"未実施・不明", "一部実施", "組織全体で実施", "定期的に点検", "継続的に改善"}
	for i, label := range want {
		l, ok := c.Level(i + 1)
		if !ok {
			t.Fatalf("no level %d", i+1)
		}
		if l.Label != label {
			t.Errorf("level %d label %q, want %q", i+1, l.Label, label)
		}
		if !strings.HasSuffix(l.Description, "です。") || strings.Count(l.Description, "。") != 1 {
			t.Errorf("level %d description is not one polite sentence: %q", i+1, l.Description)
		}
		if l.LabelEN == "" || !strings.HasSuffix(l.DescriptionEN, ".") {
			t.Errorf("level %d English missing: %q / %q", i+1, l.LabelEN, l.DescriptionEN)
		}
	}
	for _, v := range []int{0, 6, -1} {
		if _, ok := c.Level(v); ok {
			t.Errorf("Level(%d) found", v)
		}
	}
}

func TestLookups(t *testing.T) {
	if c, ok := Get(DefaultID); !ok || c != Default() {
		t.Errorf("Get(%q) = %v, %v", DefaultID, c, ok)
	}
	if _, ok := Get("nope"); ok {
		t.Error(`Get("nope") found`)
	}
	if all := All(); len(all) != 1 || all[0] != Default() {
		t.Errorf("All() = %v", all)
	}
	c := Default()
	ids := c.QuestionIDs()
	if len(ids) != 27 || ids[0] != "1-1" || ids[7] != "1-8" || ids[8] != "2-1" || ids[26] != "5-3" {
		t.Errorf("QuestionIDs() = %v", ids)
	}
	ids[0] = "changed"
	if c.QuestionIDs()[0] != "1-1" {
		t.Error("QuestionIDs() shares its slice with the index")
	}
	q, ok := c.Question("3-6")
	if !ok || q.CategoryID != "3" || q.Number != 6 {
		t.Errorf(`Question("3-6") = %+v, %v`, q, ok)
	}
	for _, id := range []string{"", "0-1", "3-8", "6-1", "1-1-1"} {
		if _, ok := c.Question(id); ok {
			t.Errorf("Question(%q) found", id)
		}
	}
	if cat, ok := c.Category("2"); !ok || len(cat.Questions) != 4 {
		t.Errorf(`Category("2") = %v, %v`, cat, ok)
	}
	if _, ok := c.Category("6"); ok {
		t.Error(`Category("6") found`)
	}
	if p, ok := q.Point("3-6-2"); !ok || p.Number != 2 {
		t.Errorf(`Point("3-6-2") = %v, %v`, p, ok)
	}
	if _, ok := q.Point("3-6-4"); ok {
		t.Error(`Point("3-6-4") found`)
	}

	// A checklist built by hand, without Load, still answers lookups.
	var raw Checklist
	if err := json.Unmarshal(defaultJSON, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.NumQuestions() != 27 || len(raw.QuestionIDs()) != 27 {
		t.Error("unindexed checklist miscounts questions")
	}
	if q, ok := raw.Question("5-2"); !ok || q.Number != 2 {
		t.Error(`unindexed Question("5-2") not found`)
	}
}

func TestMissingTranslations(t *testing.T) {
	if m := Default().MissingTranslations(); len(m) != 0 {
		t.Errorf("embedded checklist lacks English for %v", m)
	}

	// A draft decoded without Load lists what it lacks, in order, once each.
	draft := mustDecode(t)
	draft.TitleEN = ""
	draft.Levels[2].DescriptionEN = " "
	draft.Categories[0].TitleEN = ""
	draft.Categories[0].Questions[0].NoteEN = ""
	draft.Categories[0].Questions[0].ExplanationEN = ""
	draft.Categories[1].Questions[2].TextEN = ""
	draft.Categories[2].Questions[6].Points[3].TextEN = ""
	draft.Categories[4].Questions[1].Points[3].AsideEN = ""
	want := []string{DefaultID, "level-3", "1", "1-1", "2-3", "3-7-4", "5-2-4"}
	if m := draft.MissingTranslations(); !slices.Equal(m, want) {
		t.Errorf("MissingTranslations() = %v, want %v", m, want)
	}
	// A question or point without a note or aside needs no English one.
	draft = mustDecode(t)
	draft.Categories[0].Questions[0].Note, draft.Categories[0].Questions[0].NoteEN = "", ""
	draft.Categories[0].Questions[0].Points[0].AsideEN = ""
	if m := draft.MissingTranslations(); len(m) != 0 {
		t.Errorf("MissingTranslations() = %v, want none", m)
	}

	// Fully translated: nothing missing; an aside without English shows.
	full := mustDecode(t)
	full.translateAll()
	if m := full.MissingTranslations(); len(m) != 0 {
		t.Errorf("fully translated checklist lacks %v", m)
	}
	full.Categories[4].Questions[0].Points[0].AsideEN = ""
	if m := full.MissingTranslations(); !slices.Equal(m, []string{"5-1-1"}) {
		t.Errorf("MissingTranslations() = %v, want [5-1-1]", m)
	}
}

// translateAll fills every English field with a placeholder.
func (c *Checklist) translateAll() {
	for ci := range c.Categories {
		cat := &c.Categories[ci]
		cat.TitleEN = "EN " + cat.ID
		for qi := range cat.Questions {
			q := &cat.Questions[qi]
			q.TextEN, q.NoteEN, q.ExplanationEN = "EN text "+q.ID, "EN note "+q.ID, "EN explanation "+q.ID
			for pi := range q.Points {
				p := &q.Points[pi]
				p.TextEN = "EN point " + p.ID
				if p.Aside != "" {
					p.AsideEN = "EN aside " + p.ID
				}
			}
		}
	}
}

// mustDecode returns a fresh, unindexed copy of the embedded checklist.
func mustDecode(t testing.TB) *Checklist {
	t.Helper()
	var c Checklist
	if err := json.Unmarshal(defaultJSON, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// mutated returns the embedded checklist after fn, as JSON.
func mutated(t testing.TB, fn func(c *Checklist)) []byte {
	t.Helper()
	c := mustDecode(t)
	fn(c)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string // substring of the error
	}{
		{"empty input", nil, "decode"},
		{"bad JSON", defaultJSON[:len(defaultJSON)/2], "decode"},
		{"not an object", []byte(`["ipa-benchmark-4"]`), "decode"},
		{"null", []byte(`null`), "id is empty"},
		{"unknown field", bytes.Replace(defaultJSON, []byte(`{`), []byte(`{"colour":"red",`), 1), `unknown field "colour"`},
		{"unknown point field", bytes.Replace(defaultJSON, []byte(`"iso27001_2013": false`), []byte(`"iso27001_2013": false, "iso": true`), 1), `unknown field "iso"`},
		{"trailing data", append(bytes.Clone(defaultJSON), `{}`...), "trailing data"},
		{"trailing garbage", append(bytes.Clone(defaultJSON), `]`...), "trailing data"},
		{"empty id", mutated(t, func(c *Checklist) { c.ID = "" }), "checklist: id is empty"},
		{"empty title", mutated(t, func(c *Checklist) { c.Title = " " }), `"ipa-benchmark-4": title is empty`},
		{"empty version", mutated(t, func(c *Checklist) { c.Version = "" }), `"ipa-benchmark-4": version is empty`},
		{"level 6", mutated(t, func(c *Checklist) {
			c.Levels = append(c.Levels, Level{Value: 6, Label: "x", Description: "x"})
		}), "level 6: unexpected level"},
		{"level 5 numbered 6", mutated(t, func(c *Checklist) { c.Levels[4].Value = 6 }), "levels[4]: value is 6, want 5"},
		{"levels out of order", mutated(t, func(c *Checklist) { c.Levels[0], c.Levels[1] = c.Levels[1], c.Levels[0] }), "levels[0]: value is 2, want 1"},
		{"four levels", mutated(t, func(c *Checklist) { c.Levels = c.Levels[:4] }), "levels: 4 levels, want exactly 5"},
		{"level without label", mutated(t, func(c *Checklist) { c.Levels[2].Label = "" }), "level 3: label is empty"},
		{"level without description", mutated(t, func(c *Checklist) { c.Levels[3].Description = "" }), "level 4: description is empty"},
		{"no categories", mutated(t, func(c *Checklist) { c.Categories = nil }), "categories: no categories"},
		{"category id mismatch", mutated(t, func(c *Checklist) { c.Categories[1].ID = "3" }), `category "3": id does not match number 2`},
		{"category out of order", mutated(t, func(c *Checklist) { c.Categories[0], c.Categories[1] = c.Categories[1], c.Categories[0] }), `category "2": number 2 out of order, want 1`},
		{"category without title", mutated(t, func(c *Checklist) { c.Categories[3].Title = "" }), `category "4": title is empty`},
		{"category without questions", mutated(t, func(c *Checklist) { c.Categories[4].Questions = nil }), `category "5": no questions`},
		{"duplicate question id", mutated(t, func(c *Checklist) { c.Categories[0].Questions[1].ID = "1-1" }), `question "1-1": duplicate id`},
		{"question id mismatch", mutated(t, func(c *Checklist) { c.Categories[2].Questions[5].ID = "3-7" }), `question "3-7": id is not under category "3" with number 6`},
		{"question under wrong category", mutated(t, func(c *Checklist) { c.Categories[1].Questions[0].ID = "1-9" }), `question "1-9": id is not under category "2"`},
		{"question without id", mutated(t, func(c *Checklist) { c.Categories[1].Questions[2].ID = "" }), `category "2": questions[2]: id is empty`},
		{"missing question text", mutated(t, func(c *Checklist) { c.Categories[2].Questions[5].Text = "" }), `question "3-6": text is empty`},
		{"missing explanation", mutated(t, func(c *Checklist) { c.Categories[0].Questions[0].Explanation = "" }), `question "1-1": explanation is empty`},
		{"missing action", mutated(t, func(c *Checklist) { c.Categories[0].Questions[2].Action = "" }), `question "1-3": action is empty`},
		{"missing English action", mutated(t, func(c *Checklist) { c.Categories[1].Questions[0].ActionEN = "" }), `question "2-1": missing English action`},
		{"action worded as the question", mutated(t, func(c *Checklist) {
			q := &c.Categories[2].Questions[0]
			q.Action = q.Text
		}), `question "3-1": action is worded as a question`},
		{"English action worded as a question", mutated(t, func(c *Checklist) {
			q := &c.Categories[4].Questions[1]
			q.ActionEN = q.TextEN
		}), `question "5-2": action is worded as a question`},
		{"point id not under its question", mutated(t, func(c *Checklist) { c.Categories[0].Questions[0].Points[1].ID = "1-2-2" }), `point "1-2-2": id is not under question "1-1"`},
		{"duplicate point id", mutated(t, func(c *Checklist) { c.Categories[0].Questions[0].Points[1].ID = "1-1-1" }), `point "1-1-1": duplicate id`},
		{"point out of order", mutated(t, func(c *Checklist) {
			p := c.Categories[0].Questions[0].Points
			p[0], p[1] = p[1], p[0]
		}), `point "1-1-2": number 2 out of order, want 1`},
		{"missing point text", mutated(t, func(c *Checklist) { c.Categories[4].Questions[0].Points[0].Text = "" }), `point "5-1-1": text is empty`},

		// Every text must have its English translation.
		{"missing English title", mutated(t, func(c *Checklist) { c.TitleEN = "" }), `checklist: "ipa-benchmark-4": missing English title`},
		{"missing English level label", mutated(t, func(c *Checklist) { c.Levels[2].LabelEN = "" }), "checklist: level 3: missing English label"},
		{"missing English level description", mutated(t, func(c *Checklist) { c.Levels[4].DescriptionEN = "" }), "checklist: level 5: missing English description"},
		{"missing English category title", mutated(t, func(c *Checklist) { c.Categories[3].TitleEN = "" }), `checklist: category "4": missing English title`},
		{"missing English text", mutated(t, func(c *Checklist) { c.Categories[1].Questions[2].TextEN = "" }), `checklist: question "2-3": missing English text`},
		{"blank English text", mutated(t, func(c *Checklist) { c.Categories[1].Questions[2].TextEN = " \t" }), `checklist: question "2-3": missing English text`},
		{"missing English note", mutated(t, func(c *Checklist) { c.Categories[0].Questions[6].NoteEN = "" }), `checklist: question "1-7": missing English note`},
		{"English note without a note", mutated(t, func(c *Checklist) { c.Categories[0].Questions[6].Note = "" }), `checklist: question "1-7": English note without a Japanese note`},
		{"missing English explanation", mutated(t, func(c *Checklist) { c.Categories[4].Questions[2].ExplanationEN = "" }), `checklist: question "5-3": missing English explanation`},
		{"missing English point text", mutated(t, func(c *Checklist) { c.Categories[0].Questions[0].Points[11].TextEN = "" }), `checklist: point "1-1-12": missing English text`},
		{"missing English aside", mutated(t, func(c *Checklist) { c.Categories[4].Questions[1].Points[3].AsideEN = "" }), `checklist: point "5-2-4": missing English aside`},
		{"English aside without an aside", mutated(t, func(c *Checklist) { c.Categories[4].Questions[1].Points[0].AsideEN = "An aside" }), `checklist: point "5-2-1": English aside without a Japanese aside`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.data)
			if err == nil {
				t.Fatalf("Load accepted it: %s", c.ID)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "checklist: ") {
				t.Errorf("error %q lacks the checklist: prefix", err)
			}
		})
	}
}

func TestLoadAcceptsTrailingSpace(t *testing.T) {
	if _, err := Load(append(bytes.Clone(defaultJSON), " \n\t\n"...)); err != nil {
		t.Fatal(err)
	}
}

func TestAPIView(t *testing.T) {
	c := Default()
	ja := c.APIView("ja")
	if ja.Title != c.Title || ja.Levels[0].Label != "未実施・不明" || ja.Categories[2].Questions[5].Text != c.Categories[2].Questions[5].Text {
		t.Errorf("ja view: %q %q", ja.Title, ja.Levels[0].Label)
	}
	en := c.APIView("en")
	if en.Title != c.TitleEN || en.Levels[0].Label != "Not implemented or unknown" {
		t.Errorf("en view: %q %q", en.Title, en.Levels[0].Label)
	}
	if en.Categories[0].Questions[0].Text != c.Categories[0].Questions[0].TextEN {
		t.Errorf("en view: question 1-1 text %q", en.Categories[0].Questions[0].Text)
	}
	// A text without English (only possible without Load) falls back to
	// Japanese.
	draft := mustDecode(t)
	draft.Categories[0].Questions[0].TextEN = ""
	if got := draft.APIView("en").Categories[0].Questions[0].Text; got != c.Categories[0].Questions[0].Text {
		t.Errorf("en view does not fall back to Japanese: %q", got)
	}

	tr := mustDecode(t)
	tr.translateAll()
	for _, lang := range []string{"en", "EN", "en-GB"} {
		v := tr.APIView(lang)
		q := v.Categories[4].Questions[0]
		if q.Text != "EN text 5-1" || q.Note != "EN note 5-1" || q.Explanation != "EN explanation 5-1" ||
			q.Points[0].Text != "EN point 5-1-1" || q.Points[0].Aside != "EN aside 5-1-1" || v.Categories[4].Title != "EN 5" {
			t.Errorf("%s view: %+v", lang, q)
		}
		if q.Points[1].Aside != "" {
			t.Errorf("%s view: invented an aside: %q", lang, q.Points[1].Aside)
		}
	}
	if v := tr.APIView("ja"); v.Categories[4].Questions[0].Text != c.Categories[4].Questions[0].Text {
		t.Errorf("ja view of a translated checklist uses English: %q", v.Categories[4].Questions[0].Text)
	}
}

// japaneseRune reports whether r is Hiragana, Katakana (full or half width),
// a CJK ideograph, CJK punctuation or a full-width form.
func japaneseRune(r rune) bool {
	return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) ||
		(r >= 0x3000 && r <= 0x303F) || // CJK symbols and punctuation: 、。「」
		(r >= 0x3040 && r <= 0x30FF) || // Hiragana and Katakana blocks, with ー and ・
		(r >= 0x3400 && r <= 0x4DBF) || // CJK unified ideographs extension A
		(r >= 0x4E00 && r <= 0x9FFF) || // CJK unified ideographs
		(r >= 0xF900 && r <= 0xFAFF) || // CJK compatibility ideographs
		(r >= 0xFF00 && r <= 0xFFEF) // half-width and full-width forms: （）、ｱ
}

func hasJapanese(s string) bool { return strings.IndexFunc(s, japaneseRune) >= 0 }

func TestJapaneseRune(t *testing.T) {
	for _, s := range []string{"か", "カ", "ｶ", "漢", "。", "（", "ー"} {
		if !hasJapanese(s) {
			t.Errorf("hasJapanese(%q) = false", s)
		}
	}
	for _, s := range []string{"", "Do you?", "ISO/IEC 27001:2013 (e.g. SSL) organisation's – “quoted”"} {
		if hasJapanese(s) {
			t.Errorf("hasJapanese(%q) = true", s)
		}
	}
}

// The English view is English throughout; the Japanese view is the
// Japanese, unchanged.
func TestAPIViewLanguages(t *testing.T) {
	c := Default()
	for _, lang := range []string{"en", "en-US"} {
		v := c.APIView(lang)
		check := func(what, s string) {
			t.Helper()
			if blank(s) {
				t.Errorf("%s view: %s is empty", lang, what)
			}
			if hasJapanese(s) {
				t.Errorf("%s view: %s is not English: %q", lang, what, s)
			}
		}
		check("title", v.Title)
		for _, l := range v.Levels {
			check(fmt.Sprintf("level %d label", l.Value), l.Label)
			check(fmt.Sprintf("level %d description", l.Value), l.Description)
		}
		n := 0
		for _, cat := range v.Categories {
			check("category "+cat.ID+" title", cat.Title)
			for _, q := range cat.Questions {
				check("question "+q.ID+" text", q.Text)
				check("question "+q.ID+" note", q.Note)
				check("question "+q.ID+" explanation", q.Explanation)
				for _, p := range q.Points {
					n++
					check("point "+p.ID+" text", p.Text)
					if p.Aside != "" {
						check("point "+p.ID+" aside", p.Aside)
					}
				}
			}
		}
		if n != 162 {
			t.Errorf("%s view: %d points, want 162", lang, n)
		}
	}

	for _, lang := range []string{"ja", "", "ja-JP", "fr"} {
		v := c.APIView(lang)
		if v.Title != c.Title {
			t.Errorf("%q view: title %q", lang, v.Title)
		}
		for ci, cat := range c.Categories {
			vc := v.Categories[ci]
			if vc.Title != cat.Title {
				t.Errorf("%q view: category %s title %q, want %q", lang, cat.ID, vc.Title, cat.Title)
			}
			for qi, q := range cat.Questions {
				vq := vc.Questions[qi]
				if vq.ID != q.ID || vq.Text != q.Text || vq.Note != q.Note || vq.Explanation != q.Explanation {
					t.Errorf("%q view: question %s is not the Japanese: %+v", lang, q.ID, vq)
				}
				if !hasJapanese(vq.Text) {
					t.Errorf("%q view: question %s text is not Japanese: %q", lang, q.ID, vq.Text)
				}
				if len(vq.Points) != len(q.Points) {
					t.Fatalf("%q view: question %s has %d points, want %d", lang, q.ID, len(vq.Points), len(q.Points))
				}
				for pi, p := range q.Points {
					vp := vq.Points[pi]
					if vp.ID != p.ID || vp.Text != p.Text || vp.Aside != p.Aside || vp.ISO27001_2013 != p.ISO27001_2013 {
						t.Errorf("%q view: point %s is not the Japanese: %+v", lang, p.ID, vp)
					}
					if !hasJapanese(vp.Text) {
						t.Errorf("%q view: point %s text is not Japanese: %q", lang, p.ID, vp.Text)
					}
				}
			}
		}
	}
}

// The English texts are clean and keep the shape of the Japanese: questions
// ask a question, and key points ask one where the Japanese does (…か) and
// are otherwise an instruction or a heading, as in 1-2 and 3-3.
func TestEnglishTexts(t *testing.T) {
	c := Default()
	texts := map[string]string{"title": c.TitleEN}
	for _, cat := range c.Categories {
		texts["category "+cat.ID+" title"] = cat.TitleEN
		for _, q := range cat.Questions {
			texts[q.ID+" text"] = q.TextEN
			texts[q.ID+" note"] = q.NoteEN
			texts[q.ID+" explanation"] = q.ExplanationEN
			if !strings.HasSuffix(q.TextEN, "?") {
				t.Errorf("question %s: English does not ask a question: %q", q.ID, q.TextEN)
			}
			for _, s := range []string{q.NoteEN, q.ExplanationEN} {
				if !strings.HasSuffix(s, ".") {
					t.Errorf("question %s: English note or explanation does not end with a full stop: %q", q.ID, s)
				}
			}
			for _, p := range q.Points {
				texts[p.ID+" text"] = p.TextEN
				if p.Aside != "" {
					texts[p.ID+" aside"] = p.AsideEN
				}
				ja := p.Text // 1-3-7 asks before a closing example in brackets
				if i := strings.LastIndex(ja, "（"); i > 0 && strings.HasSuffix(ja, "）") {
					ja = ja[:i]
				}
				asks := strings.HasSuffix(ja, "か")
				if strings.HasSuffix(p.TextEN, "?") != asks {
					t.Errorf("point %s: English %q does not match the Japanese %q in asking a question", p.ID, p.TextEN, p.Text)
				}
			}
		}
	}
	for path, s := range texts {
		switch {
		case blank(s):
			t.Errorf("%s: English is empty", path)
		case hasJapanese(s):
			t.Errorf("%s: English contains Japanese: %q", path, s)
		case strings.ContainsAny(s, "\r\n\t\f"):
			t.Errorf("%s: English contains a line break or control character: %q", path, s)
		case s != strings.TrimSpace(s):
			t.Errorf("%s: English has leading or trailing space: %q", path, s)
		case strings.Contains(s, "  "):
			t.Errorf("%s: English has a double space: %q", path, s)
		case strings.Contains(s, "※"):
			t.Errorf("%s: English contains the （※） marker: %q", path, s)
		}
	}
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %T", v)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestExportJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := Default().Export(&buf, "json"); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	var got APIChecklist
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cat := range got.Categories {
		n += len(cat.Questions)
	}
	if n != 27 {
		t.Errorf("exported %d questions, want 27", n)
	}
	if !reflect.DeepEqual(got, Default().APIView("ja")) {
		t.Error("exported JSON differs from APIView(ja)")
	}
	if !bytes.Contains(buf.Bytes(), []byte("\n  \"title\": \"情報セキュリティ対策ベンチマーク")) {
		t.Error("export is not indented, or escapes Japanese")
	}

	// The exact API shape: every key present, nothing more.
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	shape := []struct {
		name string
		v    any
		keys string
	}{
		{"checklist", raw, "categories id levels title version"},
		{"level", raw["levels"].([]any)[0], "description label value"},
		{"category", raw["categories"].([]any)[0], "id number questions title"},
	}
	q := raw["categories"].([]any)[0].(map[string]any)["questions"].([]any)[0]
	shape = append(shape,
		struct {
			name string
			v    any
			keys string
		}{"question", q, "action action_en explanation id note number points text"},
		struct {
			name string
			v    any
			keys string
		}{"point", q.(map[string]any)["points"].([]any)[0], "aside id iso27001_2013 number text"},
	)
	for _, s := range shape {
		if got := strings.Join(keysOf(t, s.v), " "); got != s.keys {
			t.Errorf("%s keys = %q, want %q", s.name, got, s.keys)
		}
	}
}

func TestExportYAML(t *testing.T) {
	var buf bytes.Buffer
	if err := Default().Export(&buf, "yaml"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"id: ipa-benchmark-4", "iso27001_2013: true", "ポリシーは全組織をカバーしているか", "aside: 可用性とは"} {
		if !strings.Contains(out, want) {
			t.Errorf("yaml export lacks %q", want)
		}
	}
}

func TestExportUnknownFormat(t *testing.T) {
	for _, f := range []string{"", "xml", "csv"} {
		var buf bytes.Buffer
		if err := Default().Export(&buf, f); err == nil || !strings.Contains(err.Error(), "unknown format") {
			t.Errorf("Export(%q) = %v", f, err)
		}
		if buf.Len() != 0 {
			t.Errorf("Export(%q) wrote %d bytes", f, buf.Len())
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(defaultJSON)
	f.Add(defaultJSON[:len(defaultJSON)/3])
	f.Add(append(bytes.Clone(defaultJSON), `{}`...))
	f.Add(bytes.Replace(defaultJSON, []byte(`"1-1-2"`), []byte(`"1-1-1"`), 1))
	f.Add(bytes.Replace(defaultJSON, []byte(`"value": 5`), []byte(`"value": 6`), 1))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"id":"x","title":"t","version":"1","levels":[],"categories":[]}`))
	// A small valid checklist, so the fuzzer has something cheap to mutate.
	small := mustDecode(f)
	small.Categories = small.Categories[4:]
	small.Categories[0].ID, small.Categories[0].Number = "1", 1
	small.Categories[0].Questions = small.Categories[0].Questions[:1]
	q := &small.Categories[0].Questions[0]
	q.ID, q.Points = "1-1", q.Points[:1]
	q.Points[0].ID = "1-1-1"
	b, err := json.Marshal(small)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := Load(b); err != nil {
		f.Fatalf("small seed does not load: %v", err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Load(data)
		if err != nil {
			return
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal of a loaded checklist: %v", err)
		}
		c2, err := Load(b)
		if err != nil {
			t.Fatalf("re-marshalled checklist does not load: %v", err)
		}
		if c2.NumQuestions() != c.NumQuestions() || !slices.Equal(c2.QuestionIDs(), c.QuestionIDs()) {
			t.Fatalf("questions changed on the round trip")
		}
	})
}

// TestActions: every question has its recommendation worded as an action in
// both languages, and the API serves both.
func TestActions(t *testing.T) {
	c := Default()
	for _, id := range c.QuestionIDs() {
		q, _ := c.Question(id)
		if q.Action == "" || q.ActionEN == "" || q.Action == q.Text {
			t.Errorf("%s: action %q / %q", id, q.Action, q.ActionEN)
		}
	}
	a := c.APIView("en")
	if got := a.Categories[0].Questions[0]; got.Action != "情報セキュリティポリシーと管理規程を定め、周知し、実践状況を定期的に確認する" || !strings.HasPrefix(got.ActionEN, "Establish") {
		t.Errorf("API question 1-1 action %q / %q", got.Action, got.ActionEN)
	}
}
