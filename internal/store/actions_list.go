package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mamori/internal/action"
)

// ActionSort is an order of the actions list.
type ActionSort string

const (
	SortByDue      ActionSort = "due"      // due date first
	SortByPriority ActionSort = "priority" // high first, then by due date
	SortByGain     ActionSort = "gain"     // largest expected gain first, then by due date
)

// ActionQuery is one page of the actions list: its filters (empty ones do
// not filter), its order and the page (from 1) of Size rows.
type ActionQuery struct {
	OwnerID    string
	Status     action.Status
	CategoryID string // the questions' category, e.g. "3" for 3-1, 3-2 …
	Overdue    bool   // open or in progress, due before Today
	DueIn30    bool   // open or in progress, due from Today to Today + 30 days
	Today      time.Time
	Sort       ActionSort
	Page, Size int
}

// CountActionsUpTo is where the list stops counting: a page tells "page 3 of
// more than 100" rather than counting an installation's every action.
const CountActionsUpTo = 5000

// ActionPage is a page of the list and how many actions the filters select
// (counted up to CountActionsUpTo; Capped when there are more).
type ActionPage struct {
	Actions []Action
	Total   int
	Capped  bool
}

// actionOrders are the list's orders; each is an index of migration 0026.
// actionSorts are the same orders as expressions no index gives, so that
// PostgreSQL reads a few organisations' actions by organisation and sorts
// them rather than walking an order's index through every organisation's
// actions to find theirs.
var (
	actionOrders = map[ActionSort]string{
		SortByDue:      "x.due_on, x.created_at, x.id",
		SortByPriority: "x.priority_rank, x.due_on, x.created_at, x.id",
		SortByGain:     "x.gain DESC, x.due_on, x.created_at, x.id",
	}
	actionSorts = map[ActionSort]string{
		SortByDue:      "x.due_on + 0, x.created_at, x.id",
		SortByPriority: "x.priority_rank + 0, x.due_on, x.created_at, x.id",
		SortByGain:     "x.gain + 0 DESC, x.due_on, x.created_at, x.id",
	}
)

// ListActionsPage returns a page of the scope's actions that the query
// selects, in its order, with their number. The page is read by index in
// its order for every organisation (an administrator) or a long list of
// them (a manager at the top of a group), and by organisation then sorted
// for a few; the number is counted only when the page does not tell it.
func (s *Store) ListActionsPage(ctx context.Context, scope Reach, q ActionQuery) (ActionPage, error) {
	where, args := actionConditions(scope, q)
	by := orDue(q.Sort)
	order := actionOrders[by]
	if !scope.many() {
		order = actionSorts[by]
	}
	size := max(q.Size, 1)
	offset := (max(q.Page, 1) - 1) * size
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	n := len(args)
	if err := scope.prepare(ctx, s); err != nil {
		return ActionPage{}, fmt.Errorf("store: list actions: %w", err)
	}
	db := s.reader(scope)
	ids := `SELECT x.id FROM actions x` + cond + ` ORDER BY ` + order +
		` LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2)
	// The page's ids first, then their names, owners and evidence.
	pageArgs := append(slices.Clip(args), size, offset)
	rows, err := db.Query(ctx, actionSelect+` JOIN (`+ids+`) p ON p.id = a.id ORDER BY `+strings.ReplaceAll(
		actionOrders[by], "x.", "a."), pageArgs...)
	if err != nil {
		return ActionPage{}, fmt.Errorf("store: list actions: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Action, error) { return scanAction(r) })
	if err != nil {
		return ActionPage{}, fmt.Errorf("store: list actions: %w", err)
	}
	out := ActionPage{Actions: as, Total: offset + len(as)}
	if len(as) == size || (len(as) == 0 && offset > 0) {
		// A full page, or one past the end: count (up to the cap).
		err := db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM actions x`+cond+` LIMIT $`+strconv.Itoa(n+1)+`) c`,
			append(slices.Clip(args), CountActionsUpTo+1)...).Scan(&out.Total)
		if err != nil {
			return ActionPage{}, fmt.Errorf("store: count actions: %w", err)
		}
		if out.Total > CountActionsUpTo {
			out.Total, out.Capped = CountActionsUpTo, true
		}
	}
	return out, nil
}

func orDue(s ActionSort) ActionSort {
	if _, ok := actionOrders[s]; ok {
		return s
	}
	return SortByDue
}

// actionConditions is the WHERE of a list query on actions x, with its
// arguments.
func actionConditions(scope Reach, q ActionQuery) ([]string, []any) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if !scope.All {
		c, a := scope.cond("x.org_id", len(args)+1, scope.many())
		where, args = append(where, c), append(args, a...)
	}
	if q.OwnerID != "" {
		where = append(where, "x.owner_id = "+arg(uuidArg(q.OwnerID)))
	}
	if q.Status != "" {
		where = append(where, "x.status = "+arg(string(q.Status)))
	}
	if q.CategoryID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM jsonb_array_elements(x.questions) e WHERE split_part(e->>'question_id', '-', 1) = "+arg(q.CategoryID)+")")
	}
	if q.Overdue || q.DueIn30 {
		where = append(where, "x.status IN ('open', 'in_progress')")
		today := arg(action.Day(q.Today).Format(time.DateOnly))
		if q.Overdue {
			where = append(where, "x.due_on < "+today+"::date")
		}
		if q.DueIn30 {
			where = append(where, "x.due_on >= "+today+"::date", "x.due_on <= "+today+"::date + 30")
		}
	}
	return where, args
}

// ActionOwner is someone who owns actions, for the list's owner filter.
type ActionOwner struct {
	ID, Name string
}

// ActionOwners lists, by name, the first limit people who own actions in
// the scope, and the one named by selected (when they own some there), so
// that the filter shows what is chosen. Every organisation's or a long
// list's owners are found by walking people by name; a few organisations'
// from their actions.
func (s *Store) ActionOwners(ctx context.Context, scope Reach, selected string, limit int) ([]ActionOwner, error) {
	owns, args := "", []any{limit, uuidArg(selected)}
	inReach := "true"
	if !scope.All {
		c, a := scope.cond("a.org_id", 3, true)
		owns, args = " AND "+c, append(args, a...)
		inReach, _ = scope.cond("a.org_id", 3, false)
	}
	if err := scope.prepare(ctx, s); err != nil {
		return nil, fmt.Errorf("store: action owners: %w", err)
	}
	first := `SELECT u.id, u.display_name FROM users u
		WHERE EXISTS (SELECT 1 FROM actions a WHERE a.owner_id = u.id` + owns + `)
		ORDER BY u.display_name, u.id LIMIT $1`
	if !scope.many() {
		first = `SELECT u.id, u.display_name FROM users u
			WHERE u.id IN (SELECT a.owner_id FROM actions a WHERE ` + inReach + `)
			ORDER BY u.display_name || '', u.id LIMIT $1`
	}
	rows, err := s.reader(scope).Query(ctx, `
		SELECT id, display_name FROM (
			(`+first+`)
			UNION
			SELECT u.id, u.display_name FROM users u
			WHERE u.id = $2 AND EXISTS (SELECT 1 FROM actions a WHERE a.owner_id = u.id`+owns+`)) o
		ORDER BY display_name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: action owners: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ActionOwner])
	if err != nil {
		return nil, fmt.Errorf("store: action owners: %w", err)
	}
	return out, nil
}
