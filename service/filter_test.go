package service_test

import (
	"net/url"
	"testing"

	"github.com/puente-dev/puente/service"
)

// TestReadFilterReadsEveryParameter: the API and the web app read one
// filter from one list of parameters, so neither drops one the other reads.
func TestReadFilterReadsEveryParameter(t *testing.T) {
	t.Parallel()
	id := "3b0f6c7e-1d2a-4c55-9a1e-0000000000aa"
	q := url.Values{"stage": {"triage"}, "theme": {"cybercrime"}, "country": {"PE"}, "session_id": {id},
		"assignee": {id}, "overdue": {"true"}, "q": {" fiscalía "}}
	if len(q) != len(service.FilterParams) {
		t.Fatalf("the test sets %d parameters, the filter has %d", len(q), len(service.FilterParams))
	}
	f, ps := service.ReadFilter(q)
	if len(ps) > 0 || f.Stage != "triage" || f.Theme != "cybercrime" || f.Country != "PE" || f.SessionID != id ||
		f.Assignee != id || f.Overdue == nil || !*f.Overdue || f.Q != "fiscalía" {
		t.Errorf("read %+v, problems %v", f, ps)
	}
	_, ps = service.ReadFilter(url.Values{"overdue": {"soon"}, "assignee": {"nobody"}})
	if len(ps) != 2 || ps[0].Field != "overdue" || ps[1].Field != "assignee" {
		t.Errorf("problems %v, want overdue and assignee", ps)
	}
}
