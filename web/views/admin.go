package views

import (
	"context"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"mamori/internal/store"
	"mamori/web/i18n"
)

// OrgPicker is what an organisation picker of the administrator's pages
// offers: the first organisations by name whose name contains Query
// (store.OrgChoices), with those already chosen even when not among them,
// and the search by name that narrows it (a GET form to Action that keeps
// Keep, the page's own query).
type OrgPicker struct {
	Orgs   []store.Org
	Query  string // ?org_q=
	More   bool   // more organisations match than are offered
	Shown  int    // how many the search offered
	Action string
	Keep   url.Values
}

// listURL is path with the query keep and page (1 is left out).
func listURL(path string, keep url.Values, page int) string {
	v := url.Values{}
	for k, vs := range keep {
		if k != "page" && len(vs) > 0 && vs[0] != "" {
			v[k] = vs
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// hiddenFields is keep as (name, value) pairs in a stable order, for the
// hidden inputs of a GET form.
func hiddenFields(keep url.Values) [][2]string {
	var out [][2]string
	for _, k := range slices.Sorted(maps.Keys(keep)) {
		for _, v := range keep[k] {
			if v != "" {
				out = append(out, [2]string{k, v})
			}
		}
	}
	return out
}

// searchResult says how many users match the search: exactly on its last
// page, else more than those up to this page (no count of every match).
func (d AdminUsersData) searchResult(ctx context.Context) string {
	before := (d.Page - 1) * AdminPageSize
	if len(d.Users) == 0 && d.Page > 1 {
		return "" // past the end: emptyPage says so
	}
	if d.More {
		return i18n.T(ctx, "admin.users.search_result_more", d.Query, before+len(d.Users))
	}
	return i18n.T(ctx, "admin.users.search_result", d.Query, before+len(d.Users))
}

// AdminPageSize is the number of rows of a page of the administrator's
// lists.
const AdminPageSize = 50
