// Command mamori is the information-security self-assessment portal: the web
// server and the operators' commands. main only wires; run does the work.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"mamori/internal/apperr"
	"mamori/web/i18n"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mamori:", errorText(err))
		os.Exit(exitCode(err))
	}
}

// errorText is err as the operator reads it. Domain errors name their
// message by a catalog key (apperr.K): it is put into English, the language
// of the rest of the command line.
func errorText(err error) string {
	text := err.Error()
	if e, ok := apperr.As(err); ok && e.Key != "" {
		en := e.Localized(func(key string, args ...any) string { return i18n.TL("en", key, args...) })
		text = strings.Replace(text, e.Error(), en.Error(), 1)
	}
	return text
}

// usageError makes main exit with 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}

const usage = `usage: mamori <command> [flags]

commands:
  serve                       run the web portal
  migrate up|down N|version   manage the database schema
  org create --name N [--parent ID] [--industry CODE]
  user create --email E --name N --role officer|auditor|manager [--org ID] [--admin] [--password-stdin]
  auditor assign --email E --org ID
  token create --email E [--label L]
  sso add --org ID --issuer URL --client-id ID --client-secret-stdin --domains D[,D…]
      [--default-role officer|auditor|manager] [--groups-claim NAME --group-role GROUP=ROLE …]
      [--jit] [--name LABEL] [--button]       connect an OpenID Connect provider; prints its id last
  sso list                    the identity providers
  sso remove ID               disconnect an identity provider
  demo                        seed demo data (idempotent) and print the logins
  checklist export [--format json|yaml]
  audit verify [--anchor SEQ:HASH]  recompute the audit trail's hash chain
  benchmark rebuild           recompute the peer benchmark's sums and the dashboard's summaries from the assessments
  evidence verify [--remove-orphans]  re-hash every stored evidence file; report missing,
                              changed and orphaned contents (object storage)
  backup --out FILE           dump the database (pg_dump custom format)
  restore --in FILE           restore a dump into an empty database

Configuration comes from the environment: see README.md.`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{usage}
	}
	env := &cliEnv{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmd, rest := args[0], args[1:]
	sub := func() (string, []string) {
		if len(rest) == 0 {
			return "", nil
		}
		return rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, env, rest)
	case "migrate":
		return cmdMigrate(ctx, env, rest)
	case "org":
		if s, r := sub(); s == "create" {
			return cmdOrgCreate(ctx, env, r)
		}
	case "user":
		if s, r := sub(); s == "create" {
			return cmdUserCreate(ctx, env, r)
		}
	case "auditor":
		if s, r := sub(); s == "assign" {
			return cmdAuditorAssign(ctx, env, r)
		}
	case "token":
		if s, r := sub(); s == "create" {
			return cmdTokenCreate(ctx, env, r)
		}
	case "sso":
		return cmdSSO(ctx, env, rest)
	case "demo":
		return cmdDemo(ctx, env, rest)
	case "checklist":
		if s, r := sub(); s == "export" {
			return cmdChecklistExport(env, r)
		}
	case "audit":
		if s, r := sub(); s == "verify" {
			return cmdAuditVerify(ctx, env, r)
		}
	case "benchmark":
		if s, r := sub(); s == "rebuild" && len(r) == 0 {
			return cmdBenchmarkRebuild(ctx, env)
		}
	case "evidence":
		if s, r := sub(); s == "verify" {
			return cmdEvidenceVerify(ctx, env, r)
		}
	case "backup":
		return cmdBackup(ctx, env, rest)
	case "restore":
		return cmdRestore(ctx, env, rest)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError{usage}
}
