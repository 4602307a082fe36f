package checklist

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// DefaultID is the id of the embedded checklist.
const DefaultID = "ipa-benchmark-4"

// ISO27001Note is the source's closing note (注意) explaining the points
// flagged ISO27001_2013, which the source marks with （※）. The source prints
// "JIQ Q 27001", a typo for JIS Q 27001, corrected here.
const ISO27001Note = "対策のポイントに記載された項目のうち、文末に（※）のある項目は、JIS Q 27001:2014 (ISO/IEC 27001:2013)で追加された項目です。"

// ISO27001NoteEN is ISO27001Note in English.
const ISO27001NoteEN = "Key points marked (※) were added in JIS Q 27001:2014 (ISO/IEC 27001:2013)."

// NumLevels is the number of steps of the maturity scale; levels are 1..NumLevels.
const NumLevels = 5

//go:embed ipa-benchmark-4.json
var defaultJSON []byte

var loadDefault = sync.OnceValue(func() *Checklist {
	c, err := Load(defaultJSON)
	if err != nil {
		panic(fmt.Sprintf("embedded ipa-benchmark-4.json: %v", err))
	}
	return c
})

// Default returns the embedded checklist. It is loaded once; a malformed
// embedded file panics (a test guarantees it loads).
func Default() *Checklist { return loadDefault() }

// All returns every known checklist, newest first.
func All() []*Checklist { return []*Checklist{Default()} }

