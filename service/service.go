// Package service is the one path every read and every change of Puente
// takes, for the JSON API and the web app alike. A change descends once:
// look up what the act needs, ask the pipeline engine (a dry run that
// answers fast), send the Temporal update (the workflow judges again and
// applies), then record the update's durable result in the read model. Every
// error it returns is a *pipeline.Error with a kind; callers map kinds to
// their protocol in one table.
package service

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/puente-dev/puente/documents"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Config are the service's dependencies and bounds.
type Config struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	// SLAs apply to priorities submitted from now on; nil means the defaults.
	SLAs   pipeline.SLAs
	Logger *slog.Logger
	// UpdateTimeout bounds how long a change waits for its workflow; past
	// it the outcome is unknown (KindTimeout). 0 means DefaultUpdateTimeout.
	UpdateTimeout time.Duration
	// FirstTasks, added to Temporal's client too (DialOption), lets a
	// submission answer once its workflow's first task is done; nil answers
	// at once.
	FirstTasks *FirstTasks
	// Blobs stores documents' content; nil keeps it in PostgreSQL
	// (Store.Blobs). docs/documents.md says how to plug another store.
	Blobs documents.Blobs
	// UploadWindow is how long an upload's attach may follow its content
	// being stored; 0 means DefaultUploadWindow.
	UploadWindow time.Duration
}

// DefaultUpdateTimeout is how long a change waits for its workflow by default.
const DefaultUpdateTimeout = 10 * time.Second

// recordTimeout bounds the read-model write that follows an applied change.
const recordTimeout = 5 * time.Second

// Service holds the dependencies of every read and change.
type Service struct {
	Config
	// downUntil is when Temporal is next assumed up (Unix ns; see temporalUp).
	downUntil atomic.Int64
}

// New returns the service over its dependencies.
func New(c Config) *Service {
	if c.SLAs == nil {
		c.SLAs = pipeline.DefaultSLAs()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.UpdateTimeout <= 0 {
		c.UpdateTimeout = DefaultUpdateTimeout
	}
	if c.Blobs == nil && c.Store != nil {
		c.Blobs = c.Store.Blobs()
	}
	if c.UploadWindow <= 0 {
		c.UploadWindow = DefaultUploadWindow
	}
	return &Service{Config: c}
}

type requestIDKey struct{}

// WithRequestID tags ctx with the ID of the request it serves: the workflow
// logs its changes with it, so one request can be followed into its workflow.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// readFailed classifies a failed read of the read model.
func readFailed(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrBadCursor):
		return pipeline.Invalid("the query is not valid", pipeline.Problems{pipeline.Problem("cursor", pipeline.NotACursor)})
	case errors.Is(err, store.ErrNotFound):
		return pipeline.Errorf(pipeline.KindNotFound, "not found")
	case pipeline.KindOfError(err) != 0:
		return err
	case store.Unavailable(err):
		return errDatabaseDown
	}
	return err
}
