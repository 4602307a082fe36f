package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/store"
)

// answered seeds a draft with every question at level 3.
func (s *site) answered(officer store.User, title string) store.Assessment {
	s.t.Helper()
	ctx := context.Background()
	act := store.Actor{UserID: officer.ID, Email: officer.Email}
	a, err := s.st.CreateAssessment(ctx, store.NewAssessment{OrgID: officer.OrgID, Title: title, ChecklistID: checklist.Default().ID, Actor: act})
	if err != nil {
		s.t.Fatal(err)
	}
	three := 3
	for _, q := range checklist.Default().QuestionIDs() {
		if _, err := s.st.SaveAnswer(ctx, a.ID, q, assessment.AnswerValues{Level: &three, Comment: "運用中"}, act); err != nil {
			s.t.Fatal(err)
		}
	}
	return a
}

// fetchJS runs fetch(url) in the page (with its cookies) and returns what
// the expression after it makes of the response r.
func fetchJS(t *testing.T, ctx context.Context, url, then string) string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsString(url)+`).then(async r => `+then+`)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", url, err)
	}
	return out
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestEvidenceJourney: the officer uploads a PDF with a Japanese name to
// 1-1, links the same item to 1-2 and a link to 3-6, and submits; the
// auditor opens the PDF, marks the 1-2 item insufficient and returns; the
// officer sees the mark. Next year's copy carries the evidence over to be
// reconfirmed, and the audit package matches its manifest.
func TestEvidenceJourney(t *testing.T) {
	s := newSite(t)
	client := s.org("証跡株式会社", nil)
	firm := s.org("監査法人サンプル", nil)
	s.user(client.ID, assessment.Officer, false, "officer@evidence.example")
	aud := s.user(firm.ID, assessment.Auditor, false, "auditor@evidence.example")
	if err := s.st.AssignAuditor(context.Background(), aud.ID, client.ID, store.Actor{Email: "test"}); err != nil {
		t.Fatal(err)
	}
	off, _ := s.st.UserByEmail(context.Background(), "officer@evidence.example")
	a := s.answered(off, "2026年度 自己評価")
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	file := filepath.Join(t.TempDir(), "アクセス権レビュー 2026年度.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}

	octx := browser(t, 1280, 900)
	login(t, octx, s.url, "officer@evidence.example")
	navigate(t, octx, s.url+"/assessments/"+a.ID+"/categories/1")
	do(t, octx, "upload to 1-1",
		chromedp.Click(chromedp.CSS("[data-testid=evidence-add-1-1] summary")),
		chromedp.SetUploadFiles(chromedp.ID("evf-1-1"), []string{file}),
		chromedp.SetValue(chromedp.ID("eve-1-1-f"), "2026-10-01"),
	)
	clickNav(t, octx, "[data-testid=evidence-upload-submit-1-1]")
	waitText(t, octx, "[data-testid=evidence-1-1]", "アクセス権レビュー 2026年度.pdf")
	do(t, octx, "pick for 1-2", chromedp.Click(chromedp.CSS("[data-testid=evidence-add-1-2] summary")))
	clickNav(t, octx, "[data-testid=evidence-pick-submit-1-2]")
	waitText(t, octx, "[data-testid=evidence-1-2]", "アクセス権レビュー 2026年度.pdf")
	checkA11y(t, octx, "category with evidence")
	shot(t, octx, "evidence-on-category")

	navigate(t, octx, s.url+"/assessments/"+a.ID+"/categories/3")
	do(t, octx, "link on 3-6",
		chromedp.Click(chromedp.CSS("[data-testid=evidence-add-3-6] summary")),
		chromedp.SendKeys(chromedp.ID("evu-3-6"), "https://wiki.example.jp/鍵管理"),
		chromedp.SendKeys(chromedp.ID("evt-3-6-u"), "鍵管理手順"),
		chromedp.SetValue(chromedp.ID("eve-3-6-u"), "2024-04-01"),
	)
	clickNav(t, octx, "[data-testid=evidence-link-submit-3-6]")
	waitText(t, octx, "[data-testid=evidence-3-6]", "鍵管理手順")
	waitText(t, octx, "[data-testid=evidence-3-6]", "要見直し") // two years old
	navigate(t, octx, s.url+"/evidence")
	waitText(t, octx, "main", "鍵管理手順")
	checkA11y(t, octx, "evidence library")
	shot(t, octx, "library")
	navigate(t, octx, s.url+"/assessments/"+a.ID)
	clickNav(t, octx, "[data-testid=submit]")
	waitText(t, octx, "[data-testid=status]", "提出済み")

	// The auditor sees the evidence beside the answers, opens the PDF in
	// place (sandboxed), marks the 1-2 item insufficient and returns.
	actx := browser(t, 1280, 900)
	login(t, actx, s.url, "auditor@evidence.example")
	navigate(t, actx, s.url+"/assessments/"+a.ID+"/review")
	waitText(t, actx, "[data-testid=without-evidence]", "24")
	checkA11y(t, actx, "review with evidence")
	href, err := chromedp.Run(actx, chromedp.Evaluate[string](`document.querySelector("[data-testid=evidence-1-1] a").getAttribute("href")`))
	if err != nil || !strings.HasPrefix(href, "/evidence/") {
		t.Fatalf("evidence link %q: %v", href, err)
	}
	got := fetchJS(t, actx, href, "r.status + '|' + r.headers.get('content-type') + '|' + r.headers.get('content-disposition') + '|' + r.headers.get('content-security-policy') + '|' + (await r.text()).slice(0, 8)")
	if !strings.HasPrefix(got, "200|application/pdf|inline; filename*=utf-8''") || !strings.Contains(got, "|sandbox") || !strings.HasSuffix(got, "|%PDF-1.4") {
		t.Fatalf("the PDF as the auditor's browser gets it: %q", got)
	}
	navigate(t, actx, s.url+href)
	shot(t, actx, "pdf-in-place")
	navigate(t, actx, s.url+"/assessments/"+a.ID+"/review#rq-1-2")
	id := strings.TrimSuffix(strings.TrimPrefix(href, "/evidence/"), "/content")
	do(t, actx, "insufficient comment", chromedp.SendKeys(chromedp.ID("evr-1-2-"+id), "1-2 には当てはまりません"))
	clickNav(t, actx, "[data-testid=evidence-1-2] [data-testid=evidence-insufficient-"+id+"]")
	waitText(t, actx, "[data-testid=evidence-1-2]", "不十分")
	do(t, actx, "return comment", chromedp.SendKeys(chromedp.ID("return-comment"), "1-2 の証跡を見直してください。"))
	clickNav(t, actx, "[data-testid=return]")
	waitText(t, actx, "main", "差し戻し")

	// The officer sees the mark beside the question.
	navigate(t, octx, s.url+"/assessments/"+a.ID+"/categories/1")
	waitText(t, octx, "[data-testid=evidence-1-2]", "不十分")
	waitText(t, octx, "[data-testid=evidence-1-2]", "1-2 には当てはまりません")
	shot(t, octx, "officer-sees-insufficient")

	// The audit package, downloaded by the browser, matches its manifest.
	b64 := fetchJS(t, octx, "/assessments/"+a.ID+"/export?format=zip",
		"{ const b = new Uint8Array(await r.arrayBuffer()); let s = ''; for (const c of b) s += String.fromCharCode(c); return btoa(s); }")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	checkPackage(t, raw)

	// Next year: the copy carries the evidence over, flagged for
	// reconfirmation.
	navigate(t, octx, s.url+"/assessments")
	do(t, octx, "new from last year",
		chromedp.SendKeys(chromedp.ID("title"), "2027年度 自己評価"),
		chromedp.SetValue(chromedp.ID("copy_from"), a.ID),
	)
	clickNav(t, octx, "[data-testid=create-assessment]")
	loc, _ := chromedp.Run(octx, chromedp.Location())
	navigate(t, octx, loc+"/categories/1")
	waitText(t, octx, "[data-testid=evidence-1-1] [data-testid=evidence-reconfirm]", "再確認")
	shot(t, octx, "carried-over-evidence")
	clickNav(t, octx, "[data-testid=evidence-confirm-"+id+"]")
	waitText(t, octx, "[data-testid=evidence-1-1]", "アクセス権レビュー")
	if n, _ := chromedp.Run(octx, chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=evidence-1-1] [data-testid=evidence-reconfirm]").length`)); n != 0 {
		t.Fatal("the confirmed link is still flagged")
	}
}

