package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
	"mamori/internal/score"
)

// Profile is an organisation's company profile (企業プロフィール): what it
// says about itself, which decides its risk group and default targets.
type Profile struct {
	OrgID string
	score.Profile
	Version       int
	UpdatedAt     time.Time
	UpdatedByName string
}

// ProfileVersion is one saved version of a profile, for the change history.
type ProfileVersion struct {
	Version       int
	Profile       score.Profile
	UpdatedAt     time.Time
	UpdatedByName string
}

// querier is what both a pgx.Tx and the pool offer, so a read can run inside
// a caller's transaction or on its own.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// lockOrg takes a row lock on the organisation that orders its diagnosis
// writes: saving a profile or targets takes it exclusively (FOR NO KEY
// UPDATE), freezing a result shares it (FOR SHARE). So a result is frozen
// either wholly before or wholly after a profile or target change, and the
// history timestamps (clock_timestamp, read after the lock) tell which.
// Neither mode blocks the FOR KEY SHARE locks of foreign keys, so creating
// assessments or users is not held up.
func lockOrg(ctx context.Context, tx pgx.Tx, orgID string, exclusive bool) error {
	q := `SELECT 1 FROM orgs WHERE id = $1 FOR SHARE`
	if exclusive {
		q = `SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE`
	}
	var one int
	err := tx.QueryRow(ctx, q, orgID).Scan(&one)
	if pgCode(err) == codeInvalidText {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return fmt.Errorf("lock org %s: %w", orgID, notFound(err))
	}
	return nil
}

const profileSelect = `
	SELECT p.org_id, p.industry, p.employees, p.annual_sales_million_jpy, p.personal_records, p.it_dependence,
		p.online_services, p.critical_infrastructure, p.version, p.updated_at, coalesce(u.display_name, '')
	FROM org_profiles p LEFT JOIN users u ON u.id = p.updated_by`

func scanProfile(row pgx.Row) (Profile, error) {
	var p Profile
	var itDep int16
	err := row.Scan(&p.OrgID, &p.Industry, &p.Employees, &p.AnnualSalesMillionJPY, &p.PersonalRecords, &itDep,
		&p.OnlineServices, &p.CriticalInfrastructure, &p.Version, &p.UpdatedAt, &p.UpdatedByName)
	p.ITDependence = int(itDep)
	return p, err
}

// loadProfile reads an organisation's profile; found is false when it has
// none yet.
func loadProfile(ctx context.Context, q querier, orgID string, forUpdate bool) (p Profile, found bool, err error) {
	sql := profileSelect + ` WHERE p.org_id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF p`
	}
	p, err = scanProfile(q.QueryRow(ctx, sql, orgID))
	switch {
	case errors.Is(err, pgx.ErrNoRows) || pgCode(err) == codeInvalidText:
		return Profile{}, false, nil
	case err != nil:
		return Profile{}, false, err
	}
	return p, true, nil
}

// GetProfile returns an organisation's profile, or NotFound when it has none
// yet (its risk group is then score.DefaultGroup).
func (s *Store) GetProfile(ctx context.Context, orgID string) (Profile, error) {
	p, found, err := loadProfile(ctx, s.pool, orgID, false)
	if err != nil {
		return Profile{}, fmt.Errorf("store: get profile %s: %w", orgID, err)
	}
	if !found {
		return Profile{}, fmt.Errorf("store: get profile %s: %w", orgID, apperr.ErrNotFound)
	}
	return p, nil
}

