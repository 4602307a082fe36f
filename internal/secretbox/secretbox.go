// Package secretbox encrypts the few secrets Mamori keeps in its database
// (an identity provider's client secret) with AES-256-GCM under the key of
// MAMORI_SECRET_KEY. A sealed value is a random 12-byte nonce followed by
// the ciphertext and tag; the purpose is bound as additional data, so a
// value sealed for one purpose does not open as another.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrNoKey is the answer to sealing without a key configured.
var ErrNoKey = errors.New("secretbox: MAMORI_SECRET_KEY is not set")

// Box seals and opens with one 32-byte key.
type Box struct{ aead cipher.AEAD }

// New returns a Box for key; a nil key gives a nil Box, whose Seal and Open
// answer ErrNoKey.
func New(key []byte) (*Box, error) {
	if key == nil {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("secretbox: key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext for purpose.
func (b *Box) Seal(plaintext []byte, purpose string) ([]byte, error) {
	if b == nil {
		return nil, ErrNoKey
	}
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return b.aead.Seal(nonce, nonce, plaintext, []byte(purpose)), nil
}

// Open decrypts a value sealed for purpose; a wrong key, purpose or an
// altered value is an error.
func (b *Box) Open(sealed []byte, purpose string) ([]byte, error) {
	if b == nil {
		return nil, ErrNoKey
	}
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, errors.New("secretbox: sealed value too short")
	}
	p, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(purpose))
	if err != nil {
		return nil, errors.New("secretbox: cannot open (wrong key or altered value)")
	}
	return p, nil
}
