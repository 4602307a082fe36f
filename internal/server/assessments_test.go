package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mamori/internal/assessment"
	"mamori/internal/store"
)

func (e *env) draft(officer store.User) store.Assessment {
	e.t.Helper()
	a, err := e.st.CreateAssessment(context.Background(), store.NewAssessment{OrgID: officer.OrgID, Title: "2026年度 自己評価", ChecklistID: "ipa-benchmark-4", Actor: store.Actor{UserID: officer.ID, Email: officer.Email}})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func htmxPost(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res, readBody(t, res)
}

func TestPageSave(t *testing.T) {
	e := newEnv(t)
	org := e.org("テスト株式会社", nil)
	off := e.user(org.ID, assessment.Officer, false)
	a := e.draft(off)
	c := e.login(off)
	path := e.ts.URL + "/assessments/" + a.ID + "/answers/1-1"

	t.Run("HtmxSaveAnswersWithFragments", func(t *testing.T) {
		res, body := htmxPost(t, c, path, url.Values{"level": {"3"}, "points": {"1-1-2", "1-1-1"}, "comment": {"規程あり"}, "version": {"0"}})
		if res.StatusCode != 200 || !strings.Contains(body, `id="version-1-1"`) || !strings.Contains(body, `value="1"`) || !strings.Contains(body, "保存しました") {
			t.Fatalf("status %d body %s", res.StatusCode, body)
		}
	})
	t.Run("HtmxStaleSaveShowsConflict", func(t *testing.T) {
		res, body := htmxPost(t, c, path, url.Values{"level": {"5"}, "comment": {"別の内容"}, "version": {"0"}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, `data-testid="conflict-1-1"`) || !strings.Contains(body, "規程あり") {
			t.Fatalf("status %d body %s", res.StatusCode, body)
		}
		ans, _ := e.st.Answers(context.Background(), a.ID)
		if ans["1-1"].Comment != "規程あり" || *ans["1-1"].Level != 3 {
			t.Fatalf("stale save overwrote: %+v", ans["1-1"])
		}
	})
	t.Run("NoJSSaveRedirectsBack", func(t *testing.T) {
		res := e.postForm(c, "/assessments/"+a.ID+"/answers/1-2", url.Values{"level": {"2"}, "version": {"0"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/categories/1#q-1-2") {
			t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, page := e.get(c, "/assessments/"+a.ID+"/categories/1")
		if !strings.Contains(page, "設問 1-2 を保存しました") {
			t.Fatal("flash after save missing")
		}
	})
	t.Run("NoJSConflictKeepsValues", func(t *testing.T) {
		res := e.postForm(c, "/assessments/"+a.ID+"/answers/1-1", url.Values{"level": {"4"}, "comment": {"私の入力"}, "version": {"0"}})
		body := readBody(t, res)
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "私の入力") || !strings.Contains(body, "自分の回答で上書きする") {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("NoJSInvalidLevel", func(t *testing.T) {
		res := e.postForm(c, "/assessments/"+a.ID+"/answers/1-3", url.Values{"level": {"9"}, "version": {"0"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", res.StatusCode)
		}
		ans, _ := e.st.Answers(context.Background(), a.ID)
		if _, ok := ans["1-3"]; ok {
			t.Fatal("invalid save wrote an answer")
		}
	})
}
