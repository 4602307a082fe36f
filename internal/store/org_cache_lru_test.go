package store

import "testing"

// TestOrgCacheBounds: the least recently used entry goes first; a value read
// before an invalidation is not kept; nothing is kept while not live.
func TestOrgCacheBounds(t *testing.T) {
	const (
		a  = "0a000000-0000-4000-8000-000000000001"
		b  = "0b000000-0000-4000-8000-000000000002"
		c3 = "0c000000-0000-4000-8000-000000000003"
		d  = "0d000000-0000-4000-8000-000000000004"
	)
	c := newOrgCache(2)
	_, gen, _ := c.basis(a)
	c.putBasis(a, Basis{}, gen)
	if c.order.Len() != 0 {
		t.Fatal("kept while the listener is down")
	}
	c.reset(true)
	for _, id := range []string{a, b} {
		_, gen, _ := c.basis(id)
		c.putBasis(id, Basis{Overrides: map[string]int{"1-1": 3}}, gen)
	}
	if _, _, ok := c.basis(a); !ok { // a is now the most recently used
		t.Fatal("a not kept")
	}
	_, gen, _ = c.basis(c3)
	c.putBasis(c3, Basis{}, gen)
	if _, _, ok := c.basis(b); ok || c.order.Len() != 2 {
		t.Fatalf("b (least recently used) kept; %d entries", c.order.Len())
	}
	got, _, _ := c.basis(a)
	got.Overrides["1-1"] = 5 // a caller changing its copy
	if again, _, _ := c.basis(a); again.Overrides["1-1"] != 3 {
		t.Fatal("the cached value shared with a caller")
	}
	_, gen, _ = c.basis(d)
	c.drop(a) // a change committed while d was being read
	c.putBasis(d, Basis{}, gen)
	if _, _, ok := c.basis(d); ok {
		t.Fatal("a value read before an invalidation was kept")
	}
	// Invalidations name an organisation as PostgreSQL prints its id: an
	// entry under another spelling would never be dropped, so none is kept.
	upper := "0E000000-0000-4000-8000-000000000005"
	_, gen, _ = c.basis(upper)
	c.putBasis(upper, Basis{}, gen)
	if _, _, ok := c.basis(upper); ok {
		t.Fatal("kept under an id spelt in upper case")
	}
}
