package server

import (
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/notice"
	"mamori/internal/policy"
	"mamori/web/i18n"
	"mamori/web/views"
)

const notificationsShown = 100

// handleNotifications is /notifications: the caller's latest notifications.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.OwnTasks(p); err != nil {
		s.pageError(w, r, err)
		return
	}
	ns, err := s.store.Notifications(ctx, p.UserID, false, notificationsShown)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.NotificationsData{}
	for _, n := range ns {
		d.Items = append(d.Items, views.NotificationItem{ID: n.ID, Text: notice.Text(i18n.Lang(ctx), n.Kind, n.Params), Href: n.Link, At: n.CreatedAt, Unread: n.ReadAt == nil})
	}
	s.render(w, r, http.StatusOK, views.NotificationsPage(s.page(r, i18n.T(ctx, "notifications.title"), "notifications"), d))
}

// handleNotificationsRead marks every notification of the caller read (the
// page's button) or the one named by "id".
func (s *Server) handleNotificationsRead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.OwnTasks(p); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	id := r.PostForm.Get("id")
	var ids []string
	if id != "" {
		ids = []string{id}
	}
	if _, err := s.store.MarkRead(ctx, p.UserID, ids, id == ""); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "notifications.marked"), "/notifications")
}

// handleNotificationSettings is the account page's form: one mode per kind.
func (s *Server) handleNotificationSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.OwnTasks(p); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.K(apperr.Malformed, "error.form"))
		return
	}
	modes := map[string]string{}
	for _, k := range notice.Kinds {
		if v := r.PostForm.Get("mode_" + k); v != "" {
			modes[k] = v
		}
	}
	if err := s.setNotificationSettings(r, modes); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flashRedirect(w, r, "ok", i18n.T(ctx, "notifications.settings_saved"), "/account#notification-settings")
}

// setNotificationSettings validates every kind and mode before storing any.
func (s *Server) setNotificationSettings(r *http.Request, modes map[string]string) error {
	p := principal(r.Context())
	bad := map[string]string{}
	for k, m := range modes {
		if !notice.ValidKind(k) {
			bad[k] = "unknown_kind"
		} else if !notice.ValidMode(m) {
			bad[k] = "mode"
		}
	}
	if len(bad) > 0 {
		return apperr.InvalidFieldsK("notifications.settings_invalid", bad)
	}
	return s.store.SetNotificationSettings(r.Context(), actor(r), p.OrgID, modes)
}
