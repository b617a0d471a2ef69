package workflows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays every committed history of a real run
// (workflows/testdata, recorded by the API's journey test with
// PUENTE_RECORD_HISTORIES=1) against the current workflow code: a change that
// would break priorities in flight fails here. See
// docs/architecture.md, Changing the workflow.
func TestReplayRecordedHistories(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in workflows/testdata")
	}
	for _, f := range files {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(PriorityWorkflow, workflow.RegisterOptions{Name: WorkflowPriority})
		if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
			t.Errorf("replay %s: %v", f, err)
		}
	}
}

// TestTodaysHistory reads the recorded journeys, which
// TestReplayRecordedHistories replays against this code (so the code makes
// these histories). Before delivery, the journey ends at approval with no
// version marker, and the closed stage's search attributes go out in the
// task that completes the run, where the server's visibility store writes
// them once, with the close. Today it goes on through its action's delivery
// to the close, with the one marker of the change "delivery" (and the
// upsert of Temporal's own change-version attribute that comes with it);
// the approved stage is indexed at once, since the run goes on, and the run
// ends with nothing left to index. In both the last flush sends its mail
// itself — one activity in the whole run.
func TestTodaysHistory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file             string
		markers, updates int
		end              []string
	}{
		{"journey-before-delivery.json", 0, 10, []string{"WORKFLOW_TASK_COMPLETED", "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES", "WORKFLOW_EXECUTION_COMPLETED"}},
		{"journey.json", 1, 14, []string{"WORKFLOW_TASK_STARTED", "WORKFLOW_TASK_COMPLETED", "WORKFLOW_EXECUTION_COMPLETED"}},
	} {
		t.Run(tc.file, func(t *testing.T) { checkHistory(t, tc.file, tc.markers, tc.updates, tc.end) })
	}
}

func checkHistory(t *testing.T, file string, markers, updates int, want []string) {
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Events []struct {
			EventType string `json:"eventType"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	var types []string
	count := map[string]int{}
	for _, e := range h.Events {
		kind := strings.TrimPrefix(e.EventType, "EVENT_TYPE_")
		types = append(types, kind)
		count[kind]++
	}
	if n := count["MARKER_RECORDED"]; n != markers {
		t.Errorf("%d markers, want %d", n, markers)
	}
	if n := count["UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"]; n != 1+markers {
		t.Errorf("%d search-attribute upserts, want %d (the last stage's and one per marker)", n, 1+markers)
	}
	if n := count["ACTIVITY_TASK_SCHEDULED"]; n != 1 {
		t.Errorf("%d activities, want 1 (the last flush, with its mail)", n)
	}
	if n := count["WORKFLOW_EXECUTION_UPDATE_COMPLETED"]; n != updates {
		t.Errorf("%d updates, want the journey's %d", n, updates)
	}
	if len(types) < 3 || !slices.Equal(types[len(types)-3:], want) {
		t.Errorf("the run ends with %v, want %v", types[max(0, len(types)-3):], want)
	}
}
