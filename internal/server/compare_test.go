package server_test

import (
	"context"
	"mamori/internal/assessment"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestCopyConfirmAndCompare(t *testing.T) {
	d := newDiag(t)
	c := d.login(d.officer)
	first := d.draft(d.officer)
	d.answer(first.ID, d.uniformLevels(2), nil)
	if st, m := d.api(d.offTok, "POST", "/api/v1/assessments/"+first.ID+"/submit", map[string]any{}); st != 200 {
		t.Fatalf("submit: %d %v", st, m)
	}
	st, m := d.api(d.offTok, "POST", "/api/v1/assessments", map[string]any{"title": "2027年度", "copy_from": first.ID})
	if st != 201 || m["progress"].(map[string]any)["carried_over"] != 27.0 {
		t.Fatalf("copy: %d %v", st, m)
	}
	second := m["id"].(string)

	// The category page offers 「変更なしで確認」 for each carried-over answer.
	_, doc := d.page(c, "/assessments/"+second+"/categories/1")
	if testid(doc, "confirm-1-1").Length() != 1 || testid(doc, "carried-marker").Length() != 8 {
		t.Fatalf("confirm buttons: %d, markers %d", testid(doc, "confirm-1-1").Length(), testid(doc, "carried-marker").Length())
	}
	if txt := testid(doc, "confirm-1-1").Text(); txt != "変更なしで確認" {
		t.Fatalf("button %q", txt)
	}
	_, ov := d.page(c, "/assessments/"+second)
	if !strings.Contains(text(ov, "unanswered"), "変更なしで確認") {
		t.Errorf("overview hint missing: %q", text(ov, "unanswered"))
	}

	ans, _ := d.st.Answers(context.Background(), second)
	// Without JavaScript the button posts the unchanged form: it confirms.
	res := d.postForm(c, "/assessments/"+second+"/answers/1-2", url.Values{"level": {"2"}, "version": {strconv.Itoa(ans["1-2"].Version)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: status %d", res.StatusCode)
	}
	// With htmx the same form answers with the fragments, the marker gone.
	hres, body := htmxPost(t, c, d.ts.URL+"/assessments/"+second+"/answers/1-3", url.Values{"level": {"2"}, "version": {strconv.Itoa(ans["1-3"].Version)}})
	if hres.StatusCode != 200 || !strings.Contains(body, `id="carried-1-3" hx-swap-oob="true"`) || strings.Contains(body, "confirm-1-3") {
		t.Fatalf("htmx confirm: %d %s", hres.StatusCode, body)
	}
	// Raise 1-1 from 2 to 3.
	d.postForm(c, "/assessments/"+second+"/answers/1-1", url.Values{"level": {"3"}, "version": {strconv.Itoa(ans["1-1"].Version)}})
	after, _ := d.st.Answers(context.Background(), second)
	for _, q := range []string{"1-1", "1-2", "1-3"} {
		if after[q].CarriedOver || after[q].Version != ans[q].Version+1 {
			t.Errorf("%s after confirm: carried %v version %d (was %d)", q, after[q].CarriedOver, after[q].Version, ans[q].Version)
		}
	}
	if !after["1-4"].CarriedOver {
		t.Error("1-4 confirmed without a save")
	}
	_, doc = d.page(c, "/assessments/"+second+"/categories/1")
	if testid(doc, "confirm-1-2").Length() != 0 || testid(doc, "confirm-1-4").Length() != 1 {
		t.Error("confirmed answer still offers the button")
	}

	// The overview links to the comparison with the source.
	if href, _ := testid(ov, "link-compare").Attr("href"); href != "/assessments/"+second+"/compare/"+first.ID {
		t.Errorf("overview compare link %q", href)
	}
	// Compare: 1-1 raised by one, 1-2 unchanged; category 1 average
	// (3 + 7 × 2)/8 = 17/8 = 2.125 → 2.13 against 2.00: +0.13.
	res, doc = d.page(c, "/assessments/"+second+"/compare/"+first.ID)
	if res.StatusCode != 200 {
		t.Fatalf("compare: status %d", res.StatusCode)
	}
	for id, want := range map[string]string{"change-1-1": "+1", "change-1-2": "±0", "change-cat-1": "+0.13", "change-cat-2": "±0.00", "change-total": "+1"} {
		if got := text(doc, id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	// Seen the other way round, the change is negative.
	_, doc = d.page(c, "/assessments/"+first.ID+"/compare/"+second)
	if got := text(doc, "change-1-1"); got != "−1" {
		t.Errorf("reverse change %q", got)
	}

	t.Run("PickerRedirects", func(t *testing.T) {
		res, _ := d.get(c, "/assessments/"+second+"/compare?other="+first.ID)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/assessments/"+second+"/compare/"+first.ID {
			t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = d.get(c, "/assessments/"+second+"/compare")
		if res.Header.Get("Location") != "/assessments/"+second+"/compare/"+first.ID {
			t.Fatalf("without other: location %q", res.Header.Get("Location"))
		}
	})
	t.Run("OtherOrganisation404", func(t *testing.T) {
		o := d.org2()
		theirs := d.draft(d.user(o.org.ID, assessment.Officer, false))
		for _, path := range []string{
			"/assessments/" + second + "/compare/" + theirs.ID,
			"/assessments/" + second + "/compare?other=" + theirs.ID,
			"/assessments/" + second + "/compare/not-a-uuid",
		} {
			if res, _ := d.get(c, path); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d", path, res.StatusCode)
			}
		}
		if res, _ := d.get(d.login(o.mgr), "/assessments/"+theirs.ID+"/compare/"+second); res.StatusCode != http.StatusNotFound {
			t.Errorf("outsider comparing with ours: %d", res.StatusCode)
		}
	})
}
