package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"mamori/checklist"
	"mamori/internal/policy"
	"mamori/internal/store"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleHistory is /assessments/{id}/history: who changed what and when,
// from the audit trail, and what changed from one submission to the next,
// from the submission snapshots.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, cl, err := s.loadAssessment(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := policy.ViewAudit(principal(ctx), a.OrgID); err != nil {
		s.pageError(w, r, err)
		return
	}
	entries, err := s.store.AssessmentAudit(ctx, a.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	subs, err := s.store.Submissions(ctx, a.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.HistoryData{A: a, Checklist: cl, Entries: historyEntries(entries)}
	if err := s.nameActors(ctx, entries, d.Entries); err != nil {
		s.pageError(w, r, err)
		return
	}
	for i, sub := range subs {
		round := views.SubmissionRound{Seq: sub.Seq, By: sub.SubmittedByName, At: sub.SubmittedAt, First: i == 0}
		if i > 0 {
			round.Changes = diffSnapshots(cl, subs[i-1].Answers, sub.Answers)
		}
		d.Rounds = append(d.Rounds, round)
	}
	slices.Reverse(d.Rounds) // the latest submission first
	en := i18n.Lang(ctx) == "en"
	for i := range d.Entries {
		namePoints(cl, d.Entries[i].Changes, en)
	}
	for i := range d.Rounds {
		for j := range d.Rounds[i].Changes {
			namePoints(cl, d.Rounds[i].Changes[j].Changes, en)
		}
	}
	s.render(w, r, http.StatusOK, views.History(s.page(r, i18n.T(ctx, "history.title_of", a.Title), navFor(principal(ctx))), d))
}

// diffSnapshots lists, in checklist order, the questions whose level, key
// points or comment differ between two snapshots.
func diffSnapshots(cl *checklist.Checklist, prev, cur map[string]store.SnapshotAnswer) []views.QuestionChange {
	var out []views.QuestionChange
	for _, id := range cl.QuestionIDs() {
		p, hadPrev := prev[id]
		c, hasCur := cur[id]
		if !hadPrev && !hasCur {
			continue
		}
		if ch := answerChanges(snapshotValues(p, hadPrev), snapshotValues(c, hasCur)); len(ch) > 0 {
			out = append(out, views.QuestionChange{QuestionID: id, Changes: ch})
		}
	}
	return out
}

// answerValues is an answer as the audit trail and the snapshots record it.
type answerValues struct {
	Level     *int     `json:"level"`
	Comment   string   `json:"comment"`
	PointsMet []string `json:"points_met"`
}

func snapshotValues(a store.SnapshotAnswer, ok bool) *answerValues {
	if !ok {
		return nil
	}
	return &answerValues{Level: a.Level, Comment: a.Comment, PointsMet: a.PointsMet}
}

// answerChanges compares two versions of an answer (nil: none yet) field by
// field.
func answerChanges(old, cur *answerValues) []views.Change {
	if old == nil {
		old = &answerValues{}
	}
	if cur == nil {
		cur = &answerValues{}
	}
	var ch []views.Change
	if lv := func(l *int) string {
		if l == nil {
			return ""
		}
		return views.Itoa(*l)
	}; lv(old.Level) != lv(cur.Level) {
		ch = append(ch, views.Change{Field: "level", Old: lv(old.Level), New: lv(cur.Level)})
	}
	if !slices.Equal(old.PointsMet, cur.PointsMet) && (len(old.PointsMet) > 0 || len(cur.PointsMet) > 0) {
		ch = append(ch, views.Change{Field: "points", Old: strings.Join(old.PointsMet, ", "), New: strings.Join(cur.PointsMet, ", ")})
	}
	if old.Comment != cur.Comment {
		ch = append(ch, views.Change{Field: "comment", Old: old.Comment, New: cur.Comment, Long: true})
	}
	return ch
}

// autosaveRun is how close in time two saves of one question by one person
// must be to show as one change: the questionnaire saves as the officer
// types, and the history should say what changed, not every pause.
const autosaveRun = 30 * time.Minute

// historyEntries renders audit entries for people, newest first, with runs
// of saves of one question by one person merged (first old → last new).
func historyEntries(es []store.AuditEntry) []views.HistoryEntry {
	var out []views.HistoryEntry
	var runOld, runNew *answerValues // of the last entry, when it is a save
	for _, e := range es {
		h := views.HistoryEntry{Seq: e.Seq, FirstSeq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Saves: 1}
		switch e.Action {
		case "answer.saved":
			var d struct {
				QuestionID string        `json:"question_id"`
				Old        *answerValues `json:"old"`
				New        *answerValues `json:"new"`
			}
			if json.Unmarshal(e.Detail, &d) != nil {
				h.Raw = string(e.Detail)
				break
			}
			h.QuestionID = d.QuestionID
			if n := len(out); n > 0 && runNew != nil {
				last := &out[n-1]
				if last.Action == e.Action && last.QuestionID == d.QuestionID && last.Actor == e.Actor && e.At.Sub(last.At) < autosaveRun {
					runNew = d.New
					last.Seq, last.At, last.Saves = e.Seq, e.At, last.Saves+1
					last.Changes = answerChanges(runOld, runNew)
					continue
				}
			}
			runOld, runNew = d.Old, d.New
			h.Changes = answerChanges(d.Old, d.New)
			out = append(out, h)
			continue
		case "assessment.submit", "assessment.return", "assessment.approve", "assessment.reopen", "assessment.withdraw":
			var d struct{ From, To, Comment string }
			if json.Unmarshal(e.Detail, &d) == nil {
				h.Changes = []views.Change{{Field: "status", Old: d.From, New: d.To}}
				h.Text = d.Comment
			}
		case "comment.added":
			var d struct {
				QuestionID *string `json:"question_id"`
				Body       string  `json:"body"`
			}
			if json.Unmarshal(e.Detail, &d) == nil {
				if d.QuestionID != nil {
					h.QuestionID = *d.QuestionID
				}
				h.Text = d.Body
			}
		case "review.marked":
			var d struct {
				QuestionID string  `json:"question_id"`
				Old        *string `json:"old"`
				New        *string `json:"new"`
			}
			if json.Unmarshal(e.Detail, &d) == nil {
				h.QuestionID = d.QuestionID
				h.Changes = []views.Change{{Field: "mark", Old: deref(d.Old), New: deref(d.New)}}
			}
		case "assessment.created":
			var d struct {
				Title string `json:"title"`
			}
			if json.Unmarshal(e.Detail, &d) == nil {
				h.Text = d.Title
			}
		default:
			h.Raw = string(e.Detail)
		}
		runOld, runNew = nil, nil
		out = append(out, h)
	}
	slices.Reverse(out)
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nameActors shows who acted by name (their email as the tooltip); a user
// who no longer exists keeps the email the trail recorded.
func (s *Server) nameActors(ctx context.Context, es []store.AuditEntry, hs []views.HistoryEntry) error {
	var ids []string
	byEmail := map[string]string{}
	for _, e := range es {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
			byEmail[e.Actor] = *e.ActorID
		}
	}
	names, err := s.store.UserNames(ctx, ids)
	if err != nil {
		return err
	}
	for i := range hs {
		hs[i].ActorEmail = hs[i].Actor
		if n := names[byEmail[hs[i].Actor]]; n != "" {
			hs[i].Actor = n
		}
	}
	return nil
}

// pointTextLen is how much of a key point's text the history shows.
const pointTextLen = 20

// namePoints gives the key-point changes their points by shortened text.
func namePoints(cl *checklist.Checklist, cs []views.Change, en bool) {
	refs := func(list string) []views.PointRef {
		var out []views.PointRef
		for _, id := range strings.Split(list, ", ") {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			ref := views.PointRef{ID: id, Text: id}
			if p, ok := pointOf(cl, id); ok {
				text := p.Text
				if en && p.TextEN != "" {
					text = p.TextEN
				}
				if r := []rune(text); len(r) > pointTextLen {
					text = string(r[:pointTextLen]) + "…"
				}
				ref.Text = text
			}
			out = append(out, ref)
		}
		return out
	}
	for i := range cs {
		if cs[i].Field == "points" {
			cs[i].OldPoints, cs[i].NewPoints = refs(cs[i].Old), refs(cs[i].New)
		}
	}
}

// pointOf finds a key point by its id (question id + "-" + number).
func pointOf(cl *checklist.Checklist, id string) (checklist.Point, bool) {
	i := strings.LastIndex(id, "-")
	if i < 0 {
		return checklist.Point{}, false
	}
	q, ok := cl.Question(id[:i])
	if !ok {
		return checklist.Point{}, false
	}
	for _, p := range q.Points {
		if p.ID == id {
			return p, true
		}
	}
	return checklist.Point{}, false
}
