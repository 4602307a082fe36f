package store

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The organisation cache keeps in memory what the report, profile and
// targets pages read of an organisation on every request and that changes a
// few times a year: its diagnosis basis (the profile and its own targets).
//
// It is correct with several instances on one database. Migration 0020 puts
// a trigger on org_profiles and org_targets that sends the organisation's id
// on the channel mamori_cache (pg_notify, delivered at commit, never for a
// transaction that rolls back). Each process keeps one connection that
// listens there (ListenForChanges) and drops the organisation's entry on
// each notification. Without that connection nothing is cached nor served
// from the cache: when it is lost every entry is dropped (notifications may
// have been missed) and reads go to the database until it is back. A change
// made through this process also drops the entry itself at commit, so the
// next read here never waits for the notification's round trip.
//
// A read that started before a change and finishes after it must not put
// the old value back: each invalidation moves a generation counter, and a
// value read under an older generation is not kept.

// CacheChannel is the channel on which the database announces a change of
// an organisation's cached data (its id as the payload).
const CacheChannel = "mamori_cache"

// orgCacheSize bounds the entries kept (least recently used dropped first):
// ~1 kB each, so a few MB for the busiest organisations of a large
// installation, whatever the number of organisations.
const orgCacheSize = 4096

type orgCache struct {
	mu      sync.Mutex
	live    bool   // the listener is connected: the cache may be used
	gen     uint64 // moved by every invalidation
	max     int
	order   *list.List // of *orgEntry, most recently used first
	entries map[string]*list.Element
	stats   CacheStats
}

type orgEntry struct {
	orgID string
	basis Basis
}

// CacheStats counts the cache's use, for tests and the metrics.
type CacheStats struct {
	Hits, Misses, Invalidations, Resets uint64
	Live                                bool
	Entries                             int
}

func newOrgCache(max int) *orgCache {
	return &orgCache{max: max, order: list.New(), entries: map[string]*list.Element{}}
}

// basis returns a cached basis (a copy: callers may change it) and, on a
// miss, the generation to put the value read under.
func (c *orgCache) basis(orgID string) (Basis, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[orgID]; ok && c.live {
		c.order.MoveToFront(el)
		c.stats.Hits++
		return copyBasis(el.Value.(*orgEntry).basis), c.gen, true
	}
	c.stats.Misses++
	return Basis{}, c.gen, false
}

// putBasis keeps b, read under generation gen, unless something was
// invalidated since or the listener is down.
func (c *orgCache) putBasis(orgID string, b Basis, gen uint64) {
	if !canonicalUUID(orgID) {
		// Invalidations name the organisation as PostgreSQL prints its id:
		// kept under another spelling (upper case, braces), an entry would
		// never be dropped.
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if el, ok := c.entries[orgID]; ok {
		el.Value.(*orgEntry).basis = copyBasis(b)
		c.order.MoveToFront(el)
		return
	}
	c.entries[orgID] = c.order.PushFront(&orgEntry{orgID: orgID, basis: copyBasis(b)})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*orgEntry).orgID)
	}
}

// drop forgets one organisation's entry.
func (c *orgCache) drop(orgID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.stats.Invalidations++
	if el, ok := c.entries[orgID]; ok {
		c.order.Remove(el)
		delete(c.entries, orgID)
	}
}

// reset forgets every entry and sets whether the cache may be used.
func (c *orgCache) reset(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.stats.Resets++
	c.live = live
	c.order.Init()
	clear(c.entries)
}

func copyBasis(b Basis) Basis {
	out := Basis{Overrides: maps.Clone(b.Overrides)}
	if b.Profile != nil {
		p := *b.Profile
		out.Profile = &p
	}
	return out
}

// CacheStats reports the organisation cache's counters.
func (s *Store) CacheStats() CacheStats {
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats
	st.Live, st.Entries = c.live, c.order.Len()
	return st
}

// ListenForChanges keeps the connection that invalidates the organisation
// cache (see above) until ctx ends, reconnecting after a loss with a delay
// that grows to 5 s. The cache is used only while the connection is up.
// `mamori serve` runs it once per process.
func (s *Store) ListenForChanges(ctx context.Context, log *slog.Logger) {
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		wasLive, err := s.listen(ctx)
		s.cache.reset(false)
		if wasLive {
			wait = 100 * time.Millisecond
		}
		if ctx.Err() != nil {
			return
		}
		log.Warn("cache listener lost: reading organisation data from the database until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// listen connects, listens and applies notifications until the connection
// fails or ctx ends. The cache is emptied and opened only once LISTEN is in
// place: anything committed after that is announced.
func (s *Store) listen(ctx context.Context) (wasLive bool, err error) {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "mamori cache listener"
	// A connection that dies silently (a network cut, no reset) would leave
	// the cache in use without its notifications: TCP keepalives notice it
	// within ~25 s, and the cache is then dropped like on any loss.
	d := &net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3}}
	cfg.DialFunc = d.DialContext
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return false, fmt.Errorf("store: cache listener: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+CacheChannel); err != nil {
		return false, fmt.Errorf("store: cache listener: listen: %w", err)
	}
	s.cache.reset(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("store: cache listener: %w", err)
		}
		s.cache.drop(n.Payload)
	}
}
