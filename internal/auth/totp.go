package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP second factor (RFC 6238): 6 digits, a 30-second step, HMAC-SHA1 and a
// 160-bit secret — the parameters every authenticator app understands.
const (
	TOTPIssuer = "Mamori"
	totpPeriod = 30
	// totpSkew accepts the code of the step before and after the current
	// one: phone clocks drift and people type slowly.
	totpSkew = 1
	// RecoveryCodeCount is how many single-use recovery codes a user gets.
	RecoveryCodeCount = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTP makes a fresh 160-bit secret (base32) for account, the user's email.
func NewTOTP(account string) (string, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: account, Period: totpPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", fmt.Errorf("auth: totp secret: %w", err)
	}
	return k.Secret(), nil
}

// TOTPURI is the otpauth:// URI of secret for account, which authenticator
// apps read from a QR code (or from the text, typed or pasted).
func TOTPURI(secret, account string) string {
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", TOTPIssuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + TOTPIssuer + ":" + account, RawQuery: q.Encode()}
	return u.String()
}

// TOTPQRCode renders the otpauth URI as a PNG QR code.
func TOTPQRCode(uri string, size int) ([]byte, error) {
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, fmt.Errorf("auth: totp uri: %w", err)
	}
	img, err := k.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("auth: totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("auth: totp qr png: %w", err)
	}
	return buf.Bytes(), nil
}

// TOTPStep is the number of the 30-second step t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// TOTPCode returns the code of secret at t (for tests and the setup check).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// CheckTOTP reports whether code is the code of secret for a step within the
// skew of now and after lastStep (a code is accepted once: the caller stores
// the returned step). Every candidate is compared in constant time.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.Join(strings.Fields(code), "")
	if !IsTOTPCode(code) {
		return 0, false
	}
	cur := TOTPStep(now)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > lastStep && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}

// IsTOTPCode reports whether s has the shape of a TOTP code: six digits.
func IsTOTPCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o or u to
// misread. 32 symbols, so a random byte maps without bias.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// NewRecoveryCodes returns RecoveryCodeCount codes of 12 symbols (60 bits),
// shown as xxxx-xxxx-xxxx.
func NewRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	b := make([]byte, 12)
	for i := range codes {
		if _, err := rand.Read(b); err != nil {
			panic(fmt.Sprintf("auth: random: %v", err))
		}
		var sb strings.Builder
		for j, x := range b {
			if j > 0 && j%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[int(x)%len(recoveryAlphabet)])
		}
		codes[i] = sb.String()
	}
	return codes
}

// NormalizeRecoveryCode lower-cases a typed code and drops spaces and dashes.
func NormalizeRecoveryCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// HashRecoveryCode is what the database stores of a recovery code: the
// SHA-256 of its normalised form. With 60 random bits a code needs no slow
// hash, and the lookup by hash is constant-time with respect to the code.
func HashRecoveryCode(code string) []byte {
	h := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return h[:]
}
