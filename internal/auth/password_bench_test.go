package auth

import "testing"

// BenchmarkPasswordHash measures one argon2id hash with the production
// parameters (docs/security.md quotes it): go test -bench Password ./internal/auth
func BenchmarkPasswordHash(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
