// Package store is the only place with SQL: the read model of the priority
// workflows, the audit trail, users and sessions in PostgreSQL through a pgx v5
// pool, and the embedded, versioned migrations that shape it.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/puente-dev/puente/pipeline"
)

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = errors.New("not found")

//go:embed migrations/*.sql
var migrations embed.FS

// Store reads and writes Puente's tables.
type Store struct {
	pool *pgxpool.Pool
}

// Option adjusts how Open connects.
type Option func(*options)

type options struct {
	pool    *pgxpool.Config
	timeout time.Duration
	tracing bool
}

// DefaultTimeout bounds each wait on PostgreSQL when Open is given no
// WithTimeout: far above any query Puente makes at 100,000 priorities
// (tens of milliseconds), far below a user's patience.
const DefaultTimeout = 5 * time.Second

// WithTimeout bounds each wait on PostgreSQL to d — connecting, taking a
// connection from the pool, a statement (on the server too, as its
// statement_timeout), a batch — unless the database URL sets its own
// statement_timeout or connect_timeout; 0 removes the bound. A wait cut
// short is an error Unavailable recognises.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithTracing records a span per query, batch and connection acquire
// (otelpgx) through the global OpenTelemetry tracer provider.
func WithTracing() Option {
	return func(o *options) { o.tracing = true }
}

// Open connects a pool to the database at url. maxConns ≤ 0 keeps pgx's
// default. Each wait on PostgreSQL is bounded by DefaultTimeout unless
// WithTimeout says otherwise.
func Open(ctx context.Context, url string, maxConns int32, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	o := options{pool: cfg, timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	var tracers []pgx.QueryTracer
	if o.timeout > 0 {
		cc := cfg.ConnConfig
		if _, set := cc.RuntimeParams["statement_timeout"]; !set {
			cc.RuntimeParams["statement_timeout"] = fmt.Sprint(o.timeout.Milliseconds())
		}
		if cc.ConnectTimeout == 0 {
			cc.ConnectTimeout = o.timeout
		}
		cfg.PingTimeout = o.timeout
		tracers = append(tracers, waitBound(o.timeout))
	}
	if o.tracing {
		tracers = append(tracers, otelpgx.NewTracer())
	}
	if len(tracers) > 0 {
		cfg.ConnConfig.Tracer = multitracer.New(tracers...)
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &Store{pool: p}, nil
}

// waitBound gives each wait of a connection on PostgreSQL a deadline: a
// statement with its rows, a batch with its results, taking a connection
// from the pool. These are pgx's tracer hooks, which it calls around every
// one of them on every connection the pool opens (a Lease's included), so no
// query can wait unbounded. statement_timeout alone would not do: a server
// that is hung, or cut off by the network, cannot say it gave up.
type waitBound time.Duration

type endWait struct{}

func (b waitBound) start(ctx context.Context) context.Context {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(b))
	return context.WithValue(ctx, endWait{}, cancel)
}

func (waitBound) end(ctx context.Context) {
	if cancel, ok := ctx.Value(endWait{}).(context.CancelFunc); ok {
		cancel()
	}
}

func (b waitBound) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return b.start(ctx)
}

func (b waitBound) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	b.end(ctx)
}

func (b waitBound) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return b.start(ctx)
}

func (waitBound) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (b waitBound) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	b.end(ctx)
}

func (b waitBound) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	return b.start(ctx)
}

func (b waitBound) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireEndData) {
	b.end(ctx)
}

// Unavailable reports whether err says PostgreSQL is down, starting,
// stopping, overloaded or slower than the bound, rather than that a
// statement was wrong: nothing is wrong with the request, and the same
// request may succeed later (the API answers 503 + Retry-After).
func Unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code := pgErr.Code
		return strings.HasPrefix(code, "08") || // connection exception
			strings.HasPrefix(code, "53") || // insufficient resources: too many connections, disk full
			code == "57P01" || // admin_shutdown
			code == "57P02" || // crash_shutdown
			code == "57P03" || // cannot_connect_now: starting up or shutting down
			code == "57014" || // query_canceled: statement_timeout
			code == "55P03" // lock_not_available: lock_timeout
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed)
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that PostgreSQL answers a statement, within the bound as any
// other (pgx's own Ping bypasses the query hooks).
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, "-- ping")
	return err
}

// migrationLockID is the advisory lock that serialises migrations and the
// codelist refresh: goose's default id, so a goose CLI run against the same
// database waits for Puente too.
const migrationLockID = lock.DefaultLockID

// Migrate applies every pending migration with goose, then refreshes the
// codelist tables from the embedded reference data. Several processes may run
// it at once (N replicas, two `puente migrate`): goose holds a PostgreSQL
// session advisory lock while it migrates, and the refresh runs under the
// same lock, so each migration is applied once and the others wait for it.
func Migrate(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	// Retry the lock every second, for up to five minutes: a migration
	// waiting on another finishes about a second after it.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, mustSub(migrations, "migrations"),
		goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	s, err := Open(ctx, url, 1)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.seedCodelists(ctx)
}

// seedCodelists upserts the codelists in one transaction that first takes the
// migration lock (as a transaction lock, released at commit), so concurrent
// refreshes run one after the other instead of racing on the same rows.
func (s *Store) seedCodelists(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, migrationLockID)
		for _, t := range pipeline.Lists.Themes {
			b.Queue(`INSERT INTO themes (code, en, es, iati_sector) VALUES ($1, $2, $3, $4)
				ON CONFLICT (code) DO UPDATE SET en = $2, es = $3, iati_sector = $4`, t.Code, t.EN, t.ES, t.IATISector)
		}
		for _, c := range pipeline.Lists.Countries {
			b.Queue(`INSERT INTO countries (code, name) VALUES ($1, $2)
				ON CONFLICT (code) DO UPDATE SET name = $2`, c.Code, c.Name)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("seed codelists: %w", err)
	}
	return nil
}

// notFound maps pgx's no-rows error to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
