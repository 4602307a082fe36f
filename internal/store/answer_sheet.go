package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/assessment"
)

// AnswerSheet is what the questionnaire shows of an assessment: its answers,
// the review context, the evidence linked to the answers and who each
// question is assigned to; for the officer who may edit it, also the
// evidence library to link from and the answers of the assessment it
// continues.
type AnswerSheet struct {
	Answers     map[string]Answer
	Marks       map[string]ReviewMark
	Comments    []Comment
	Assignments map[string]QuestionAssignment
	Evidence    map[string][]EvidenceLink // by question id, oldest link first
	// Read only when the assessment is editable and belongs to the editor's
	// organisation (SheetOptions.EditorOrgID); nil otherwise.
	Library  []Evidence        // the organisation's evidence not retired, newest first
	Previous map[string]Answer // the answers of the assessment copied from
	// Read only with SheetOptions.PreviousIn: the organisation's latest
	// assessment of the same checklist submitted in one of those statuses
	// and created before this one ("" when there is none), and its answers.
	PreviousSubmittedID      string
	PreviousSubmittedAnswers map[string]Answer
	// Read only with SheetOptions.OrgLists: the organisation's assessments
	// (as ListAssessmentHeads lists them) and its active members by name
	// (id, email, name and role).
	OrgAssessments []Assessment
	Members        []User
}

// SheetOptions says what AssessmentSheet reads besides the assessment and
// its answers.
type SheetOptions struct {
	// Review: the marks, comments, assignments and evidence links.
	Review bool
	// EditorOrgID: the organisation whose answers the caller may edit
	// (policy.AnswerEditorOrg). When the assessment is that organisation's
	// and editable, the library and the previous answers are read too.
	EditorOrgID string
	// PreviousIn: read the previous submitted assessment (see AnswerSheet)
	// among those in these statuses; nil: not read.
	PreviousIn []assessment.Status
	// OrgLists: read the organisation's assessments and members (the
	// report's comparisons and owner picker) in the same statement.
	OrgLists bool
}

// AnswerSheet reads an assessment's answers, review context, assignments
// and evidence links.
func (s *Store) AnswerSheet(ctx context.Context, assessmentID string) (AnswerSheet, error) {
	_, sh, err := s.AssessmentSheet(ctx, assessmentID, SheetOptions{Review: true})
	return sh, err
}

// answersLateral reads the answers matching cond as one row of parallel
// arrays named alias (binary columns: decoding them costs a fraction of the
// same answers as JSON). Points are joined with the unit separator, which no
// point id contains.
func answersLateral(alias, cond string) string {
	return `LEFT JOIN LATERAL (SELECT array_agg(x.question_id) AS q, array_agg(x.level) AS lv, array_agg(x.comment) AS cm,
		array_agg(array_to_string(x.points_met, E'\x1f')) AS pt, array_agg(x.carried_over) AS co,
		array_agg(x.improvement_claimed) AS ic, array_agg(x.version) AS vr, array_agg(x.updated_at) AS ua,
		array_agg(coalesce(x.updated_by::text, '')) AS ub, array_agg(coalesce(u.display_name, '')) AS un
		FROM answers x LEFT JOIN users u ON u.id = x.updated_by WHERE ` + cond + `) ` + alias + ` ON true`
}

// answerColumns lists the arrays of answersLateral(alias), in the order
// answerArrays scans them.
func answerColumns(alias string) string {
	var b strings.Builder
	for i, c := range []string{"q", "lv", "cm", "pt", "co", "ic", "vr", "ua", "ub", "un"} {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias + "." + c)
	}
	return b.String()
}

// answerArrays scans answerColumns.
type answerArrays struct {
	q, cm, pt, ub, un []string
	lv                []*int16
	co, ic            []bool
	vr                []int32
	ua                []time.Time
}

func (x *answerArrays) targets() []any {
	return []any{&x.q, &x.lv, &x.cm, &x.pt, &x.co, &x.ic, &x.vr, &x.ua, &x.ub, &x.un}
}

