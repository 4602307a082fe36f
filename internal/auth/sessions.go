package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/sessions"

	"mamori/internal/apperr"
	"mamori/internal/policy"
	"mamori/internal/store"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "mamori_session"

// sessionDB is what the session store needs of the database.
type sessionDB interface {
	CreateSession(ctx context.Context, r store.SessionRow) error
	SaveSession(ctx context.Context, r store.SessionRow) error
	ReplaceSession(ctx context.Context, oldIDHash []byte, r store.SessionRow) error
	LoadSession(ctx context.Context, idHash []byte) (store.SessionRow, error)
	TouchSession(ctx context.Context, idHash []byte, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, idHash []byte) error
}

// SessionStore is a gorilla/sessions Store kept in PostgreSQL. The cookie
// carries only a random id; the row is found by the id's SHA-256. Sessions
// end after Idle without a request and after Absolute in any case, checked on
// the server.
//
// A session that was revoked stays revoked: saving a loaded session only
// updates its row (a request still in flight on a session that was signed
// out meanwhile saves nothing and is told so), and a new row is written only
// under a fresh id (see store.SessionRow).
type SessionStore struct {
	DB       sessionDB
	Idle     time.Duration
	Absolute time.Duration
	Secure   bool
	Now      func() time.Time
}

var _ sessions.Store = (*SessionStore)(nil)

const (
	keyUserID  = "uid"
	keyCreated = "_created"
	keySeen    = "_seen"
)

// errSessionEnded is the answer to saving a session that was revoked or
// expired while the request ran.
var errSessionEnded = apperr.K(apperr.Unauthorized, "err.sign_in")

// principalKey holds, in a session's values, the user's principal as it was
// loaded with the session; it is never stored.
type principalKey struct{}

// LoadedPrincipal is the signed-in user of s as loaded with the session from
// the database, or nil (a new session, or a deactivated user).
func LoadedPrincipal(s *sessions.Session) *policy.Principal {
	p, _ := s.Values[principalKey{}].(*policy.Principal)
	return p
}

// unreadKey holds, in a session's values, the user's unread notifications as
// counted when the session was loaded; it is never stored.
type unreadKey struct{}

// LoadedUnread is the signed-in user's unread notifications as counted with
// the session, and whether they were.
func LoadedUnread(s *sessions.Session) (int, bool) {
	n, ok := s.Values[unreadKey{}].(int)
	return n, ok
}

// rotationKey marks, in a session's values, the signed-in session it is
// about to replace (see Rotate); it is never stored.
type rotationKey struct{}

type rotation struct {
	idHash []byte
	userID string
}

// Get returns the request's session, cached per request by gorilla.
func (st *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(st, name)
}

// New loads the session named by the request's cookie, or a new empty one.
func (st *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	s := sessions.NewSession(st, name)
	s.Options = st.options()
	s.IsNew = true
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return s, nil
	}
	row, err := st.DB.LoadSession(r.Context(), HashToken(c.Value))
	if apperr.Is(err, apperr.NotFound) {
		return s, nil // expired, logged out or forged: start over
	}
	if err != nil {
		return s, fmt.Errorf("auth: load session: %w", err)
	}
	now := st.now()
	if now.Sub(row.CreatedAt) > st.Absolute || now.Sub(row.LastSeenAt) > st.Idle {
		_ = st.DB.DeleteSession(r.Context(), row.IDHash)
		return s, nil
	}
	s.ID = c.Value
	s.IsNew = false
	for k, v := range row.Data {
		s.Values[k] = v
	}
	if row.UserID != nil {
		s.Values[keyUserID] = *row.UserID
	}
	if row.Principal != nil {
		s.Values[principalKey{}] = row.Principal
		s.Values[unreadKey{}] = row.Unread
	}
	s.Values[keyCreated] = row.CreatedAt
	s.Values[keySeen] = row.LastSeenAt
	return s, nil
}