// Get returns the known checklist with the given id.
func Get(id string) (*Checklist, bool) {
	for _, c := range All() {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}

// Load decodes a checklist file strictly (unknown fields and trailing data
// are rejected), validates it and builds its index. Every text must have its
// English translation (the *_en fields), so a loaded checklist never lacks
// English: MissingTranslations returns nothing for it.
func Load(data []byte) (*Checklist, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Checklist
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("checklist: decode: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("checklist: decode: trailing data after the checklist object")
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	c.buildIndex()
	return &c, nil
}

func errAt(path, format string, args ...any) error {
	return fmt.Errorf("checklist: "+path+": "+format, args...)
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// validate checks the structure described in Load. Every error names the
// offending id, or the position when the id itself is missing.
func (c *Checklist) validate() error {
	if blank(c.ID) {
		return errors.New("checklist: id is empty")
	}
	if blank(c.Title) {
		return errAt(strconv.Quote(c.ID), "title is empty")
	}
	if blank(c.TitleEN) {
		return errAt(strconv.Quote(c.ID), "missing English title")
	}
	if blank(c.Version) {
		return errAt(strconv.Quote(c.ID), "version is empty")
	}

	for i, l := range c.Levels {
		want := i + 1
		if want > NumLevels {
			return errAt(fmt.Sprintf("level %d", l.Value), "unexpected level: the scale is exactly 1..%d", NumLevels)
		}
		if l.Value != want {
			return errAt(fmt.Sprintf("levels[%d]", i), "value is %d, want %d (levels are 1..%d in order)", l.Value, want, NumLevels)
		}
		if blank(l.Label) {
			return errAt(fmt.Sprintf("level %d", l.Value), "label is empty")
		}
		if blank(l.Description) {
			return errAt(fmt.Sprintf("level %d", l.Value), "description is empty")
		}
		if blank(l.LabelEN) {
			return errAt(fmt.Sprintf("level %d", l.Value), "missing English label")
		}
		if blank(l.DescriptionEN) {
			return errAt(fmt.Sprintf("level %d", l.Value), "missing English description")
		}
	}
	if len(c.Levels) != NumLevels {
		return errAt("levels", "%d levels, want exactly %d (1..%d)", len(c.Levels), NumLevels, NumLevels)
	}

	if len(c.Categories) == 0 {
		return errAt("categories", "no categories")
	}
	seen := make(map[string]string) // id -> what it names
	claim := func(path, kind, id string) error {
		if prev, dup := seen[id]; dup {
			return errAt(path, "duplicate id (already used by a %s)", prev)
		}
		seen[id] = kind
		return nil
	}
	for ci := range c.Categories {
		cat := &c.Categories[ci]
		if blank(cat.ID) {
			return errAt(fmt.Sprintf("categories[%d]", ci), "id is empty")
		}
		cpath := fmt.Sprintf("category %q", cat.ID)
		if err := claim(cpath, "category", cat.ID); err != nil {
			return err
		}
		if want := strconv.Itoa(cat.Number); cat.ID != want {
			return errAt(cpath, "id does not match number %d (want %q)", cat.Number, want)
		}
		if cat.Number != ci+1 {
			return errAt(cpath, "number %d out of order, want %d", cat.Number, ci+1)
		}
		if blank(cat.Title) {
			return errAt(cpath, "title is empty")
		}
		if blank(cat.TitleEN) {
			return errAt(cpath, "missing English title")
		}
		if len(cat.Questions) == 0 {
			return errAt(cpath, "no questions")
		}
		for qi := range cat.Questions {
			q := &cat.Questions[qi]
			if blank(q.ID) {
				return errAt(fmt.Sprintf("%s: questions[%d]", cpath, qi), "id is empty")
			}
			qpath := fmt.Sprintf("question %q", q.ID)
			if err := claim(qpath, "question", q.ID); err != nil {
				return err
			}
			if want := fmt.Sprintf("%s-%d", cat.ID, q.Number); q.ID != want {
				return errAt(qpath, "id is not under category %q with number %d (want %q)", cat.ID, q.Number, want)
			}
			if q.Number != qi+1 {
				return errAt(qpath, "number %d out of order, want %d", q.Number, qi+1)
			}
			if blank(q.Text) {
				return errAt(qpath, "text is empty")
			}
			if blank(q.Explanation) {
				return errAt(qpath, "explanation is empty")
			}
			if err := needEnglish(qpath, "text", q.Text, q.TextEN); err != nil {
				return err
			}
			if err := needEnglish(qpath, "note", q.Note, q.NoteEN); err != nil {
				return err
			}
			if err := needEnglish(qpath, "explanation", q.Explanation, q.ExplanationEN); err != nil {
				return err
			}
			if err := validAction(qpath, q.Action, q.ActionEN); err != nil {
				return err
			}
			for pi := range q.Points {
				p := &q.Points[pi]
				if blank(p.ID) {
					return errAt(fmt.Sprintf("%s: points[%d]", qpath, pi), "id is empty")
				}
				ppath := fmt.Sprintf("point %q", p.ID)
				if err := claim(ppath, "point", p.ID); err != nil {
					return err
				}
				if want := fmt.Sprintf("%s-%d", q.ID, p.Number); p.ID != want {
					return errAt(ppath, "id is not under question %q with number %d (want %q)", q.ID, p.Number, want)
				}
				if p.Number != pi+1 {
					return errAt(ppath, "number %d out of order, want %d", p.Number, pi+1)
				}
				if blank(p.Text) {
					return errAt(ppath, "text is empty")
				}
				if err := needEnglish(ppath, "text", p.Text, p.TextEN); err != nil {
					return err
				}
				if err := needEnglish(ppath, "aside", p.Aside, p.AsideEN); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// validAction checks a question's recommendation: present in both
// languages and worded as an action, not as the question (no 「か」 or "?" at
// the end).
func validAction(path, ja, en string) error {
	if blank(ja) {
		return errAt(path, "action is empty")
	}
	if err := needEnglish(path, "action", ja, en); err != nil {
		return err
	}
	ja, en = strings.TrimSpace(ja), strings.TrimSpace(en)
	if strings.HasSuffix(strings.TrimRight(ja, "。"), "か") || strings.HasSuffix(en, "?") {
		return errAt(path, "action is worded as a question")
	}
	return nil
}

// needEnglish checks that a text has its English translation exactly when
// it has Japanese: a Japanese text needs English, and English with no
// Japanese (an optional note or aside left out) would show the English
// reader something the Japanese reader does not see.
func needEnglish(path, field, ja, en string) error {
	switch {
	case !blank(ja) && blank(en):
		return errAt(path, "missing English %s", field)
	case blank(ja) && !blank(en):
		return errAt(path, "English %s without a Japanese %s", field, field)
	}
	return nil
}

// buildIndex fills CategoryID and the question index. It keeps pointers
// into c.Categories, so the slices must not be reallocated afterwards.
func (c *Checklist) buildIndex() {
	c.questions = make(map[string]*Question)
	c.order = c.order[:0]
	for ci := range c.Categories {
		cat := &c.Categories[ci]
		for qi := range cat.Questions {
			q := &cat.Questions[qi]
			q.CategoryID = cat.ID
			c.questions[q.ID] = q
			c.order = append(c.order, q.ID)
		}
	}
}

// Question returns the question with the given id ("3-6").
func (c *Checklist) Question(id string) (*Question, bool) {
	if c.questions != nil {
		q, ok := c.questions[id]
		return q, ok
	}
	for ci := range c.Categories {
		for qi := range c.Categories[ci].Questions {
			if q := &c.Categories[ci].Questions[qi]; q.ID == id {
				return q, true
			}
		}
	}
	return nil, false
}

// QuestionIDs returns every question id in questionnaire order. The slice is
// the caller's to keep.
func (c *Checklist) QuestionIDs() []string {
	if c.questions != nil {
		return append([]string(nil), c.order...)
	}
	var ids []string
	for _, cat := range c.Categories {
		for _, q := range cat.Questions {
			ids = append(ids, q.ID)
		}
	}
	return ids
}

// NumQuestions returns the number of questions across all categories.
func (c *Checklist) NumQuestions() int {
	if c.questions != nil {
		return len(c.order)
	}
	n := 0
	for _, cat := range c.Categories {
		n += len(cat.Questions)
	}
	return n
}

// Category returns the category with the given id ("1".."5").
func (c *Checklist) Category(id string) (*Category, bool) {
	for i := range c.Categories {
		if c.Categories[i].ID == id {
			return &c.Categories[i], true
		}
	}
	return nil, false
}

// Level returns the step of the maturity scale with the given value.
func (c *Checklist) Level(v int) (Level, bool) {
	for _, l := range c.Levels {
		if l.Value == v {
			return l, true
		}
	}
	return Level{}, false
}

// Point returns the key point with the given id ("1-3-7").
func (q *Question) Point(id string) (*Point, bool) {
	for i := range q.Points {
		if q.Points[i].ID == id {
			return &q.Points[i], true
		}
	}
	return nil, false
}

// MissingTranslations lists, in questionnaire order, the ids of the parts
// that lack an English text: the checklist id (title_en), "level-N" (label_en
// or description_en), category ids (title_en), question ids (text_en,
// explanation_en, or note_en where there is a note) and point ids (text_en,
// or aside_en where there is an aside). Each id appears at most once. A text
// of only spaces counts as missing. Load rejects a checklist that lacks any
// of these, so this is empty for every loaded checklist; it serves
// checklists decoded without Load, such as a draft being translated.
func (c *Checklist) MissingTranslations() []string {
	var ids []string
	if blank(c.TitleEN) {
		ids = append(ids, c.ID)
	}
	for _, l := range c.Levels {
		if blank(l.LabelEN) || blank(l.DescriptionEN) {
			ids = append(ids, fmt.Sprintf("level-%d", l.Value))
		}
	}
	for _, cat := range c.Categories {
		if blank(cat.TitleEN) {
			ids = append(ids, cat.ID)
		}
		for _, q := range cat.Questions {
			if blank(q.TextEN) || blank(q.ExplanationEN) || (!blank(q.Note) && blank(q.NoteEN)) {
				ids = append(ids, q.ID)
			}
			for _, p := range q.Points {
				if blank(p.TextEN) || (!blank(p.Aside) && blank(p.AsideEN)) {
					ids = append(ids, p.ID)
				}
			}
		}
	}
	return ids
}
