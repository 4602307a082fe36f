package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"mamori/internal/assessment"
	"mamori/internal/secretbox"
	"mamori/internal/sso"
	"mamori/internal/store"
)

// listFlag collects a repeated flag (--group-role A=auditor --group-role …).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func cmdSSO(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "add":
			return cmdSSOAdd(ctx, env, args[1:])
		case "list":
			return cmdSSOList(ctx, env, args[1:])
		case "remove":
			return cmdSSORemove(ctx, env, args[1:])
		}
	}
	return usageError{"usage: mamori sso add|list|remove"}
}

// cmdSSOAdd connects an identity provider; it prints the new provider's id
// last, for scripts.
func cmdSSOAdd(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("sso add", env)
	org := fs.String("org", "", "organisation id")
	issuer := fs.String("issuer", "", "issuer URL (https; http only on loopback)")
	clientID := fs.String("client-id", "", "client id registered at the provider")
	secretStdin := fs.Bool("client-secret-stdin", false, "read the client secret from standard input")
	domains := fs.String("domains", "", "email domains the provider signs in, comma-separated")
	defRole := fs.String("default-role", "officer", "officer, auditor or manager")
	groupsClaim := fs.String("groups-claim", "", "name of the ID token claim that lists the user's groups")
	var groupRoles listFlag
	fs.Var(&groupRoles, "group-role", "GROUP=ROLE (repeatable)")
	verified := fs.String("verified-claim", "email_verified", "claim that must be true for the email to count as verified (Entra ID: xms_edov)")
	jit := fs.Bool("jit", false, "create the account at a first sign-in")
	name := fs.String("name", "", "label of the sign-in button (default: the issuer's host)")
	button := fs.Bool("button", false, `show a "Sign in with …" button on the login page`)
	if err := parse(fs, args, "org", "issuer", "client-id", "domains"); err != nil {
		return err
	}
	if !*secretStdin {
		return usageError{"sso add: --client-secret-stdin is required (the secret never goes on the command line)"}
	}
	if !assessment.ValidRole(*defRole) {
		return usageError{"sso add: --default-role must be officer, auditor or manager"}
	}
	if err := sso.CheckIssuer(*issuer); err != nil {
		return usageError{"sso add: --issuer must be an https URL (http only on a loopback address)"}
	}
	ds, err := sso.ParseDomains(*domains)
	if err != nil {
		return usageError{"sso add: --domains: " + errorText(err)}
	}
	mapping, err := sso.ParseGroupRoles(groupRoles)
	if err != nil {
		return usageError{"sso add: --group-role must be GROUP=officer|auditor|manager"}
	}
	if len(mapping) > 0 && *groupsClaim == "" {
		return usageError{"sso add: --group-role needs --groups-claim"}
	}
	cfg, err := env.config()
	if err != nil {
		return err
	}
	box, err := secretbox.New(cfg.SecretKey)
	if err != nil {
		return err
	}
	if box == nil {
		return errors.New("sso add: MAMORI_SECRET_KEY is not set; the client secret is stored only encrypted (generate a key with `openssl rand -base64 32`)")
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("sso add: read the client secret from stdin: %w", err)
	}
	secret := strings.TrimRight(line, "\r\n")
	if secret == "" {
		return usageError{"sso add: the client secret on stdin is empty"}
	}
	sealed, err := box.Seal([]byte(secret), sso.SecretPurpose)
	if err != nil {
		return err
	}
	label := *name
	if label == "" {
		label = hostOf(*issuer)
	}
	return withDB(ctx, env, func(st *store.Store) error {
		p, err := st.CreateSSOProvider(ctx, store.SSOProvider{OrgID: *org, Name: label, Issuer: *issuer, ClientID: *clientID, SecretSealed: sealed,
			Domains: ds, DefaultRole: assessment.Role(*defRole), GroupsClaim: *groupsClaim, GroupRoles: mapping, VerifiedClaim: *verified, JIT: *jit, ShowButton: *button}, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, p.ID)
		return nil
	})
}

func hostOf(issuer string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	return h
}

func cmdSSOList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("sso list", env)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withDB(ctx, env, func(st *store.Store) error {
		ps, err := st.ListSSOProviders(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			jit := "no-jit"
			if p.JIT {
				jit = "jit"
			}
			fmt.Fprintf(env.stdout, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.OrgName, p.Issuer, p.ClientID, strings.Join(p.Domains, ","), p.DefaultRole, jit)
		}
		return nil
	})
}

func cmdSSORemove(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return usageError{"usage: mamori sso remove ID"}
	}
	return withDB(ctx, env, func(st *store.Store) error {
		if err := st.DeleteSSOProvider(ctx, args[0], cliActor); err != nil {
			return fmt.Errorf("sso remove: %w", err)
		}
		fmt.Fprintln(env.stdout, "removed", args[0])
		return nil
	})
}
