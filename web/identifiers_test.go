package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// askedService is the fake service noting every identifier it is asked
// about, and knowing the sessions listed in sessions besides the fake's own.
type askedService struct {
	*fakeService
	asked    []string
	sessions []string
}

func (s *askedService) Priority(ctx context.Context, a pipeline.Actor, id string) (*pipeline.Priority, error) {
	s.asked = append(s.asked, id)
	return s.fakeService.Priority(ctx, a, id)
}

func (s *askedService) Act(ctx context.Context, a pipeline.Actor, id string, v int, act pipeline.Act) (*pipeline.Priority, error) {
	s.asked = append(s.asked, id)
	return s.fakeService.Act(ctx, a, id, v, act)
}

func (s *askedService) Thread(ctx context.Context, a pipeline.Actor, id string) ([]pipeline.Comment, error) {
	s.asked = append(s.asked, id)
	return s.fakeService.Thread(ctx, a, id)
}

func (s *askedService) PostComment(ctx context.Context, a pipeline.Actor, id, text string) (*pipeline.Comment, error) {
	s.asked = append(s.asked, id)
	return s.fakeService.PostComment(ctx, a, id, text)
}

func (s *askedService) EditComment(ctx context.Context, a pipeline.Actor, id, commentID, text string) (*pipeline.Comment, error) {
	s.asked = append(s.asked, id, commentID)
	return s.fakeService.EditComment(ctx, a, id, commentID, text)
}

func (s *askedService) Session(ctx context.Context, a pipeline.Actor, id string) (*service.SessionView, error) {
	s.asked = append(s.asked, id)
	for _, known := range s.sessions {
		if id == known {
			return &service.SessionView{Session: pipeline.Session{ID: id, Title: "Working session", Kind: "working_session",
				Date: "2026-09-01", Venue: "Bogotá", Countries: []string{"CO"}}}, nil
		}
	}
	return s.fakeService.Session(ctx, a, id)
}

// askedPeople is the fake people service noting every identifier it is
// asked about.
type askedPeople struct {
	*fakePeople
	asked []string
}

func (p *askedPeople) Get(ctx context.Context, by pipeline.Actor, id string) (store.User, []store.TokenInfo, error) {
	p.asked = append(p.asked, id)
	return p.fakePeople.Get(ctx, by, id)
}

func (p *askedPeople) Update(ctx context.Context, by pipeline.Actor, id string, c store.UserChanges) (store.User, error) {
	p.asked = append(p.asked, id)
	return p.fakePeople.Update(ctx, by, id, c)
}

func (p *askedPeople) Deactivate(ctx context.Context, by pipeline.Actor, id string) (store.User, error) {
	p.asked = append(p.asked, id)
	return p.fakePeople.Deactivate(ctx, by, id)
}

func (p *askedPeople) RotateToken(ctx context.Context, by pipeline.Actor, id string) (people.Issued, error) {
	p.asked = append(p.asked, id)
	return p.fakePeople.RotateToken(ctx, by, id)
}

type askedBundle struct {
	renderBundle
	svc    *askedService
	people *askedPeople
}

func setupAsked(t *testing.T) askedBundle {
	t.Helper()
	b, fp := setupUsers(t)
	svc := &askedService{fakeService: b.fake}
	ppl := &askedPeople{fakePeople: fp}
	app, err := New(Deps{Service: svc, Store: newFakeSessions(b.users[pipeline.FocalPoint], b.users[pipeline.Expert],
		b.users[pipeline.Manager]), People: ppl})
	require.NoError(t, err)
	b.srv = httptest.NewServer(app)
	t.Cleanup(b.srv.Close)
	return askedBundle{renderBundle: b, svc: svc, people: ppl}
}

// pathBadIDs are spellings of identifiers Puente never writes, as they
// appear in a path. Go's uuid parser takes the first four, PostgreSQL's
// the first three: each must be refused before either sees it.
var pathBadIDs = []string{
	"urn:uuid:00000000-0000-0000-0000-000000000001",
	"%7B00000000-0000-0000-0000-000000000001%7D",
	"00000000000000000000000000000001",
	"3B0F6C7E-1D2A-4C55-9A1E-000000000001",
	"not-an-id",
}

