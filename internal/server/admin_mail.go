package server

import (
	"net/http"

	"mamori/internal/policy"
	"mamori/web/i18n"
	"mamori/web/views"
)

// handleAdminOutbox is /admin/outbox: the latest emails, sent or not (with
// no SMTP configured, what would have been sent).
func (s *Server) handleAdminOutbox(w http.ResponseWriter, r *http.Request) {
	if err := policy.AdminMail(principal(r.Context())); err != nil {
		s.pageError(w, r, err)
		return
	}
	ms, err := s.store.Outbox(r.Context(), 100)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminOutbox(s.page(r, i18n.T(r.Context(), "admin.outbox.title"), "admin-outbox"), ms))
}

// handleAdminJobs is /admin/jobs: the job queue's jobs that are queued,
// scheduled, retrying, running, given up or cancelled.
func (s *Server) handleAdminJobs(w http.ResponseWriter, r *http.Request) {
	if err := policy.AdminMail(principal(r.Context())); err != nil {
		s.pageError(w, r, err)
		return
	}
	js, err := s.store.Jobs(r.Context(), 200)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminJobs(s.page(r, i18n.T(r.Context(), "admin.jobs.title"), "admin-jobs"), js))
}
