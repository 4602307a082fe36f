// Package checklist holds the self-assessment questionnaire as data: the
// embedded checklist file, its typed form and the validation that rejects a
// malformed file before anything else sees it.
package checklist

// Checklist is one version of the questionnaire. Assessments record the
// checklist id they were answered against, so a later checklist never changes
// an old assessment.
type Checklist struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	TitleEN    string     `json:"title_en,omitempty"`
	Version    string     `json:"version"`
	Levels     []Level    `json:"levels"`
	Categories []Category `json:"categories"`

	questions map[string]*Question // by id, filled by Load
	order     []string             // question ids in questionnaire order
}

// Level is one step of the 1–5 maturity scale.
type Level struct {
	Value         int    `json:"value"`
	Label         string `json:"label"`
	Description   string `json:"description"`
	LabelEN       string `json:"label_en,omitempty"`
	DescriptionEN string `json:"description_en,omitempty"`
}

// Category is one 大項目.
type Category struct {
	ID        string     `json:"id"`
	Number    int        `json:"number"`
	Title     string     `json:"title"`
	TitleEN   string     `json:"title_en,omitempty"`
	Questions []Question `json:"questions"`
}

// Question is one question with its note (the parenthetical paragraph), its
// explanation (説明) and its key points (対策のポイント) in order.
type Question struct {
	ID            string  `json:"id"`
	CategoryID    string  `json:"-"`
	Number        int     `json:"number"`
	Text          string  `json:"text"`
	Note          string  `json:"note"`
	Explanation   string  `json:"explanation"`
	Points        []Point `json:"points"`
	TextEN        string  `json:"text_en,omitempty"`
	NoteEN        string  `json:"note_en,omitempty"`
	ExplanationEN string  `json:"explanation_en,omitempty"`
	// Action is the recommendation worded as something to do (「…を定め、
	// 周知する」), for reports; the question itself asks (「…していますか」).
	Action   string `json:"action"`
	ActionEN string `json:"action_en,omitempty"`
}

// Point is one key point (対策のポイント). ISO27001_2013 marks the points the
// source flags with （※）: added for ISO/IEC 27001:2013.
type Point struct {
	ID            string `json:"id"`
	Number        int    `json:"number"`
	Text          string `json:"text"`
	Aside         string `json:"aside,omitempty"`
	ISO27001_2013 bool   `json:"iso27001_2013"`
	TextEN        string `json:"text_en,omitempty"`
	AsideEN       string `json:"aside_en,omitempty"`
}
