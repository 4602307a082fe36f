package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// TokenPrefix marks Mamori API tokens, so a leaked one is easy to recognise.
const TokenPrefix = "mamori_"

// NewToken returns a random 256-bit token, URL-safe, with the prefix.
func NewToken() string { return TokenPrefix + RandomID() }

// RandomID returns 32 random bytes, base64url without padding.
func RandomID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: random: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the SHA-256 of a token or session id: what the database
// stores and looks up (a lookup by hash is constant-time with respect to the
// secret, and a stolen table holds no usable token).
func HashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}
