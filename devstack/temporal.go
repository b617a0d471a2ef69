package devstack

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
)

// saTypes names search attribute types as start-dev's --search-attribute wants them.
var saTypes = map[enums.IndexedValueType]string{
	enums.INDEXED_VALUE_TYPE_TEXT:         "Text",
	enums.INDEXED_VALUE_TYPE_KEYWORD:      "Keyword",
	enums.INDEXED_VALUE_TYPE_INT:          "Int",
	enums.INDEXED_VALUE_TYPE_DOUBLE:       "Double",
	enums.INDEXED_VALUE_TYPE_BOOL:         "Bool",
	enums.INDEXED_VALUE_TYPE_DATETIME:     "Datetime",
	enums.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList",
}

// TemporalCLIModule is the pinned Temporal CLI. Newer releases do not build
// from the module proxy here; its dev server (Temporal 1.29.1) serves SDK v1.51.
const TemporalCLIModule = "github.com/temporalio/cli/cmd/temporal@v1.5.1"

// temporalBinary is the CLI's file name in the bin dir; the version in the
// name makes a pin change rebuild it.
const temporalBinary = "temporal-v1.5.1"

// EnsureTemporalCLI returns the path of the pinned Temporal CLI in binDir,
// building it with `go install` the first time (a few minutes, then cached).
// The CLI stays out of Puente's module graph: its pinned server does not
// compile against the API module Puente's SDK needs. A file lock keeps
// parallel test binaries from building it twice.
func EnsureTemporalCLI(ctx context.Context, binDir string, log io.Writer) (string, error) {
	return ensureBinary(ctx, binDir, TemporalCLIModule, temporalBinary, "temporal", ".build.lock", "the Temporal CLI", log)
}

// LockFile takes an exclusive lock on the file at path, creating it, and
// returns its release: how concurrent processes build a tool only once.
func LockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// TemporalOptions configure a Temporal dev server.
type TemporalOptions struct {
	// CLI is the path returned by EnsureTemporalCLI.
	CLI string
	// DBFile is the SQLite file; empty keeps everything in memory.
	DBFile string
	// Port is the frontend gRPC port; 0 picks a free one.
	Port int
	// UIPort is the Web UI port; 0 runs headless.
	UIPort int
	// LogPath receives the server's output.
	LogPath string
	// SearchAttributes are registered at start, so they are usable at once.
	SearchAttributes []temporal.SearchAttributeKey
}

// Temporal is a running Temporal dev server.
type Temporal struct {
	*Process
	// Address is the frontend's host:port.
	Address string
	// UIURL is the Web UI's address, empty when headless.
	UIURL string
}

// StartTemporal starts `temporal server start-dev` with SQLite in WAL mode
// (about three times the throughput of the default journal) and waits until
// the default namespace answers.
func StartTemporal(ctx context.Context, o TemporalOptions) (*Temporal, error) {
	port, err := portOr(o.Port)
	if err != nil {
		return nil, err
	}
	args := []string{"server", "start-dev",
		"--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--log-level", "warn",
		"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
		"--sqlite-pragma", "cache_size=-65536", "--sqlite-pragma", "temp_store=memory", "--sqlite-pragma", "mmap_size=268435456",
		// One partition per task queue: on one node, more partitions only add
		// forwarding between them before a task reaches a poller.
		"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
		"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
		// start-dev turns this on so that search attributes created while it
		// runs are usable at once; it costs a read of the cluster metadata
		// from SQLite on every read of the search attributes (twice per
		// update). Puente registers its attributes with the flags below, at
		// start, so the ordinary cache serves.
		"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=false",
		// The dev server has one history shard, and by default one write
		// at a time per shard: every workflow's writes queued on one
		// semaphore (under `puente bench`, ~30 ms mean wait per write, from
		// the server's semaphore_latency metric). SQLite still takes one
		// statement at a time on its one connection, but the encoding and
		// bookkeeping around each write no longer wait in that line.
		"--dynamic-config-value", "history.shardIOConcurrency=8",
		// An activity scheduled by a workflow task comes back in the answer
		// to that task's completion, to the same worker, instead of going
		// through matching to a poller: the read model's flush and the
		// notifications cost one round trip each instead of three.
		"--dynamic-config-value", "system.enableActivityEagerExecution=true",
	}
	for _, k := range o.SearchAttributes {
		args = append(args, "--search-attribute", k.GetName()+"="+saTypes[k.GetValueType()])
	}
	if o.DBFile != "" {
		args = append(args, "--db-filename", o.DBFile)
	}
	t := &Temporal{Address: fmt.Sprintf("127.0.0.1:%d", port)}
	if o.UIPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(o.UIPort))
		t.UIURL = fmt.Sprintf("http://127.0.0.1:%d", o.UIPort)
	}
	cmd := exec.Command(o.CLI, args...)
	// The dev server allocates fast; collecting less often buys it CPU on a
	// small machine, for a few hundred MiB more memory at most.
	cmd.Env = append(os.Environ(), "GOGC="+cmp.Or(os.Getenv("PUENTE_TEMPORAL_GOGC"), "400"))
	t.Process, err = launch("temporal", cmd, syscall.SIGTERM, o.LogPath, 2*time.Minute, func() error {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		// No SDK logs while the server is still starting.
		c, err := client.DialContext(cctx, client.Options{HostPort: t.Address, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.WorkflowService().DescribeNamespace(cctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}
