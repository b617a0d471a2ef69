package api_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"

	"github.com/puente-dev/puente/workflows"
)

// recordHistory writes the priority workflow's history to
// workflows/testdata/<name> when PUENTE_RECORD_HISTORIES=1, so the replay test
// can check that a change to the workflow stays compatible with runs in flight.
func recordHistory(t *testing.T, b *bundle, id, name string) {
	t.Helper()
	if os.Getenv("PUENTE_RECORD_HISTORIES") != "1" {
		return
	}
	ctx := context.Background()
	// The whole history: the workflow ends after its last flush.
	if err := b.app.Temporal.GetWorkflow(ctx, workflows.ID(id), "").Get(ctx, nil); err != nil {
		t.Fatalf("wait for the workflow to end: %v", err)
	}
	it := b.app.Temporal.GetWorkflowHistory(ctx, workflows.ID(id), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("read history: %v", err)
		}
		hist.Events = append(hist.Events, e)
	}
	b2, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "workflows", "testdata", name)
	if err := os.WriteFile(path, append(b2, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events to %s", len(hist.Events), path)
}