func (x *answerArrays) answers() map[string]Answer {
	out := make(map[string]Answer, len(x.q))
	for i, q := range x.q {
		a := Answer{QuestionID: q, Comment: x.cm[i], PointsMet: []string{}, CarriedOver: x.co[i], ImprovementClaimed: x.ic[i],
			Version: int(x.vr[i]), UpdatedAt: x.ua[i], UpdatedBy: x.ub[i], UpdatedByName: x.un[i]}
		if x.lv[i] != nil {
			l := int(*x.lv[i])
			a.Level = &l
		}
		if x.pt[i] != "" {
			a.PointsMet = strings.Split(x.pt[i], "\x1f")
		}
		out[q] = a
	}
	return out
}

// evidenceJSONObject is one evidence item (e, its creator u) as JSON, with
// uses the SQL expression for its number of links.
func evidenceJSONObject(uses string) string {
	return `json_build_object('id', e.id, 'org', e.org_id, 'kind', e.kind, 'title', e.title, 'description', e.description,
		'url', coalesce(e.url, ''), 'filename', coalesce(e.filename, ''), 'size', coalesce(e.size, 0),
		'type', coalesce(e.content_type, ''), 'sha', encode(e.sha256, 'hex'), 'storage', coalesce(e.storage, ''),
		'blob', coalesce(e.blob_key, ''), 'effective', e.effective_date, 'review_by', e.review_by, 'retired', e.retired,
		'by', coalesce(e.created_by::text, ''), 'by_name', coalesce(u.display_name, ''), 'created', e.created_at,
		'updated', e.updated_at, 'uses', ` + uses + `)`
}

// The assessment (as assessmentSelect) and the sheet, in one statement: the
// category page runs on every click of an officer filling in the
// questionnaire. The optional parts are scalar subqueries under CASE, or
// lateral joins gated by their condition, which PostgreSQL runs only when
// it holds. The options are read through the materialised row f, so that
// the plan does not depend on them: one cached plan serves every call
// (with the options as constants PostgreSQL kept planning it anew).
var assessmentSheetSQL = `
	WITH a AS (` + assessmentSelect + ` WHERE a.id = $1),
	f AS MATERIALIZED (SELECT a.id, a.org_id, a.copied_from, a.checklist_id, a.created_at, $2::bool AS review,
		coalesce(a.org_id = $3::uuid AND a.status = ANY($4::text[]), false) AS edit, $5::text[] AS previous_in,
		$6::bool AS org_lists FROM a)
	SELECT a.*,
		` + answerColumns("cur") + `,
		CASE WHEN f.review THEN (SELECT coalesce(json_agg(json_build_object('q', m.question_id, 'mark', m.mark,
			'by', coalesce(m.updated_by::text, ''), 'by_name', coalesce(u.display_name, ''), 'at', m.updated_at)), '[]')
		 FROM review_marks m LEFT JOIN users u ON u.id = m.updated_by WHERE m.assessment_id = f.id) END,
		CASE WHEN f.review THEN (SELECT coalesce(json_agg(json_build_object('id', c.id, 'q', c.question_id, 'author', c.author_id,
			'author_name', coalesce(u.display_name, ''), 'author_role', coalesce(u.role, ''), 'body', c.body,
			'at', c.created_at) ORDER BY c.created_at, c.id), '[]')
		 FROM comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.assessment_id = f.id) END,
		CASE WHEN f.review THEN (SELECT coalesce(json_agg(json_build_object('q', qa.question_id, 'user', qa.user_id, 'name', u.display_name,
			'due', qa.due_on, 'note', qa.note, 'at', qa.assigned_at)), '[]')
		 FROM question_assignments qa JOIN users u ON u.id = qa.user_id WHERE qa.assessment_id = f.id) END,
		CASE WHEN f.review THEN (SELECT coalesce(json_agg(json_build_object('q', l.question_id, 'points', l.point_ids,
			'confirm', l.needs_confirmation, 'review', coalesce(l.review, ''), 'review_comment', l.review_comment,
			'reviewed_by', coalesce(ru.display_name, ''), 'reviewed_at', l.reviewed_at,
			'e', ` + evidenceJSONObject("0") + `) ORDER BY l.question_id, l.created_at, e.id), '[]')
		 FROM evidence_links l
		 JOIN evidence e ON e.id = l.evidence_id
		 LEFT JOIN users u ON u.id = e.created_by
		 LEFT JOIN users ru ON ru.id = l.reviewed_by
		 WHERE l.assessment_id = f.id) END,
		CASE WHEN f.edit THEN (SELECT coalesce(json_agg(` + evidenceJSONObject("(SELECT count(*) FROM evidence_links l WHERE l.evidence_id = e.id)") + `
			ORDER BY e.created_at DESC, e.id), '[]')
		 FROM evidence e LEFT JOIN users u ON u.id = e.created_by WHERE e.org_id = f.org_id AND NOT e.retired) END,
		f.edit AND f.copied_from IS NOT NULL, ` + answerColumns("cp") + `,
		ps.id::text, ` + answerColumns("psa") + `,
		CASE WHEN f.org_lists THEN (SELECT coalesce(json_agg(json_build_object('id', o.id, 'title', o.title, 'checklist', o.checklist_id,
			'status', o.status, 'status_version', o.status_version, 'copied_from', o.copied_from, 'created', o.created_at,
			'updated', o.updated_at, 'submitted', o.submitted_at, 'decided', o.decided_at)
			ORDER BY (o.status = 'returned') DESC, o.created_at DESC, o.id), '[]')
		 FROM assessments o WHERE o.org_id = f.org_id) END,
		CASE WHEN f.org_lists THEN (SELECT coalesce(json_agg(json_build_object('id', u.id, 'email', u.email, 'name', u.display_name,
			'role', u.role) ORDER BY u.display_name, u.email), '[]')
		 FROM users u WHERE u.org_id = f.org_id AND u.active) END
	FROM a JOIN f ON f.id = a.id
	` + answersLateral("cur", "x.assessment_id = f.id") + `
	` + answersLateral("cp", "f.edit AND x.assessment_id = f.copied_from") + `
	LEFT JOIN LATERAL (SELECT p.id FROM assessments p
		WHERE f.previous_in IS NOT NULL AND p.org_id = f.org_id AND p.id <> f.id AND p.checklist_id = f.checklist_id
			AND p.status = ANY(f.previous_in) AND p.submitted_at IS NOT NULL AND p.created_at < f.created_at
		ORDER BY p.submitted_at DESC, p.created_at DESC, p.id LIMIT 1) ps ON true
	` + answersLateral("psa", "x.assessment_id = ps.id")

