package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"mamori/internal/store"
)

// orphanAge is how old an unreferenced object must be before verify calls
// it an orphan: a younger one may belong to an upload under way.
const orphanAge = time.Hour

// cmdEvidenceVerify re-reads and re-hashes every stored evidence file
// (database or object storage) and reports those missing or changed, and
// the objects in object storage that no item names. It fails when it
// finds any problem; --remove-orphans deletes the orphans.
func cmdEvidenceVerify(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("evidence verify", env)
	remove := fs.Bool("remove-orphans", false, "delete objects no evidence item names (older than an hour)")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withDB(ctx, env, func(st *store.Store) error {
		bad := 0
		n, err := st.VerifyEvidence(ctx, func(r store.VerifyResult) {
			if r.Problem != "" {
				bad++
				fmt.Fprintf(env.stdout, "%s\t%s\t%s\t%s\t%s\n", r.Problem, r.Evidence.OrgID, r.Evidence.ID, hex.EncodeToString(r.Evidence.SHA256), r.Evidence.Filename)
			}
		})
		if err != nil {
			return err
		}
		orphans, err := st.EvidenceOrphans(ctx, time.Now().Add(-orphanAge), *remove)
		if err != nil {
			return err
		}
		for _, k := range orphans {
			fmt.Fprintf(env.stdout, "orphan\t%s\n", k)
		}
		fmt.Fprintf(env.stdout, "checked %d files: %d missing or changed, %d orphaned objects", n, bad, len(orphans))
		if *remove && len(orphans) > 0 {
			fmt.Fprint(env.stdout, " (removed)")
		}
		fmt.Fprintln(env.stdout)
		if bad > 0 || (len(orphans) > 0 && !*remove) {
			return fmt.Errorf("evidence verify: %d files missing or changed, %d orphaned objects", bad, len(orphans))
		}
		return nil
	})
}
