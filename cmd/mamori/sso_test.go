package main

import (
	"strings"
	"testing"

	"mamori/internal/secretbox"
	"mamori/internal/sso"
	"mamori/internal/store/storetest"
)

const testSecretKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

func TestSSOCommands(t *testing.T) {
	url := storetest.URL(t)
	env := map[string]string{"DATABASE_URL": url, "MAMORI_LOG_FORMAT": "text", "MAMORI_SECRET_KEY": testSecretKey}
	out, _, err := cli(t, env, "", "org", "create", "--name", "SSO株式会社")
	if err != nil {
		t.Fatal(err)
	}
	orgID := lastLine(out)
	add := func(env map[string]string, stdin string, extra ...string) (string, error) {
		args := append([]string{"sso", "add", "--org", orgID, "--issuer", "https://login.example.co.jp/tenant/v2.0", "--client-id", "mamori-app",
			"--client-secret-stdin", "--domains", "example.co.jp,example.jp"}, extra...)
		out, _, err := cli(t, env, stdin, args...)
		return out, err
	}

	out, err = add(env, "s3cret-value\n", "--default-role", "officer", "--groups-claim", "groups", "--group-role", "sec-audit=auditor", "--group-role", "board=manager", "--jit")
	if err != nil {
		t.Fatalf("sso add: %v", err)
	}
	id := lastLine(out)
	if len(id) != 36 {
		t.Fatalf("sso add printed %q, want the id last", out)
	}

	t.Run("SecretStoredSealed", func(t *testing.T) {
		var sealed []byte
		var roles map[string]string
		if err := storetest.Connect(t, url).QueryRow(t.Context(), `SELECT client_secret, group_roles FROM sso_providers WHERE id = $1`, id).Scan(&sealed, &roles); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sealed), "s3cret") {
			t.Fatal("the client secret is stored in clear")
		}
		key, _ := secretbox.New([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"))
		if p, err := key.Open(sealed, sso.SecretPurpose); err != nil || string(p) != "s3cret-value" {
			t.Fatalf("open = %q, %v", p, err)
		}
		if roles["sec-audit"] != "auditor" || roles["board"] != "manager" {
			t.Fatalf("group roles = %v", roles)
		}
	})
	t.Run("List", func(t *testing.T) {
		out, _, err := cli(t, env, "", "sso", "list")
		if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "example.co.jp,example.jp") || !strings.Contains(out, "\tjit") || strings.Contains(out, "s3cret") {
			t.Fatalf("sso list: %q %v", out, err)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		noKey := map[string]string{"DATABASE_URL": url, "MAMORI_LOG_FORMAT": "text"}
		if _, err := add(noKey, "x\n", "--domains", "other.example.jp"); err == nil || !strings.Contains(err.Error(), "MAMORI_SECRET_KEY") {
			t.Fatalf("without a key: %v", err)
		}
		badKey := map[string]string{"DATABASE_URL": url, "MAMORI_SECRET_KEY": "short"}
		if _, err := add(badKey, "x\n", "--domains", "other.example.jp"); err == nil || !strings.Contains(err.Error(), "MAMORI_SECRET_KEY") || strings.Contains(err.Error(), "short") {
			t.Fatalf("malformed key: %v", err)
		}
		if _, err := add(env, "x\n"); err == nil || !strings.Contains(errorText(err), "another identity provider") {
			t.Fatalf("domain taken: %v", err)
		}
		if _, _, err := cli(t, env, "x\n", "sso", "add", "--org", orgID, "--issuer", "http://idp.example.jp", "--client-id", "c", "--client-secret-stdin", "--domains", "x.example.jp"); exitCode(err) != 2 {
			t.Fatalf("http issuer: %v", err)
		}
		if _, _, err := cli(t, env, "", "sso", "add", "--org", orgID, "--issuer", "https://idp.example.jp", "--client-id", "c", "--domains", "x.example.jp"); exitCode(err) != 2 {
			t.Fatalf("without --client-secret-stdin: %v", err)
		}
		if _, err := add(env, "x\n", "--domains", "y.example.jp", "--groups-claim", "g", "--group-role", "admins=admin"); exitCode(err) != 2 {
			t.Fatalf("admin group role: %v", err)
		}
		if out, _, _ := cli(t, env, "", "sso", "list"); strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Fatalf("a refused provider was stored: %q", out)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		if _, _, err := cli(t, env, "", "sso", "remove", id); err != nil {
			t.Fatal(err)
		}
		if out, _, _ := cli(t, env, "", "sso", "list"); strings.Contains(out, id) {
			t.Fatalf("still listed: %q", out)
		}
		if _, _, err := cli(t, env, "", "sso", "remove", id); err == nil {
			t.Fatal("removing twice succeeded")
		}
	})
}
