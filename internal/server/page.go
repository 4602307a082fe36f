package server

import (
	"net/http"
	"strings"

	"mamori/internal/auth"
	"mamori/internal/policy"
	"mamori/web/views"
)

const flashKey = "_flash"

// page builds the layout data of a page, taking the pending flash message.
func (s *Server) page(r *http.Request, title, nav string) views.Page {
	p := views.Page{Title: title, User: principal(r.Context()), Path: r.URL.RequestURI(), Nav: nav}
	if p.User != nil && s.store != nil {
		p.Unread = s.unread(r, p.User)
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

// unread is the bell's count of the caller's unread notifications: as loaded
// with the session when it is the session's user, else counted now. A
// failure only hides the number.
func (s *Server) unread(r *http.Request, u *policy.Principal) int {
	if sess := sessionOf(r.Context()); sess != nil && auth.LoadedPrincipal(sess) == u {
		if n, ok := auth.LoadedUnread(sess); ok {
			return n
		}
	}
	n, err := s.store.UnreadCount(r.Context(), u.UserID)
	if err != nil {
		return 0
	}
	return n
}
