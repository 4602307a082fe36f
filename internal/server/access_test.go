package server_test

// The access-control matrix: every route of the router (found with
// chi.Walk, so a route added later is covered without anyone remembering),
// every method, called by ten kinds of caller, with the status each must get
// and a check that nothing of the owning organisation reaches an outsider.
// A route without an expectation fails the test, with the statuses it
// answered, ready to review and paste into routeMatrix.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
	"mamori/web"
)

// The callers. "A" is the organisation that owns the resources in the URLs.
const (
	anon       = "anonymous"
	officer    = "officer"            // officer of A
	auditor    = "auditor"            // internal auditor of A's holding, reviewing A by inheritance (A has no auditor of its own)
	manager    = "manager"            // manager of A
	assigned   = "assigned-auditor"   // an audit firm's auditor assigned to the holding, reviewing A by inheritance
	officerB   = "officer-B"          // the same roles of organisation B (also the holding's, with an auditor of its own)
	auditorB   = "auditor-B"          //
	managerB   = "manager-B"          //
	unassigned = "unassigned-auditor" // the audit firm's auditor assigned to B, not A
	admin      = "admin"              // platform administrator (a manager of another organisation)
)

var (
	callerOrder = []string{anon, officer, auditor, manager, assigned, officerB, auditorB, managerB, unassigned, admin}
	insiders    = []string{officer, auditor, manager, assigned, admin}
	outsiders   = []string{officerB, auditorB, managerB, unassigned}
)

// want is the status each caller must get. Anonymous callers of a route
// behind sign-in are filled in by the runner: a redirect to the sign-in page
// for pages, 401 for the API.
type want map[string]int

// rule is the expectation of one route.
type rule struct {
	want want
	// state is the assessment {assessmentID} names: "draft", "assigned" (a draft with 1-1 assigned), "complete"
	// (every question answered, still a draft), "submitted" or "approved".
	// State-changing requests of callers expected to succeed get a fresh one,
	// so that the order of the calls does not matter. Default "approved".
	state string
	body  func(m *matrix, c *caller, aid string) (contentType string, body io.Reader)
}

// Expectation builders.

// viewers: whoever sees organisation A gets ok, outsiders 404 (never
// revealing that the resource exists).
func viewers(ok int) want { return roles(ok, 0, insiders...) }

// roles: the named callers get ok; the other insiders get denied (403, or
// the status the route answers them); outsiders get 404.
func roles(ok, denied int, allowed ...string) want {
	w := want{}
	for _, c := range insiders {
		w[c] = denied
	}
	for _, c := range outsiders {
		w[c] = http.StatusNotFound
	}
	for _, c := range allowed {
		w[c] = ok
	}
	return w
}

// everyone: every signed-in caller gets ok (the route holds no
// organisation's data, or only the caller's own).
func everyone(ok int) want {
	w := want{}
	for _, c := range callerOrder[1:] {
		w[c] = ok
	}
	return w
}

// only: the named callers get ok, every other signed-in caller denied.
func only(ok, denied int, allowed ...string) want {
	w := everyone(denied)
	for _, c := range allowed {
		w[c] = ok
	}
	return w
}

// public: anonymous callers too.
func public(status int) want { w := everyone(status); w[anon] = status; return w }

func (w want) with(kv ...any) want {
	out := want{}
	for k, v := range w {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(int)
	}
	return out
}

const (
	ok       = http.StatusOK
	created  = http.StatusCreated
	seeOther = http.StatusSeeOther
	denied   = http.StatusForbidden
	missing  = http.StatusNotFound
)

// Request bodies.

func form(v url.Values) func(*matrix, *caller, string) (string, io.Reader) {
	return func(*matrix, *caller, string) (string, io.Reader) {
		return "application/x-www-form-urlencoded", strings.NewReader(v.Encode())
	}
}

func jsonBody(v any) func(*matrix, *caller, string) (string, io.Reader) {
	return func(*matrix, *caller, string) (string, io.Reader) {
		b, _ := json.Marshal(v)
		return "application/json", bytes.NewReader(b)
	}
}

var seq atomic.Int64

