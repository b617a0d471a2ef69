package service

import (
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
