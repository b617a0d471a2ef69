package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// CreateSession stores a dialogue session and returns it with its new id.
func (s *Store) CreateSession(ctx context.Context, in pipeline.SessionInput, by string) (pipeline.Session, error) {
	ses := pipeline.Session{ID: uuid.NewString(), Title: in.Title, Kind: in.Kind, Date: in.Date,
		Venue: in.Venue, Countries: in.Countries, CreatedBy: by}
	err := s.pool.QueryRow(ctx, `INSERT INTO sessions (id, title, kind, date, venue, countries, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at`,
		ses.ID, ses.Title, ses.Kind, ses.Date, ses.Venue, ses.Countries, by).Scan(&ses.CreatedAt)
	if err != nil {
		return pipeline.Session{}, fmt.Errorf("create session: %w", err)
	}
	return ses, nil
}

// sessionColumns are a session's columns named as pipeline.Session's fields.
const sessionColumns = `id::text AS id, title, kind, to_char(date, 'YYYY-MM-DD') AS date, venue, countries,
	created_by::text AS created_by, created_at`

// Session returns one session.
func (s *Store) Session(ctx context.Context, id string) (pipeline.Session, error) {
	if !pipeline.IsID(id) {
		return pipeline.Session{}, ErrNotFound
	}
	return one[pipeline.Session](s.pool.Query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
}

// Sessions lists sessions, latest date first, one keyset page at a time.
func (s *Store) Sessions(ctx context.Context, pg Page) ([]pipeline.Session, string, error) {
	var w where
	if pg.Cursor != "" {
		at, key, err := decodeCursor(pg.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		w.add("(date, id) < (?::date, ?::uuid)", at.Format("2006-01-02"), key[0])
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE `+w.sql()+
		` ORDER BY date DESC, id DESC LIMIT `+strconv.Itoa(pg.Limit+1), w.args...)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[pipeline.Session])
	if err != nil {
		return nil, "", fmt.Errorf("list sessions: %w", err)
	}
	return cut(items, pg, func(ses pipeline.Session) string {
		d, _ := time.Parse(time.DateOnly, ses.Date)
		return encodeCursor(d, ses.ID)
	})
}

// StageCounts counts a session's priorities by stage, within what the actor may see.
func (s *Store) StageCounts(ctx context.Context, a pipeline.Actor, sessionID string) (map[pipeline.Stage]int, error) {
	var w where
	w.scope(a, "")
	w.add("session_id = ?::uuid", sessionID)
	out := map[pipeline.Stage]int{}
	for _, st := range pipeline.Stages {
		out[st] = 0
	}
	var st pipeline.Stage
	var n int
	rows, _ := s.pool.Query(ctx, `SELECT stage, count(*) FROM priorities WHERE `+w.sql()+` GROUP BY stage`, w.args...)
	if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[st] = n; return nil }); err != nil {
		return nil, fmt.Errorf("count by stage: %w", err)
	}
	return out, nil
}