func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// routeMatrix is the expectation of every route, keyed "METHOD pattern".
var routeMatrix = map[string]rule{
	// Probes, assets and sign-in: no data, the same for everyone.
	"GET /healthz":       {want: public(ok)},
	"GET /readyz":        {want: public(ok)},
	"GET /metrics":       {want: public(denied)}, // MAMORI_METRICS_TOKEN is set: a session or API token is no key
	"GET /static/{file}": {want: public(ok)},
	"GET /login":         {want: everyone(seeOther).with(anon, ok)},
	"POST /login": {want: public(http.StatusUnauthorized), body: func(*matrix, *caller, string) (string, io.Reader) {
		return form(url.Values{"email": {unique("nobody") + "@example.jp"}, "password": {"not-the-password"}})(nil, nil, "")
	}},
	"POST /login/sso": {want: public(ok), body: func(*matrix, *caller, string) (string, io.Reader) { // no provider for the domain: the password step
		return form(url.Values{"email": {unique("nobody") + "@example.jp"}})(nil, nil, "")
	}},
	"GET /login/sso/callback": {want: public(http.StatusBadRequest)}, // no sign-in pending: refused
	"GET /login/totp":         {want: public(seeOther)},              // nothing pending: back to the password
	"POST /login/totp":        {want: public(seeOther), body: form(url.Values{"code": {"123456"}})},
	"POST /logout":            {want: public(seeOther)},
	"POST /lang":              {want: public(seeOther), body: form(url.Values{"lang": {"ja"}})},

	// The caller's own account.
	"GET /":                                     {want: everyone(seeOther)},
	"GET /account":                              {want: everyone(ok)},
	"POST /account/password":                    {want: everyone(seeOther), body: form(url.Values{"current": {testPassword}, "new": {testPassword}})},
	"POST /account/tokens":                      {want: everyone(created), body: form(url.Values{"label": {"matrix"}})},
	"POST /account/tokens/{tokenID}/revoke":     {want: only(seeOther, missing, officer)}, // the token is the officer's
	"GET /account/totp":                         {want: everyone(ok)},
	"POST /account/totp/confirm":                {want: everyone(http.StatusUnprocessableEntity), body: form(url.Values{"code": {"000000"}})},
	"POST /account/totp/recovery-codes":         {want: everyone(http.StatusUnprocessableEntity), body: form(url.Values{"code": {"000000"}})},
	"POST /account/totp/disable":                {want: everyone(http.StatusUnprocessableEntity), body: form(url.Values{"code": {"000000"}})},
	"GET /assessments":                          {want: everyone(ok)},
	"GET /reviews":                              {want: only(ok, denied, auditor, assigned, auditorB, unassigned)},
	"GET /profile":                              {want: everyone(ok)},
	"GET /dashboard":                            {want: only(ok, denied, manager, managerB, admin)},
	"GET /dashboard/export.xlsx":                {want: only(ok, denied, manager, managerB, admin)},
	"POST /assessments":                         {want: only(seeOther, denied, officer, officerB), body: form(url.Values{"title": {"matrix"}})},
	"GET /api/v1/me":                            {want: everyone(ok)},
	"GET /tasks":                                {want: everyone(ok)},
	"GET /api/v1/tasks":                         {want: everyone(ok)},
	"GET /notifications":                        {want: everyone(ok)},
	"POST /notifications/read":                  {want: everyone(seeOther), body: form(url.Values{})},
	"GET /api/v1/notifications":                 {want: everyone(ok)},
	"POST /api/v1/notifications/read":           {want: everyone(ok), body: jsonBody(map[string]any{"all": true})},
	"POST /account/notifications":               {want: everyone(seeOther), body: form(url.Values{"mode_assigned": {"digest"}})},
	"GET /api/v1/account/notification-settings": {want: everyone(ok)},
	"PUT /api/v1/account/notification-settings": {want: everyone(ok), body: jsonBody(map[string]any{"settings": map[string]string{"assigned": "immediate"}})},
	"GET /api/v1/checklists":                    {want: everyone(ok)},
	"GET /api/v1/checklists/{checklistID}":      {want: everyone(ok)},
	"GET /api/v1/assessments":                   {want: everyone(ok)},
	"GET /api/v1/reviews":                       {want: only(ok, denied, auditor, assigned, auditorB, unassigned)},
	"POST /api/v1/assessments":                  {want: only(created, denied, officer, officerB), body: jsonBody(map[string]any{"title": "matrix"})},
	"GET /admin/orgs":                           {want: only(ok, denied, admin)},
	"POST /admin/orgs": {want: only(seeOther, denied, admin), body: func(*matrix, *caller, string) (string, io.Reader) {
		return form(url.Values{"name": {unique("matrix org")}, "industry": {"other"}})(nil, nil, "")
	}},
	"GET /admin/orgs/{orgID}": {want: only(ok, denied, admin)},
	"POST /admin/orgs/{orgID}": {want: only(seeOther, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return form(url.Values{"name": {m.orgA.Name}, "parent_id": {*m.orgA.ParentID}, "industry": {m.orgA.Industry}})(nil, nil, "")
	}},
	"POST /admin/orgs/{orgID}/totp": {want: only(seeOther, denied, admin), body: form(url.Values{})},
	"GET /admin/users":              {want: only(ok, denied, admin)},
	"GET /admin/sso":                {want: only(ok, denied, admin)},
	"POST /admin/sso": {want: only(http.StatusUnprocessableEntity, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		// No MAMORI_SECRET_KEY in the matrix: a secret cannot be stored.
		return form(url.Values{"org_id": {m.orgB.ID}, "name": {"IdP"}, "issuer": {"https://idp.example.jp"}, "client_id": {"c"}, "client_secret": {"s"},
			"domains": {unique("d") + ".example.jp"}, "default_role": {"officer"}})(nil, nil, "")
	}},
	"GET /admin/sso/{providerID}": {want: only(ok, denied, admin)},
	"POST /admin/sso/{providerID}": {want: only(seeOther, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return form(url.Values{"name": {"IdP"}, "issuer": {"https://idp.example.jp"}, "client_id": {"c"},
			"domains": {unique("d") + ".example.jp"}, "default_role": {"auditor"}})(nil, nil, "")
	}},
	"POST /admin/sso/{providerID}/remove":     {want: only(seeOther, denied, admin)},
	"POST /admin/sso/{providerID}/test":       {want: only(http.StatusServiceUnavailable, denied, admin)}, // the issuer answers nothing
	"POST /admin/orgs/{orgID}/password-login": {want: only(seeOther, denied, admin), body: form(url.Values{"password_login": {"on"}})},
	"GET /campaigns":                          {want: only(ok, denied, manager, managerB, admin)},
	"GET /api/v1/campaigns":                   {want: only(ok, denied, manager, managerB, admin)},
	"POST /campaigns": {want: only(seeOther, denied, manager, managerB, admin), body: func(_ *matrix, c *caller, _ string) (string, io.Reader) {
		return form(url.Values{"title": {unique("matrix campaign")}, "deadline": {time.Now().AddDate(0, 2, 0).Format(time.DateOnly)}, "org_ids": {c.user.OrgID}})(nil, nil, "")
	}},
	"POST /api/v1/campaigns": {want: only(created, denied, manager, managerB, admin), body: func(*matrix, *caller, string) (string, io.Reader) {
		return jsonBody(map[string]any{"title": unique("matrix campaign"), "deadline": time.Now().AddDate(0, 2, 0).Format(time.DateOnly), "scope": "subtree"})(nil, nil, "")
	}},
	"GET /campaigns/{campaignID}":               {want: roles(ok, denied, manager, admin)},
	"GET /campaigns/{campaignID}/export.xlsx":   {want: roles(ok, denied, manager, admin)},
	"GET /api/v1/campaigns/{campaignID}":        {want: roles(ok, denied, manager, admin)},
	"POST /campaigns/{campaignID}/close":        {want: roles(seeOther, denied, manager)},
	"POST /api/v1/campaigns/{campaignID}/close": {want: roles(ok, denied, manager)},
	"GET /admin/outbox":                         {want: only(ok, denied, admin)},
	"GET /admin/jobs":                           {want: only(ok, denied, admin)},
	"POST /admin/users": {want: only(created, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return form(url.Values{"email": {unique("new") + "@example.jp"}, "name": {"新規"}, "role": {"officer"}, "org_id": {m.orgB.ID}})(nil, nil, "")
	}},
	"POST /admin/users/import": {want: only(created, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "users.csv")
		fmt.Fprintf(fw, "%s@example.jp,取込,officer,%s\n", unique("imported"), m.orgB.ID)
		mw.Close()
		return mw.FormDataContentType(), &buf
	}},
	"GET /admin/users/{userID}": {want: only(ok, denied, admin)},
	"POST /admin/users/{userID}": {want: only(seeOther, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return form(url.Values{"name": {m.victim.Name}, "role": {"officer"}, "org_id": {m.orgA.ID}, "active": {"1"}})(nil, nil, "")
	}},
	"POST /admin/users/{userID}/password": {want: only(ok, denied, admin), body: form(url.Values{})},
	"POST /admin/assignments": {want: only(seeOther, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return form(url.Values{"user_id": {m.spare.ID}, "org_id": {m.orgA.ID}})(nil, nil, "")
	}},
	"POST /admin/assignments/remove": {want: only(seeOther, denied, admin), body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return form(url.Values{"user_id": {m.spare.ID}, "org_id": {m.orgA.ID}})(nil, nil, "")
	}},

	// Organisation A's assessments: read by whoever sees A.
	"GET /assessments/{assessmentID}":                       {want: viewers(ok)},
	"GET /assessments/{assessmentID}/categories/{category}": {want: viewers(ok)},
	"GET /assessments/{assessmentID}/review":                {want: viewers(ok)},
	"GET /assessments/{assessmentID}/history":               {want: viewers(ok)},
	"GET /assessments/{assessmentID}/report":                {want: viewers(ok)},
	"GET /assessments/{assessmentID}/compare":               {want: viewers(seeOther)},
	"GET /assessments/{assessmentID}/compare/{otherID}":     {want: viewers(ok)},
	"GET /assessments/{assessmentID}/benchmark":             {want: viewers(ok)},
	"GET /assessments/{assessmentID}/export":                {want: viewers(ok)},
	"GET /assessments/{assessmentID}/import":                {want: roles(ok, denied, officer), state: "draft"},
	"GET /api/v1/assessments/{assessmentID}":                {want: viewers(ok)},
	"GET /api/v1/assessments/{assessmentID}/comments":       {want: viewers(ok)},
	"GET /api/v1/assessments/{assessmentID}/marks":          {want: viewers(ok)},
	"GET /api/v1/assessments/{assessmentID}/assignments":    {want: viewers(ok)},
	"GET /api/v1/assessments/{assessmentID}/audit":          {want: viewers(ok)},
	"GET /api/v1/assessments/{assessmentID}/report":         {want: viewers(ok)},
	"GET /api/v1/assessments/{assessmentID}/benchmark":      {want: viewers(ok)},
	"GET /api/v1/assessments/{assessmentID}/export":         {want: viewers(ok)},
	"GET /orgs/{orgID}/profile":                             {want: viewers(ok)},
	"GET /orgs/{orgID}/targets":                             {want: viewers(ok)},
	"GET /api/v1/orgs/{orgID}/profile":                      {want: viewers(ok)},
	"GET /api/v1/orgs/{orgID}/targets":                      {want: viewers(ok)},

	// Changes to A's assessments: the role the workflow names, in A.
	"POST /assessments/{assessmentID}/answers/{questionID}": {want: roles(seeOther, denied, officer), state: "draft",
		body: form(url.Values{"level": {"3"}, "version": {"0"}, "comment": {"matrix"}, "points": {"1-1-1"}})},
	"PUT /api/v1/assessments/{assessmentID}/answers/{questionID}": {want: roles(ok, denied, officer), state: "draft",
		body: jsonBody(map[string]any{"level": 3, "version": 0, "comment": "matrix", "points_met": []string{"1-1-1"}})},
	"POST /assessments/{assessmentID}/categories/{category}/confirm":        {want: roles(seeOther, denied, officer), state: "draft"},
	"POST /api/v1/assessments/{assessmentID}/categories/{category}/confirm": {want: roles(ok, denied, officer), state: "draft"},
	"POST /assessments/{assessmentID}/submit":                               {want: roles(seeOther, denied, officer), state: "complete"},
	"POST /assessments/{assessmentID}/withdraw":                             {want: roles(seeOther, denied, officer), state: "submitted", body: form(url.Values{"reason": {"記入漏れ"}})},
	"POST /api/v1/assessments/{assessmentID}/withdraw":                      {want: roles(ok, denied, officer), state: "submitted", body: jsonBody(map[string]any{"reason": "記入漏れ"})},
	"POST /api/v1/assessments/{assessmentID}/submit":                        {want: roles(ok, denied, officer), state: "complete"},
	"POST /assessments/{assessmentID}/return":                               {want: roles(seeOther, denied, auditor, assigned), state: "submitted", body: form(url.Values{"comment": {"差し戻します"}})},
	"POST /assessments/{assessmentID}/approve":                              {want: roles(seeOther, denied, auditor, assigned), state: "submitted", body: form(url.Values{"comment": {"承認します"}, "acknowledge_open_marks": {"1"}})},
	"POST /assessments/{assessmentID}/reopen":                               {want: roles(seeOther, denied, auditor, assigned), state: "approved", body: form(url.Values{"reason": {"再確認"}})},
	"POST /api/v1/assessments/{assessmentID}/return":                        {want: roles(ok, denied, auditor, assigned), state: "submitted", body: jsonBody(map[string]any{"comment": "差し戻します"})},
	"POST /api/v1/assessments/{assessmentID}/approve":                       {want: roles(ok, denied, auditor, assigned), state: "submitted", body: jsonBody(map[string]any{"comment": "承認します"})},
	"POST /api/v1/assessments/{assessmentID}/reopen":                        {want: roles(ok, denied, auditor, assigned), state: "approved", body: jsonBody(map[string]any{"reason": "再確認"})},
	"POST /assessments/{assessmentID}/comments": {want: roles(seeOther, denied, officer, auditor, assigned), state: "submitted",
		body: form(url.Values{"body": {"matrix comment"}, "question_id": {"1-1"}})},
	"POST /api/v1/assessments/{assessmentID}/comments": {want: roles(created, denied, officer, auditor, assigned), state: "submitted",
		body: jsonBody(map[string]any{"body": "matrix comment", "question_id": "1-1"})},
	"POST /assessments/{assessmentID}/marks/{questionID}":       {want: roles(seeOther, denied, auditor, assigned), state: "submitted", body: form(url.Values{"mark": {"ok"}})},
	"PUT /api/v1/assessments/{assessmentID}/marks/{questionID}": {want: roles(ok, denied, auditor, assigned), state: "submitted", body: jsonBody(map[string]any{"mark": "ok"})},
	"POST /assessments/{assessmentID}/import":                   {want: roles(seeOther, denied, officer), state: "draft", body: importUpload},
	"POST /api/v1/assessments/{assessmentID}/import":            {want: roles(ok, denied, officer), state: "draft", body: importCSV},
	"POST /assessments/{assessmentID}/assignments": {want: roles(seeOther, denied, officer), state: "draft", body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return form(url.Values{"target": {"2"}, "user_id": {m.officerA.user.ID}, "due_on": {"2030-01-31"}})(nil, nil, "")
	}},
	"PUT /api/v1/assessments/{assessmentID}/assignments/{questionID}": {want: roles(ok, denied, officer), state: "draft", body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
		return jsonBody(map[string]any{"user_id": m.officerA.user.ID, "note": "matrix"})(nil, nil, "")
	}},
	"DELETE /api/v1/assessments/{assessmentID}/assignments/{questionID}": {want: roles(http.StatusNoContent, denied, officer), state: "assigned"},

	// A's profile and targets.
	"POST /orgs/{orgID}/profile":       {want: roles(seeOther, denied, officer, manager, admin), body: profileForm},
	"PUT /api/v1/orgs/{orgID}/profile": {want: roles(ok, denied, officer, manager, admin), body: profileJSON},
	"POST /orgs/{orgID}/targets":       {want: roles(seeOther, denied, manager), body: form(url.Values{"t-1-1": {"4"}})},
	"PUT /api/v1/orgs/{orgID}/targets": {want: roles(ok, denied, manager), body: jsonBody(map[string]any{"targets": map[string]int{"1-1": 4}})},

	// Evidence: {evidenceID} is a fresh file of A (linked to 1-1 of the
	// assessment when the route names one). Officers add to their own
	// organisation's library; whoever sees A reads A's.
	"POST /api/v1/evidence":                     {want: only(created, denied, officer, officerB), body: evidenceUpload},
	"GET /api/v1/evidence":                      {want: everyone(ok)},
	"GET /api/v1/evidence/{evidenceID}":         {want: viewers(ok)},
	"GET /api/v1/evidence/{evidenceID}/content": {want: viewers(ok)},
	"GET /evidence/{evidenceID}/content":        {want: viewers(ok)},
	"PATCH /api/v1/evidence/{evidenceID}":       {want: roles(ok, denied, officer), body: jsonBody(map[string]any{"title": "matrix"})},
	"DELETE /api/v1/evidence/{evidenceID}":      {want: roles(http.StatusNoContent, denied, officer)},
	"POST /api/v1/assessments/{assessmentID}/answers/{questionID}/evidence": {want: roles(created, denied, officer), state: "draft",
		body: func(m *matrix, _ *caller, _ string) (string, io.Reader) {
			return jsonBody(map[string]any{"evidence_id": m.evidence(nil, "")})(nil, nil, "")
		}},
	"DELETE /api/v1/assessments/{assessmentID}/answers/{questionID}/evidence/{evidenceID}": {want: roles(http.StatusNoContent, denied, officer), state: "draft"},
	"PUT /api/v1/assessments/{assessmentID}/evidence-reviews/{evidenceID}": {want: roles(ok, denied, auditor, assigned), state: "submitted",
		body: jsonBody(map[string]any{"question_id": "1-1", "review": "accepted"})},
	"GET /evidence":               {want: everyone(ok)},
	"POST /evidence":              {want: only(seeOther, denied, officer, officerB), body: evidenceUpload},
	"POST /evidence/{evidenceID}": {want: roles(seeOther, denied, officer), body: form(url.Values{"title": {"matrix"}, "effective_date": {"2026-10-01"}})},
	"POST /assessments/{assessmentID}/answers/{questionID}/evidence":                     {want: roles(seeOther, denied, officer), state: "draft", body: evidenceUpload},
	"POST /assessments/{assessmentID}/answers/{questionID}/evidence/{evidenceID}/remove": {want: roles(seeOther, denied, officer), state: "draft", body: form(url.Values{})},
	"POST /assessments/{assessmentID}/evidence-reviews/{evidenceID}": {want: roles(seeOther, denied, auditor, assigned), state: "submitted",
		body: form(url.Values{"question_id": {"1-1"}, "review": {"accepted"}})},
	// A's improvement actions: read by whoever sees A, planned by its
	// officers and managers (and the owner, an officer here); the what-if
	// planner reads like the report.
	"GET /api/v1/orgs/{orgID}/actions":                {want: viewers(ok)},
	"GET /api/v1/me/actions":                          {want: everyone(ok)},
	"GET /api/v1/actions/{actionID}":                  {want: viewers(ok)},
	"GET /api/v1/actions/{actionID}/notes":            {want: viewers(ok)},
	"POST /api/v1/orgs/{orgID}/actions":               {want: roles(created, denied, officer, manager), body: actionJSON},
	"PATCH /api/v1/actions/{actionID}":                {want: roles(ok, denied, officer, manager), body: actionPatch},
	"POST /api/v1/actions/{actionID}/status":          {want: roles(ok, denied, officer, manager), body: actionMove},
	"POST /api/v1/actions/{actionID}/notes":           {want: roles(created, denied, officer, manager), body: jsonBody(map[string]any{"body": "matrix note"})},
	"POST /api/v1/assessments/{assessmentID}/what-if": {want: viewers(ok), body: jsonBody(map[string]any{"levels": map[string]int{"1-1": 5}})},
	"GET /actions":                            {want: everyone(ok)},
	"GET /actions/new":                        {want: only(ok, denied, officer, manager, officerB, managerB, admin)}, // in the caller's own organisation
	"GET /actions/{actionID}":                 {want: viewers(ok)},
	"GET /assessments/{assessmentID}/what-if": {want: viewers(ok)},
	"POST /orgs/{orgID}/actions":              {want: roles(seeOther, denied, officer, manager), body: actionForm},
	"POST /actions/{actionID}/status":         {want: roles(seeOther, denied, officer, manager), body: actionMoveForm},
	"POST /actions/{actionID}/notes":          {want: roles(seeOther, denied, officer, manager), body: form(url.Values{"body": {"matrix note"}})},
	"GET /actions/{actionID}/edit":            {want: roles(ok, denied, officer, manager)},
	"POST /actions/{actionID}/edit":           {want: roles(seeOther, denied, officer, manager), body: actionEditForm},
}

