package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"mamori/checklist"
	"mamori/internal/assessment"
	"mamori/internal/auth"
	"mamori/internal/demo"
	"mamori/internal/store"
)

// withDB runs fn with an open, migrated store.
func withDB(ctx context.Context, env *cliEnv, fn func(*store.Store) error) error {
	cfg, err := env.config()
	if err != nil {
		return err
	}
	st, _, closeDB, err := env.openDB(ctx, cfg, env.logger(cfg), cfg.AutoMigrate)
	if err != nil {
		return err
	}
	defer closeDB()
	return fn(st)
}

func newFlags(name string, env *cliEnv) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	for _, r := range required {
		if f := fs.Lookup(r); f == nil || strings.TrimSpace(f.Value.String()) == "" {
			return usageError{fmt.Sprintf("%s: --%s is required", fs.Name(), r)}
		}
	}
	return nil
}

var cliActor = store.Actor{Email: "cli"}

func cmdMigrate(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usageError{"usage: mamori migrate up|down N|version"}
	}
	cfg, err := env.config()
	if err != nil {
		return err
	}
	st, url, closeDB, err := env.openDB(ctx, cfg, env.logger(cfg), false)
	if err != nil {
		return err
	}
	defer closeDB()
	st.Close()
	m, err := store.NewMigrator(url)
	if err != nil {
		return err
	}
	defer m.Close()
	switch args[0] {
	case "up":
		if err := m.Up(); err != nil {
			return err
		}
	case "down":
		if len(args) != 2 {
			return usageError{"usage: mamori migrate down N"}
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 {
			return usageError{"migrate down: N must be a positive number"}
		}
		if err := m.Down(n); err != nil {
			return err
		}
	case "version":
	default:
		return usageError{"usage: mamori migrate up|down N|version"}
	}
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "schema version %d", v)
	if dirty {
		fmt.Fprint(env.stdout, " (dirty)")
	}
	fmt.Fprintln(env.stdout)
	return nil
}

func cmdOrgCreate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("org create", env)
	name := fs.String("name", "", "organisation name")
	parent := fs.String("parent", "", "parent organisation id")
	industry := fs.String("industry", "other", "industry code")
	if err := parse(fs, args, "name"); err != nil {
		return err
	}
	return withDB(ctx, env, func(st *store.Store) error {
		var p *string
		if *parent != "" {
			p = parent
		}
		o, err := st.CreateOrg(ctx, *name, p, *industry)
		if err != nil {
			return err
		}
		if err := st.AppendAudit(ctx, store.Audit{Actor: cliActor.Email, OrgID: o.ID, Action: "org.created", Detail: map[string]any{"name": o.Name}}); err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, o.ID)
		return nil
	})
}

func cmdUserCreate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("user create", env)
	email := fs.String("email", "", "email address (the login)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "officer, auditor or manager")
	org := fs.String("org", "", "organisation id")
	admin := fs.Bool("admin", false, "platform administrator")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := parse(fs, args, "email", "name", "role"); err != nil {
		return err
	}
	if !assessment.ValidRole(*role) {
		return usageError{"user create: --role must be officer, auditor or manager"}
	}
	password, generated := "", false
	if *pwStdin {
		line, err := bufio.NewReader(env.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password, generated = auth.GeneratePassword(), true
	}
	if err := auth.ValidatePassword(password); err != nil {
		return fmt.Errorf("password refused: %w", err)
	}
	return withDB(ctx, env, func(st *store.Store) error {
		orgID := *org
		if orgID == "" {
			orgs, err := st.ListOrgs(ctx)
			if err != nil {
				return err
			}
			if len(orgs) != 1 {
				return usageError{"user create: --org is required when there is not exactly one organisation"}
			}
			orgID = orgs[0].ID
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		u, err := st.CreateUser(ctx, store.NewUser{Email: *email, Name: *name, PasswordHash: hash, Role: assessment.Role(*role), OrgID: orgID, Admin: *admin, Actor: cliActor})
		if err != nil {
			return err
		}
		if generated {
			fmt.Fprintf(env.stdout, "password: %s\n", password)
		}
		fmt.Fprintln(env.stdout, u.ID)
		return nil
	})
}

func cmdAuditorAssign(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("auditor assign", env)
	email := fs.String("email", "", "the auditor's email")
	org := fs.String("org", "", "organisation id")
	if err := parse(fs, args, "email", "org"); err != nil {
		return err
	}
	return withDB(ctx, env, func(st *store.Store) error {
		u, err := st.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("auditor assign: %w", err)
		}
		if err := st.AssignAuditor(ctx, u.ID, *org, cliActor); err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, u.ID)
		return nil
	})
}