// editableStatuses are the statuses in which answers may change.
var editableStatuses = func() []string {
	var out []string
	for _, st := range assessment.Statuses {
		if st.Editable() {
			out = append(out, string(st))
		}
	}
	return out
}()

// AssessmentSheet reads an assessment and its answer sheet in one
// statement (NotFound when there is no such assessment). The caller checks
// that it may see the assessment before showing any of it.
func (s *Store) AssessmentSheet(ctx context.Context, assessmentID string, o SheetOptions) (Assessment, AnswerSheet, error) {
	var a Assessment
	var cur, cp, psa answerArrays
	var ms []markJSON
	var cs []commentJSON
	var qs []assignmentJSON
	var ls []evidenceLinkJSON
	var lib []evidenceJSON
	var hasLib, hasPrev bool
	var submittedID *string
	var previousIn []string // nil: not read
	for _, st := range o.PreviousIn {
		previousIn = append(previousIn, string(st))
	}
	dest := []any{&a.ID, &a.OrgID, &a.OrgName, &a.Title, &a.ChecklistID, &a.Status, &a.StatusVersion, &a.CopiedFrom,
		&a.CreatedAt, &a.UpdatedAt, &a.UpdatedByName, &a.SubmittedAt, &a.SubmittedBy, &a.DecidedAt, &a.Answered, &a.CarriedOver,
		&a.Confirmed, &a.DecidedBy}
	dest = append(dest, cur.targets()...)
	dest = append(dest, &ms, &cs, &qs, &ls, nullJSON(&lib, &hasLib), &hasPrev)
	dest = append(dest, cp.targets()...)
	dest = append(dest, &submittedID)
	dest = append(dest, psa.targets()...)
	var heads []headJSON
	var members []memberJSON
	var hasLists bool
	dest = append(dest, nullJSON(&heads, &hasLists), nullJSON(&members, &hasLists))
	err := s.pool.QueryRow(ctx, assessmentSheetSQL, assessmentID, o.Review, nullable(o.EditorOrgID), editableStatuses, previousIn,
		o.OrgLists).Scan(dest...)
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return Assessment{}, AnswerSheet{}, fmt.Errorf("store: answer sheet %s: %w", assessmentID, notFound(err))
	}
	out := AnswerSheet{Answers: cur.answers(), Marks: make(map[string]ReviewMark, len(ms)),
		Comments: make([]Comment, 0, len(cs)), Assignments: make(map[string]QuestionAssignment, len(qs)),
		Evidence: map[string][]EvidenceLink{}}
	for _, q := range qs {
		x := QuestionAssignment{AssessmentID: assessmentID, QuestionID: q.QuestionID, UserID: q.UserID, UserName: q.UserName,
			Note: q.Note, AssignedAt: q.AssignedAt}
		if q.DueOn != nil {
			d, err := time.Parse(time.DateOnly, *q.DueOn)
			if err != nil {
				return Assessment{}, AnswerSheet{}, fmt.Errorf("store: answer sheet %s: due date: %w", assessmentID, err)
			}
			x.DueOn = &d
		}
		out.Assignments[q.QuestionID] = x
	}
	for _, m := range ms {
		out.Marks[m.QuestionID] = ReviewMark{QuestionID: m.QuestionID, Mark: m.Mark, UpdatedBy: m.UpdatedBy, UpdatedByName: m.ByName, UpdatedAt: m.UpdatedAt}
	}
	for _, c := range cs {
		out.Comments = append(out.Comments, Comment{ID: c.ID, AssessmentID: assessmentID, QuestionID: c.QuestionID, AuthorID: c.AuthorID,
			AuthorName: c.AuthorName, AuthorRole: assessment.Role(c.AuthorRole), Body: c.Body, CreatedAt: c.CreatedAt})
	}
	for _, l := range ls {
		e, err := l.Evidence.evidence()
		if err != nil {
			return Assessment{}, AnswerSheet{}, fmt.Errorf("store: answer sheet %s: evidence: %w", assessmentID, err)
		}
		out.Evidence[l.QuestionID] = append(out.Evidence[l.QuestionID], EvidenceLink{AssessmentID: assessmentID, QuestionID: l.QuestionID,
			PointIDs: l.PointIDs, NeedsConfirmation: l.NeedsConfirmation, Review: l.Review, ReviewComment: l.ReviewComment,
			ReviewedByName: l.ReviewedByName, ReviewedAt: l.ReviewedAt, Evidence: e})
	}
	if hasLib {
		out.Library = make([]Evidence, 0, len(lib))
		for _, j := range lib {
			e, err := j.evidence()
			if err != nil {
				return Assessment{}, AnswerSheet{}, fmt.Errorf("store: answer sheet %s: library: %w", assessmentID, err)
			}
			out.Library = append(out.Library, e)
		}
	}
	if hasPrev {
		out.Previous = cp.answers()
	}
	if submittedID != nil {
		out.PreviousSubmittedID, out.PreviousSubmittedAnswers = *submittedID, psa.answers()
	}
	if hasLists {
		out.OrgAssessments = make([]Assessment, len(heads))
		for i, h := range heads {
			out.OrgAssessments[i] = Assessment{ID: h.ID, OrgID: a.OrgID, Title: h.Title, ChecklistID: h.ChecklistID, Status: h.Status,
				StatusVersion: h.StatusVersion, CopiedFrom: h.CopiedFrom, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
				SubmittedAt: h.SubmittedAt, DecidedAt: h.DecidedAt}
		}
		out.Members = make([]User, len(members))
		for i, m := range members {
			out.Members[i] = User{ID: m.ID, Email: m.Email, Name: m.Name, Role: m.Role, OrgID: a.OrgID, Active: true}
		}
	}
	return a, out, nil
}

