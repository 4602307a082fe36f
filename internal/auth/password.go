// Package auth holds the primitives of authentication: password hashing with
// argon2id, password rules, random tokens stored only as hashes, sessions and
// the sign-in throttle.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"mamori/internal/apperr"
)

// Params are argon2id's cost parameters. Every hash records its own, so
// raising them later still verifies old hashes.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommended option with 64 MiB of
// memory: about 50–100 ms per hash on a 2-core server.
var DefaultParams = Params{Time: 3, Memory: 64 * 1024, Threads: 2}

// UseFastHashesForTests lowers the cost so tests that create many users stay
// quick. Never call it outside tests.
func UseFastHashesForTests() { DefaultParams = Params{Time: 1, Memory: 1024, Threads: 1} }

const (
	argonKeyLen = 32
	saltLen     = 16
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// hashSlots bounds the argon2id computations running at once. Each holds
// its Memory (64 MiB) while it runs: unbounded, 60 parallel sign-ins took
// 4 GB. Each also keeps Threads CPUs busy, so more at once than the CPUs
// allow would not finish sooner, only hold more memory (and starve every
// other request of the CPUs).
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/int(DefaultParams.Threads)))

// Each argon2id computation leaves its Memory (64 MiB) as garbage. Left to
// the runtime, the heap grows to twice that before the next collection and
// the pages stay in the process's footprint long after a burst of sign-ins
// (a server that signed in 64 users kept ~165 MB). So once no computation
// has run for hashIdleDelay, the memory goes back to the operating system:
// one forced collection per burst, a few milliseconds against the burst's
// 0.1 s of CPU per sign-in.
const hashIdleDelay = 500 * time.Millisecond

var hashIdle struct {
	sync.Mutex
	timer *time.Timer
}

// hashDone is called when a computation has given its slot back.
func hashDone() {
	hashIdle.Lock()
	defer hashIdle.Unlock()
	if hashIdle.timer == nil {
		hashIdle.timer = time.AfterFunc(hashIdleDelay, func() {
			if len(hashSlots) == 0 {
				debug.FreeOSMemory()
			}
		})
		return
	}
	hashIdle.timer.Reset(hashIdleDelay)
}

// HashWait is how long a password check waits for a free slot before it
// gives up with ErrBusy.
const HashWait = 2 * time.Second

// ErrBusy means that every slot for password checks stayed taken for
// HashWait: the caller should try again in a few seconds (503).
var ErrBusy = apperr.K(apperr.Unavailable, "err.signin_busy")

// acquireHashSlot waits for a slot, at most HashWait and never past ctx.
// The caller calls the returned release when its hash is done.
func acquireHashSlot(ctx context.Context) (release func(), err error) {
	release = func() { <-hashSlots; hashDone() }
	select {
	case hashSlots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(HashWait)
	defer t.Stop()
	select {
	case hashSlots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ErrBusy
	}
}

// HashPassword returns an encoded argon2id hash in the PHC string format. It
// waits as long as it takes for a slot: it is called by administrators and
// by users who have just proved their password, not by anonymous callers.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	pp := DefaultParams
	hashSlots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, pp.Time, pp.Memory, pp.Threads, argonKeyLen)
	<-hashSlots
	hashDone()
	return encodeHash(pp, salt, key), nil
}

// encodeHash writes an argon2id hash in the PHC string format.
func encodeHash(pp Params, salt, key []byte) string {
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, pp.Memory, pp.Time, pp.Threads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword reports whether pw matches the encoded hash, in constant
// time. It waits as long as it takes for a slot; requests use
// CheckPasswordContext.
func CheckPassword(encoded, pw string) (bool, error) {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots; hashDone() }()
	return checkPassword(encoded, pw)
}

// CheckPasswordContext is CheckPassword for a request: it waits at most
// HashWait for a slot, then returns ErrBusy.
func CheckPasswordContext(ctx context.Context, encoded, pw string) (bool, error) {
	release, err := acquireHashSlot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return checkPassword(encoded, pw)
}

func checkPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("auth: unknown password hash format")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("auth: unsupported argon2 version")
	}
	var mem uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, fmt.Errorf("auth: password hash parameters: %w", err)
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("auth: password hash salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("auth: password hash key: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when an account does not exist, so a login
// for an unknown email takes as long as one for a known email. It is made on
// first use, with the parameters then in force, and without hashing: only
// the time its check takes matters, and no password gives its random key.
// (Hashed at start, its 64 MiB of argon2 memory stayed in every process's
// footprint, docs/performance.md; hashed on first use, it waited for a slot
// with no way to give up.)
var dummyHash = sync.OnceValue(func() string {
	salt, key := make([]byte, saltLen), make([]byte, argonKeyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	return encodeHash(DefaultParams, salt, key)
})

// CheckDummy spends the same time as CheckPassword and returns false.
func CheckDummy(pw string) bool {
	_, _ = CheckPassword(dummyHash(), pw)
	return false
}

// CheckDummyContext spends the same time as CheckPasswordContext; its error
// is ErrBusy when no slot came free in time, as CheckPasswordContext's.
func CheckDummyContext(ctx context.Context, pw string) error {
	_, err := CheckPasswordContext(ctx, dummyHash(), pw)
	if errors.Is(err, ErrBusy) {
		return err
	}
	return nil
}

// MaxPasswordLength bounds a password (characters), so that no one makes
// the server hash a megabyte.
const MaxPasswordLength = 256

// ValidatePassword returns why pw may not be used (an Invalid *apperr.Error
// whose message is a catalog key, shown in the reader's language), or nil
// when it is acceptable: MinPasswordLength to MaxPasswordLength characters
// and not a common password.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return apperr.InvalidFieldsK("err.password_short", map[string]string{"password": "too_short"}, MinPasswordLength)
	case n > MaxPasswordLength:
		return apperr.InvalidFieldsK("err.password_long", map[string]string{"password": "too_long"}, MaxPasswordLength)
	case IsCommonPassword(pw):
		return apperr.InvalidFieldsK("err.password_common", map[string]string{"password": "common"})
	}
	return nil
}

// GeneratePassword returns a random password of 20 characters from an
// alphabet without look-alike characters.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: random: %v", err))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
