package main

import (
	"strings"
	"testing"

	"go.temporal.io/api/enums/v1"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

// consistent is a rejected priority seen the same from every side.
func consistent() sighting {
	j := &journey.Journey{Scenario: journey.Scenarios[1], ID: "p1", Ref: "PE-2026-0001", Version: 2,
		Events: []string{"submitted", "reject"}}
	trail := state{stage: pipeline.Rejected, version: 2, seqs: []int{1, 2}, kinds: []string{"submitted", "reject"}}
	return sighting{want: j, apis: []state{trail, trail}, db: trail, workflow: state{stage: pipeline.Rejected, version: 2},
		status: enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, workers: []string{"1@host"}}
}

func TestJudgeAcceptsAConsistentPriority(t *testing.T) {
	tl := newTally()
	tl.judge(consistent())
	if len(tl.mismatches) > 0 || tl.gaps > 0 || tl.duplicates > 0 || tl.readModelOK != 1 || tl.events != 2 {
		t.Fatalf("%+v", tl)
	}
	if !tl.workerOf["1@host"]["p1"] || tl.byFinal[pipeline.Rejected] != 1 {
		t.Errorf("workers %v, by final stage %v", tl.workerOf, tl.byFinal)
	}
}

// Each planted inconsistency must be found, and said where.
func TestJudgeFindsPlantedInconsistencies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(*sighting)
		want  string
		check func(*tally) bool
	}{
		{"a missing event number in PostgreSQL", func(s *sighting) { s.db.seqs = []int{1, 3} },
			"in PostgreSQL: event 2 has seq 3", func(t *tally) bool { return t.gaps == 1 }},
		{"an event recorded twice in PostgreSQL", func(s *sighting) {
			s.db.seqs, s.db.kinds = []int{1, 2, 3}, []string{"submitted", "reject", "reject"}
		}, "in PostgreSQL: events [submitted reject reject]", func(t *tally) bool { return t.duplicates == 1 }},
		{"a read model whose stage is not the workflow's", func(s *sighting) { s.workflow.stage = pipeline.Triage },
			"workflow holds triage v2, PostgreSQL rejected v2", func(t *tally) bool { return t.readModelOK == 0 }},
		{"an API behind", func(s *sighting) {
			s.apis[1] = state{stage: pipeline.Triage, version: 1, seqs: []int{1}, kinds: []string{"submitted"}}
		},
			"via api-2: triage v1, want rejected v2", nil},
		{"an API's trail out of order", func(s *sighting) { s.apis[0].seqs = []int{2, 1} },
			"via api-1: event 1 has seq 2", nil},
		{"a workflow still running", func(s *sighting) { s.status = enums.WORKFLOW_EXECUTION_STATUS_RUNNING },
			"workflow Running after its last step", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := consistent()
			s.apis = append([]state{}, s.apis...)
			tc.plant(&s)
			tl := newTally()
			tl.judge(s)
			if !strings.Contains(strings.Join(tl.mismatches, "\n"), tc.want) {
				t.Errorf("mismatches %q, want one saying %q", tl.mismatches, tc.want)
			}
			if tc.check != nil && !tc.check(tl) {
				t.Errorf("tally %+v", tl)
			}
		})
	}
}