// headJSON is an assessment of the organisation as the sheet lists them.
type headJSON struct {
	ID            string            `json:"id"`
	Title         string            `json:"title"`
	ChecklistID   string            `json:"checklist"`
	Status        assessment.Status `json:"status"`
	StatusVersion int               `json:"status_version"`
	CopiedFrom    *string           `json:"copied_from"`
	CreatedAt     time.Time         `json:"created"`
	UpdatedAt     time.Time         `json:"updated"`
	SubmittedAt   *time.Time        `json:"submitted"`
	DecidedAt     *time.Time        `json:"decided"`
}

// memberJSON is an active member of the organisation.
type memberJSON struct {
	ID    string          `json:"id"`
	Email string          `json:"email"`
	Name  string          `json:"name"`
	Role  assessment.Role `json:"role"`
}

// nullJSON scans a JSON column that may be NULL (a part not read) into v,
// setting *present when it was not.
func nullJSON(v any, present *bool) *jsonPart { return &jsonPart{v: v, present: present} }

type jsonPart struct {
	v       any
	present *bool
}

func (p *jsonPart) Scan(src any) error {
	if src == nil {
		return nil
	}
	*p.present = true
	switch b := src.(type) {
	case []byte:
		return json.Unmarshal(b, p.v)
	case string:
		return json.Unmarshal([]byte(b), p.v)
	}
	return fmt.Errorf("unexpected %T for a JSON part", src)
}