// evidenceUpload is a link added through the API.
func evidenceUpload(*matrix, *caller, string) (string, io.Reader) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("title", "matrix")
	_ = mw.WriteField("effective_date", "2026-10-01")
	_ = mw.WriteField("url", "https://example.jp/"+unique("matrix"))
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// evidence adds a fresh text file to A's library and, with an assessment,
// links it to that assessment's 1-1 (in the database: the assessment may be
// submitted already). It returns the item's id.
func (m *matrix) evidence(t *testing.T, aid string) string {
	ctx := context.Background()
	data := []byte(unique("matrix evidence"))
	sum := sha256.Sum256(data)
	e, err := m.e.st.CreateEvidence(ctx, store.NewEvidence{OrgID: m.orgA.ID, Title: "matrix", EffectiveDate: time.Now(),
		File:  &store.EvidenceUpload{Filename: "matrix.txt", ContentType: "text/plain", Size: int64(len(data)), SHA256: sum[:], Contents: bytes.NewReader(data)},
		Actor: store.Actor{Email: "test"}})
	if err == nil && aid != "" {
		_, err = storetest.DB(m.e.t, m.e.st).Exec(ctx, `INSERT INTO evidence_links (org_id, assessment_id, question_id, evidence_id) VALUES ($1, $2, '1-1', $3)`,
			m.orgA.ID, aid, e.ID)
	}
	if err != nil {
		m.e.t.Fatal(err)
	}
	return e.ID
}

