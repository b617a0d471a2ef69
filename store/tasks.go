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

// Tasks lists the priorities waiting for the actor now — those where the
// transition table gives the actor a decision that moves them — soonest due
// first, one keyset page at a time.
func (s *Store) Tasks(ctx context.Context, a pipeline.Actor, pg Page) ([]*pipeline.Priority, string, error) {
	var at, key any
	if pg.Cursor != "" {
		t, k, err := decodeCursor(pg.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		at, key = t, k[0]
	}
	// One branch per stage, each read in due order from priorities_due_idx
	// and cut at the page's size, so that only a few pages' rows are sorted,
	// never all the rows of the stages. (The qualified names order by the
	// table's columns, the index's, not by the output's id::text.)
	limit := strconv.Itoa(pg.Limit + 1)
	var args []any
	var branches []string
	for stage, rule := range pipeline.TaskRules(a.Role) {
		b := where{args: args}
		b.add("stage = ?", string(stage))
		b.rule(rule, a)
		if pg.Cursor != "" {
			b.add("(due_at, id) > (?, ?::uuid)", at, key)
		}
		args = b.args
		branches = append(branches, "(SELECT "+priorityColumns+" FROM priorities WHERE "+b.sql()+
			" ORDER BY priorities.due_at, priorities.id LIMIT "+limit+")")
	}
	if len(branches) == 0 {
		return nil, "", nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT * FROM (`+strings.Join(branches, " UNION ALL ")+
		`) AS t ORDER BY due_at, id LIMIT `+limit, args...)
	items, err := pgx.CollectRows(rows, scanPriority)
	if err != nil {
		return nil, "", fmt.Errorf("tasks: %w", err)
	}
	return cut(items, pg, func(p *pipeline.Priority) string { return encodeCursor(*p.DueAt, p.ID) })
}
