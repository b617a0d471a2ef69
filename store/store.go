// Package store is the only place with SQL: the read model of the priority
// workflows, the audit trail, users and sessions in PostgreSQL through a pgx v5
// pool, and the embedded, versioned migrations that shape it.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
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
	pool *boundedPool
}

// Option adjusts how Open connects.
type Option func(*options)

type options struct {
	pool    *pgxpool.Config
	timeout time.Duration
}

// WithTracing records a span per query, batch and connection acquire
// (otelpgx) through the global OpenTelemetry tracer provider.
func WithTracing() Option {
	return func(o *options) { o.pool.ConnConfig.Tracer = otelpgx.NewTracer() }
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
	o.bound()
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &Store{pool: &boundedPool{Pool: p, timeout: o.timeout}}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that PostgreSQL answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

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
