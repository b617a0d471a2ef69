package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/workflows"
)

// tally is what the check found over every priority.
type tally struct {
	priorities, events, duplicates, gaps int
	byFinal                              map[pipeline.Stage]int
	mismatches                           []string                   // every way a priority is not where it should be
	workerOf                             map[string]map[string]bool // worker identity → priority ids
	lastClose                            time.Duration              // the latest workflow close after the journeys ended
	readModelOK                          int                        // priorities whose read model is their workflow's state
}

func newTally() *tally {
	return &tally{byFinal: map[pipeline.Stage]int{}, workerOf: map[string]map[string]bool{}}
}

func (t *tally) bad(format string, args ...any) {
	t.mismatches = append(t.mismatches, fmt.Sprintf(format, args...))
}

// state is a priority's stage, version and audit trail as one side holds it.
type state struct {
	stage   pipeline.Stage
	version int
	seqs    []int
	kinds   []string
}

// sighting is one priority seen from every side after its journey: what
// the driver did, what each API answers, what PostgreSQL holds and what its
// workflow holds.
type sighting struct {
	want     *journey.Journey
	apis     []state
	db       state
	workflow state // no audit trail: the workflow's stage and version
	status   enums.WorkflowExecutionStatus
	closed   time.Duration // after the journeys ended, if completed
	pending  []string      // the workflow's pending activities, if still running
	task     bool          // a workflow task pending, if still running
	workers  []string      // identities of the workers that completed its workflow tasks
}

// judge adds one sighting to the tally: every side must hold the stage and
// version the journey ended on and its events, each numbered once from 1
// with no number missing, and the workflow must have completed.
func (t *tally) judge(s sighting) {
	j := s.want
	want := wantEvents(j)
	t.priorities++
	t.byFinal[j.Scenario.Final]++
	for i, a := range s.apis {
		where := fmt.Sprintf("%s via api-%d", j.Ref, i+1)
		if a.stage != j.Scenario.Final || a.version != j.Version {
			t.bad("%s: %s v%d, want %s v%d", where, a.stage, a.version, j.Scenario.Final, j.Version)
		}
		t.trail(where, a, want)
	}
	where := j.Ref + " in PostgreSQL"
	t.events += len(s.db.seqs)
	if n := len(s.db.seqs); n > 0 {
		t.gaps += max(0, s.db.seqs[n-1]-n)
	}
	t.duplicates += max(0, len(s.db.kinds)-len(want))
	t.trail(where, s.db, want)
	if s.workflow.stage != s.db.stage || s.workflow.version != s.db.version {
		t.bad("%s: workflow holds %s v%d, PostgreSQL %s v%d", j.Ref, s.workflow.stage, s.workflow.version, s.db.stage, s.db.version)
	} else {
		t.readModelOK++
	}
	switch {
	case delivering(j):
		// An approved priority's workflow goes on delivering its actions:
		// running, with nothing left failing.
		if s.status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING || len(s.pending) > 0 {
			t.bad("%s: workflow %s after its approval, want running (delivering); pending activities %v",
				j.Ref, s.status, s.pending)
		}
	case s.status != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		t.bad("%s: workflow %s after its last step, want completed; pending activities %v, pending workflow task %v",
			j.Ref, s.status, s.pending, s.task)
	case s.closed > t.lastClose:
		t.lastClose = s.closed
	}
	for _, w := range s.workers {
		if t.workerOf[w] == nil {
			t.workerOf[w] = map[string]bool{}
		}
		t.workerOf[w][j.ID] = true
	}
}

// trail checks an audit trail: numbered 1…n in order, the events wanted.
func (t *tally) trail(where string, s state, want []string) {
	for i, seq := range s.seqs {
		if seq != i+1 {
			t.bad("%s: event %d has seq %d", where, i+1, seq)
		}
	}
	if !slices.Equal(s.kinds, want) {
		t.bad("%s: events %v, want %v", where, s.kinds, want)
	}
}

// verify looks at every priority three ways — through each API, in
// PostgreSQL directly and in its Temporal workflow (state, status and
// history) — and judges what it sees.
func verify(ctx context.Context, d *journey.Driver, db *pgx.Conn, tc client.Client, js []*journey.Journey, end time.Time) (*tally, error) {
	t := newTally()
	for _, j := range js {
		s, err := sight(ctx, d, db, tc, j, end)
		if err != nil {
			return nil, err
		}
		t.judge(s)
	}
	return t, nil
}

