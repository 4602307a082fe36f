package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/pgembed"
)

// TestDatabaseComesBackUnseen: after PostgreSQL restarts, or ends the
// server's sessions, while the server is idle, the first requests answer as
// if nothing had happened: a statement that finds its connection dead is
// sent again on a fresh one.
func TestDatabaseComesBackUnseen(t *testing.T) {
	oe := newOutageEnv(t)
	ctx := context.Background()
	requests := func(t *testing.T) {
		t.Helper()
		calls := []struct {
			name string
			do   func() (*http.Response, error)
		}{
			{"api read", func() (*http.Response, error) {
				req, _ := http.NewRequest("GET", oe.ts.URL+"/api/v1/assessments/"+oe.aid, nil)
				req.Header.Set("Authorization", "Bearer "+oe.token)
				return http.DefaultClient.Do(req)
			}},
			{"page", func() (*http.Response, error) { return oe.browser.Get(oe.ts.URL + "/assessments/" + oe.aid) }},
			{"api save", func() (*http.Response, error) {
				req, _ := http.NewRequest("PUT", oe.ts.URL+"/api/v1/assessments/"+oe.aid+"/answers/1-1",
					strings.NewReader(fmt.Sprintf(`{"level": %d, "comment": "再起動後", "version": %d}`, 1+time.Now().Nanosecond()%5, 0)))
				req.Header.Set("Authorization", "Bearer "+oe.token)
				req.Header.Set("Content-Type", "application/json")
				return http.DefaultClient.Do(req)
			}},
		}
		for _, c := range calls {
			res, err := c.do()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			res.Body.Close()
			// The save may meet its own earlier version (409): what counts is
			// that no request saw the database gone.
			if res.StatusCode >= 500 {
				t.Errorf("%s: %d right after the database came back", c.name, res.StatusCode)
			}
		}
	}
	warm := func() {
		for range 3 {
			requests(t)
		}
	}

	t.Run("SessionsEnded", func(t *testing.T) {
		warm()
		admin, err := pgx.Connect(ctx, oe.cluster.URL("mamori"))
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close(ctx)
		var ended int
		err = admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'mamori' AND pid <> pg_backend_pid()`).Scan(&ended)
		if err != nil || ended == 0 {
			t.Fatalf("ended %d sessions: %v", ended, err)
		}
		requests(t) // within the pool's one-second ping threshold
	})

	t.Run("Restarted", func(t *testing.T) {
		warm()
		if err := oe.cluster.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := pgembed.Start(ctx, oe.opts); err != nil {
			t.Fatal(err)
		}
		requests(t) // no wait for /readyz: the first requests after the restart
	})
}
