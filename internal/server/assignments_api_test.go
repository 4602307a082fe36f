package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/assessment"
)

// TestAssignments: an officer assigns a category to a colleague, who sees
// the questions in My tasks (and a notification) until answering them;
// bad assignees and dates are refused with 422; the overview shows the
// progress per assignee and each question its assignee.
func TestAssignments(t *testing.T) {
	f := newRvFix(t)
	colleague := f.user(f.org.ID, assessment.Officer, false)
	tColleague := f.token(colleague)
	code, m := f.api(f.tOfficer, "POST", "/api/v1/assessments", map[string]any{"title": "割当テスト"})
	if code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	aid := m["id"].(string)
	base := "/api/v1/assessments/" + aid + "/assignments/"

	t.Run("BadInputIs422", func(t *testing.T) {
		for name, body := range map[string]map[string]any{
			"OtherOrgsOfficer": {"user_id": f.otherOfficer.ID},
			"NotAnOfficer":     {"user_id": f.manager.ID},
			"UnknownUser":      {"user_id": "00000000-0000-0000-0000-000000000000"},
			"NotAUUID":         {"user_id": "nope"},
			"BadDate":          {"user_id": colleague.ID, "due_on": "31/12/2030"},
			"NoUser":           {"due_on": "2030-12-31"},
		} {
			if code, m := f.api(f.tOfficer, "PUT", base+"2", body); code != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %v", name, code, m)
			}
		}
		if code, _ := f.api(f.tOfficer, "PUT", base+"9-9", map[string]any{"user_id": colleague.ID}); code != http.StatusNotFound {
			t.Errorf("unknown question: %d", code)
		}
		if code, _ := f.api(f.tManager, "PUT", base+"2", map[string]any{"user_id": colleague.ID}); code != http.StatusForbidden {
			t.Errorf("manager assigns: %d", code)
		}
	})

	t.Run("CategoryAssignedShowsInTasks", func(t *testing.T) {
		code, m := f.api(f.tOfficer, "PUT", base+"2", map[string]any{"user_id": colleague.ID, "due_on": "2030-06-30", "note": "施設管理へ"})
		if code != 200 {
			t.Fatalf("assign: %d %v", code, m)
		}
		got := m["assignments"].([]any)
		if len(got) < 2 {
			t.Fatalf("category 2 assigned %d questions", len(got))
		}
		code, m = f.api(tColleague, "GET", "/api/v1/tasks", nil)
		tasks := m["tasks"].([]any)
		if code != 200 || len(tasks) != len(got) {
			t.Fatalf("tasks: %d, %d items, want %d", code, len(tasks), len(got))
		}
		first := tasks[0].(map[string]any)
		if first["due_on"] != "2030-06-30" || !strings.HasPrefix(first["link"].(string), "/assessments/"+aid+"/categories/2") {
			t.Fatalf("task: %v", first)
		}
		// The officer who assigned has no task.
		if _, m := f.api(f.tOfficer, "GET", "/api/v1/tasks", nil); len(m["tasks"].([]any)) != 0 {
			t.Fatalf("assigner's tasks: %v", m)
		}
		// The colleague was notified.
		code, m = f.api(tColleague, "GET", "/api/v1/notifications?unread=true", nil)
		ns := m["notifications"].([]any)
		if code != 200 || len(ns) != 1 || m["unread"].(float64) != 1 || !strings.Contains(ns[0].(map[string]any)["text"].(string), "割当テスト") {
			t.Fatalf("notifications: %d %v", code, m)
		}
		// A comment on an assigned question reaches its assignee.
		if code, m := f.api(f.tOfficer, "POST", "/api/v1/assessments/"+aid+"/comments", map[string]any{"question_id": "2-2", "body": "鍵の管理は？"}); code != 201 {
			t.Fatalf("comment: %d %v", code, m)
		}
		_, m = f.api(tColleague, "GET", "/api/v1/notifications?unread=true", nil)
		if ns := m["notifications"].([]any); len(ns) != 2 || ns[0].(map[string]any)["kind"] != "commented" || ns[0].(map[string]any)["link"] != "/assessments/"+aid+"/categories/2#q-2-2" {
			t.Fatalf("after the comment: %v", m)
		}
		if code, r := f.api(tColleague, "POST", "/api/v1/notifications/read", map[string]any{"ids": []string{ns0ID(m)}}); code != 200 || r["marked"].(float64) != 1 {
			t.Fatalf("read one: %d %v", code, r)
		}
		// Answering removes the task.
		if code, m := f.api(tColleague, "PUT", "/api/v1/assessments/"+aid+"/answers/2-1", map[string]any{"level": 3, "version": 0}); code != 200 {
			t.Fatalf("answer: %d %v", code, m)
		}
		if _, m := f.api(tColleague, "GET", "/api/v1/tasks", nil); len(m["tasks"].([]any)) != len(got)-1 {
			t.Fatalf("tasks after answering: %v", m)
		}
		// The overview shows the progress per assignee, the category page each assignee.
		c := f.login(f.officer)
		_, page := f.get(c, "/assessments/"+aid)
		if !strings.Contains(page, `data-testid="assignee-row"`) || !strings.Contains(page, colleague.Name) {
			t.Fatalf("overview without assignee progress")
		}
		_, page = f.get(c, "/assessments/"+aid+"/categories/2")
		if strings.Count(page, `data-testid="assigned-to"`) != len(got) {
			t.Fatalf("category page: %d assignee markers, want %d", strings.Count(page, `data-testid="assigned-to"`), len(got))
		}
		// The bell counts the unread notification.
		_, page = f.get(f.login(colleague), "/tasks")
		if !strings.Contains(page, `data-testid="unread-count" aria-hidden="true">1<`) {
			t.Fatalf("bell without its count")
		}
	})

	t.Run("DeleteAndList", func(t *testing.T) {
		req, _ := http.NewRequest("DELETE", f.ts.URL+base+"2-1", nil)
		req.Header.Set("Authorization", "Bearer "+f.tOfficer)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %v %v", err, res.StatusCode)
		}
		res, _ = http.DefaultClient.Do(req)
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("second delete: %d", res.StatusCode)
		}
		_, m := f.api(f.tAuditor, "GET", "/api/v1/assessments/"+aid+"/assignments", nil)
		for _, a := range m["assignments"].([]any) {
			if a.(map[string]any)["question_id"] == "2-1" {
				t.Fatal("2-1 still assigned")
			}
		}
		if code, _ := f.api(f.tOutsider, "GET", "/api/v1/assessments/"+aid+"/assignments", nil); code != http.StatusNotFound {
			t.Fatalf("outsider: %d", code)
		}
	})

	t.Run("Settings", func(t *testing.T) {
		code, m := f.api(tColleague, "PUT", "/api/v1/account/notification-settings", map[string]any{"settings": map[string]string{"assigned": "digest"}})
		s, _ := m["settings"].(map[string]any)
		if code != 200 || s["assigned"] != "digest" || s["decided"] != "immediate" {
			t.Fatalf("put: %d %v", code, m)
		}
		for _, bad := range []map[string]string{{"assigned": "weekly"}, {"nope": "off"}} {
			if code, _ := f.api(tColleague, "PUT", "/api/v1/account/notification-settings", map[string]any{"settings": bad}); code != 422 {
				t.Fatalf("%v: %d", bad, code)
			}
		}
		if code, m := f.api(tColleague, "POST", "/api/v1/notifications/read", map[string]any{"all": true}); code != 200 || m["marked"].(float64) != 1 {
			t.Fatalf("read: %d %v", code, m)
		}
		if _, m := f.api(tColleague, "GET", "/api/v1/notifications?unread=true", nil); m["unread"].(float64) != 0 {
			t.Fatalf("still unread: %v", m)
		}
	})
}

