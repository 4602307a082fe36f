// Package server is Mamori's HTTP layer: the route table and thin handlers
// that decode the request, authorise through one call to package policy,
// validate, call the store, and render a templ view or JSON.
//
// # Where things go
//
// Every URL of the product is in routes.go. A resource (assessments, review,
// report, profile, dashboard, …) has up to three files, named for it:
//
//	X.go           its pages: handleX… handlers and the view models they fill
//	X_api.go       its /api/v1 handlers: apiX…
//	X_api_json.go  the API's response types and their conversion from store
//	               values; handlers never write a store struct as JSON, so a
//	               column rename cannot change the public API
//
// and its tests beside them (X_test.go, X_api_test.go). To add evidence, say:
// routes in routes.go, evidence.go, evidence_api.go and evidence_api_json.go
// here, a policy function in internal/policy, the table's methods in
// internal/store/evidence.go, its migration, web/views/evidence.templ, and
// the messages in both catalogs of web/i18n.
//
// The rest of the package is what every handler shares:
//
//	server.go        Server and New: what the handlers are given
//	authenticate.go  who is calling (bearer token or session), the language,
//	                 requireUser, cross-origin and cross-site refusals
//	respond.go       errors to status codes and messages, JSON, rendering
//	page.go          page chrome and flash messages
//	textcheck.go     control characters refused in every form and JSON body
//	ratelimit.go     the API rate limit's key and answer
//	health.go        /healthz, /readyz and the static assets
//
// # What is not here
//
// HTTP plumbing that knows nothing of Mamori (request ids, the request log,
// security headers, limits, client address) is internal/middleware; metrics
// and the measurement aids are internal/metrics. Rules live in the domain
// packages (internal/assessment, internal/policy, internal/score), SQL and
// transactions in internal/store, sign-in primitives and the throttle in
// internal/auth, and the views in web/views. A handler holds no transaction:
// when a change needs several statements, the store method that owns the
// transaction does them.
package server