type markJSON struct {
	QuestionID string    `json:"q"`
	Mark       string    `json:"mark"`
	UpdatedBy  string    `json:"by"`
	ByName     string    `json:"by_name"`
	UpdatedAt  time.Time `json:"at"`
}

type commentJSON struct {
	ID         string    `json:"id"`
	QuestionID *string   `json:"q"`
	AuthorID   *string   `json:"author"`
	AuthorName string    `json:"author_name"`
	AuthorRole string    `json:"author_role"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"at"`
}

type assignmentJSON struct {
	QuestionID string    `json:"q"`
	UserID     string    `json:"user"`
	UserName   string    `json:"name"`
	DueOn      *string   `json:"due"` // a date
	Note       string    `json:"note"`
	AssignedAt time.Time `json:"at"`
}

type evidenceLinkJSON struct {
	QuestionID        string       `json:"q"`
	PointIDs          []string     `json:"points"`
	NeedsConfirmation bool         `json:"confirm"`
	Review            string       `json:"review"`
	ReviewComment     string       `json:"review_comment"`
	ReviewedByName    string       `json:"reviewed_by"`
	ReviewedAt        *time.Time   `json:"reviewed_at"`
	Evidence          evidenceJSON `json:"e"`
}

type evidenceJSON struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"org"`
	Kind          string    `json:"kind"`
	Title         string    `json:"title"`
	Description   string    `json:"description"`
	URL           string    `json:"url"`
	Filename      string    `json:"filename"`
	Size          int64     `json:"size"`
	ContentType   string    `json:"type"`
	SHA256        *string   `json:"sha"` // hex
	Storage       string    `json:"storage"`
	BlobKey       string    `json:"blob"`
	EffectiveDate string    `json:"effective"` // a date
	ReviewBy      *string   `json:"review_by"` // a date
	Retired       bool      `json:"retired"`
	CreatedBy     string    `json:"by"`
	CreatedByName string    `json:"by_name"`
	CreatedAt     time.Time `json:"created"`
	UpdatedAt     time.Time `json:"updated"`
	Uses          int       `json:"uses"`
}

func (j evidenceJSON) evidence() (Evidence, error) {
	e := Evidence{ID: j.ID, OrgID: j.OrgID, Kind: j.Kind, Title: j.Title, Description: j.Description, URL: j.URL,
		Filename: j.Filename, Size: j.Size, ContentType: j.ContentType, Storage: j.Storage, BlobKey: j.BlobKey,
		Retired: j.Retired, CreatedBy: j.CreatedBy, CreatedByName: j.CreatedByName, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Uses: j.Uses}
	var err error
	if j.SHA256 != nil {
		if e.SHA256, err = hex.DecodeString(*j.SHA256); err != nil {
			return Evidence{}, err
		}
	}
	if e.EffectiveDate, err = time.Parse(time.DateOnly, j.EffectiveDate); err != nil {
		return Evidence{}, err
	}
	if j.ReviewBy != nil {
		d, err := time.Parse(time.DateOnly, *j.ReviewBy)
		if err != nil {
			return Evidence{}, err
		}
		e.ReviewBy = &d
	}
	return e, nil
}
