package service

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// MaxSearch is the longest search text a filter may carry, in characters.
const MaxSearch = 200

// CheckFilter is the one rule of what a list of priorities may be narrowed
// by, whether the filter came from the API's query string or the web app's
// filter form: a stage, theme or country of the codelists, UUIDs for a
// dialogue session and an assignee, and a search of at most MaxSearch
// characters of text. It names every value that breaks it. The service's
// reads refuse such a filter themselves (KindInvalid); a caller that
// gathers other problems of the same request lists these with them.
func CheckFilter(f store.Filter) pipeline.Problems {
	var ps pipeline.Problems
	stages := make([]string, len(pipeline.Stages))
	for i, s := range pipeline.Stages {
		stages[i] = string(s)
	}
	ps.OneOf("stage", string(f.Stage), false, stages)
	ps.OneOf("theme", f.Theme, false, pipeline.Lists.ThemeCodes())
	ps.OneOf("country", f.Country, false, pipeline.Lists.CountryCodes())
	ps.UUID("session_id", f.SessionID, false)
	ps.UUID("assignee", f.Assignee, false)
	ps.Text("q", f.Q, false, MaxSearch)
	return ps
}

// FilterParams are the query parameters of a priority filter, in the API's
// list and CSV export and in the web app's list and CSV link alike.
var FilterParams = []string{"stage", "theme", "country", "session_id", "assignee", "overdue", "q"}

// DashboardParams are the query parameters of the dashboard's filter, a
// part of the list's; the IATI export takes them too.
var DashboardParams = []string{"theme", "country", "session_id"}

// ReadFilter reads a priority filter from a query string, for every caller,
// and lists what breaks CheckFilter, and an overdue that is not a boolean.
func ReadFilter(q url.Values) (store.Filter, pipeline.Problems) {
	f := store.Filter{Stage: pipeline.Stage(q.Get("stage")), Theme: q.Get("theme"), Country: q.Get("country"),
		SessionID: q.Get("session_id"), Assignee: q.Get("assignee"), Q: strings.TrimSpace(q.Get("q"))}
	var ps pipeline.Problems
	if v := q.Get("overdue"); v != "" {
		if b, err := strconv.ParseBool(v); err != nil {
			ps.Add("overdue", pipeline.NotABoolean)
		} else {
			f.Overdue = &b
		}
	}
	return f, append(ps, CheckFilter(f)...)
}

// ReadDashboardFilter reads the dashboard's filter from a query string and
// lists what breaks CheckDashboardFilter.
func ReadDashboardFilter(q url.Values) (store.DashboardFilter, pipeline.Problems) {
	f := store.DashboardFilter{Theme: q.Get("theme"), Country: q.Get("country"), SessionID: q.Get("session_id")}
	return f, CheckDashboardFilter(f)
}

// CountriesFirst lists the codelist's countries with mine first, in their
// order: a person's own countries are the ones they mostly pick.
func CountriesFirst(mine []string) []string {
	out := append([]string{}, mine...)
	for _, c := range pipeline.Lists.CountryCodes() {
		if !slices.Contains(mine, c) {
			out = append(out, c)
		}
	}
	return out
}

// CheckDashboardFilter is CheckFilter for the dashboard's filter, a part of
// the list's.
func CheckDashboardFilter(f store.DashboardFilter) pipeline.Problems {
	return CheckFilter(store.Filter{Theme: f.Theme, Country: f.Country, SessionID: f.SessionID})
}

// badFilter is the refusal of a filter with problems, nil without any.
func badFilter(ps pipeline.Problems) error {
	if len(ps) == 0 {
		return nil
	}
	return pipeline.Invalid("the query is not valid", ps)
}
