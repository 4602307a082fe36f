package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/apperr"
)

// Org is an organisation; ParentID groups subsidiaries under a holding.
type Org struct {
	ID        string
	Name      string
	ParentID  *string
	Industry  string
	CreatedAt time.Time
	// RequireTOTP makes a second factor mandatory for the members (totp.go).
	RequireTOTP bool
}

const orgColumns = `id, name, parent_id, industry, created_at, require_totp`

func scanOrg(row pgx.Row) (Org, error) {
	var o Org
	err := row.Scan(&o.ID, &o.Name, &o.ParentID, &o.Industry, &o.CreatedAt, &o.RequireTOTP)
	return o, err
}

// CreateOrg inserts an organisation.
func (s *Store) CreateOrg(ctx context.Context, name string, parentID *string, industry string) (Org, error) {
	if industry == "" {
		industry = "other"
	}
	var o Org
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		o, err = scanOrg(tx.QueryRow(ctx,
			`INSERT INTO orgs (name, parent_id, industry) VALUES ($1, $2, $3) RETURNING `+orgColumns,
			name, parentID, industry))
		if err != nil {
			return err
		}
		return refreshOrgDash(ctx, tx, o.ID)
	})
	if err != nil {
		return Org{}, fmt.Errorf("store: create org: %w", orgErr(err))
	}
	return o, nil
}

// UpdateOrg changes an organisation's name, parent and industry. A parent
// that would make a cycle is refused.
func (s *Store) UpdateOrg(ctx context.Context, id, name string, parentID *string, industry string) (Org, error) {
	var o Org
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Moves wait for each other before the cycle check: two moves
		// checked at once (A under B, B under A) would each find no cycle.
		// The lock is the one every change to the tree takes anyway
		// (visibility, migration 0022).
		if _, err := tx.Exec(ctx, `SELECT version FROM visibility FOR UPDATE`); err != nil {
			return fmt.Errorf("lock the tree: %w", err)
		}
		if parentID != nil {
			var cycle bool
			err := tx.QueryRow(ctx, `
				WITH RECURSIVE up AS (
					SELECT id, parent_id FROM orgs WHERE id = $1
					UNION
					SELECT o.id, o.parent_id FROM orgs o JOIN up ON o.id = up.parent_id
				)
				SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)`, *parentID, id).Scan(&cycle)
			if err != nil {
				return orgErr(err)
			}
			if cycle {
				return apperr.InvalidFieldsK("err.org_parent_cycle", map[string]string{"parent_id": "cycle"})
			}
		}
		var oldParent *string
		if err := tx.QueryRow(ctx, `SELECT parent_id FROM orgs WHERE id = $1`, id).Scan(&oldParent); err != nil {
			return notFound(orgErr(err))
		}
		var err error
		o, err = scanOrg(tx.QueryRow(ctx,
			`UPDATE orgs SET name = $2, parent_id = $3, industry = $4, updated_at = now()
			 WHERE id = $1 RETURNING `+orgColumns, id, name, parentID, industry))
		if err != nil {
			return notFound(orgErr(err))
		}
		if (oldParent == nil) != (parentID == nil) || (oldParent != nil && *oldParent != *parentID) {
			err = refreshOrgDashTree(ctx, tx, id) // moved: its subtree's scopes changed
		} else {
			err = refreshOrgDash(ctx, tx, id) // its name
		}
		if err != nil {
			return err
		}
		return refreshOrgPeer(ctx, tx, id) // the industry of an organisation without a profile's
	})
	if err != nil {
		return Org{}, fmt.Errorf("store: update org %s: %w", id, err)
	}
	return o, nil
}

func orgErr(err error) error {
	switch pgCode(err) {
	case codeForeignKeyViolation, codeInvalidText:
		return apperr.InvalidFieldsK("err.org_parent_unknown", map[string]string{"parent_id": "unknown"})
	case codeCheckViolation:
		return apperr.InvalidFieldsK("err.org_name_length", map[string]string{"name": "length"})
	}
	return err
}

