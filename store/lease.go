package store

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// StageGaugesLease is the advisory lock key whose holder exports the
// per-stage gauges: they are read from the database, the same from every
// process, so exactly one process reports them and a sum over replicas
// counts each priority once.
const StageGaugesLease int64 = 0x7075656e7465 // "puente"

// Lease is a PostgreSQL session advisory lock held on a connection of its
// own. Among the processes asking for one key, one holds it at a time; when
// the holder's session ends (its process killed included), the next to ask
// takes it over.
type Lease struct {
	s    *Store
	key  int64
	mu   sync.Mutex
	conn *pgx.Conn
}

// Lease returns a lease on key, not yet asked for.
func (s *Store) Lease(key int64) *Lease { return &Lease{s: s, key: key} }

// Held reports whether this process holds the lease, taking it if it is free.
// A holder whose connection broke lets it go and asks again.
func (l *Lease) Held(ctx context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		// A statement rather than Ping, which would wait unbounded.
		if _, err := l.conn.Exec(ctx, "-- ping"); err == nil {
			return true
		}
		_ = l.conn.Close(ctx)
		l.conn = nil
	}
	c, err := l.s.pool.Acquire(ctx)
	if err != nil {
		return false
	}
	var ok bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, l.key).Scan(&ok); err != nil || !ok {
		c.Release()
		return false
	}
	// The lock lives as long as its session: keep the connection out of the pool.
	l.conn = c.Hijack()
	return true
}

// Close gives the lease up.
func (l *Lease) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		_ = l.conn.Close(context.Background())
		l.conn = nil
	}
}
