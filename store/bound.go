package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrUnavailable marks the errors of a PostgreSQL that is down, unreachable
// or slower than the Store's timeout: nothing is wrong with the request, and
// the same request may succeed later (the API answers 503 + Retry-After).
var ErrUnavailable = errors.New("PostgreSQL is unavailable or too slow")

// DefaultTimeout bounds each wait on PostgreSQL when Open is given no
// WithTimeout: far above any query Puente makes at 100,000 priorities
// (tens of milliseconds), far below a user's patience.
const DefaultTimeout = 5 * time.Second

// errTooSlow is the cause a wait is cancelled with when it reaches the bound.
var errTooSlow = errors.New("no answer within the bound")

// WithTimeout bounds each wait on PostgreSQL — taking a connection from the
// pool (and so connecting), running a statement, fetching the next rows —
// to d; 0 removes the bound. PostgreSQL also cancels a statement that runs
// longer (statement_timeout), keeping the connection. A wait cut short
// returns an error matching ErrUnavailable.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// bound applies the timeout to the connections' settings, leaving any
// statement_timeout or connect_timeout the database URL sets.
func (o *options) bound() {
	if o.timeout <= 0 {
		return
	}
	cc := o.pool.ConnConfig
	if _, set := cc.RuntimeParams["statement_timeout"]; !set {
		cc.RuntimeParams["statement_timeout"] = fmt.Sprint(o.timeout.Milliseconds())
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = o.timeout
	}
}

// boundedPool is what every Store method queries through: pgx's pool, with each
// wait on PostgreSQL bounded and the errors of an unavailable server marked
// with ErrUnavailable. The bound is on waiting, not on the whole operation:
// the clock stops while the caller works between two fetches, so a long
// export that keeps receiving rows is never cut.
type boundedPool struct {
	*pgxpool.Pool
	timeout time.Duration
}

// watchdog cancels a wait that lasts longer than the bound.
type watchdog struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	bound  time.Duration
}

// watch starts the clock on a wait; done must be called once it is over.
func (p *boundedPool) watch(ctx context.Context) *watchdog {
	w := &watchdog{bound: p.timeout}
	w.ctx, w.cancel = context.WithCancelCause(ctx)
	if p.timeout > 0 {
		w.timer = time.AfterFunc(p.timeout, func() { w.cancel(errTooSlow) })
	}
	return w
}

// pause stops the clock while the caller works; resume restarts it.
func (w *watchdog) pause() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

func (w *watchdog) resume() {
	if w.timer != nil {
		w.timer.Reset(w.bound)
	}
}

func (w *watchdog) done() {
	w.pause()
	w.cancel(nil)
}

// err marks err with ErrUnavailable when the bound cut the wait short or
// PostgreSQL could not be reached.
func (w *watchdog) err(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	if errors.Is(context.Cause(w.ctx), errTooSlow) {
		return fmt.Errorf("%w: no answer within %s: %w", ErrUnavailable, w.bound, err)
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// unavailable tells the errors of a server that is down, starting,
// stopping, overloaded or too slow from those of a bad statement.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"), // insufficient resources: too many connections, disk full
			pgErr.Code == "57P01",               // admin_shutdown
			pgErr.Code == "57P02",               // crash_shutdown
			pgErr.Code == "57P03",               // cannot_connect_now: starting up or shutting down
			pgErr.Code == "57014",               // query_canceled: statement_timeout
			pgErr.Code == "55P03":               // lock_not_available: lock_timeout
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed)
}

func (p *boundedPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	w := p.watch(ctx)
	defer w.done()
	tag, err := p.Pool.Exec(w.ctx, sql, args...)
	return tag, w.err(err)
}

func (p *boundedPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	w := p.watch(ctx)
	r, err := p.Pool.Query(w.ctx, sql, args...)
	if err != nil {
		w.done()
		return nil, w.err(err)
	}
	w.pause()
	return &rows{Rows: r, w: w}, nil
}

func (p *boundedPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	w := p.watch(ctx)
	return &row{row: p.Pool.QueryRow(w.ctx, sql, args...), w: w}
}

