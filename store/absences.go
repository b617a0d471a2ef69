package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/pipeline"
)

// absenceColumns are an absence's columns named as pipeline.Absence's fields.
const absenceColumns = `x.id::text AS id, x.user_id::text AS user_id, au.name AS user_name,
	x.delegate_id::text AS delegate_id, du.name AS delegate_name, to_char(x.from_date, 'YYYY-MM-DD') AS from,
	to_char(x.to_date, 'YYYY-MM-DD') AS to, x.created_by::text AS created_by, x.created_at`

const absenceFrom = ` FROM absences x JOIN users au ON au.id = x.user_id JOIN users du ON du.id = x.delegate_id `

// lockAbsences serialises declarations of absences, so that two at once
// cannot both pass the overlap and chain checks; the two-key form keeps
// it apart from the other advisory locks.
const lockAbsences = `SELECT pg_advisory_xact_lock(1633837938, 0)` // 1633837938 is "abse"

// AddAbsence stores an absence of x.UserID covered by x.DelegateID once
// check, given the absences booked for either of them (see
// pipeline.CheckAbsence), admits it; check runs under a lock that keeps
// concurrent declarations apart. It returns the stored absence.
func (s *Store) AddAbsence(ctx context.Context, x pipeline.Absence, check func(booked []pipeline.Absence) error) (pipeline.Absence, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return x, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, lockAbsences); err != nil {
		return x, fmt.Errorf("lock absences: %w", err)
	}
	booked, err := all[pipeline.Absence](tx.Query(ctx, `SELECT `+absenceColumns+absenceFrom+`
		WHERE x.cancelled_at IS NULL AND (x.user_id = ANY($1::uuid[]) OR x.delegate_id = ANY($1::uuid[]))
		ORDER BY x.from_date, x.id`, []string{x.UserID, x.DelegateID}))
	if err != nil {
		return x, fmt.Errorf("absences booked: %w", err)
	}
	if err := check(booked); err != nil {
		return x, err
	}
	x.ID = uuid.NewString()
	if _, err := tx.Exec(ctx, `INSERT INTO absences (id, user_id, delegate_id, from_date, to_date, created_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, x.ID, x.UserID, x.DelegateID, x.From, x.To, x.CreatedBy); err != nil {
		return x, refused(fmt.Errorf("add absence: %w", err))
	}
	x, err = one[pipeline.Absence](tx.Query(ctx, `SELECT `+absenceColumns+absenceFrom+`WHERE x.id = $1`, x.ID))
	if err != nil {
		return x, fmt.Errorf("read the absence added: %w", err)
	}
	return x, tx.Commit(ctx)
}

// Absences lists a user's absences that are not over on the date today,
// nor cancelled, soonest first.
func (s *Store) Absences(ctx context.Context, userID, today string) ([]pipeline.Absence, error) {
	return all[pipeline.Absence](s.pool.Query(ctx, `SELECT `+absenceColumns+absenceFrom+`
		WHERE x.user_id = $1 AND x.cancelled_at IS NULL AND x.to_date >= $2::date ORDER BY x.from_date, x.id`, userID, today))
}

// Absence returns one absence of a user that is not cancelled.
func (s *Store) Absence(ctx context.Context, userID, id string) (pipeline.Absence, error) {
	if !pipeline.IsID(id) || !pipeline.IsID(userID) {
		return pipeline.Absence{}, ErrNotFound
	}
	return one[pipeline.Absence](s.pool.Query(ctx, `SELECT `+absenceColumns+absenceFrom+`
		WHERE x.id = $1 AND x.user_id = $2 AND x.cancelled_at IS NULL`, id, userID))
}

// CancelAbsence cancels an absence, by byID; ErrNotFound when it is
// unknown or cancelled already.
func (s *Store) CancelAbsence(ctx context.Context, id, byID string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE absences SET cancelled_at = $2, cancelled_by = $3 WHERE id = $1 AND cancelled_at IS NULL`,
		id, at, byID)
	if err != nil {
		return fmt.Errorf("cancel absence: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// standsInColumn is the people the user u stands in for on the date $N
// (the placeholder, a timestamptz, is given by the query using it): the
// active users whose absence they cover then, as a JSON list of actors.
func standsInColumn(param string) string {
	return `(SELECT coalesce(json_agg(json_build_object('id', b.id::text, 'name', b.name, 'role', b.role,
		'countries', b.countries, 'themes', b.themes, 'partner', b.partner) ORDER BY b.name, b.id), '[]')
		FROM absences x JOIN users b ON b.id = x.user_id
		WHERE x.delegate_id = u.id AND x.cancelled_at IS NULL AND b.active AND b.role = u.role
		AND (` + param + `::timestamptz AT TIME ZONE 'UTC')::date BETWEEN x.from_date AND x.to_date)`
}

// Cover is who receives a user's mail during their absence.
type Cover struct {
	Delegate User
	// Until is the absence's last day (YYYY-MM-DD).
	Until string
}

// Covers are the delegates of those of userIDs absent on the date day,
// by the absent user's id; a delegate who is deactivated covers nobody.
func (s *Store) Covers(ctx context.Context, userIDs []string, day string) (map[string]Cover, error) {
	type coverRow struct {
		AbsentID string `db:"absent_id"`
		Until    string `db:"until"`
		User
	}
	rows, err := all[coverRow](s.pool.Query(ctx, `SELECT x.user_id::text AS absent_id, to_char(x.to_date, 'YYYY-MM-DD') AS until, `+userColumns+`
		FROM absences x JOIN users u ON u.id = x.delegate_id
		WHERE x.user_id = ANY($1::uuid[]) AND x.cancelled_at IS NULL AND u.active AND $2::date BETWEEN x.from_date AND x.to_date`,
		userIDs, day))
	if err != nil {
		return nil, fmt.Errorf("covers: %w", err)
	}
	out := map[string]Cover{}
	for _, r := range rows {
		out[r.AbsentID] = Cover{Delegate: r.User, Until: r.Until}
	}
	return out, nil
}

// Colleagues lists the active users of a role, by name: those who could
// stand in for someone of that role (the caller keeps those who cover them).
func (s *Store) Colleagues(ctx context.Context, role pipeline.Role) ([]User, error) {
	return all[User](s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE role = $1 AND active ORDER BY name, id`, string(role)))
}