// GetOrg returns one organisation.
func (s *Store) GetOrg(ctx context.Context, id string) (Org, error) {
	o, err := scanOrg(s.pool.QueryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = $1`, id))
	if err != nil {
		if pgCode(err) == codeInvalidText {
			err = pgx.ErrNoRows
		}
		return Org{}, fmt.Errorf("store: get org %s: %w", id, notFound(err))
	}
	return o, nil
}

// ListOrgs returns every organisation by name.
func (s *Store) ListOrgs(ctx context.Context) ([]Org, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+orgColumns+` FROM orgs ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list orgs: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Org, error) { return scanOrg(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list orgs: %w", err)
	}
	return orgs, nil
}

// OrgChoices returns, by name, at most limit organisations of the scope
// whose name contains q (lower case; "" for any), and whether more match:
// what a picker offers when the caller sees thousands of organisations.
func (s *Store) OrgChoices(ctx context.Context, scope Reach, q string, limit int) ([]Org, bool, error) {
	cond, args := scope.cond("id", 3, scope.many())
	args = append([]any{limit + 1, q}, args...)
	if err := scope.prepare(ctx, s); err != nil {
		return nil, false, fmt.Errorf("store: organisation choices: %w", err)
	}
	rows, err := s.reader(scope).Query(ctx, `SELECT `+orgColumns+` FROM orgs
		WHERE `+cond+` AND ($2 = '' OR strpos(lower(name), $2) > 0) ORDER BY name, id LIMIT $1`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: organisation choices: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Org, error) { return scanOrg(r) })
	if err != nil {
		return nil, false, fmt.Errorf("store: organisation choices: %w", err)
	}
	if len(orgs) > limit {
		return orgs[:limit], true, nil
	}
	return orgs, false, nil
}

// OrgsByIDs returns the named organisations by name.
func (s *Store) OrgsByIDs(ctx context.Context, ids []string) ([]Org, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = ANY($1::uuid[]) ORDER BY name, id`, uuidArray(ids))
	if err != nil {
		return nil, fmt.Errorf("store: orgs by ids: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Org, error) { return scanOrg(r) })
	if err != nil {
		return nil, fmt.Errorf("store: orgs by ids: %w", err)
	}
	return orgs, nil
}

// OrgAndDescendants returns the ids of the organisation and every
// organisation below it.
func (s *Store) OrgAndDescendants(ctx context.Context, id string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `
		WITH RECURSIVE down AS (
			SELECT id FROM orgs WHERE id = $1
			UNION
			SELECT o.id FROM orgs o JOIN down ON o.parent_id = down.id
		)
		SELECT id::text FROM down`, id)
	if err != nil {
		return nil, fmt.Errorf("store: org descendants: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: org descendants: %w", err)
	}
	return ids, nil
}

// OrgRow is an organisation of the administrator's list, with its
// parent's name ("" for a top-level organisation).
type OrgRow struct {
	Org
	ParentName string
}

// OrgPage returns, by name, the limit organisations after the first
// offset whose name contains q (lower case; "" for any), and whether more
// follow: a page of the administrator's list, read by the index on (name,
// id) without a search.
func (s *Store) OrgPage(ctx context.Context, q string, offset, limit int) ([]OrgRow, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+prefixed("o.", orgColumns)+`, coalesce(p.name, '')
		FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id
		WHERE $1 = '' OR strpos(lower(o.name), $1) > 0
		ORDER BY o.name, o.id LIMIT $2 OFFSET $3`, q, limit+1, offset)
	if err != nil {
		return nil, false, fmt.Errorf("store: organisation page: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OrgRow, error) {
		var o OrgRow
		err := r.Scan(&o.ID, &o.Name, &o.ParentID, &o.Industry, &o.CreatedAt, &o.RequireTOTP, &o.ParentName)
		return o, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: organisation page: %w", err)
	}
	if len(orgs) > limit {
		return orgs[:limit], true, nil
	}
	return orgs, false, nil
}

// OrgIDsByRef resolves organisations named by name or by id (as
// PostgreSQL prints it) to their ids, for the refs that name one: one
// query by the indexes, whatever the number of organisations. Of several
// organisations with one name, the last by id wins, as it always has.
func (s *Store) OrgIDsByRef(ctx context.Context, refs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(refs) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT name, id::text FROM orgs WHERE name = ANY($1::text[])
		UNION ALL
		SELECT id::text, id::text FROM orgs WHERE id = ANY($2::uuid[])
		ORDER BY 1, 2`, refs, uuidArray(refs))
	if err != nil {
		return nil, fmt.Errorf("store: organisations by name: %w", err)
	}
	var ref, id string
	if _, err := pgx.ForEachRow(rows, []any{&ref, &id}, func() error { out[ref] = id; return nil }); err != nil {
		return nil, fmt.Errorf("store: organisations by name: %w", err)
	}
	return out, nil
}