// actionForm is the form of a new action of A, written from scratch.
func actionForm(m *matrix, _ *caller, _ string) (string, io.Reader) {
	return form(url.Values{"title": {marker + " 新しい対策"}, "question_id": {"1-1"}, "planned_level": {"5"},
		"owner_id": {m.officerA.user.ID}, "due_on": {"2099-12-31"}, "priority": {"low"}})(nil, nil, "")
}

// actionEditForm renames A's action on its edit page, at its version.
func actionEditForm(m *matrix, _ *caller, _ string) (string, io.Reader) {
	a, _ := m.e.st.GetAction(context.Background(), m.action)
	return form(url.Values{"title": {marker + " 対策 " + unique("e")}, "lv-1-1": {"5"}, "owner_id": {a.OwnerID},
		"due_on": {a.DueOn.Format("2006-01-02")}, "priority": {"high"}, "version": {fmt.Sprint(a.Version)}})(nil, nil, "")
}

// actionMoveForm is actionMove as the action page's form sends it.
func actionMoveForm(m *matrix, c *caller, aid string) (string, io.Reader) {
	_, body := actionMove(m, c, aid)
	var v map[string]string
	_ = json.NewDecoder(body).Decode(&v)
	return form(url.Values{"status": {v["status"]}})(nil, nil, "")
}