func cmdTokenCreate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("token create", env)
	email := fs.String("email", "", "the user's email")
	label := fs.String("label", "", "a label to recognise the token by")
	if err := parse(fs, args, "email"); err != nil {
		return err
	}
	return withDB(ctx, env, func(st *store.Store) error {
		u, err := st.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		tok := auth.NewToken()
		if _, err := st.CreateToken(ctx, u.ID, *label, auth.HashToken(tok), cliActor); err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, tok)
		return nil
	})
}

func cmdDemo(ctx context.Context, env *cliEnv, args []string) error {
	if err := parse(newFlags("demo", env), args); err != nil {
		return err
	}
	cfg, err := env.config()
	if err != nil {
		return err
	}
	return withDB(ctx, env, func(st *store.Store) error {
		logins, err := demo.Seed(ctx, st)
		if err != nil {
			return err
		}
		fmt.Fprint(env.stdout, demo.Describe(logins, "http://"+cfg.Addr))
		return nil
	})
}

func cmdChecklistExport(env *cliEnv, args []string) error {
	fs := newFlags("checklist export", env)
	format := fs.String("format", "json", "json or yaml")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "yaml" {
		return usageError{"checklist export: --format must be json or yaml"}
	}
	return checklist.Default().Export(env.stdout, *format)
}

// cmdAuditVerify recomputes the audit chain and prints its head (seq and
// hash): written down outside the database, the head is an anchor that a
// later run checks with --anchor SEQ:HASH, so that even a rewrite of the
// whole chain by someone with database access is noticed.
func cmdAuditVerify(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("audit verify", env)
	anchor := fs.String("anchor", "", "SEQ:HASH printed by an earlier run; fail unless that row still has that hash")
	if err := parse(fs, args); err != nil {
		return err
	}
	var anchorSeq int64
	var anchorHash []byte
	if *anchor != "" {
		seqText, hashText, ok := strings.Cut(*anchor, ":")
		seq, serr := strconv.ParseInt(seqText, 10, 64)
		hash, herr := hex.DecodeString(hashText)
		if !ok || serr != nil || herr != nil || seq < 1 || len(hash) != sha256.Size {
			return usageError{"audit verify: --anchor must be SEQ:HASH as printed by audit verify"}
		}
		anchorSeq, anchorHash = seq, hash
	}
	return withDB(ctx, env, func(st *store.Store) error {
		n, bad, err := st.VerifyAudit(ctx)
		if err != nil {
			if bad > 0 {
				return fmt.Errorf("audit trail broken at row %d (after %d good rows): %w", bad, n, err)
			}
			return err
		}
		if anchorSeq > 0 {
			h, err := st.AuditHashAt(ctx, anchorSeq)
			if err != nil {
				return fmt.Errorf("audit trail broken: anchor row %d: %w", anchorSeq, err)
			}
			if !bytes.Equal(h, anchorHash) {
				return fmt.Errorf("audit trail broken at row %d: its hash is not the anchor's (the chain was rewritten)", anchorSeq)
			}
		}
		seq, hash, err := st.AuditHead(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "audit trail intact: %d rows verified\n", n)
		if anchorSeq > 0 {
			fmt.Fprintf(env.stdout, "anchor %d matches\n", anchorSeq)
		}
		if seq > 0 {
			fmt.Fprintf(env.stdout, "head: %d:%s\n", seq, hex.EncodeToString(hash))
		}
		return nil
	})
}

// cmdBenchmarkRebuild recomputes the peer benchmark's maintained sums and
// the dashboard's maintained summaries from the assessments, and makes every
// instance read who sees which organisations again: for data loaded behind
// the application's back (a restore of selected tables, a bulk load).
// Benchmarks wait while it runs.
func cmdBenchmarkRebuild(ctx context.Context, env *cliEnv) error {
	return withDB(ctx, env, func(st *store.Store) error {
		n, err := st.RebuildPeerStats(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "benchmark sums rebuilt from %d organisations' latest approved assessments\n", n)
		if n, err = st.RebuildDashboard(ctx); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "dashboard summaries rebuilt for %d organisations\n", n)
		if err := st.ForgetVisibility(ctx); err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, "who sees which organisations: read again by every instance")
		return nil
	})
}
