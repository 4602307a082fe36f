package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mamori/internal/metrics"
	"mamori/internal/middleware"
)

// routes is every URL of the product.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	var poolStat func() *pgxpool.Stat
	if s.store != nil { // some tests serve without a database
		poolStat = s.store.PoolStat
	}
	m := metrics.New(poolStat)
	r.Use(middleware.RequestID, m.Measure, middleware.Log(s.log), middleware.SecurityHeaders(s.cfg.TrustProxy),
		middleware.LimitBodyBy(s.evidenceBodyLimit), middleware.Timeout(s.cfg.RequestTimeout), s.crossOrigin)
	metrics.MountDebug(r, s.log, s.cfg.DebugQueryCount, s.cfg.DebugPprof) // only when configured

	r.Get("/healthz", s.handleHealthz)
	r.Get("/readyz", s.handleReadyz)
	r.Get("/metrics", m.Handler(s.cfg.MetricsToken)) // MAMORI_METRICS_TOKEN or loopback only
	r.Get("/static/{file}", s.handleStatic)

	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, s.refuseControlText) // textcheck.go

		// Pages.
		r.Get("/login", s.handleLoginForm)
		r.Post("/login", s.handleLogin)
		r.Get("/login/totp", s.handleTOTPLoginForm) // second factor (login_totp.go)
		r.Post("/login/totp", s.handleTOTPLogin)
		r.Post("/login/sso", s.handleSSOStart) // single sign-on (sso.go)
		r.Get("/login/sso/callback", s.handleSSOCallback)
		r.Post("/logout", s.handleLogout)
		r.Post("/lang", s.handleLang)

		r.Group(func(r chi.Router) {
			r.Use(s.requireUser, s.totpGate, s.passwordGate)
			r.Get("/", s.handleHome)

			r.Get("/account", s.handleAccount)
			r.Post("/account/password", s.handleAccountPassword)
			r.Post("/account/tokens", s.handleAccountTokenCreate)
			r.Post("/account/tokens/{tokenID}/revoke", s.handleAccountTokenRevoke)
			r.Get("/account/totp", s.handleTOTP) // two-factor setup and management (account_totp.go)
			r.Post("/account/totp/confirm", s.handleTOTPConfirm)
			r.Post("/account/totp/recovery-codes", s.handleRecoveryCodes)
			r.Post("/account/totp/disable", s.handleTOTPDisable)
			r.Post("/account/notifications", s.handleNotificationSettings)

			// Work to do: tasks, notifications (notifications.go, tasks.go).
			r.Get("/tasks", s.handleTasks)
			r.Get("/notifications", s.handleNotifications)
			r.Post("/notifications/read", s.handleNotificationsRead)

			r.Get("/assessments", s.handleAssessments)
			r.Post("/assessments", s.handleAssessmentCreate)
			r.Get("/assessments/{assessmentID}", s.handleAssessment)
			r.Get("/assessments/{assessmentID}/categories/{category}", s.handleCategory)
			r.Post("/assessments/{assessmentID}/categories/{category}/confirm", s.handleConfirmCategory) // confirm.go
			r.Post("/assessments/{assessmentID}/answers/{questionID}", s.handleAnswerSave)
			r.Post("/assessments/{assessmentID}/submit", s.handleSubmit)
			r.Post("/assessments/{assessmentID}/assignments", s.handleAssign)
			r.Post("/assessments/{assessmentID}/withdraw", s.handleWithdraw) // withdraw.go

			// Review: queue, review page, decisions, comments, marks, history.
			r.Get("/reviews", s.handleReviews)
			r.Get("/assessments/{assessmentID}/review", s.handleReview)
			r.Post("/assessments/{assessmentID}/return", s.handleReturn)
			r.Post("/assessments/{assessmentID}/approve", s.handleApprove)
			r.Post("/assessments/{assessmentID}/reopen", s.handleReopen)
			r.Post("/assessments/{assessmentID}/comments", s.handleCommentCreate)
			r.Post("/assessments/{assessmentID}/marks/{questionID}", s.handleMarkSet)
			r.Get("/assessments/{assessmentID}/history", s.handleHistory)

			// Diagnosis: report, comparison, company profile, targets.
			r.Get("/assessments/{assessmentID}/report", s.handleReport)
			r.Get("/assessments/{assessmentID}/compare", s.handleComparePick)
			r.Get("/assessments/{assessmentID}/compare/{otherID}", s.handleCompare)
			r.Get("/profile", s.handleProfileHome)
			r.Get("/orgs/{orgID}/profile", s.handleProfile)
			r.Post("/orgs/{orgID}/profile", s.handleProfileSave)
			r.Get("/orgs/{orgID}/targets", s.handleTargets)
			r.Post("/orgs/{orgID}/targets", s.handleTargetsSave)

			// Managers' dashboard, peer benchmark, exports and import.
			r.Get("/dashboard", s.handleDashboard)
			r.With(s.sameSiteDownload).Get("/dashboard/export.xlsx", s.handleDashboardExport)
			r.Get("/assessments/{assessmentID}/benchmark", s.handleBenchmark)
			r.With(s.sameSiteDownload).Get("/assessments/{assessmentID}/export", s.handleExport)
			r.Get("/assessments/{assessmentID}/import", s.handleImportForm)
			r.Post("/assessments/{assessmentID}/import", s.handleImport)

			// Evidence: the library, contents, links to answers, reviews.
			r.Get("/evidence", s.handleEvidenceLibrary)
			r.Post("/evidence", s.handleEvidenceLibraryAdd)
			r.Post("/evidence/{evidenceID}", s.handleEvidenceEdit)
			r.Get("/evidence/{evidenceID}/content", s.handleEvidenceContent)
			r.Post("/assessments/{assessmentID}/answers/{questionID}/evidence", s.handleAnswerEvidenceAdd)
			r.Post("/assessments/{assessmentID}/answers/{questionID}/evidence/{evidenceID}/remove", s.handleAnswerEvidenceRemove)
			r.Post("/assessments/{assessmentID}/evidence-reviews/{evidenceID}", s.handleEvidenceReviewSet)
			// Improvement actions and the what-if planner.
			r.Get("/actions", s.handleActions)
			r.Get("/actions/new", s.handleActionNew)
			r.Post("/orgs/{orgID}/actions", s.handleActionCreate)
			r.Get("/actions/{actionID}", s.handleAction)
			r.Get("/actions/{actionID}/edit", s.handleActionEdit)
			r.Post("/actions/{actionID}/edit", s.handleActionSave)
			r.Post("/actions/{actionID}/status", s.handleActionStatus)
			r.Post("/actions/{actionID}/notes", s.handleActionNote)
			r.Get("/assessments/{assessmentID}/what-if", s.handleWhatIf)
			// Group-wide campaigns (campaigns.go).
			r.Get("/campaigns", s.handleCampaigns)
			r.Post("/campaigns", s.handleCampaignCreate)
			r.Get("/campaigns/{campaignID}", s.handleCampaign)
			r.Post("/campaigns/{campaignID}/close", s.handleCampaignClose)
			r.With(s.sameSiteDownload).Get("/campaigns/{campaignID}/export.xlsx", s.handleCampaignExport)

			r.Get("/admin/orgs", s.handleAdminOrgs)
			r.Post("/admin/orgs", s.handleAdminOrgCreate)
			r.Get("/admin/orgs/{orgID}", s.handleAdminOrg)
			r.Post("/admin/orgs/{orgID}", s.handleAdminOrgUpdate)
			r.Post("/admin/orgs/{orgID}/totp", s.handleAdminOrgTOTP)
			r.Get("/admin/users", s.handleAdminUsers)
			r.Post("/admin/users", s.handleAdminUserCreate)
			r.Post("/admin/users/import", s.handleAdminUserImport) // admin_import.go
			r.Get("/admin/users/{userID}", s.handleAdminUser)
			r.Post("/admin/users/{userID}", s.handleAdminUserUpdate)
			r.Post("/admin/users/{userID}/password", s.handleAdminUserPassword)
			r.Post("/admin/assignments", s.handleAdminAssign)
			r.Post("/admin/assignments/remove", s.handleAdminUnassign)
			r.Get("/admin/sso", s.handleAdminSSO) // identity providers (sso_admin.go)
			r.Post("/admin/sso", s.handleAdminSSOCreate)
			r.Get("/admin/sso/{providerID}", s.handleAdminSSOProvider)
			r.Post("/admin/sso/{providerID}", s.handleAdminSSOUpdate)
			r.Post("/admin/sso/{providerID}/remove", s.handleAdminSSORemove)
			r.Post("/admin/sso/{providerID}/test", s.handleAdminSSOTest)
			r.Post("/admin/orgs/{orgID}/password-login", s.handleAdminOrgPasswordLogin)
			r.Get("/admin/outbox", s.handleAdminOutbox) // email and jobs (admin_mail.go)
			r.Get("/admin/jobs", s.handleAdminJobs)
		})

		// JSON API: bearer token or session.
		r.Route("/api/v1", func(r chi.Router) {
			r.Use(s.requireUser, s.totpGate, s.passwordGate, s.apiRateLimit())
			r.Get("/me", s.apiMe)
			r.Get("/checklists", s.apiChecklists)
			r.Get("/checklists/{checklistID}", s.apiChecklist)
			r.Get("/assessments", s.apiAssessments)
			r.Post("/assessments", s.apiAssessmentCreate)
			r.Get("/assessments/{assessmentID}", s.apiAssessment)
			r.Put("/assessments/{assessmentID}/answers/{questionID}", s.apiAnswerSave)
			r.Post("/assessments/{assessmentID}/categories/{category}/confirm", s.apiConfirmCategory)
			r.Post("/assessments/{assessmentID}/submit", s.apiSubmit)
			r.Post("/assessments/{assessmentID}/withdraw", s.apiWithdraw)
			r.Get("/reviews", s.apiReviews)
			r.Post("/assessments/{assessmentID}/return", s.apiReturn)
			r.Post("/assessments/{assessmentID}/approve", s.apiApprove)
			r.Post("/assessments/{assessmentID}/reopen", s.apiReopen)
			r.Get("/assessments/{assessmentID}/comments", s.apiComments)
			r.Post("/assessments/{assessmentID}/comments", s.apiCommentCreate)
			r.Get("/assessments/{assessmentID}/marks", s.apiMarks)
			r.Put("/assessments/{assessmentID}/marks/{questionID}", s.apiMarkSet)
			r.Get("/assessments/{assessmentID}/audit", s.apiAudit)
			r.Get("/assessments/{assessmentID}/report", s.apiReport)
			r.Get("/orgs/{orgID}/profile", s.apiProfileGet)
			r.Put("/orgs/{orgID}/profile", s.apiProfilePut)
			r.Get("/orgs/{orgID}/targets", s.apiTargetsGet)
			r.Put("/orgs/{orgID}/targets", s.apiTargetsPut)
			r.Get("/assessments/{assessmentID}/benchmark", s.apiBenchmark)
			r.With(s.sameSiteDownload).Get("/assessments/{assessmentID}/export", s.handleExport)
			r.Post("/assessments/{assessmentID}/import", s.apiImport)
			r.Post("/evidence", s.apiEvidenceCreate)
			r.Get("/evidence", s.apiEvidenceList)
			r.Get("/evidence/{evidenceID}", s.apiEvidenceGet)
			r.Get("/evidence/{evidenceID}/content", s.handleEvidenceContent)
			r.Patch("/evidence/{evidenceID}", s.apiEvidencePatch)
			r.Delete("/evidence/{evidenceID}", s.apiEvidenceDelete)
			r.Post("/assessments/{assessmentID}/answers/{questionID}/evidence", s.apiAnswerEvidenceLink)
			r.Delete("/assessments/{assessmentID}/answers/{questionID}/evidence/{evidenceID}", s.apiAnswerEvidenceUnlink)
			r.Put("/assessments/{assessmentID}/evidence-reviews/{evidenceID}", s.apiEvidenceReview)

			// Improvement actions and the what-if planner.
			r.Get("/orgs/{orgID}/actions", s.apiActions)
			r.Post("/orgs/{orgID}/actions", s.apiActionCreate)
			r.Get("/me/actions", s.apiMyActions)
			r.Get("/actions/{actionID}", s.apiAction)
			r.Patch("/actions/{actionID}", s.apiActionUpdate)
			r.Post("/actions/{actionID}/status", s.apiActionStatus)
			r.Get("/actions/{actionID}/notes", s.apiActionNotes)
			r.Post("/actions/{actionID}/notes", s.apiActionNoteCreate)
			r.Post("/assessments/{assessmentID}/what-if", s.apiWhatIf)
			r.Get("/assessments/{assessmentID}/assignments", s.apiAssignments)
			r.Put("/assessments/{assessmentID}/assignments/{questionID}", s.apiAssign)
			r.Delete("/assessments/{assessmentID}/assignments/{questionID}", s.apiUnassign)
			r.Get("/tasks", s.apiTasks)
			r.Get("/campaigns", s.apiCampaigns)
			r.Post("/campaigns", s.apiCampaignCreate)
			r.Get("/campaigns/{campaignID}", s.apiCampaign)
			r.Post("/campaigns/{campaignID}/close", s.apiCampaignClose)
			r.Get("/notifications", s.apiNotifications)
			r.Post("/notifications/read", s.apiNotificationsRead)
			r.Get("/account/notification-settings", s.apiNotificationSettings)
			r.Put("/account/notification-settings", s.apiNotificationSettingsPut)
		})
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.fail(w, r, errNotFoundRoute)
		})).ServeHTTP(w, r)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": map[string]any{"code": "method_not_allowed", "message": "method not allowed"}})
			return
		}
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	})
	return r
}

// Router exposes the routes for inspection (chi.Walk): the security tests
// call every route the product has, including ones added after them.
func (s *Server) Router() chi.Routes {
	return s.handler.(chi.Routes)
}