// actionJSON is a valid new action of A, owned by A's officer.
func actionJSON(m *matrix, _ *caller, _ string) (string, io.Reader) {
	return jsonBody(map[string]any{"title": marker + " 新しい対策", "questions": []map[string]any{{"question_id": "1-1", "planned_level": 5}},
		"owner_id": m.officerA.user.ID, "due_on": "2099-12-31", "priority": "medium"})(nil, nil, "")
}

// actionPatch renames A's action at the version it has just before the call.
func actionPatch(m *matrix, _ *caller, _ string) (string, io.Reader) {
	a, _ := m.e.st.GetAction(context.Background(), m.action)
	return jsonBody(map[string]any{"title": marker + " 対策 " + unique("v"), "version": a.Version})(nil, nil, "")
}

// actionMove moves A's action between open and in progress, whichever it
// is not in.
func actionMove(m *matrix, _ *caller, _ string) (string, io.Reader) {
	a, _ := m.e.st.GetAction(context.Background(), m.action)
	to := "in_progress"
	if a.Status == "in_progress" {
		to = "open"
	}
	return jsonBody(map[string]any{"status": to})(nil, nil, "")
}

// profileValues is a valid profile; the version is read just before the
// call, so every authorised save succeeds whatever came before.
func (m *matrix) profileValues() (url.Values, int) {
	v := 0
	if p, err := m.e.st.GetProfile(context.Background(), m.orgA.ID); err == nil {
		v = p.Version
	}
	return url.Values{"industry": {"manufacturing"}, "employees": {"120"}, "annual_sales_million_jpy": {"3000"},
		"personal_records": {"5000"}, "it_dependence": {"3"}, "online_services": {"on"}, "version": {fmt.Sprint(v)}}, v
}

func profileForm(m *matrix, _ *caller, _ string) (string, io.Reader) {
	v, _ := m.profileValues()
	return form(v)(nil, nil, "")
}

func profileJSON(m *matrix, _ *caller, _ string) (string, io.Reader) {
	_, v := m.profileValues()
	return jsonBody(map[string]any{"industry": "manufacturing", "employees": 120, "annual_sales_million_jpy": 3000,
		"personal_records": 5000, "it_dependence": 3, "online_services": true, "critical_infrastructure": false, "version": v})(nil, nil, "")
}

