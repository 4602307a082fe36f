package auth

import (
	"crypto/rand"
	"runtime"
	"testing"
	"time"
)

// TestHashMemoryGoesBack: after a check with the production parameters
// (64 MiB), the memory is handed back to the operating system shortly
// after, instead of staying in the heap until collections happen to run.
func TestHashMemoryGoesBack(t *testing.T) {
	if testing.Short() {
		t.Skip("a 64 MiB argon2id check")
	}
	salt, key := make([]byte, saltLen), make([]byte, argonKeyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	enc := encodeHash(Params{Time: 1, Memory: 64 * 1024, Threads: 1}, salt, key)
	kept := func() uint64 { // heap the process holds from the operating system
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapSys - m.HeapReleased
	}
	if _, err := CheckPassword(enc, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for kept() > 32<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("%d MiB of heap kept 5 s after the check, want < 32 MiB", kept()>>20)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
