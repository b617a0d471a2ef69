package worker_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/activities"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/worker"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestPolling: a worker that polls is healthy; the same check for a worker
// the server has never seen poll, or on a queue nobody polls, fails.
func TestPolling(t *testing.T) {
	t.Parallel()
	host, _ := os.Hostname()
	identity := worker.Identity(os.Getpid(), host)
	c, err := client.Dial(client.Options{HostPort: testenv.TemporalAddress(t), Identity: identity})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	queue := "health-" + strings.ReplaceAll(t.Name(), "/", "-")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := worker.Polling(ctx, c, queue, identity); err == nil {
		t.Fatal("healthy before the worker started")
	}

	w := worker.New(c, queue, &activities.Activities{})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	for {
		err := worker.Polling(ctx, c, queue, identity)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the started worker never counted as polling: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := worker.Polling(ctx, c, queue, worker.Identity(1, "elsewhere")); err == nil || !strings.Contains(err.Error(), "no recent workflow poller") {
		t.Errorf("another identity: err = %v, want no recent poller", err)
	}
	if err := worker.Polling(ctx, c, queue+"-idle", identity); err == nil {
		t.Error("healthy on a queue this worker does not poll")
	}
}
