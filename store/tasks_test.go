package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestTasksAreTheActorsDecisionsSoonestDueFirst pages through a manager's
// and an expert's inboxes two at a time: every stage where the role
// decides, merged in due order (ties by id), the four-eyes rule applied,
// nothing else — against a literal expectation.
func TestTasksAreTheActorsDecisionsSoonestDueFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	manager := pipeline.Actor{ID: uuid.NewString(), Name: "Ana", Role: pipeline.Manager}
	expert := pipeline.Actor{ID: uuid.NewString(), Name: "João", Role: pipeline.Expert, Themes: []string{"money_laundering"}}
	// Ids in a known order, for the ties on due_at.
	day := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	put := func(n int, stage pipeline.Stage, dueDays int, opts ...func(*pipeline.Priority)) string {
		due := day.AddDate(0, 0, dueDays)
		p := priority(func(p *pipeline.Priority) {
			p.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
			p.Stage, p.DueAt = stage, &due
		})
		for _, o := range opts {
			o(p)
		}
		if _, err := b.st.Record(b.ctx, store.Change{Priority: p, Events: []pipeline.Event{event(p, 1, pipeline.EventSubmitted)}}); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	triagedByHer := func(p *pipeline.Priority) { p.TriagedBy = manager.ID }
	herPlan := func(p *pipeline.Priority) { p.PlanAuthors = []string{manager.ID} }
	assigned := func(p *pipeline.Priority) { p.Assignee, p.TriagedBy = expert.ID, uuid.NewString() }
	t1 := put(1, pipeline.Triage, 5)
	a1 := put(2, pipeline.Approval, 3, assigned)
	put(3, pipeline.Approval, 1, triagedByHer) // four eyes: she accepted it
	put(4, pipeline.Approval, 2, herPlan)      // four eyes: she wrote its plan
	t2 := put(5, pipeline.Triage, 3)           // same day as a1: the id decides
	e1 := put(6, pipeline.Planning, 4, assigned)
	e2 := put(7, pipeline.ExpertReview, 2, assigned)
	put(8, pipeline.Approved, 0, assigned) // closed: nobody's task
	t3 := put(9, pipeline.Triage, 9)

	pages := func(a pipeline.Actor) []string {
		var ids []string
		cursor := ""
		for range 10 {
			items, next, err := b.st.Tasks(b.ctx, a, store.Page{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range items {
				ids = append(ids, p.ID)
			}
			if next == "" {
				return ids
			}
			cursor = next
		}
		t.Fatal("the pages do not end")
		return nil
	}
	check := func(who string, got, want []string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s's tasks:\n got %v\nwant %v", who, got, want)
		}
	}
	check("the manager", pages(manager), []string{a1, t2, t1, t3})
	check("the expert", pages(expert), []string{e2, e1})
}
