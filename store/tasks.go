package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// ruleSQL is each rule of the transition table as a condition on a priority
// row; ? is the actor.
func (w *where) rule(r pipeline.Rule, a pipeline.Actor) string {
	switch r {
	case pipeline.AnyManager:
		return "true"
	case pipeline.FourEyesManager:
		w.args = append(w.args, a.ID)
		n := "$" + strconv.Itoa(len(w.args))
		return "(triaged_by IS DISTINCT FROM " + n + "::uuid AND NOT (" + n + "::text = ANY(plan_authors)))"
	case pipeline.AssignedExpert:
		w.args = append(w.args, a.ID)
		return "assignee = $" + strconv.Itoa(len(w.args)) + "::uuid"
	case pipeline.CountryFocalPoint:
		w.args = append(w.args, a.Countries)
		return "countries && $" + strconv.Itoa(len(w.args))
	}
	return "false"
}

// Tasks lists the priorities waiting for the actor now — those where the
// transition table gives the actor a decision that moves them — soonest due
// first, one keyset page at a time.
func (s *Store) Tasks(ctx context.Context, a pipeline.Actor, pg Page) ([]*pipeline.Priority, string, error) {
	var w where
	var alts []string
	for stage, rule := range pipeline.TaskRules(a.Role) {
		w.args = append(w.args, string(stage))
		n := "$" + strconv.Itoa(len(w.args))
		alts = append(alts, "(stage = "+n+" AND "+w.rule(rule, a)+")")
	}
	if len(alts) == 0 {
		return nil, "", nil
	}
	w.conds = append(w.conds, "("+strings.Join(alts, " OR ")+")")
	if pg.Cursor != "" {
		at, key, err := decodeCursor(pg.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		w.add("(due_at, id) > (?, ?::uuid)", at, key[0])
	}
	rows, err := s.pool.Query(ctx, `SELECT `+priorityColumns+` FROM priorities WHERE `+w.sql()+
		` ORDER BY due_at, id LIMIT `+strconv.Itoa(pg.Limit+1), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("tasks: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*pipeline.Priority, error) { return scanPriority(r) })
	if err != nil {
		return nil, "", fmt.Errorf("tasks: %w", err)
	}
	next := ""
	if len(items) > pg.Limit {
		items = items[:pg.Limit]
		last := items[len(items)-1]
		next = encodeCursor(*last.DueAt, last.ID)
	}
	return items, next, nil
}
