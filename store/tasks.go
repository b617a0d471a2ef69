package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// rule adds a rule of the transition table as a condition on a priority
// row, for the actor.
func (w *where) rule(r pipeline.Rule, a pipeline.Actor) {
	switch r {
	case pipeline.AnyManager:
	case pipeline.FourEyesManager:
		w.add("(triaged_by IS DISTINCT FROM ?::uuid AND NOT (?::text = ANY(plan_authors)))", a.ID, a.ID)
	case pipeline.AssignedExpert:
		w.add("assignee = ?::uuid", a.ID)
	case pipeline.CountryFocalPoint:
		w.add("countries && ?", a.Countries)
	default:
		w.add("false")
	}
}

// Task is a priority waiting for someone, and the absent person they would
// act for (nil: in their own name).
type Task struct {
	*pipeline.Priority
	OnBehalfOf *pipeline.Ref
}

// Tasks lists the priorities waiting for the actor now — those where the
// transition table gives the actor a decision that moves them — soonest due
// first, one keyset page at a time.
func (s *Store) Tasks(ctx context.Context, a pipeline.Actor, pg Page) ([]*pipeline.Priority, string, error) {
	a.StandsIn = nil
	tasks, next, err := s.Inbox(ctx, a, pg)
	items := make([]*pipeline.Priority, len(tasks))
	for i, t := range tasks {
		items[i] = t.Priority
	}
	return items, next, err
}

// taskRow is a priority row with the index of whom it waits for: 0 the
// actor, i the actor on behalf of StandsIn[i-1].
type taskRow struct {
	pipeline.Priority
	Behalf int `db:"behalf"`
}

// Inbox is Tasks with the tasks of the people the actor stands in for
// (a.StandsIn), each marked with the person it is taken for; a priority
// waiting for the actor in their own name is listed once, as theirs
// (docs/architecture.md, Absences and delegation).
func (s *Store) Inbox(ctx context.Context, a pipeline.Actor, pg Page) ([]Task, string, error) {
	var at, key any
	if pg.Cursor != "" {
		t, k, err := decodeCursor(pg.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		at, key = t, k[0]
	}
	// One branch per stage and person, each read in due order from
	// priorities_due_idx and cut at the page's size, so that only a few
	// pages' rows are sorted, never all the rows of the stages. (The
	// qualified names order by the table's columns, the index's, not by the
	// output's id::text.)
	limit := strconv.Itoa(pg.Limit + 1)
	var args []any
	var branches []string
	whom := []pipeline.Actor{a}
	for _, b := range a.StandsIn {
		if a.Covers(b) {
			whom = append(whom, a.For(b))
		}
	}
	for i, x := range whom {
		for stage, rule := range pipeline.TaskRules(x.Role) {
			b := where{args: args}
			b.add("stage = ?", string(stage))
			if x.OnBehalfOf != nil {
				b.rule(rule, *x.OnBehalfOf)
				if rule == pipeline.FourEyesManager {
					b.rule(rule, pipeline.Actor{ID: x.ID, Role: x.Role})
				}
			} else {
				b.rule(rule, x)
			}
			if pg.Cursor != "" {
				b.add("(due_at, id) > (?, ?::uuid)", at, key)
			}
			args = b.args
			branches = append(branches, "(SELECT "+priorityColumns+", "+strconv.Itoa(i)+" AS behalf FROM priorities WHERE "+b.sql()+
				" ORDER BY priorities.due_at, priorities.id LIMIT "+limit+")")
		}
	}
	if len(branches) == 0 {
		return nil, "", nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT * FROM (SELECT DISTINCT ON (due_at, id) * FROM (`+strings.Join(branches, " UNION ALL ")+
		`) AS t ORDER BY due_at, id, behalf) AS d ORDER BY due_at, id LIMIT `+limit, args...)
	found, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[taskRow])
	if err != nil {
		return nil, "", fmt.Errorf("tasks: %w", err)
	}
	items := make([]Task, len(found))
	for i, r := range found {
		items[i] = Task{Priority: &r.Priority}
		if r.Behalf > 0 {
			ref := whom[r.Behalf].Ref()
			items[i].OnBehalfOf = ref.OnBehalfOf
		}
	}
	return cut(items, pg, func(t Task) string { return encodeCursor(*t.DueAt, t.ID) })
}
