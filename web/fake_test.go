package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// fakeService serves fixed data, for tests of the rendering alone; the
// browser tests run the real service on the real stack.
type fakeService struct {
	p       *pipeline.Priority
	events  []pipeline.Event
	thread  []pipeline.Comment
	err     error // returned by every change
	changes int   // how many changes were asked for
	// orphans are the dashboard's priorities needing reassignment.
	orphans []store.Orphan
	// expertThemes are the themes Experts was asked for.
	expertThemes []string
	// docs are the priority's documents.
	docs []store.Document
	// delivered are the delivery acts the service took.
	delivered []pipeline.DeliveryInput
}

func newFakeService() *fakeService {
	due := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	p := &pipeline.Priority{ID: "3b0f6c7e-1d2a-4c55-9a1e-000000000001", Ref: "PE-2026-0001", SessionID: "3b0f6c7e-1d2a-4c55-9a1e-0000000000aa",
		Title: "<img src=x onerror=alert(1)>", Description: "Equipos conjuntos de investigación con Colombia.\nSegunda línea.",
		Theme: "joint_investigation_teams", Pillar: "justice", Countries: []string{"PE", "CO"}, Institution: "Fiscalía de la Nación",
		Urgency: "high", Sensitivity: "restricted", Stage: pipeline.Planning, Assignee: "0e000000-0000-4000-8000-000000000001", Version: 5, DueAt: &due, Overdue: true,
		CreatedAt: time.Date(2026, 6, 20, 10, 0, 0, 0, time.UTC),
		Plan: &pipeline.Plan{Objective: "Fortalecer ECI", ExpectedOutcome: "Dos ECI operativos", GenderMarker: 1, Actions: []pipeline.Action{{
			Type: "training", Title: "Taller ECI", Description: "Taller de 5 días", Beneficiaries: []string{"Fiscalía"}, Countries: []string{"PE"},
			StartDate: "2027-02-01", EndDate: "2027-02-05", BudgetEUR: pipeline.Cents(4500050), EUAgencies: []string{"eurojust"}, Partner: "fiiapp",
			Indicators: []pipeline.Indicator{{Name: "Fiscales formados", Unit: "people", Baseline: 0, Target: 1200}}}}}}
	ev := []pipeline.Event{
		{Seq: 1, At: p.CreatedAt, Actor: pipeline.Ref{Name: "María", Role: pipeline.FocalPoint}, Kind: pipeline.EventSubmitted, ToStage: pipeline.Triage},
		{Seq: 2, At: p.CreatedAt.Add(time.Hour), Actor: pipeline.Ref{Name: "Ana", Role: pipeline.Manager}, Kind: "accept", FromStage: pipeline.Triage, ToStage: pipeline.ExpertReview, Comment: "<b>ok</b>"},
	}
	letter := store.Document{PriorityID: p.ID, Uploader: pipeline.Ref{ID: "0f000000-0000-4000-8000-000000000001", Name: "María", Role: pipeline.FocalPoint},
		CreatedAt: p.CreatedAt.Add(2 * time.Hour)}
	letter.Document = pipeline.Document{ID: "3b0f6c7e-1d2a-4c55-9a1e-0000000000d1", Name: "<b>Carta</b> de solicitud.pdf", Kind: "request_letter",
		Target: "priority", MediaType: "application/pdf", Size: 184320}
	return &fakeService{p: p, events: ev, docs: []store.Document{letter}}
}

func (f *fakeService) MayAttach(context.Context, pipeline.Actor, string) error { return nil }
func (f *fakeService) Attach(context.Context, pipeline.Actor, string, service.Upload) (*store.Document, error) {
	f.changes++
	if f.err != nil {
		return nil, f.err
	}
	return &f.docs[0], nil
}
func (f *fakeService) Documents(context.Context, pipeline.Actor, string) ([]store.Document, error) {
	return f.docs, nil
}
func (f *fakeService) Download(_ context.Context, _ pipeline.Actor, _, docID string) (store.Document, io.ReadCloser, error) {
	for _, d := range f.docs {
		if d.ID == docID {
			return d, io.NopCloser(strings.NewReader("%PDF-1.4\n")), nil
		}
	}
	return store.Document{}, nil, pipeline.Errorf(pipeline.KindNotFound, "no document")
}
func (f *fakeService) RemoveDocument(context.Context, pipeline.Actor, string, string) error {
	f.changes++
	return f.err
}