// TestMalformedPathIDsAreNotFound: every web route whose path names a
// priority, a session or a user answers a malformed identifier with the
// not-found page, and never passes it on: the store's own parsers, more
// lenient than pipeline.IsID, would turn some into a server error.
func TestMalformedPathIDsAreNotFound(t *testing.T) {
	t.Parallel()
	b := setupAsked(t)
	mgr := b.client(t, b.users[pipeline.Manager], "en")
	fp := b.client(t, b.users[pipeline.FocalPoint], "en")
	form := url.Values{"decision": {"reject"}, "reason": {"x"}, "version": {"5"}, "user_name": {"X"}, "op": {"save"},
		"id": {b.fake.p.ID}, "decision-" + b.fake.p.ID: {"reject"}, "reason-" + b.fake.p.ID: {"x"}}
	for _, bad := range pathBadIDs {
		for _, rt := range []struct {
			c            *http.Client
			method, path string
		}{
			{mgr, "GET", "/priorities/%s"},
			{mgr, "POST", "/priorities/%s/decisions"},
			{fp, "POST", "/priorities/%s/comments"},
			{fp, "POST", "/priorities/%s/comments/" + b.fake.p.ID},
			{fp, "POST", "/priorities/" + b.fake.p.ID + "/comments/%s"},
			{fp, "GET", "/priorities/%s/edit"},
			{fp, "POST", "/priorities/%s/edit"},
			{mgr, "GET", "/priorities/%s/plan"},
			{mgr, "POST", "/priorities/%s/plan"},
			{mgr, "GET", "/sessions/%s"},
			{mgr, "POST", "/sessions/%s/triage"},
			{mgr, "GET", "/users/%s"},
			{mgr, "POST", "/users/%s"},
			{mgr, "POST", "/users/%s/deactivate"},
			{mgr, "POST", "/users/%s/token"},
		} {
			u := b.srv.URL + strings.Replace(rt.path, "%s", bad, 1)
			var status int
			var body string
			if rt.method == "GET" {
				status, body, _ = get(t, rt.c, u)
			} else {
				status, body = post(t, rt.c, u, form)
			}
			require.Equalf(t, http.StatusNotFound, status, "%s %s", rt.method, u)
			require.Containsf(t, body, "This page does not exist", "%s %s", rt.method, u)
		}
	}
	require.Empty(t, b.svc.asked, "a malformed id reached the service")
	require.Empty(t, b.people.asked, "a malformed id reached the people service")
	require.Zero(t, b.fake.changes)
}

// TestTriageChecksItsSessionFirst: the batch triage of a session that does
// not exist is 404 and decides nothing, and a priority of another session is
// not decided from this one's page, whatever the form names.
func TestTriageChecksItsSessionFirst(t *testing.T) {
	t.Parallel()
	b := setupAsked(t)
	other := "3b0f6c7e-1d2a-4c55-9a1e-0000000000bb"
	b.svc.sessions = []string{other}
	mgr := b.client(t, b.users[pipeline.Manager], "en")
	id := b.fake.p.ID
	form := url.Values{"id": {id}, "decision-" + id: {"reject"}, "reason-" + id: {"Duplicates another priority"}, "version-" + id: {"5"}}

	status, body := post(t, mgr, b.srv.URL+"/sessions/3b0f6c7e-1d2a-4c55-9a1e-0000000000cc/triage", form)
	require.Equal(t, http.StatusNotFound, status, body)
	require.Zero(t, b.fake.changes, "a triage of no session decided something")

	status, body = post(t, mgr, b.srv.URL+"/sessions/"+other+"/triage", form)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "This page does not exist", "the priority is not of this session")
	require.Zero(t, b.fake.changes, "a priority of another session was decided")

	status, body = post(t, mgr, b.srv.URL+"/sessions/"+b.fake.p.SessionID+"/triage", form)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, 1, b.fake.changes, "the priority of the path's session is decided")
}