// SaveProfile stores an organisation's profile as a new version, with its
// history row and a profile.updated audit entry (old → new), in one
// transaction. baseVersion, when set, is the version the caller edited (0 =
// none yet): another save in between answers Conflict with the current
// profile as Detail. Saving the values already stored changes nothing and
// returns changed = false.
func (s *Store) SaveProfile(ctx context.Context, orgID string, in score.Profile, baseVersion *int, actor Actor) (saved Profile, changed bool, err error) {
	if errs := in.Validate(); len(errs) > 0 {
		fields := make(map[string]string, len(errs))
		for _, e := range errs {
			fields[e.Field] = e.Code
		}
		return Profile{}, false, fmt.Errorf("store: save profile %s: %w", orgID, apperr.InvalidFieldsK("err.profile_invalid", fields))
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockOrg(ctx, tx, orgID, true); err != nil {
			return err
		}
		cur, exists, err := loadProfile(ctx, tx, orgID, true)
		if err != nil {
			return err
		}
		if baseVersion != nil && *baseVersion != cur.Version {
			var detail any
			if exists {
				detail = cur
			}
			e := apperr.K(apperr.Conflict, "err.profile_conflict")
			e.Detail = detail
			return e
		}
		if exists && cur.Profile == in {
			saved = cur
			return nil
		}
		// clock_timestamp, not now(): the time after the org lock was
		// taken, which orders this version against frozen results.
		err = tx.QueryRow(ctx, `
			INSERT INTO org_profiles (org_id, industry, employees, annual_sales_million_jpy, personal_records, it_dependence,
				online_services, critical_infrastructure, version, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, clock_timestamp())
			ON CONFLICT (org_id) DO UPDATE SET industry = EXCLUDED.industry, employees = EXCLUDED.employees,
				annual_sales_million_jpy = EXCLUDED.annual_sales_million_jpy, personal_records = EXCLUDED.personal_records,
				it_dependence = EXCLUDED.it_dependence, online_services = EXCLUDED.online_services,
				critical_infrastructure = EXCLUDED.critical_infrastructure, version = org_profiles.version + 1,
				updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
			RETURNING version, updated_at`,
			orgID, in.Industry, in.Employees, in.AnnualSalesMillionJPY, in.PersonalRecords, in.ITDependence,
			in.OnlineServices, in.CriticalInfrastructure, nullable(actor.UserID)).Scan(&saved.Version, &saved.UpdatedAt)
		if err != nil {
			return err
		}
		doc, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO org_profile_history (org_id, version, profile, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			orgID, saved.Version, string(doc), nullable(actor.UserID), saved.UpdatedAt); err != nil {
			return err
		}
		saved.OrgID, saved.Profile, changed = orgID, in, true
		var old any
		if exists {
			old = cur.Profile
		}
		if err := refreshOrgPeer(ctx, tx, orgID); err != nil { // industry and size band
			return err
		}
		if err := refreshOrgDash(ctx, tx, orgID); err != nil { // risk group
			return err
		}
		return appendAudit(ctx, tx, Audit{ActorID: actor.UserID, Actor: actor.Email, OrgID: orgID, Action: "profile.updated",
			Detail: map[string]any{"version": saved.Version, "old": old, "new": in, "changed": score.ChangedProfileFields(cur.Profile, in, exists)}})
	})
	if err != nil {
		return Profile{}, false, fmt.Errorf("store: save profile %s: %w", orgID, err)
	}
	if changed {
		s.cache.drop(orgID) // this process's next read, before the notification comes
	}
	if changed && actor.UserID != "" {
		if saved.UpdatedByName, err = s.displayName(ctx, actor.UserID); err != nil {
			return Profile{}, false, fmt.Errorf("store: save profile %s (saved): %w", orgID, err)
		}
	}
	return saved, changed, nil
}

// ProfileHistory returns the latest limit versions of an organisation's
// profile, newest first.
func (s *Store) ProfileHistory(ctx context.Context, orgID string, limit int) ([]ProfileVersion, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT h.version, h.profile::text, h.updated_at, coalesce(u.display_name, '')
		FROM org_profile_history h LEFT JOIN users u ON u.id = h.updated_by
		WHERE h.org_id = $1 ORDER BY h.version DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: profile history %s: %w", orgID, err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProfileVersion, error) {
		var v ProfileVersion
		var doc string
		if err := r.Scan(&v.Version, &doc, &v.UpdatedAt, &v.UpdatedByName); err != nil {
			return v, err
		}
		return v, json.Unmarshal([]byte(doc), &v.Profile)
	})
	if err != nil {
		return nil, fmt.Errorf("store: profile history %s: %w", orgID, err)
	}
	return vs, nil
}

// ProfileAt returns the version of an organisation's profile that was in
// force at a moment (the latest saved at or before it), or NotFound when it
// had none then. Frozen results use it to explain their risk group.
func (s *Store) ProfileAt(ctx context.Context, orgID string, at time.Time) (ProfileVersion, error) {
	var v ProfileVersion
	var doc string
	err := s.pool.QueryRow(ctx, `
		SELECT h.version, h.profile::text, h.updated_at, coalesce(u.display_name, '')
		FROM org_profile_history h LEFT JOIN users u ON u.id = h.updated_by
		WHERE h.org_id = $1 AND h.updated_at <= $2 ORDER BY h.version DESC LIMIT 1`, orgID, at).Scan(&v.Version, &doc, &v.UpdatedAt, &v.UpdatedByName)
	if err != nil {
		return ProfileVersion{}, fmt.Errorf("store: profile of %s at %s: %w", orgID, at.Format(time.RFC3339), notFound(err))
	}
	if err := json.Unmarshal([]byte(doc), &v.Profile); err != nil {
		return ProfileVersion{}, fmt.Errorf("store: profile of %s at %s: %w", orgID, at.Format(time.RFC3339), err)
	}
	return v, nil
}
