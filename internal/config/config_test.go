package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := FromEnv(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:8080" || c.SessionIdle != 2*time.Hour || c.SessionAbsolute != 12*time.Hour || c.APIRateLimit != 1200 || !c.AutoMigrate {
			t.Fatalf("unexpected defaults: %+v", c)
		}
	})
	t.Run("SecretKey", func(t *testing.T) {
		c, err := FromEnv(env(map[string]string{"MAMORI_SECRET_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.SecretKey) != 32 || c.SecretKey[31] != 31 {
			t.Fatalf("secret key = %v", c.SecretKey)
		}
		if _, err := FromEnv(env(map[string]string{"MAMORI_SECRET_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ=="})); err == nil || strings.Contains(err.Error(), "AAEC") {
			t.Fatalf("a 34-byte key: err = %v (want refused, the value not echoed)", err)
		}
	})
	t.Run("EvidenceDefaults", func(t *testing.T) {
		c, err := FromEnv(env(map[string]string{"MAMORI_BLOB_URL": "s3://evidence?region=ap-northeast-1"}))
		if err != nil {
			t.Fatal(err)
		}
		if c.EvidenceMaxBytes != 25<<20 || c.EvidenceQuotaBytes != 5<<30 || c.BlobURL != "s3://evidence?region=ap-northeast-1" {
			t.Fatalf("evidence settings: %+v", c)
		}
	})
	t.Run("Overrides", func(t *testing.T) {
		c, err := FromEnv(env(map[string]string{"MAMORI_ADDR": ":9000", "MAMORI_API_RATE_LIMIT": "0", "MAMORI_SESSION_IDLE": "30m", "MAMORI_AUTO_MIGRATE": "false"}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":9000" || c.APIRateLimit != 0 || c.SessionIdle != 30*time.Minute || c.AutoMigrate {
			t.Fatalf("overrides not applied: %+v", c)
		}
	})
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"BadAddr":      {map[string]string{"MAMORI_ADDR": "nohostport"}, "MAMORI_ADDR"},
		"BadDuration":  {map[string]string{"MAMORI_SESSION_IDLE": "soon"}, "MAMORI_SESSION_IDLE"},
		"NegativeRate": {map[string]string{"MAMORI_API_RATE_LIMIT": "-1"}, "MAMORI_API_RATE_LIMIT"},
		"BadBool":      {map[string]string{"MAMORI_AUTO_MIGRATE": "perhaps"}, "MAMORI_AUTO_MIGRATE"},
		"IdleOverAbs":  {map[string]string{"MAMORI_SESSION_IDLE": "13h"}, "must not exceed"},
		"BadLogFormat": {map[string]string{"MAMORI_LOG_FORMAT": "xml"}, "MAMORI_LOG_FORMAT"},
		"BadPublicURL": {map[string]string{"MAMORI_PUBLIC_URL": "mamori.example.jp"}, "MAMORI_PUBLIC_URL"},
		"KeyNotBase64": {map[string]string{"MAMORI_SECRET_KEY": "not base64!"}, "MAMORI_SECRET_KEY"},
		"KeyTooShort":  {map[string]string{"MAMORI_SECRET_KEY": "c2hvcnQ="}, "MAMORI_SECRET_KEY"},
		"KeyURLSafe":   {map[string]string{"MAMORI_SECRET_KEY": "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-="}, "MAMORI_SECRET_KEY"},
		"BadBlobURL":   {map[string]string{"MAMORI_BLOB_URL": "gs://bucket"}, "MAMORI_BLOB_URL"},
		"TinyEvidence": {map[string]string{"MAMORI_EVIDENCE_MAX_BYTES": "10"}, "MAMORI_EVIDENCE_MAX_BYTES"},
		"FileOverQuota": {map[string]string{"MAMORI_EVIDENCE_MAX_BYTES": "2048", "MAMORI_EVIDENCE_QUOTA_BYTES": "1024"},
			"must not exceed MAMORI_EVIDENCE_QUOTA_BYTES"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := FromEnv(env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}
