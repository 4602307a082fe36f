package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"mamori/internal/assessment"
	"mamori/internal/config"
	"mamori/internal/server"
	"mamori/internal/store"
	"mamori/internal/store/storetest"
)

// statementLog records the statements sent while it is on, with the
// length of their longest list argument (bytes are not a list).
type statementLog struct {
	on   atomic.Bool
	mu   sync.Mutex
	seen []loggedStatement
}

type loggedStatement struct {
	sql     string
	longest int // elements of the longest slice argument
}

func (l *statementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if !l.on.Load() {
		return ctx
	}
	s := loggedStatement{sql: d.SQL}
	for _, a := range d.Args {
		if v := reflect.ValueOf(a); v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8 { // not bytes (a hash)
			s.longest = max(s.longest, v.Len())
		}
	}
	l.mu.Lock()
	l.seen = append(l.seen, s)
	l.mu.Unlock()
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestActionsListListsNoOrganisations: an administrator's actions list
// sends no list of organisations at all, and a manager's only the ones
// they see (their principal's), never every organisation read first.
func TestActionsListListsNoOrganisations(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	log := &statementLog{}
	st := storetest.New(t, store.WithTracer(log))
	listenForChanges(t, st)
	ts := httptest.NewServer(server.New(cfg, st, slog.New(slog.DiscardHandler)))
	t.Cleanup(ts.Close)
	e := &env{t: t, st: st, ts: ts, cfg: cfg}

	top := e.org("持株会社", nil)
	group := e.org("事業会社", &top.ID)
	for i := range 40 { // 40 organisations outside the manager's group
		e.org("他社 "+strconv.Itoa(i), nil)
	}
	for i := range 3 {
		e.org("子会社 "+strconv.Itoa(i), &group.ID)
	}
	admin := e.login(e.user(top.ID, assessment.Manager, true))      // every organisation; by role, the 5 of its group
	manager := e.login(e.user(group.ID, assessment.Manager, false)) // sees 4 of 45
	for _, tt := range []struct {
		name string
		c    *http.Client
		path string
		most int // the longest list of ids a statement may carry
	}{
		{"AdministratorAll", admin, "/actions", 0},
		{"AdministratorByPriority", admin, "/actions?sort=priority&page=2", 0},
		{"AdministratorMine", admin, "/actions?sort=gain&owner=me", 5}, // the organisations they see as a manager
		{"Manager", manager, "/actions", 4},
		{"ManagerMine", manager, "/actions?sort=gain&owner=me", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.get(tt.c, "/actions") // the principal's set read once, not measured
			log.mu.Lock()
			log.seen = nil
			log.mu.Unlock()
			log.on.Store(true)
			res, _ := e.get(tt.c, tt.path)
			log.on.Store(false)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			log.mu.Lock()
			defer log.mu.Unlock()
			for _, s := range log.seen {
				if s.longest > tt.most {
					t.Errorf("a list of %d sent (at most %d):\n%s", s.longest, tt.most, s.sql)
				}
				if strings.Contains(s.sql, "FROM orgs ORDER BY") {
					t.Errorf("every organisation read:\n%s", s.sql)
				}
			}
			if len(log.seen) < 4 {
				t.Errorf("%d statements seen; the log is not recording", len(log.seen))
			}
		})
	}
}
