// Package config reads Mamori's settings from the environment once, validates
// them and hands a plain struct to the rest of the program.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a Mamori process.
type Config struct {
	Addr            string        // MAMORI_ADDR
	DatabaseURL     string        // DATABASE_URL; empty means the embedded cluster
	DataDir         string        // MAMORI_DATA_DIR
	AutoMigrate     bool          // MAMORI_AUTO_MIGRATE (serve applies migrations)
	SessionIdle     time.Duration // MAMORI_SESSION_IDLE
	SessionAbsolute time.Duration // MAMORI_SESSION_ABSOLUTE
	SecureCookies   bool          // MAMORI_SECURE_COOKIES: set when behind TLS
	TrustProxy      bool          // MAMORI_TRUST_PROXY: use X-Forwarded-For / X-Forwarded-Proto
	APIRateLimit    int           // MAMORI_API_RATE_LIMIT: requests per minute per user/token, 0 = off
	MetricsToken    string        // MAMORI_METRICS_TOKEN: /metrics bearer token (else loopback only)
	DemoSeed        bool          // MAMORI_DEMO: serve seeds the demo data at start
	LogFormat       string        // MAMORI_LOG_FORMAT: json|text|auto
	MaxBodyBytes    int64         // MAMORI_MAX_BODY_BYTES
	RequestTimeout  time.Duration // MAMORI_REQUEST_TIMEOUT
	// Evidence files: the largest upload, and the bytes of files one
	// organisation may keep.
	EvidenceMaxBytes   int64 // MAMORI_EVIDENCE_MAX_BYTES
	EvidenceQuotaBytes int64 // MAMORI_EVIDENCE_QUOTA_BYTES
	// BlobURL keeps evidence contents in object storage instead of the
	// database: s3://bucket?endpoint=…&region=… or file:///path.
	BlobURL string // MAMORI_BLOB_URL
	// Email (docs/operations.md, "Email and jobs"). Without SMTPURL, mail
	// goes to the log and /admin/outbox.
	SMTPURL  string // MAMORI_SMTP_URL: smtp://user:pass@host:587?starttls=true
	MailFrom string // MAMORI_MAIL_FROM: the From address
	BaseURL  string // MAMORI_BASE_URL: the address users open, for links in emails
	// Measurement aids for `make bench`, off by default (docs/performance.md).
	DebugQueryCount bool // MAMORI_DEBUG_QUERY_COUNT: X-Mamori-Queries response header
	DebugPprof      bool // MAMORI_DEBUG_PPROF: /debug/pprof/ for loopback callers
	// SecretKey encrypts secrets stored in the database (SSO client
	// secrets): MAMORI_SECRET_KEY, 32 bytes in standard base64. Nil when
	// unset; a malformed key refuses to start.
	SecretKey []byte
	// PublicURL is the address users reach Mamori at (MAMORI_PUBLIC_URL,
	// e.g. https://mamori.example.co.jp), used for the SSO redirect URI;
	// empty means what each request says.
	PublicURL string
}

