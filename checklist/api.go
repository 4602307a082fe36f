package checklist

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// APIChecklist is the checklist as the API serves it: one language, every
// field present.
type APIChecklist struct {
	ID         string        `json:"id" yaml:"id"`
	Title      string        `json:"title" yaml:"title"`
	Version    string        `json:"version" yaml:"version"`
	Levels     []APILevel    `json:"levels" yaml:"levels"`
	Categories []APICategory `json:"categories" yaml:"categories"`
}

// APILevel is one step of the maturity scale in the API view.
type APILevel struct {
	Value       int    `json:"value" yaml:"value"`
	Label       string `json:"label" yaml:"label"`
	Description string `json:"description" yaml:"description"`
}

// APICategory is one 大項目 in the API view.
type APICategory struct {
	ID        string        `json:"id" yaml:"id"`
	Number    int           `json:"number" yaml:"number"`
	Title     string        `json:"title" yaml:"title"`
	Questions []APIQuestion `json:"questions" yaml:"questions"`
}

// APIQuestion is one question in the API view.
type APIQuestion struct {
	ID          string     `json:"id" yaml:"id"`
	Number      int        `json:"number" yaml:"number"`
	Text        string     `json:"text" yaml:"text"`
	Note        string     `json:"note" yaml:"note"`
	Explanation string     `json:"explanation" yaml:"explanation"`
	Points      []APIPoint `json:"points" yaml:"points"`
	// Action (ja) and ActionEN: the recommendation worded as an action.
	Action   string `json:"action" yaml:"action"`
	ActionEN string `json:"action_en" yaml:"action_en"`
}

// APIPoint is one key point in the API view.
type APIPoint struct {
	ID            string `json:"id" yaml:"id"`
	Number        int    `json:"number" yaml:"number"`
	Text          string `json:"text" yaml:"text"`
	Aside         string `json:"aside" yaml:"aside"`
	ISO27001_2013 bool   `json:"iso27001_2013" yaml:"iso27001_2013"`
}

// isEnglish reports whether lang asks for English ("en", "en-GB", ...).
func isEnglish(lang string) bool {
	lang = strings.ToLower(strings.TrimSpace(lang))
	return lang == "en" || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_")
}

// APIView returns the checklist in one language. For English ("en") each
// field takes its English text where there is one and falls back to the
// Japanese; any other lang gives the Japanese.
func (c *Checklist) APIView(lang string) APIChecklist {
	en := isEnglish(lang)
	pick := func(ja, eng string) string {
		if en && eng != "" {
			return eng
		}
		return ja
	}
	v := APIChecklist{
		ID:         c.ID,
		Title:      pick(c.Title, c.TitleEN),
		Version:    c.Version,
		Levels:     make([]APILevel, 0, len(c.Levels)),
		Categories: make([]APICategory, 0, len(c.Categories)),
	}
	for _, l := range c.Levels {
		v.Levels = append(v.Levels, APILevel{
			Value:       l.Value,
			Label:       pick(l.Label, l.LabelEN),
			Description: pick(l.Description, l.DescriptionEN),
		})
	}
	for _, cat := range c.Categories {
		ac := APICategory{
			ID:        cat.ID,
			Number:    cat.Number,
			Title:     pick(cat.Title, cat.TitleEN),
			Questions: make([]APIQuestion, 0, len(cat.Questions)),
		}
		for _, q := range cat.Questions {
			aq := APIQuestion{
				ID:          q.ID,
				Number:      q.Number,
				Text:        pick(q.Text, q.TextEN),
				Note:        pick(q.Note, q.NoteEN),
				Explanation: pick(q.Explanation, q.ExplanationEN),
				Points:      make([]APIPoint, 0, len(q.Points)),
				Action:      q.Action, // both languages whatever the request's
				ActionEN:    q.ActionEN,
			}
			for _, p := range q.Points {
				aq.Points = append(aq.Points, APIPoint{
					ID:            p.ID,
					Number:        p.Number,
					Text:          pick(p.Text, p.TextEN),
					Aside:         pick(p.Aside, p.AsideEN),
					ISO27001_2013: p.ISO27001_2013,
				})
			}
			ac.Questions = append(ac.Questions, aq)
		}
		v.Categories = append(v.Categories, ac)
	}
	return v
}

// Export writes the Japanese API view of the checklist as "json" (indented)
// or "yaml" (same shape).
func (c *Checklist) Export(w io.Writer, format string) error {
	v := c.APIView("ja")
	switch strings.ToLower(format) {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("checklist: export json: %w", err)
		}
		return nil
	case "yaml", "yml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("checklist: export yaml: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("checklist: export yaml: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("checklist: export: unknown format %q (want json or yaml)", format)
	}
}