func (p *boundedPool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	w := p.watch(ctx)
	return &batch{BatchResults: p.Pool.SendBatch(w.ctx, b), w: w}
}

func (p *boundedPool) Begin(ctx context.Context) (pgx.Tx, error) {
	return p.BeginTx(ctx, pgx.TxOptions{})
}

func (p *boundedPool) BeginTx(ctx context.Context, o pgx.TxOptions) (pgx.Tx, error) {
	w := p.watch(ctx)
	defer w.done()
	t, err := p.Pool.BeginTx(w.ctx, o)
	if err != nil {
		return nil, w.err(err)
	}
	return &tx{Tx: t, p: p}, nil
}

func (p *boundedPool) Ping(ctx context.Context) error {
	w := p.watch(ctx)
	defer w.done()
	return w.err(p.Pool.Ping(w.ctx))
}

// rows runs the clock only while Next waits for PostgreSQL.
type rows struct {
	pgx.Rows
	w *watchdog
}

func (r *rows) Next() bool {
	r.w.resume()
	more := r.Rows.Next()
	r.w.pause()
	if !more {
		r.w.done()
	}
	return more
}

func (r *rows) Close() {
	r.Rows.Close()
	r.w.done()
}

func (r *rows) Err() error { return r.w.err(r.Rows.Err()) }

type row struct {
	row pgx.Row
	w   *watchdog
}

func (r *row) Scan(dest ...any) error {
	defer r.w.done()
	return r.w.err(r.row.Scan(dest...))
}

// batch keeps the clock running until it is closed: its results are read
// back to back.
type batch struct {
	pgx.BatchResults
	w *watchdog
}

func (b *batch) Exec() (pgconn.CommandTag, error) {
	tag, err := b.BatchResults.Exec()
	return tag, b.w.err(err)
}

func (b *batch) Query() (pgx.Rows, error) {
	r, err := b.BatchResults.Query()
	if err != nil {
		return nil, b.w.err(err)
	}
	return &batchRows{Rows: r, w: b.w}, nil
}

func (b *batch) QueryRow() pgx.Row { return &batchRow{row: b.BatchResults.QueryRow(), w: b.w} }

func (b *batch) Close() error {
	defer b.w.done()
	return b.w.err(b.BatchResults.Close())
}

// batchRow is a row of a batch: the batch's clock covers it.
type batchRow struct {
	row pgx.Row
	w   *watchdog
}

func (r *batchRow) Scan(dest ...any) error { return r.w.err(r.row.Scan(dest...)) }

// batchRows are rows of a batch: the batch's clock covers them.
type batchRows struct {
	pgx.Rows
	w *watchdog
}

func (r *batchRows) Err() error { return r.w.err(r.Rows.Err()) }

// tx bounds each statement of a transaction like the pool's.
type tx struct {
	pgx.Tx
	p *boundedPool
}

func (t *tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	w := t.p.watch(ctx)
	defer w.done()
	tag, err := t.Tx.Exec(w.ctx, sql, args...)
	return tag, w.err(err)
}

func (t *tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	w := t.p.watch(ctx)
	r, err := t.Tx.Query(w.ctx, sql, args...)
	if err != nil {
		w.done()
		return nil, w.err(err)
	}
	w.pause()
	return &rows{Rows: r, w: w}, nil
}

func (t *tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	w := t.p.watch(ctx)
	return &row{row: t.Tx.QueryRow(w.ctx, sql, args...), w: w}
}

func (t *tx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	w := t.p.watch(ctx)
	return &batch{BatchResults: t.Tx.SendBatch(w.ctx, b), w: w}
}

func (t *tx) Commit(ctx context.Context) error {
	w := t.p.watch(ctx)
	defer w.done()
	return w.err(t.Tx.Commit(w.ctx))
}

func (t *tx) Rollback(ctx context.Context) error {
	w := t.p.watch(ctx)
	defer w.done()
	return w.err(t.Tx.Rollback(w.ctx))
}