func (f *fakeService) Thread(context.Context, pipeline.Actor, string) ([]pipeline.Comment, error) {
	return f.thread, nil
}
func (f *fakeService) PostComment(context.Context, pipeline.Actor, string, string) (*pipeline.Comment, error) {
	f.changes++
	return nil, f.err
}
func (f *fakeService) EditComment(context.Context, pipeline.Actor, string, string, string) (*pipeline.Comment, error) {
	f.changes++
	return nil, f.err
}
func (f *fakeService) Submit(context.Context, pipeline.Actor, pipeline.Submission, string) (*pipeline.Priority, error) {
	f.changes++
	return f.p, f.err
}
func (f *fakeService) Act(context.Context, pipeline.Actor, string, int, pipeline.Act) (*pipeline.Priority, error) {
	f.changes++
	return f.p, f.err
}
func (f *fakeService) Priority(_ context.Context, _ pipeline.Actor, id string) (*pipeline.Priority, error) {
	if id != f.p.ID {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no priority")
	}
	cp := *f.p
	return &cp, nil
}

// badFilter refuses a filter as the service does, by its rule.
func badFilter(ps pipeline.Problems) error {
	if len(ps) > 0 {
		return pipeline.Invalid("the query is not valid", ps)
	}
	return nil
}

func (f *fakeService) Priorities(_ context.Context, _ pipeline.Actor, flt store.Filter, _ store.Page) ([]*pipeline.Priority, string, error) {
	if err := badFilter(service.CheckFilter(flt)); err != nil {
		return nil, "", err
	}
	return []*pipeline.Priority{f.p}, "", nil
}
func (f *fakeService) Events(context.Context, pipeline.Actor, string) ([]pipeline.Event, error) {
	return f.events, nil
}
func (f *fakeService) Tasks(context.Context, pipeline.Actor, store.Page) ([]store.Task, string, error) {
	return []store.Task{{Priority: f.p}}, "", nil
}
func (f *fakeService) Pipeline(_ context.Context, _ pipeline.Actor, flt store.DashboardFilter, _ time.Time) (*store.Dashboard, error) {
	if err := badFilter(service.CheckDashboardFilter(flt)); err != nil {
		return nil, err
	}
	d := &store.Dashboard{Total: 1234}
	for i, s := range pipeline.Stages {
		m := float64(i) + 0.5
		d.Stages = append(d.Stages, store.StageStats{Stage: s, Count: 300 - 30*i, Overdue: i, MedianDays: &m, P90Days: &m})
	}
	d.ByTheme = []store.Count{{Key: "money_laundering", Count: 500}, {Key: "cybercrime", Count: 200}}
	d.ByCountry = []store.Count{{Key: "PE", Count: 700}, {Key: "BR", Count: 100}}
	for i := range 12 {
		d.ApprovalsPerWeek = append(d.ApprovalsPerWeek, store.Count{Key: time.Date(2026, 4, 6+7*i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), Count: (i * 7) % 11})
	}
	d.NeedsReassignment = f.orphans
	return d, nil
}
func (f *fakeService) Sessions(context.Context, pipeline.Actor, store.Page) ([]pipeline.Session, string, error) {
	s, _ := f.Session(context.Background(), pipeline.Actor{}, f.p.SessionID)
	return []pipeline.Session{s.Session}, "", nil
}
func (f *fakeService) Session(_ context.Context, _ pipeline.Actor, id string) (*service.SessionView, error) {
	if id != f.p.SessionID {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no session")
	}
	return &service.SessionView{Session: pipeline.Session{ID: id, Title: "Reunión Anual 2026", Kind: "political_dialogue", Date: "2026-06-20", Venue: "Lima", Countries: []string{"PE", "CO"}},
		Priorities: map[pipeline.Stage]int{pipeline.Triage: 3, pipeline.Approved: 1}}, nil
}
func (f *fakeService) CreateSession(context.Context, pipeline.Actor, pipeline.SessionInput) (pipeline.Session, error) {
	f.changes++
	return pipeline.Session{ID: f.p.SessionID}, f.err
}
func (f *fakeService) ExportCSV(_ context.Context, a pipeline.Actor, flt store.Filter, w http.ResponseWriter) (bool, error) {
	return service.WriteCSV(w, func(fn func(*pipeline.Priority) error) error {
		if err := a.Demand(pipeline.ExportData); err != nil {
			return err
		}
		if err := badFilter(service.CheckFilter(flt)); err != nil {
			return err
		}
		return fn(f.p)
	})
}
func (f *fakeService) ExportIATI(_ context.Context, _ pipeline.Actor, _ store.Filter, w http.ResponseWriter) (bool, error) {
	return service.WriteIATI(w, func(fn func(*pipeline.Priority) error) error { return fn(f.p) })
}