// TestStatusNotifications: a submission notifies the organisation's
// auditors (not the unassigned one), a return its officers.
func TestStatusNotifications(t *testing.T) {
	f := newRvFix(t)
	a := f.submitted("通知テスト")
	_, m := f.api(f.tAuditor, "GET", "/api/v1/notifications", nil)
	ns := m["notifications"].([]any)
	if len(ns) != 1 || ns[0].(map[string]any)["link"] != "/assessments/"+a.ID+"/review" || ns[0].(map[string]any)["kind"] != "submitted" {
		t.Fatalf("auditor: %v", m)
	}
	if _, m := f.api(f.tOutsider, "GET", "/api/v1/notifications", nil); len(m["notifications"].([]any)) != 0 {
		t.Fatalf("unassigned auditor notified: %v", m)
	}
	// The review is in the auditor's tasks, not in the outsider's.
	_, m = f.api(f.tAuditor, "GET", "/api/v1/tasks", nil)
	if ts := m["tasks"].([]any); len(ts) != 1 || ts[0].(map[string]any)["kind"] != "review" || ts[0].(map[string]any)["link"] != "/assessments/"+a.ID+"/review" {
		t.Fatalf("auditor's tasks: %v", m)
	}
	if _, m := f.api(f.tOutsider, "GET", "/api/v1/tasks", nil); len(m["tasks"].([]any)) != 0 {
		t.Fatalf("outsider's tasks: %v", m)
	}
	if code, m := f.api(f.tAuditor, "POST", "/api/v1/assessments/"+a.ID+"/return", map[string]any{"comment": "再確認を"}); code != 200 {
		t.Fatalf("return: %d %v", code, m)
	}
	_, m = f.api(f.tOfficer, "GET", "/api/v1/notifications?unread=true", nil)
	if ns := m["notifications"].([]any); len(ns) != 1 || ns[0].(map[string]any)["kind"] != "decided" {
		t.Fatalf("officer: %v", m)
	}
}

func ns0ID(m map[string]any) string {
	return m["notifications"].([]any)[0].(map[string]any)["id"].(string)
}

// TestNotificationSettingsPage: the account page's form changes a kind's
// mode, shown selected afterwards and read back by the API; an unknown mode
// changes nothing.
func TestNotificationSettingsPage(t *testing.T) {
	e := newEnv(t)
	o := e.org("設定株式会社", nil)
	u := e.user(o.ID, assessment.Officer, false)
	c := e.login(u)
	if res := e.postForm(c, "/account/notifications", url.Values{"mode_campaign_reminder": {"digest"}, "mode_decided": {"off"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	_, page := e.get(c, "/account")
	if !strings.Contains(page, `<option value="digest" selected>`) || !strings.Contains(page, `<option value="off" selected>`) {
		t.Fatal("account page does not show the saved modes")
	}
	if res := e.postForm(c, "/account/notifications", url.Values{"mode_decided": {"hourly"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown mode: %d", res.StatusCode)
	}
	_, m := e.api(e.token(u), "GET", "/api/v1/account/notification-settings", nil)
	if s := m["settings"].(map[string]any); s["decided"] != "off" || s["campaign_reminder"] != "digest" || s["assigned"] != "immediate" {
		t.Fatalf("settings: %v", m)
	}
}