// checkPackage unzips an audit package and checks every file against the
// manifest's SHA-256.
func checkPackage(t *testing.T, raw []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("audit package (%d bytes): %v", len(raw), err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(rc)
		rc.Close()
		files[f.Name] = b.Bytes()
	}
	var m struct {
		Workbook string `json:"workbook"`
		Evidence []struct {
			Kind   string `json:"kind"`
			SHA256 string `json:"sha256"`
			Links  []struct {
				QuestionID string `json:"question_id"`
				Path       string `json:"path"`
			} `json:"links"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(files[m.Workbook]) == 0 || len(m.Evidence) != 2 {
		t.Fatalf("package: workbook %q (%d bytes), %d items", m.Workbook, len(files[m.Workbook]), len(m.Evidence))
	}
	checked := 0
	for _, e := range m.Evidence {
		for _, l := range e.Links {
			if e.Kind != "file" {
				continue
			}
			sum := sha256.Sum256(files[l.Path])
			if hex.EncodeToString(sum[:]) != e.SHA256 || !strings.HasPrefix(l.Path, l.QuestionID+"/") {
				t.Errorf("%s does not match the manifest", l.Path)
			}
			checked++
		}
	}
	if checked != 2 { // the PDF under 1-1 and under 1-2
		t.Errorf("%d files checked", checked)
	}
}
