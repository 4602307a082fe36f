package server

import (
	"net/http"
	"strings"

	"mamori/web/views"
)

const flashKey = "_flash"

// page builds the layout data of a page, taking the pending flash message.
func (s *Server) page(r *http.Request, title, nav string) views.Page {
	p := views.Page{Title: title, User: principal(r.Context()), Path: r.URL.RequestURI(), Nav: nav}
	if p.User != nil && s.store != nil {
		// The bell's count; a failure only hides the number.
		if n, err := s.store.UnreadCount(r.Context(), p.User.UserID); err == nil {
			p.Unread = n
		}
	}
	if sess := sessionOf(r.Context()); sess != nil {
		if f, ok := sess.Values[flashKey].(string); ok {
			kind, text, _ := strings.Cut(f, "|")
			p.Flash = views.Flash{Kind: kind, Text: text}
			delete(sess.Values, flashKey)
			// The flash is shown once; failing to forget it only shows it again.
			_ = sess.Save(r, discardHeaders{})
		}
	}
	return p
}

// flash stores a message for the next page, then redirects there (303).
func (s *Server) flashRedirect(w http.ResponseWriter, r *http.Request, kind, text, to string) {
	if sess := sessionOf(r.Context()); sess != nil {
		sess.Values[flashKey] = kind + "|" + text // kind never holds "|"; jsonb refuses NUL
		if err := sess.Save(r, w); err != nil {
			s.log.Warn("flash not saved", "err", err, "request_id", requestID(r.Context()))
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// discardHeaders is a ResponseWriter whose cookies go nowhere: saving a
// loaded session keeps its id, so the browser's cookie stays valid.
type discardHeaders struct{}

func (discardHeaders) Header() http.Header         { return http.Header{} }
func (discardHeaders) Write(b []byte) (int, error) { return len(b), nil }
func (discardHeaders) WriteHeader(int)             {}
