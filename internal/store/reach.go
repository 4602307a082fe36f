package store

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// walkListFrom is the number of organisations from which a list page walks
// the list's order rather than sorting the organisations' rows.
const walkListFrom = 1000

// Reach is the organisations a list covers, those its caller may see:
// every organisation (All, for administrators) or those of OrgIDs. A
// manager's and an auditor's reach also says how the database can name
// it, so that the list does not send the ids of the 10,000 organisations
// a top manager or an audit firm sees (sending and planning them cost about
// 1 µs an organisation): OrgIDs then only tells how many there are.
type Reach struct {
	All    bool
	OrgIDs []string
	// Subtree, when set, is the organisation whose subtree OrgIDs is (a
	// manager's): the dashboard's scope rows (org_dash, kept in the
	// transaction of every change to the tree) list it.
	Subtree string
	// Reviewer, when set, is the auditor (a user id, of ReviewerOrg) whose
	// reach OrgIDs is: org_review_sources lists it (org_review_sources.go).
	Reviewer, ReviewerOrg string
}

// many reports whether the reach is every organisation or enough of them
// for a list to walk its order's index rather than sort their rows.
func (r Reach) many() bool { return r.All || len(r.OrgIDs) >= walkListFrom }

// cond is the SQL condition that the organisation id col is in the reach,
// with its arguments numbered from $n. probe: the query walks another
// order and tests each row (EXISTS by key); else the reach's organisations
// are listed first (IN).
func (r Reach) cond(col string, n int, probe bool) (string, []any) {
	arg := func(i int) string { return "$" + strconv.Itoa(n+i) }
	var rows string
	var args []any
	switch {
	case r.All:
		return "true", nil
	case r.Subtree != "":
		rows, args = `org_dash d WHERE d.scope_id = `+arg(0), []any{uuidArg(r.Subtree)}
	case r.Reviewer != "":
		rows = `org_review_sources d WHERE d.source_id IN (SELECT ` + arg(0) + `::uuid
			UNION ALL SELECT aa.org_id FROM auditor_assignments aa WHERE aa.user_id = ` + arg(1) + `)`
		args = []any{uuidArg(r.ReviewerOrg), uuidArg(r.Reviewer)}
	default:
		return col + ` = ANY(` + arg(0) + `::uuid[])`, []any{uuidArray(r.OrgIDs)}
	}
	if probe {
		return `EXISTS (SELECT 1 FROM ` + rows + ` AND d.org_id = ` + col + `)`, args
	}
	return col + ` IN (SELECT d.org_id FROM ` + rows + `)`, args
}

// prepare readies what the reach's condition reads.
func (r Reach) prepare(ctx context.Context, s *Store) error {
	if r.Reviewer != "" && !r.All && r.Subtree == "" {
		return s.ensureReviewSources(ctx)
	}
	return nil
}

// reader is where a list over the reach runs its statements: the pool, or
// for many organisations the pool with every statement planned for its
// arguments (an unnamed statement). PostgreSQL settles on a generic plan
// after five calls of a prepared one, and that plan knows neither how many
// organisations a scope holds nor, for "= ANY($1)", the ids, which it then
// compares with every row one by one: a page of an audit firm's 10,000
// organisations took 20 ms instead of 5, an actions page of a top manager
// 111 ms instead of 22.
func (s *Store) reader(r Reach) querier {
	if r.All || len(r.OrgIDs) < walkListFrom {
		return s.pool
	}
	return customPlans{s.pool}
}

// customPlans sends every statement unnamed, planned for its arguments.
type customPlans struct{ q querier }

func (c customPlans) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return c.q.Query(ctx, sql, append([]any{pgx.QueryExecModeDescribeExec}, args...)...)
}

func (c customPlans) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return c.q.QueryRow(ctx, sql, append([]any{pgx.QueryExecModeDescribeExec}, args...)...)
}