// Save writes the session and its cookie; MaxAge < 0 deletes both. A loaded
// session is updated, never re-created: one revoked meanwhile answers
// Unauthorized. A new id is inserted, or replaces the signed-in session it
// was rotated from (only while that one is live).
func (st *SessionStore) Save(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	if s.Options != nil && s.Options.MaxAge < 0 {
		if from, ok := s.Values[rotationKey{}].(rotation); ok {
			if err := st.DB.DeleteSession(r.Context(), from.idHash); err != nil {
				return fmt.Errorf("auth: delete session: %w", err)
			}
		}
		if s.ID != "" {
			if err := st.DB.DeleteSession(r.Context(), HashToken(s.ID)); err != nil {
				return fmt.Errorf("auth: delete session: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(s.Name(), "", s.Options))
		return nil
	}
	now := st.now()
	created, _ := s.Values[keyCreated].(time.Time)
	fresh := s.ID == ""
	id := s.ID
	if fresh {
		id = RandomID()
		created = now
	}
	row := store.SessionRow{IDHash: HashToken(id), Data: map[string]any{}, CreatedAt: created, LastSeenAt: now, ExpiresAt: st.expires(created, now)}
	for k, v := range s.Values {
		switch k.(type) {
		case rotationKey, principalKey, unreadKey: // never stored
			continue
		}
		ks, ok := k.(string)
		if !ok {
			return errors.New("auth: session keys must be strings")
		}
		switch ks {
		case keyCreated, keySeen:
		case keyUserID:
			uid, _ := v.(string)
			row.UserID = &uid
		default:
			row.Data[ks] = v
		}
	}
	if err := st.write(r.Context(), s, fresh, row); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return fmt.Errorf("auth: save session: %w", errSessionEnded)
		}
		return fmt.Errorf("auth: save session: %w", err)
	}
	delete(s.Values, rotationKey{})
	s.ID = id
	s.Values[keyCreated] = created
	s.Values[keySeen] = now
	http.SetCookie(w, sessions.NewCookie(s.Name(), s.ID, s.Options))
	return nil
}

// write stores row: an update of a loaded session, the replacement of the
// signed-in session it was rotated from when the user stays the same, or a
// new session.
func (st *SessionStore) write(ctx context.Context, s *sessions.Session, fresh bool, row store.SessionRow) error {
	if !fresh {
		return st.DB.SaveSession(ctx, row)
	}
	from, rotated := s.Values[rotationKey{}].(rotation)
	if rotated && row.UserID != nil && *row.UserID == from.userID {
		return st.DB.ReplaceSession(ctx, from.idHash, row)
	}
	if rotated {
		if err := st.DB.DeleteSession(ctx, from.idHash); err != nil {
			return err
		}
	}
	return st.DB.CreateSession(ctx, row)
}

// Touch moves the idle deadline of a loaded session, at most once a minute
// so that reading pages does not write on every request.
func (st *SessionStore) Touch(r *http.Request, s *sessions.Session) error {
	seen, _ := s.Values[keySeen].(time.Time)
	created, _ := s.Values[keyCreated].(time.Time)
	now := st.now()
	if s.IsNew || s.ID == "" || now.Sub(seen) < time.Minute {
		return nil
	}
	if err := st.DB.TouchSession(r.Context(), HashToken(s.ID), now, st.expires(created, now)); err != nil {
		return fmt.Errorf("auth: touch session: %w", err)
	}
	s.Values[keySeen] = now
	return nil
}

// Rotate gives the session a new id (at sign-in and privilege change), so a
// cookie captured before is worthless. The id is chosen at the next Save. A
// signed-in session is replaced then, in one step and only if it is still
// live, so a rotation cannot revive a session revoked meanwhile; any other
// is deleted now.
func (st *SessionStore) Rotate(r *http.Request, s *sessions.Session) error {
	if s.ID != "" {
		if uid := UserID(s); uid != "" {
			s.Values[rotationKey{}] = rotation{idHash: HashToken(s.ID), userID: uid}
		} else if err := st.DB.DeleteSession(r.Context(), HashToken(s.ID)); err != nil {
			return fmt.Errorf("auth: rotate session: %w", err)
		}
	}
	s.ID = ""
	delete(s.Values, keyCreated)
	return nil
}

// UserID returns the signed-in user of the session, or "".
func UserID(s *sessions.Session) string {
	uid, _ := s.Values[keyUserID].(string)
	return uid
}

// SetUserID signs the session in.
func SetUserID(s *sessions.Session, uid string) { s.Values[keyUserID] = uid }

// IDHash returns the stored hash of a session's id (nil for a new session).
func IDHash(s *sessions.Session) []byte {
	if s.ID == "" {
		return nil
	}
	return HashToken(s.ID)
}

func (st *SessionStore) expires(created, now time.Time) time.Time {
	idle, abs := now.Add(st.Idle), created.Add(st.Absolute)
	if abs.Before(idle) {
		return abs
	}
	return idle
}

func (st *SessionStore) now() time.Time {
	if st.Now != nil {
		return st.Now()
	}
	return time.Now()
}

func (st *SessionStore) options() *sessions.Options {
	return &sessions.Options{Path: "/", MaxAge: 0, HttpOnly: true, Secure: st.Secure, SameSite: http.SameSiteLaxMode}
}