// delivering reports whether j ends approved: its workflow then starts the
// delivery of the plan's actions and keeps running.
func delivering(j *journey.Journey) bool { return j.Scenario.Final == pipeline.Approved }

// wantEvents is the audit trail j must leave: its steps' events, and for an
// approved priority the delivery its approval schedules.
func wantEvents(j *journey.Journey) []string {
	if delivering(j) {
		return append(slices.Clip(j.Events), string(pipeline.EventDeliveryScheduled))
	}
	return j.Events
}

// sight reads one priority from every side. A workflow in a terminal stage
// still flushes and sends its mail before it completes (an approved one,
// which goes on delivering, before it settles): it is given a minute after
// the journeys ended.
func sight(ctx context.Context, d *journey.Driver, db *pgx.Conn, tc client.Client, j *journey.Journey, end time.Time) (sighting, error) {
	s := sighting{want: j}
	for i := range d.APIs {
		p, err := d.Get(ctx, i, j.ID, d.Cast.Manager)
		if err != nil {
			return s, err
		}
		evs, err := d.Events(ctx, i, j.ID, d.Cast.Manager)
		if err != nil {
			return s, fmt.Errorf("events of %s via api-%d: %w", j.Ref, i+1, err)
		}
		a := state{stage: p.Stage, version: p.Version}
		for _, e := range evs {
			a.seqs, a.kinds = append(a.seqs, e.Seq), append(a.kinds, string(e.Kind))
		}
		s.apis = append(s.apis, a)
	}

	rows, err := db.Query(ctx, `SELECT seq, kind FROM events WHERE priority_id = $1 ORDER BY seq`, j.ID)
	if err != nil {
		return s, err
	}
	var seq int
	var kind string
	if _, err := pgx.ForEachRow(rows, []any{&seq, &kind}, func() error {
		s.db.seqs, s.db.kinds = append(s.db.seqs, seq), append(s.db.kinds, kind)
		return nil
	}); err != nil {
		return s, err
	}
	if err := db.QueryRow(ctx, `SELECT stage, version FROM priorities WHERE id = $1`, j.ID).Scan(&s.db.stage, &s.db.version); err != nil {
		return s, fmt.Errorf("read model of %s: %w", j.Ref, err)
	}

	wid := workflows.ID(j.ID)
	for closeBy := end.Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		desc, err := tc.DescribeWorkflow(ctx, wid, "")
		if err != nil {
			return s, fmt.Errorf("describe %s: %w", wid, err)
		}
		raw := desc.RawResponse
		s.status = raw.GetWorkflowExecutionInfo().GetStatus()
		settling := s.status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING &&
			(!delivering(j) || len(raw.GetPendingActivities()) > 0 || raw.GetPendingWorkflowTask() != nil)
		if settling && time.Now().Before(closeBy) {
			continue
		}
		s.closed = raw.GetWorkflowExecutionInfo().GetCloseTime().AsTime().Sub(end)
		for _, a := range raw.GetPendingActivities() {
			s.pending = append(s.pending, fmt.Sprintf("%s (attempt %d, %s)", a.GetActivityType().GetName(), a.GetAttempt(), a.GetLastFailure().GetMessage()))
		}
		s.task = raw.GetPendingWorkflowTask() != nil
		break
	}
	v, err := tc.QueryWorkflow(ctx, wid, "", workflows.QueryPriority)
	if err != nil {
		return s, fmt.Errorf("query %s: %w", wid, err)
	}
	var wp pipeline.Priority
	if err := v.Get(&wp); err != nil {
		return s, err
	}
	s.workflow = state{stage: wp.Stage, version: wp.Version}
	it := tc.GetWorkflowHistory(ctx, wid, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return s, fmt.Errorf("history of %s: %w", wid, err)
		}
		if a := e.GetWorkflowTaskCompletedEventAttributes(); a != nil && !slices.Contains(s.workers, a.Identity) {
			s.workers = append(s.workers, a.Identity)
		}
	}
	return s, nil
}
