package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// An action's expected gain is kept on its row by triggers (migrations 0026
// and 0030), against the answers of its organisation's newest assessment.
// The helpers here are what the store's transactions do around them.

// lockNewestAssessment takes a share lock on the organisation's newest
// assessment before an action's questions are written: a save of that
// assessment locks it first too, so either the save sees the action's new
// questions or the action's gain sees the saved level. It comes before the
// action's own lock, in the order saves take them.
func lockNewestAssessment(ctx context.Context, tx pgx.Tx, orgID string) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM assessments WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1 FOR SHARE`,
		uuidArg(orgID))
	if err != nil {
		return fmt.Errorf("lock the newest assessment of %s: %w", orgID, err)
	}
	return nil
}

// copyingAnswers tells the gain triggers that tx creates assessments and
// copies whole assessments' answers (on), or no longer does: they then
// leave the gains to recomputeActionGains, once, after the copy.
func copyingAnswers(ctx context.Context, tx pgx.Tx, on bool) error {
	v := "off"
	if on {
		v = "on"
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('mamori.copying_answers', $1, true)`, v); err != nil {
		return fmt.Errorf("copying answers %s: %w", v, err)
	}
	return nil
}

// recomputeActionGains works out the gains of the organisations' actions
// again, writing only those that changed.
func recomputeActionGains(ctx context.Context, tx pgx.Tx, orgIDs ...string) error {
	_, err := tx.Exec(ctx, `UPDATE actions a SET gain = action_gain(a.org_id, a.questions)
		WHERE a.org_id = ANY($1::uuid[]) AND a.gain IS DISTINCT FROM action_gain(a.org_id, a.questions)`, uuidArray(orgIDs))
	if err != nil {
		return fmt.Errorf("recompute action gains: %w", err)
	}
	return nil
}
