package server

import (
	"net/http"

	"mamori/internal/apperr"
	"mamori/internal/notice"
	"mamori/internal/policy"
	"mamori/web/i18n"
)

// apiNotifications is GET /api/v1/notifications[?unread=true].
func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.OwnTasks(p); err != nil {
		s.apiError(w, r, err)
		return
	}
	unread := r.URL.Query().Get("unread")
	if unread != "" && unread != "true" && unread != "false" {
		s.apiError(w, r, apperr.InvalidFieldsK("err.query_invalid", map[string]string{"unread": "boolean"}))
		return
	}
	ns, err := s.store.Notifications(ctx, p.UserID, unread == "true", notificationsShown)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	count, err := s.store.UnreadCount(ctx, p.UserID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]notificationJSON, len(ns))
	for i, n := range ns {
		out[i] = notificationJSON{ID: n.ID, Kind: n.Kind, Text: notice.Text(i18n.Lang(ctx), n.Kind, n.Params), Link: n.Link, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out, "unread": count})
}

// apiNotificationsRead is POST /api/v1/notifications/read {"ids": […]} or
// {"all": true}.
func (s *Server) apiNotificationsRead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.OwnTasks(p); err != nil {
		s.apiError(w, r, err)
		return
	}
	var body struct {
		IDs []string `json:"ids"`
		All bool     `json:"all"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !body.All && len(body.IDs) == 0 {
		s.apiError(w, r, apperr.InvalidFieldsK("notifications.read_invalid", map[string]string{"ids": "required"}))
		return
	}
	n, err := s.store.MarkRead(ctx, p.UserID, body.IDs, body.All)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"marked": n})
}

// apiNotificationSettings is GET /api/v1/account/notification-settings.
func (s *Server) apiNotificationSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(ctx)
	if err := policy.OwnTasks(p); err != nil {
		s.apiError(w, r, err)
		return
	}
	m, err := s.store.NotificationSettings(ctx, p.UserID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": m})
}

// apiNotificationSettingsPut is PUT /api/v1/account/notification-settings
// {"settings": {"assigned": "digest", …}}: the kinds named change, the
// others stay; an unknown kind or mode is 422 and changes nothing.
func (s *Server) apiNotificationSettingsPut(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Settings map[string]string `json:"settings"`
	}
	if err := decodeJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.setNotificationSettings(r, body.Settings); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiNotificationSettings(w, r)
}
