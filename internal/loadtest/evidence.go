package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"mamori/internal/store"
)

// The evidence rows: a 10 MiB upload and download through the API, each
// against the same bytes sent to or served by a bare net/http server in
// the harness (the static file baseline), and the server's RSS while 8
// clients upload 20 MiB files at once.
const (
	nameFileDown = "10 MiB static file"
	nameFileUp   = "10 MiB POST, discarded"
	nameEvDown   = "evidence download 10 MiB"
	nameEvUp     = "evidence upload 10 MiB"

	evidenceSize   = 10 << 20
	rssUploadSize  = 20 << 20
	rssUploaders   = 8
	evidenceConcur = 4 // uploads write to PostgreSQL: a few clients saturate it
)

// evidenceBody is a multipart upload of a PDF of size bytes whose first line
// is unique (the library refuses a file it already holds), streamed from a
// shared buffer.
func evidenceBody(shared []byte, unique string) (string, io.Reader, int64) {
	var head, tail bytes.Buffer
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("title", "bench "+unique)
	_ = mw.WriteField("effective_date", "2026-10-01")
	_, _ = mw.CreateFormFile("file", "bench.pdf")
	first := fmt.Sprintf("%%PDF-1.7 %s\n", unique)
	head.WriteString(first)
	body := shared[len(first):]
	// The closing boundary, as mw.Close writes it.
	tail.WriteString("\r\n--" + mw.Boundary() + "--\r\n")
	n := int64(head.Len() + len(body) + tail.Len())
	return mw.FormDataContentType(), io.MultiReader(&head, bytes.NewReader(body), &tail), n
}

// evidenceOps adds the evidence rows to a measurement.
func (b *bench) evidenceRows(ctx context.Context, run func(name, kind string, conc int, op Op, baseline string)) error {
	data := bytes.Repeat([]byte("0123456789abcdef"), evidenceSize/16)
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
			return
		}
		http.ServeContent(w, r, "bench.pdf", time.Time{}, bytes.NewReader(data))
	}))
	defer static.Close()
	c := min(b.o.Concurrency, evidenceConcur)

	run(nameFileDown, kindBaseline, c, func(ctx context.Context, _, _ int) (Obs, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, static.URL+"/bench.pdf", nil)
		return do(b.client, req, http.StatusOK)
	}, "")
	id, err := b.uploadOnce(ctx, data, "download")
	if err != nil {
		return err
	}
	// The item is officer 0's organisation's: every client reads it as them.
	run(nameEvDown, kindPath, c, b.getOp(func(int, int) string { return "/api/v1/evidence/" + id + "/content" }, nil,
		func(int) string { return b.tokens[0] }), nameFileDown)

	run(nameFileUp, kindBaseline, c, func(ctx context.Context, w, seq int) (Obs, error) {
		ct, body, n := evidenceBody(data, fmt.Sprintf("%d-%d", w, seq))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, static.URL+"/upload", body)
		req.ContentLength = n
		req.Header.Set("Content-Type", ct)
		return do(b.client, req, http.StatusCreated)
	}, "")
	// Each upload is deleted in the background, so that the database does
	// not grow by gigabytes over a run.
	del := make(chan string, 1024)
	var wg sync.WaitGroup
	wg.Go(func() {
		for id := range del {
			_ = b.st.DeleteEvidence(context.Background(), id, store.Actor{Email: "bench"})
		}
	})
	var n int64
	var mu sync.Mutex
	run(nameEvUp, kindPath, c, func(ctx context.Context, w, seq int) (Obs, error) {
		mu.Lock()
		n++
		u := fmt.Sprintf("%d-%d-%d", w, seq, n)
		mu.Unlock()
		id, o, err := b.upload(ctx, w, data, u)
		if err == nil {
			select {
			case del <- id:
			default:
			}
		}
		return o, err
	}, nameFileUp)
	close(del)
	wg.Wait()
	return nil
}

// upload sends one file as officer w and returns the new item's id.
func (b *bench) upload(ctx context.Context, w int, data []byte, unique string) (string, Obs, error) {
	ct, body, n := evidenceBody(data, unique)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.srv.base+"/api/v1/evidence", body)
	req.ContentLength = n
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+b.officerToken(w))
	o := Obs{Queries: -1}
	res, err := b.client.Do(req)
	if err != nil {
		return "", o, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	o.Bytes = int64(len(raw))
	if h := res.Header.Get("X-Mamori-Queries"); h != "" {
		o.Queries, _ = strconv.Atoi(h)
	}
	if res.StatusCode != http.StatusCreated {
		return "", o, errStatus{req.Method, req.URL.Path, res.StatusCode}
	}
	var out struct {
		ID string `json:"id"`
	}
	err = json.Unmarshal(raw, &out)
	return out.ID, o, err
}

func (b *bench) uploadOnce(ctx context.Context, data []byte, unique string) (string, error) {
	id, _, err := b.upload(ctx, 0, data, unique)
	return id, err
}

// uploadRSS measures how much the server's resident memory rises while 8
// clients upload 20 MiB files at once, in kB.
func (b *bench) uploadRSS(ctx context.Context) (int, error) {
	before, err := memKB(b.srv.cmd.Process.Pid, "VmRSS")
	if err != nil {
		return 0, err
	}
	data := bytes.Repeat([]byte("fedcba9876543210"), rssUploadSize/16)
	sampler := sampleRSS(b.srv.cmd.Process.Pid, 20*time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, rssUploaders)
	ids := make([]string, rssUploaders)
	for w := range rssUploaders {
		wg.Go(func() {
			ids[w], _, errs[w] = b.upload(ctx, w, data, fmt.Sprintf("rss-%d-%d", w, time.Now().UnixNano()))
		})
	}
	wg.Wait()
	peak := sampler.Stop()
	for _, id := range ids {
		if id != "" {
			_ = b.st.DeleteEvidence(ctx, id, store.Actor{Email: "bench"})
		}
	}
	for _, err := range errs {
		if err != nil && !strings.Contains(err.Error(), "context") {
			return 0, err
		}
	}
	return max(0, peak-before), nil
}