// fakeExpert is the one expert the fake service knows, assigned to its priority.
var fakeExpert = pipeline.Actor{ID: "0e000000-0000-4000-8000-000000000001", Name: "Expert, JIT", Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}}

func (f *fakeService) Experts(_ context.Context, a pipeline.Actor, theme string) ([]pipeline.Actor, error) {
	if err := a.Demand(pipeline.AssignExperts); err != nil {
		return nil, err
	}
	f.expertThemes = append(f.expertThemes, theme)
	return []pipeline.Actor{fakeExpert}, nil
}
func (f *fakeService) AssigneeName(_ context.Context, _ pipeline.Actor, p *pipeline.Priority) (string, error) {
	if p.Assignee == fakeExpert.ID {
		return fakeExpert.Name, nil
	}
	return "", nil
}

// fakeSessions keeps sessions in memory, for tests of the rendering alone.
type fakeSessions struct {
	users    map[string]pipeline.Actor // by token hash
	sessions map[string]pipeline.Actor // by session id hash
}

func newFakeSessions(users ...pipeline.Actor) *fakeSessions {
	f := &fakeSessions{users: map[string]pipeline.Actor{}, sessions: map[string]pipeline.Actor{}}
	for _, u := range users {
		f.users[string(store.HashToken("token-"+u.ID))] = u
	}
	return f
}

func (f *fakeSessions) CreateWebSession(_ context.Context, h []byte, userID string, _, _ time.Time) error {
	for _, u := range f.users {
		if u.ID == userID {
			f.sessions[string(h)] = u
			return nil
		}
	}
	return fmt.Errorf("no user %s", userID)
}
func (f *fakeSessions) WebSession(_ context.Context, h []byte, _ time.Time, _ time.Duration) (store.WebSession, error) {
	u, ok := f.sessions[string(h)]
	if !ok {
		return store.WebSession{}, store.ErrNotFound
	}
	return store.WebSession{User: u, ExpiresAt: time.Now().Add(time.Hour)}, nil
}
func (f *fakeSessions) DeleteWebSession(_ context.Context, h []byte) error {
	delete(f.sessions, string(h))
	return nil
}
func (f *fakeSessions) SetWebSessionIDToken(context.Context, []byte, string) error { return nil }
func (f *fakeSessions) WebSessionIDToken(context.Context, []byte) (string, error)  { return "", nil }
func (f *fakeSessions) UserByTokenHash(_ context.Context, h []byte) (pipeline.Actor, error) {
	u, ok := f.users[string(h)]
	if !ok {
		return u, store.ErrNotFound
	}
	return u, nil
}
