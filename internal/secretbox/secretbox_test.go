package secretbox

import (
	"bytes"
	"errors"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestBox(t *testing.T) {
	box, err := New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal([]byte("client-secret"), "sso")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("client-secret")) {
		t.Fatal("sealed value contains the plaintext")
	}
	again, _ := box.Seal([]byte("client-secret"), "sso")
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same value are equal: nonce reused")
	}
	t.Run("RoundTrip", func(t *testing.T) {
		p, err := box.Open(sealed, "sso")
		if err != nil || string(p) != "client-secret" {
			t.Fatalf("open = %q, %v", p, err)
		}
	})
	t.Run("WrongKey", func(t *testing.T) {
		other, _ := New(key(2))
		if _, err := other.Open(sealed, "sso"); err == nil {
			t.Fatal("opened with another key")
		}
	})
	t.Run("WrongPurpose", func(t *testing.T) {
		if _, err := box.Open(sealed, "other"); err == nil {
			t.Fatal("opened for another purpose")
		}
	})
	t.Run("Altered", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		if _, err := box.Open(bad, "sso"); err == nil {
			t.Fatal("opened an altered value")
		}
		if _, err := box.Open(sealed[:5], "sso"); err == nil {
			t.Fatal("opened a truncated value")
		}
	})
	t.Run("NoKey", func(t *testing.T) {
		var none *Box
		if _, err := none.Seal([]byte("x"), "sso"); !errors.Is(err, ErrNoKey) {
			t.Fatalf("seal without key: %v", err)
		}
		if b, err := New(nil); b != nil || err != nil {
			t.Fatalf("New(nil) = %v, %v", b, err)
		}
		if _, err := New(key(1)[:16]); err == nil {
			t.Fatal("a 16-byte key accepted")
		}
	})
}