// FromEnv reads the configuration with getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         ".data",
		AutoMigrate:     true,
		SessionIdle:     2 * time.Hour,
		SessionAbsolute: 12 * time.Hour,
		APIRateLimit:    1200,
		LogFormat:       "auto",
		MaxBodyBytes:    4 << 20,
		RequestTimeout:  30 * time.Second,

		EvidenceMaxBytes:   25 << 20,
		EvidenceQuotaBytes: 5 << 30,
	}
	var errs []error
	str := func(key string, dst *string) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			*dst = v
		}
	}
	boolean := func(key string, dst *bool) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want true or false", key, v))
				return
			}
			*dst = b
		}
	}
	duration := func(key string, dst *time.Duration) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 2h or 30m", key, v))
				return
			}
			*dst = d
		}
	}
	integer := func(key string, dst *int64, min int64) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < min {
				errs = append(errs, fmt.Errorf("%s=%q: want a whole number of at least %d", key, v, min))
				return
			}
			*dst = n
		}
	}
	str("MAMORI_ADDR", &c.Addr)
	str("DATABASE_URL", &c.DatabaseURL)
	str("MAMORI_DATA_DIR", &c.DataDir)
	boolean("MAMORI_AUTO_MIGRATE", &c.AutoMigrate)
	duration("MAMORI_SESSION_IDLE", &c.SessionIdle)
	duration("MAMORI_SESSION_ABSOLUTE", &c.SessionAbsolute)
	boolean("MAMORI_SECURE_COOKIES", &c.SecureCookies)
	boolean("MAMORI_TRUST_PROXY", &c.TrustProxy)
	rate := int64(c.APIRateLimit)
	integer("MAMORI_API_RATE_LIMIT", &rate, 0)
	c.APIRateLimit = int(rate)
	str("MAMORI_METRICS_TOKEN", &c.MetricsToken)
	boolean("MAMORI_DEMO", &c.DemoSeed)
	str("MAMORI_LOG_FORMAT", &c.LogFormat)
	integer("MAMORI_MAX_BODY_BYTES", &c.MaxBodyBytes, 1024)
	duration("MAMORI_REQUEST_TIMEOUT", &c.RequestTimeout)
	integer("MAMORI_EVIDENCE_MAX_BYTES", &c.EvidenceMaxBytes, 1024)
	integer("MAMORI_EVIDENCE_QUOTA_BYTES", &c.EvidenceQuotaBytes, 1024)
	str("MAMORI_BLOB_URL", &c.BlobURL)
	boolean("MAMORI_DEBUG_QUERY_COUNT", &c.DebugQueryCount)
	boolean("MAMORI_DEBUG_PPROF", &c.DebugPprof)
	str("MAMORI_SMTP_URL", &c.SMTPURL)
	str("MAMORI_MAIL_FROM", &c.MailFrom)
	str("MAMORI_BASE_URL", &c.BaseURL)
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("MAMORI_BASE_URL=%q: want an http(s) address such as https://mamori.example.jp", c.BaseURL))
	}
	if c.SMTPURL != "" {
		if _, err := ParseSMTPURL(c.SMTPURL); err != nil {
			errs = append(errs, fmt.Errorf("MAMORI_SMTP_URL: %w", err))
		}
		if c.MailFrom == "" {
			errs = append(errs, errors.New("MAMORI_MAIL_FROM: required with MAMORI_SMTP_URL"))
		}
	}
	if strings.ContainsAny(c.MailFrom, "\r\n") {
		errs = append(errs, errors.New("MAMORI_MAIL_FROM: must not contain a line break"))
	}

	if v := strings.TrimSpace(getenv("MAMORI_SECRET_KEY")); v != "" {
		key, err := base64.StdEncoding.Strict().DecodeString(v)
		if err != nil || len(key) != 32 {
			// The value itself is a secret: never echo it.
			errs = append(errs, errors.New("MAMORI_SECRET_KEY: want 32 bytes in standard base64, e.g. the output of `openssl rand -base64 32`"))
		} else {
			c.SecretKey = key
		}
	}
	str("MAMORI_PUBLIC_URL", &c.PublicURL)
	if c.PublicURL != "" {
		c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("MAMORI_PUBLIC_URL=%q: want an absolute http(s) URL such as https://mamori.example.co.jp", c.PublicURL))
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("MAMORI_ADDR=%q: want host:port, e.g. 127.0.0.1:8080", c.Addr))
	}
	switch c.LogFormat {
	case "auto", "json", "text":
	default:
		errs = append(errs, fmt.Errorf("MAMORI_LOG_FORMAT=%q: want auto, json or text", c.LogFormat))
	}
	if c.SessionIdle > c.SessionAbsolute {
		errs = append(errs, fmt.Errorf("MAMORI_SESSION_IDLE (%s) must not exceed MAMORI_SESSION_ABSOLUTE (%s)", c.SessionIdle, c.SessionAbsolute))
	}
	if c.BlobURL != "" && !strings.HasPrefix(c.BlobURL, "s3://") && !strings.HasPrefix(c.BlobURL, "file:///") {
		errs = append(errs, fmt.Errorf("MAMORI_BLOB_URL: want s3://bucket?endpoint=…&region=… or file:///absolute/path"))
	}
	if c.EvidenceMaxBytes > c.EvidenceQuotaBytes {
		errs = append(errs, fmt.Errorf("MAMORI_EVIDENCE_MAX_BYTES (%d) must not exceed MAMORI_EVIDENCE_QUOTA_BYTES (%d)", c.EvidenceMaxBytes, c.EvidenceQuotaBytes))
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return c, nil
}

// SMTP is a parsed MAMORI_SMTP_URL.
type SMTP struct {
	Host, User, Password string
	Port                 int
	StartTLS             bool // upgrade with STARTTLS (required); otherwise plain, or TLS from the start for smtps://
	TLS                  bool // smtps://: TLS from the start
}

// ParseSMTPURL reads smtp://user:pass@host:587?starttls=true (or smtps://
// for TLS from the start; without starttls=true an smtp:// server is
// spoken to in clear, for a relay on the same host).
func ParseSMTPURL(raw string) (SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTP{}, fmt.Errorf("not a URL")
	}
	var s SMTP
	switch u.Scheme {
	case "smtp":
		s.Port = 25
	case "smtps":
		s.Port, s.TLS = 465, true
	default:
		return SMTP{}, fmt.Errorf("want smtp:// or smtps://, got %q", u.Scheme)
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return SMTP{}, fmt.Errorf("no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTP{}, fmt.Errorf("bad port %q", p)
		}
		s.Port = n
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if v := u.Query().Get("starttls"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return SMTP{}, fmt.Errorf("starttls=%q: want true or false", v)
		}
		s.StartTLS = b
	}
	return s, nil
}
