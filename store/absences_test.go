package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestAbsenceCoversTasksMailAndAudit declares an expert's absence with a
// delegate, through the engine's check, and follows it everywhere the
// store uses it: the delegate's token and web session carry the absentee,
// the inbox lists the absentee's tasks marked as theirs, mail is covered,
// an event keeps both names — and after the cancellation, none of it.
func TestAbsenceCoversTasksMailAndAudit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now()
	today := pipeline.Day(now)
	add := func(name string, role pipeline.Role, themes ...string) (store.User, []byte) {
		t.Helper()
		_, hash := store.NewToken()
		u, err := b.st.AddUser(b.ctx, store.User{Actor: pipeline.Actor{Name: name, Role: role, Themes: themes},
			Email: uuid.NewString() + "@example.org", Language: "fr"}, hash, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return u, hash
	}
	absent, _ := add("Jean Dupont", pipeline.Expert, "money_laundering")
	delegate, delegateToken := add("Ana Ruiz", pipeline.Expert, "money_laundering", "cybercrime")
	declare := func(in pipeline.AbsenceInput) (pipeline.Absence, error) {
		return b.st.AddAbsence(b.ctx, pipeline.Absence{UserID: absent.ID, DelegateID: in.DelegateID, From: in.From, To: in.To, CreatedBy: absent.ID},
			func(booked []pipeline.Absence) error {
				return pipeline.CheckAbsence(absent.Actor, absent.Actor, in, &delegate.Actor, today, booked)
			})
	}
	until := pipeline.Day(now.AddDate(0, 0, 3))
	x, err := declare(pipeline.AbsenceInput{From: today, To: until, DelegateID: delegate.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !pipeline.IsID(x.ID) || x.UserName != "Jean Dupont" || x.DelegateName != "Ana Ruiz" || x.From != today || x.To != until || x.CreatedBy != absent.ID {
		t.Errorf("stored: %+v", x)
	}
	_, err = declare(pipeline.AbsenceInput{From: until, To: until, DelegateID: delegate.ID})
	var e *pipeline.Error
	if !errors.As(err, &e) || !e.Problems.Has("from") {
		t.Errorf("an overlapping absence: %v", err)
	}
	if list, err := b.st.Absences(b.ctx, absent.ID, today); err != nil || len(list) != 1 || list[0].ID != x.ID {
		t.Errorf("absences after a refusal: %+v %v", list, err)
	}

	tok, err := b.st.TokenByHash(b.ctx, delegateToken)
	if err != nil || len(tok.User.StandsIn) != 1 || tok.User.StandsIn[0].ID != absent.ID || tok.User.StandsIn[0].Name != "Jean Dupont" ||
		tok.User.StandsIn[0].Role != pipeline.Expert || len(tok.User.StandsIn[0].Themes) != 1 {
		t.Errorf("the delegate's token: %+v %v", tok.User, err)
	}
	session := store.HashToken(uuid.NewString())
	if err := b.st.CreateWebSession(b.ctx, session, delegate.ID, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ws, err := b.st.WebSession(b.ctx, session, now, time.Hour); err != nil || len(ws.User.StandsIn) != 1 || ws.User.StandsIn[0].ID != absent.ID {
		t.Errorf("the delegate's web session: %+v %v", ws, err)
	}

	due := now.Add(48 * time.Hour).UTC().Truncate(time.Microsecond)
	theirs := priority(func(p *pipeline.Priority) {
		p.Stage, p.Assignee, p.DueAt, p.Sensitivity = pipeline.ExpertReview, absent.ID, &due, pipeline.Restricted
	})
	ev := event(theirs, 1, pipeline.EventOf(pipeline.Approve))
	ev.Actor = delegate.For(absent.Actor).Ref()
	if _, err := b.st.Record(b.ctx, store.Change{Priority: theirs, Events: []pipeline.Event{ev}}); err != nil {
		t.Fatal(err)
	}
	inbox, _, err := b.st.Inbox(b.ctx, tok.User.Actor, store.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, task := range inbox {
		if task.ID == theirs.ID {
			found = true
			if task.OnBehalfOf == nil || task.OnBehalfOf.ID != absent.ID || task.OnBehalfOf.Name != "Jean Dupont" {
				t.Errorf("the absentee's task is not marked as theirs: %+v", task.OnBehalfOf)
			}
		}
	}
	if !found {
		t.Error("the delegate's inbox lacks the absentee's task")
	}
	if own, _, err := b.st.Tasks(b.ctx, delegate.Actor, store.Page{Limit: 50}); err != nil || containsID(own, theirs.ID) {
		t.Errorf("without standing in, the task is the delegate's: %v", err)
	}
	evs, err := b.st.Events(b.ctx, theirs.ID)
	if err != nil || len(evs) != 1 || evs[0].Actor.ID != delegate.ID || evs[0].Actor.OnBehalfOf == nil ||
		*evs[0].Actor.OnBehalfOf != (pipeline.Ref{ID: absent.ID, Name: "Jean Dupont", Role: pipeline.Expert}) {
		t.Errorf("the event's actor: %+v %v", evs, err)
	}

	covers, err := b.st.Covers(b.ctx, []string{absent.ID, delegate.ID}, today)
	if err != nil || len(covers) != 1 || covers[absent.ID].Delegate.ID != delegate.ID || covers[absent.ID].Until != until ||
		covers[absent.ID].Delegate.Language != "fr" {
		t.Errorf("covers: %+v %v", covers, err)
	}
	if covers, err := b.st.Covers(b.ctx, []string{absent.ID}, pipeline.Day(now.AddDate(0, 0, 4))); err != nil || len(covers) != 0 {
		t.Errorf("covers after the absence: %+v %v", covers, err)
	}

	if err := b.st.CancelAbsence(b.ctx, x.ID, absent.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := b.st.CancelAbsence(b.ctx, x.ID, absent.ID, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancelled twice: %v", err)
	}
	if _, err := b.st.Absence(b.ctx, absent.ID, x.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a cancelled absence is still found: %v", err)
	}
	if tok, err := b.st.TokenByHash(b.ctx, delegateToken); err != nil || len(tok.User.StandsIn) != 0 {
		t.Errorf("after the cancellation the delegate stands in: %+v %v", tok.User.StandsIn, err)
	}
	if covers, err := b.st.Covers(b.ctx, []string{absent.ID}, today); err != nil || len(covers) != 0 {
		t.Errorf("covers after the cancellation: %+v %v", covers, err)
	}
}

func containsID(ps []*pipeline.Priority, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

// TestInboxOnBehalfKeepsFourEyesAndListsOnce: a manager who triaged a
// priority and stands in for a free manager does not find its approval in
// her inbox in anyone's name; an approval free for both is listed once, as
// hers; a focal point covering an absent one lists their shared country's
// validation once, as its own.
func TestInboxOnBehalfKeepsFourEyesAndListsOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	triager := pipeline.Actor{ID: uuid.NewString(), Name: "Ana Ruiz", Role: pipeline.Manager}
	free := pipeline.Actor{ID: uuid.NewString(), Name: "Jean Dupont", Role: pipeline.Manager}
	fpAbsent := pipeline.Actor{ID: uuid.NewString(), Name: "Rosa", Role: pipeline.FocalPoint, Countries: []string{"BO"}}
	fpDelegate := pipeline.Actor{ID: uuid.NewString(), Name: "Luis", Role: pipeline.FocalPoint, Countries: []string{"BO", "EC"}}
	due := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	put := func(stage pipeline.Stage, f func(*pipeline.Priority)) string {
		p := priority(func(p *pipeline.Priority) { p.Stage, p.DueAt = stage, &due; f(p) })
		if _, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	hers := put(pipeline.Approval, func(p *pipeline.Priority) { p.TriagedBy = triager.ID })
	open := put(pipeline.Approval, func(p *pipeline.Priority) { p.TriagedBy = uuid.NewString() })
	bolivia := put(pipeline.Validation, func(p *pipeline.Priority) { p.Countries = []string{"BO"} })

	inbox := func(a pipeline.Actor) map[string]string {
		t.Helper()
		var all []store.Task
		cursor := ""
		for range 100 {
			page, next, err := b.st.Inbox(b.ctx, a, store.Page{Limit: 50, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			cursor = next
		}
		out := map[string]string{}
		for _, task := range all {
			if _, twice := out[task.ID]; twice {
				t.Errorf("%s is listed twice", task.ID)
			}
			out[task.ID] = ""
			if task.OnBehalfOf != nil {
				out[task.ID] = task.OnBehalfOf.Name
			}
		}
		return out
	}
	triager.StandsIn = []pipeline.Actor{free}
	got := inbox(triager)
	if _, ok := got[hers]; ok {
		t.Errorf("the triager finds the approval of what she triaged: %q", got[hers])
	}
	if who, ok := got[open]; !ok || who != "" {
		t.Errorf("a free approval: listed %v, on behalf of %q, want her own", ok, who)
	}
	fpDelegate.StandsIn = []pipeline.Actor{fpAbsent}
	if who, ok := inbox(fpDelegate)[bolivia]; !ok || who != "" {
		t.Errorf("the shared country's validation: listed %v, on behalf of %q, want its own", ok, who)
	}
}
