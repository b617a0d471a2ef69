package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// tally is what the check found over every priority.
type tally struct {
	priorities, events, duplicates, gaps int
	byFinal                              map[string]int
	mismatches                           []string                   // every way a priority is not where it should be
	workerOf                             map[string]map[string]bool // worker identity → priority ids
	lastClose                            time.Duration              // the latest workflow close after the journeys ended
}

func (t *tally) bad(format string, args ...any) {
	t.mismatches = append(t.mismatches, fmt.Sprintf(format, args...))
}

// verify checks every priority three ways: through each API, in PostgreSQL
// directly, and in its Temporal workflow (state, status and history).
func verify(ctx context.Context, d *driver, db *pgx.Conn, tc client.Client, ps []*priority, end time.Time) (*tally, error) {
	t := &tally{byFinal: map[string]int{}, workerOf: map[string]map[string]bool{}}
	closeBy := end.Add(time.Minute)
	for _, p := range ps {
		t.priorities++
		t.byFinal[p.scenario.final]++

		// Each API reads the same: final stage, version, the audit trail.
		for i := range d.apis {
			got, err := d.get(ctx, i, p, d.people.manager)
			if err != nil {
				return nil, err
			}
			if got.Stage != p.scenario.final || got.Version != p.version {
				t.bad("%s via api-%d: %s v%d, want %s v%d", p.ref, i+1, got.Stage, got.Version, p.scenario.final, p.version)
			}
			r, err := d.do(ctx, i, "GET", "/v1/priorities/"+p.id+"/events?limit=200", d.people.manager, nil)
			if err != nil || r.status != http.StatusOK {
				return nil, fmt.Errorf("events of %s via api-%d: %v %d %s", p.ref, i+1, err, r.status, r.body)
			}
			var trail struct{ Items []pipeline.Event }
			if err := json.Unmarshal(r.body, &trail); err != nil {
				return nil, err
			}
			var kinds []string
			for j, e := range trail.Items {
				kinds = append(kinds, string(e.Kind))
				if e.Seq != j+1 {
					t.bad("%s via api-%d: event %d has seq %d", p.ref, i+1, j+1, e.Seq)
				}
			}
			if !slices.Equal(kinds, p.events) {
				t.bad("%s via api-%d: events %v, want %v", p.ref, i+1, kinds, p.events)
			}
		}

		// PostgreSQL itself: every seq from 1 to n once, the kinds in order.
		rows, err := db.Query(ctx, `SELECT seq, kind FROM events WHERE priority_id = $1 ORDER BY seq`, p.id)
		if err != nil {
			return nil, err
		}
		var seqs []int
		var kinds []string
		for rows.Next() {
			var seq int
			var kind string
			if err := rows.Scan(&seq, &kind); err != nil {
				return nil, err
			}
			seqs = append(seqs, seq)
			kinds = append(kinds, kind)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		t.events += len(seqs)
		if n := len(seqs); n > 0 {
			t.gaps += seqs[n-1] - n // (priority_id, seq) is the key: a missing number is a gap
		}
		t.duplicates += max(0, len(kinds)-len(p.events))
		if !slices.Equal(kinds, p.events) {
			t.bad("%s in PostgreSQL: events %v, want %v", p.ref, kinds, p.events)
		}
		var stage string
		var version int
		if err := db.QueryRow(ctx, `SELECT stage, version FROM priorities WHERE id = $1`, p.id).Scan(&stage, &version); err != nil {
			return nil, fmt.Errorf("read model of %s: %w", p.ref, err)
		}

		// The workflow: closed, in the same state as the read model, and
		// which workers ran its tasks.
		// A workflow in a terminal stage still flushes and sends its mail
		// before it completes: it is given until closeBy.
		wid := workflows.ID(p.id)
		var desc *workflowservice.DescribeWorkflowExecutionResponse
		for {
			d, err := tc.DescribeWorkflow(ctx, wid, "")
			if err != nil {
				return nil, fmt.Errorf("describe %s: %w", wid, err)
			}
			desc = d.RawResponse
			if d.Status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING || time.Now().After(closeBy) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			var pending []string
			for _, a := range desc.GetPendingActivities() {
				pending = append(pending, fmt.Sprintf("%s (attempt %d, %s)", a.GetActivityType().GetName(), a.GetAttempt(), a.GetLastFailure().GetMessage()))
			}
			t.bad("%s: workflow %s %s after its last step, want completed; pending activities %v, pending workflow task %v",
				p.ref, st, time.Since(end).Round(time.Second), pending, desc.GetPendingWorkflowTask() != nil)
		} else if closed := desc.GetWorkflowExecutionInfo().GetCloseTime().AsTime().Sub(end); closed > t.lastClose {
			t.lastClose = closed
		}
		v, err := tc.QueryWorkflow(ctx, wid, "", workflows.QueryPriority)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", wid, err)
		}
		var wp pipeline.Priority
		if err := v.Get(&wp); err != nil {
			return nil, err
		}
		if string(wp.Stage) != stage || wp.Version != version {
			t.bad("%s: workflow holds %s v%d, PostgreSQL %s v%d", p.ref, wp.Stage, wp.Version, stage, version)
		}
		it := tc.GetWorkflowHistory(ctx, wid, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return nil, fmt.Errorf("history of %s: %w", wid, err)
			}
			if a := e.GetWorkflowTaskCompletedEventAttributes(); a != nil {
				if t.workerOf[a.Identity] == nil {
					t.workerOf[a.Identity] = map[string]bool{}
				}
				t.workerOf[a.Identity][p.id] = true
			}
		}
	}
	return t, nil
}