// importCSV is a real export of a complete assessment, as the API takes it.
func importCSV(m *matrix, _ *caller, _ string) (string, io.Reader) {
	return "text/csv", bytes.NewReader(m.csv)
}

// importUpload is the same file as the import page uploads it.
func importUpload(m *matrix, _ *caller, _ string) (string, io.Reader) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "answers.csv")
	fw.Write(m.csv)
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// caller is one signed-in (or anonymous) client.
type caller struct {
	name    string
	user    store.User
	token   string
	browser *http.Client
}

// matrix is the fixture: organisations A and B, an audit firm, a platform
// organisation, a user per caller, and A's assessments in every state.
type matrix struct {
	e              *env
	orgA, orgB     store.Org
	callers        map[string]*caller
	victim, spare  store.User // what the admin routes act on
	shared         map[string]string
	other          string // a second approved assessment of A (compare)
	action         string // an improvement action of A
	csv            []byte
	needles        []string // what must never reach an outsider
	freshAssessed  int
	officerA, audA *caller
	campaign       string // a campaign of A (over A alone)
}

// freshCampaign launches a campaign of A, as A's manager would.
func (m *matrix) freshCampaign(t *testing.T) string {
	m.freshAssessed++
	c, err := m.e.st.LaunchCampaign(context.Background(), store.NewCampaign{OrgID: m.orgA.ID, Title: fmt.Sprintf("%s 調査 %d", strings.ToUpper(marker), m.freshAssessed),
		ChecklistID: checklist.Default().ID, OrgIDs: []string{m.orgA.ID}, Deadline: time.Now().AddDate(0, 1, 0), ReminderDays: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	m.needles = append(m.needles, c.ID)
	return c.ID
}

// marker is in every name, title and comment of A: an outsider's response
// that contains it has leaked A's data.
// Six characters: a random base64 or base32 text of a page (a QR code, a
// TOTP secret) holds them by chance with a probability of about 1e-9 per
// position.
const marker = "qzx7kw"

func newMatrix(t *testing.T) *matrix {
	e := newEnv(t, func(c *config.Config) { c.MetricsToken = "matrix-metrics-token"; c.APIRateLimit = 0 })
	ctx := context.Background()
	m := &matrix{e: e, callers: map[string]*caller{}, shared: map[string]string{}}
	// A and B are subsidiaries of one holding. The holding's auditors review
	// A, which has none of its own; B has its own auditor, so they do not
	// review B (policy.Reviewers).
	holding := e.org("ホールディングス", nil)
	m.orgA = e.org(strings.ToUpper(marker)+" 株式会社", &holding.ID)
	m.orgB = e.org("乙株式会社", &holding.ID)
	firm := e.org("監査法人", nil)
	platform := e.org("運営", nil)
	member := func(name string, org store.Org, role assessment.Role, isAdmin bool) *caller {
		hash, _ := auth.HashPassword(testPassword)
		label := name
		if org.ID == m.orgA.ID {
			label = marker + "-" + name
		}
		u, err := e.st.CreateUser(ctx, store.NewUser{Email: label + "@example.jp", Name: strings.ToUpper(label), PasswordHash: hash, Role: role, OrgID: org.ID, Admin: isAdmin})
		if err != nil {
			t.Fatal(err)
		}
		c := &caller{name: name, user: u, token: e.token(u)}
		c.browser = e.login(u)
		m.callers[name] = c
		if org.ID == m.orgA.ID {
			m.needles = append(m.needles, u.ID)
		}
		return c
	}
	m.officerA = member(officer, m.orgA, assessment.Officer, false)
	m.audA = member(auditor, holding, assessment.Auditor, false)
	member(manager, m.orgA, assessment.Manager, false)
	as := member(assigned, firm, assessment.Auditor, false)
	member(officerB, m.orgB, assessment.Officer, false)
	member(auditorB, m.orgB, assessment.Auditor, false)
	member(managerB, m.orgB, assessment.Manager, false)
	un := member(unassigned, firm, assessment.Auditor, false)
	member(admin, platform, assessment.Manager, true)
	m.callers[anon] = &caller{name: anon, browser: e.browser()}
	for _, a := range []struct {
		u   store.User
		org string
	}{{as.user, holding.ID}, {un.user, m.orgB.ID}} {
		if err := e.st.AssignAuditor(ctx, a.u.ID, a.org, store.Actor{Email: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	m.victim = e.user(m.orgA.ID, assessment.Officer, false)
	m.spare = e.user(firm.ID, assessment.Auditor, false)
	m.needles = append(m.needles, m.orgA.ID, m.victim.ID)

	// A's assessments, with a total of 97 (16 questions at 4, 11 at 3) that
	// no other organisation has; B's with everything at 2.
	for _, st := range []string{"draft", "assigned", "complete", "submitted", "approved"} {
		m.shared[st] = m.assessmentIn(t, st)
	}
	m.other = m.assessmentIn(t, "approved")
	m.campaign = m.freshCampaign(t)
	m.needles = append(m.needles, `"score":97,`, `"total":97,`)
	code, body := e.api(m.officerA.token, "POST", "/api/v1/orgs/"+m.orgA.ID+"/actions", map[string]any{"title": marker + " 規程の整備",
		"questions": []map[string]any{{"question_id": "1-1", "planned_level": 5}}, "owner_id": m.officerA.user.ID,
		"due_on": "2099-12-31", "priority": "high"})
	if code != http.StatusCreated {
		t.Fatalf("action: %d %v", code, body)
	}
	m.action = body["id"].(string)
	m.needles = append(m.needles, m.action)
	m.comment(t, m.shared["approved"], marker+" コメント")
	m.comment(t, m.shared["submitted"], marker+" コメント")
	bDraft := m.callers[officerB].createAssessment(t, e, "乙の評価")
	m.answerAll(t, bDraft, func(int) int { return 2 }, "乙の回答")
	// Inheritance stops where an organisation has an auditor of its own: the
	// holding's auditors review A (every row below) but not B.
	for name, want := range map[string]int{auditor: 404, assigned: 404, auditorB: 200, unassigned: 200} {
		if code, _ := e.api(m.callers[name].token, "GET", "/api/v1/assessments/"+bDraft, nil); code != want {
			t.Fatalf("%s reading B's assessment: %d, want %d", name, code, want)
		}
	}

	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/assessments/"+m.shared["complete"]+"/export?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+m.officerA.token)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	m.csv, _ = io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !bytes.Contains(m.csv, []byte("1-1")) {
		t.Fatalf("csv export for the import body: %d %.200s", r.StatusCode, m.csv)
	}
	return m
}

func (c *caller) createAssessment(t *testing.T, e *env, title string) string {
	code, body := e.api(c.token, "POST", "/api/v1/assessments", map[string]any{"title": title})
	if code != 201 {
		t.Fatalf("create assessment: %d %v", code, body)
	}
	return body["id"].(string)
}

func (m *matrix) answerAll(t *testing.T, id string, level func(i int) int, comment string) {
	var rows []store.ImportRow
	for i, q := range checklist.Default().QuestionIDs() {
		lv := level(i)
		rows = append(rows, store.ImportRow{QuestionID: q, Level: &lv, Comment: comment})
	}
	if _, err := m.e.st.ImportAnswers(context.Background(), id, rows, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
}

func (m *matrix) comment(t *testing.T, id, text string) {
	if code, body := m.e.api(m.officerA.token, "POST", "/api/v1/assessments/"+id+"/comments", map[string]any{"body": text}); code != 201 {
		t.Fatalf("comment: %d %v", code, body)
	}
}

// assessmentIn makes an assessment of A in a state, the way users do.
func (m *matrix) assessmentIn(t *testing.T, state string) string {
	m.freshAssessed++
	id := m.officerA.createAssessment(t, m.e, fmt.Sprintf("%s 評価 %d", strings.ToUpper(marker), m.freshAssessed))
	m.needles = append(m.needles, id)
	if state == "draft" {
		return id
	}
	if state == "assigned" { // a draft whose question 1-1 is the officer's
		if _, err := m.e.st.AssignQuestions(context.Background(), store.NewQuestionAssignment{AssessmentID: id, QuestionIDs: []string{"1-1"}, UserID: m.officerA.user.ID}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	m.answerAll(t, id, func(i int) int {
		if i < 16 {
			return 4
		}
		return 3
	}, marker+" の回答")
	if state == "complete" {
		return id
	}
	if code, body := m.e.api(m.officerA.token, "POST", "/api/v1/assessments/"+id+"/submit", nil); code != 200 {
		t.Fatalf("submit: %d %v", code, body)
	}
	if state == "submitted" {
		return id
	}
	if code, body := m.e.api(m.audA.token, "POST", "/api/v1/assessments/"+id+"/approve", map[string]any{"comment": "ok"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	return id
}

var paramRE = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// path fills the route's parameters with A's resources.
func (m *matrix) path(t *testing.T, pattern, aid string) string {
	return paramRE.ReplaceAllStringFunc(pattern, func(p string) string {
		switch p {
		case "{assessmentID}":
			return aid
		case "{otherID}":
			return m.other
		case "{questionID}":
			return "1-1"
		case "{category}":
			return "1"
		case "{orgID}":
			return m.orgA.ID
		case "{actionID}":
			return m.action
		case "{userID}":
			return m.victim.ID
		case "{campaignID}":
			return m.campaign
		case "{checklistID}":
			return checklist.Default().ID
		case "{file}":
			return strings.TrimPrefix(web.Asset("app.css"), "/static/")
		case "{providerID}":
			p, err := m.e.st.CreateSSOProvider(context.Background(), store.SSOProvider{OrgID: m.orgB.ID, Name: "IdP", Issuer: "http://127.0.0.1:1", ClientID: "c",
				SecretSealed: []byte("sealed"), Domains: []string{unique("p") + ".example.jp"}, DefaultRole: assessment.Officer}, store.Actor{Email: "test"})
			if err != nil {
				t.Fatal(err)
			}
			return p.ID
		case "{evidenceID}":
			a := ""
			if strings.Contains(pattern, "{assessmentID}") {
				a = aid
			}
			return m.evidence(t, a)
		case "{tokenID}":
			tok, err := m.e.st.CreateToken(context.Background(), m.officerA.user.ID, "to revoke", auth.HashToken(auth.NewToken()), store.Actor{Email: "test"})
			if err != nil {
				t.Fatal(err)
			}
			return tok.ID
		}
		t.Fatalf("route %s: no value for %s: add one to matrix.path", pattern, p)
		return ""
	})
}

// call makes one request of the matrix as c and returns the status and body.
// Without a session, an API route is called with the caller's token; with
// session, with their browser's cookie (the API takes both).
func (m *matrix) call(t *testing.T, method, pattern string, r rule, c *caller, expectOK, session bool, extra ...string) (status int, body, path string) {
	state := r.state
	if state == "" {
		state = "approved"
	}
	aid := m.shared[state]
	if method != http.MethodGet && expectOK && strings.Contains(pattern, "{assessmentID}") {
		aid = m.assessmentIn(t, state) // a success changes it: the next caller gets its own
	}
	if method != http.MethodGet && expectOK && strings.Contains(pattern, "{campaignID}") {
		m.campaign = m.freshCampaign(t) // closing twice is a conflict
	}
	var ct string
	var in io.Reader
	if r.body != nil {
		ct, in = r.body(m, c, aid)
	}
	path = m.path(t, pattern, aid)
	req, err := http.NewRequest(method, m.e.ts.URL+path, in)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	client := c.browser
	if strings.HasPrefix(pattern, "/api/") && c.token != "" && !session {
		req.Header.Set("Authorization", "Bearer "+c.token)
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if pattern == "/logout" && c.name != anon {
		client = m.e.login(c.user) // sign out a session of its own, not the matrix's
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, string(raw), path
}

// TestAccessControlMatrix calls every route as every caller.
func TestAccessControlMatrix(t *testing.T) {
	m := newMatrix(t)
	srv := server.New(m.e.cfg, m.e.st, slog.New(slog.DiscardHandler))
	type route struct{ method, pattern string }
	var routes []route
	err := chi.Walk(srv.Router(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if len(pattern) > 1 {
			pattern = strings.TrimSuffix(pattern, "/")
		}
		routes = append(routes, route{method, pattern})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].method != routes[j].method {
			return routes[i].method < routes[j].method // GET first: reads see the state as set up
		}
		return routes[i].pattern < routes[j].pattern
	})

	seen := map[string]bool{}
	calls, leaksChecked, insiderHits, crossSite := 0, 0, 0, 0
	for _, rt := range routes {
		key := rt.method + " " + rt.pattern
		seen[key] = true
		r, ok := routeMatrix[key]
		if !ok {
			// Say what the route answers, for whoever adds the expectation.
			var got []string
			for _, name := range callerOrder {
				code, _, _ := m.call(t, rt.method, rt.pattern, rule{}, m.callers[name], false, false)
				got = append(got, fmt.Sprintf("%s: %d", name, code))
			}
			t.Errorf("route %q has no expectation in routeMatrix (access_test.go): decide who may call it.\n\tIt answered: %s", key, strings.Join(got, ", "))
			continue
		}
		for _, name := range callerOrder {
			wantStatus, stated := r.want[name]
			if name == anon && !stated {
				wantStatus = http.StatusUnauthorized
				if !strings.HasPrefix(rt.pattern, "/api/") {
					wantStatus = seeOther // to the sign-in page
				}
			} else if !stated {
				t.Errorf("%s: no expectation for caller %s", key, name)
				continue
			}
			ways := []bool{false}
			if strings.HasPrefix(rt.pattern, "/api/") && name != anon {
				ways = append(ways, true)
			}
			for _, session := range ways {
				code, body, path := m.call(t, rt.method, rt.pattern, r, m.callers[name], wantStatus < 400, session)
				// Pages echo the requested URL (the language switch, the
				// sign-in redirect): the caller's own input, not a leak.
				body = withoutEcho(body, path)
				calls++
				how := ""
				if session {
					how = " (session)"
				}
				if code != wantStatus {
					t.Errorf("%s as %s%s: status %d, want %d\n\t%.300s", key, name, how, code, wantStatus, body)
				}
				if name == anon || slices.Contains(outsiders, name) {
					leaksChecked++
					if leak := m.leak(body); leak != "" {
						t.Errorf("%s as %s%s: the response contains %q of organisation A", key, name, how, leak)
					}
				} else if m.leak(body) != "" {
					insiderHits++
				}
			}
		}
	}
	for key := range routeMatrix {
		if !seen[key] {
			t.Errorf("routeMatrix has %q, which is no longer a route: remove it", key)
		}
	}
	// Cross-site requests: every state-changing route, called from another
	// site with the cookie of a caller who may use it (of the officer when
	// nobody may), is refused and changes nothing (no audit entry appears).
	// Reads may be linked from anywhere, but write nothing either: a
	// download, which is recorded, is refused.
	t.Run("CrossSiteRequestsRefused", func(t *testing.T) {
		before := m.auditCount(t)
		tried := 0
		for _, rt := range routes {
			r, ok := routeMatrix[rt.method+" "+rt.pattern]
			if !ok {
				continue
			}
			if rt.method == http.MethodGet {
				name := officer
				for _, c := range callerOrder[1:] {
					if r.want[c] < 400 {
						name = c
						break
					}
				}
				code, body, _ := m.call(t, rt.method, rt.pattern, r, m.callers[name], false, true, "Sec-Fetch-Site", "cross-site")
				if strings.Contains(rt.pattern, "export") && code != http.StatusForbidden {
					t.Errorf("GET %s from another site as %s: %d, want 403\n\t%.200s", rt.pattern, name, code, body)
				}
				tried++
				continue
			}
			name := officer // when nobody may use the route, its likeliest victim
			for _, c := range callerOrder[1:] {
				if r.want[c] < 400 {
					name = c
					break
				}
			}
			for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
				code, body, _ := m.call(t, rt.method, rt.pattern, r, m.callers[name], false, true, h...)
				tried++
				if code != http.StatusForbidden {
					t.Errorf("%s %s from another site (%s) as %s: %d\n\t%.200s", rt.method, rt.pattern, h[0], name, code, body)
				}
			}
		}
		if after := m.auditCount(t); after != before {
			t.Errorf("cross-site requests wrote %d audit entries: %s", after-before, m.lastActions(t, after-before))
		}
		crossSite = tried
	})
	// The needles are right: insiders' responses do contain A's data.
	if insiderHits < 50 {
		t.Errorf("only %d insider responses carried A's data: the leak check would see nothing", insiderHits)
	}
	t.Logf("access-control matrix: %d routes × %d callers, API routes also with the session cookie: %d calls checked; "+
		"%d outsider/anonymous responses searched for %d markers of A, none found; %d fresh assessments; %d cross-site requests made, none of them writing",
		len(routes), len(callerOrder), calls, leaksChecked, len(m.needles)+1, m.freshAssessed, crossSite)
}

func (m *matrix) auditCount(t *testing.T) int {
	var n int
	// Fixtures the test itself makes are recorded as by "test", and the
	// sign-in of a session to sign out (POST /logout) is the test's too.
	if err := storetest.DB(t, m.e.st).QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE actor <> 'test' AND action <> 'login.succeeded'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lastActions names the newest n audit entries, to say what was written.
func (m *matrix) lastActions(t *testing.T, n int) string {
	rows, err := storetest.DB(t, m.e.st).Query(context.Background(),
		`SELECT action || ' by ' || actor FROM audit_log WHERE actor <> 'test' AND action <> 'login.succeeded' ORDER BY seq DESC LIMIT $1`, min(n, 20))
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, ", ")
}

// withoutEcho removes the request path, as given and as escaped in links
// and query strings, from body.
func withoutEcho(body, path string) string {
	for _, p := range []string{url.QueryEscape(path), html.EscapeString(path), path} {
		body = strings.ReplaceAll(body, p, "")
	}
	return body
}

// leak returns the first of A's markers found in body, or "".
func (m *matrix) leak(body string) string {
	if strings.Contains(strings.ToLower(body), marker) {
		return marker
	}
	for _, n := range m.needles {
		if strings.Contains(body, n) {
			return n
		}
	}
	return ""
}
