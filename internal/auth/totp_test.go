package auth

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

func TestTOTP(t *testing.T) {
	secret, err := NewTOTP("officer@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	uri := TOTPURI(secret, "officer+x@example.jp")
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != secret || u.Query().Get("issuer") != TOTPIssuer ||
		u.Path != "/Mamori:officer+x@example.jp" {
		t.Fatalf("uri %q: %v", uri, err)
	}
	if k, err := otp.NewKeyFromURL(uri); err != nil || k.Secret() != secret || k.Issuer() != TOTPIssuer || k.AccountName() != "officer+x@example.jp" {
		t.Fatalf("the otp package reads %q as %v, %v", uri, k, err)
	}
	if len(secret) != 32 { // 20 bytes in base32
		t.Fatalf("secret %q is not 160 bits", secret)
	}
	now := time.Unix(1_700_000_015, 0)
	code, err := TOTPCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CurrentCodeAccepted", func(t *testing.T) {
		step, ok := CheckTOTP(secret, code, now, 0)
		if !ok || step != TOTPStep(now) {
			t.Fatalf("ok %v step %d, want %d", ok, step, TOTPStep(now))
		}
	})
	t.Run("SpacesIgnored", func(t *testing.T) {
		if _, ok := CheckTOTP(secret, code[:3]+" "+code[3:], now, 0); !ok {
			t.Fatal("code with a space refused")
		}
	})
	t.Run("OneStepOfSkew", func(t *testing.T) {
		if _, ok := CheckTOTP(secret, code, now.Add(30*time.Second), 0); !ok {
			t.Fatal("code of the previous step refused")
		}
		if _, ok := CheckTOTP(secret, code, now.Add(-30*time.Second), 0); !ok {
			t.Fatal("code of the next step refused")
		}
		if _, ok := CheckTOTP(secret, code, now.Add(90*time.Second), 0); ok {
			t.Fatal("code three steps old accepted")
		}
	})
	t.Run("ReplayRefused", func(t *testing.T) {
		step, _ := CheckTOTP(secret, code, now, 0)
		if _, ok := CheckTOTP(secret, code, now, step); ok {
			t.Fatal("the same code accepted twice")
		}
	})
	t.Run("WrongAndMalformedRefused", func(t *testing.T) {
		wrong := []byte(code)
		wrong[5] = '0' + (wrong[5]-'0'+1)%10
		for _, c := range []string{string(wrong), "", "12345", "1234567", "abcdef", code + "0"} {
			if _, ok := CheckTOTP(secret, c, now, 0); ok {
				t.Errorf("code %q accepted", c)
			}
		}
		if _, ok := CheckTOTP("not base32!", code, now, 0); ok {
			t.Error("a broken secret accepted a code")
		}
	})
	t.Run("QRCodeIsPNG", func(t *testing.T) {
		b, err := TOTPQRCode(uri, 200)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 200 {
			t.Fatalf("png: %v %v", err, img)
		}
	})
}

func TestRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 14 || strings.Count(c, "-") != 2 || seen[c] {
			t.Fatalf("code %q (duplicate %v)", c, seen[c])
		}
		seen[c] = true
		for _, r := range strings.ReplaceAll(c, "-", "") {
			if !strings.ContainsRune(recoveryAlphabet, r) {
				t.Fatalf("code %q has %q", c, r)
			}
		}
	}
	c := codes[0]
	typed := strings.ToUpper(strings.ReplaceAll(c, "-", " "))
	if !bytes.Equal(HashRecoveryCode(c), HashRecoveryCode(typed)) {
		t.Fatalf("%q and %q hash differently", c, typed)
	}
	if bytes.Equal(HashRecoveryCode(codes[0]), HashRecoveryCode(codes[1])) {
		t.Fatal("two codes hash alike")
	}
}
