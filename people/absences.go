package people

import (
	"context"
	"errors"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// ErrNoAbsence answers an absence id that names no current absence of the user.
var ErrNoAbsence = pipeline.Errorf(pipeline.KindNotFound, "no such absence")

// today is the date absences are judged on (UTC).
func today() string { return pipeline.Day(time.Now()) }

// Absences lists a user's current and coming absences, for the user or a
// manager (docs/architecture.md, Absences and delegation).
func (s *Service) Absences(ctx context.Context, by pipeline.Actor, userID string) ([]pipeline.Absence, error) {
	if _, err := s.absentee(ctx, by, userID); err != nil {
		return nil, err
	}
	return s.Store.Absences(ctx, userID, today())
}

// CheckAbsentee is nil when by may manage the absences of the active user
// userID: their own or, for a manager, anyone's (403 first, then 404).
func (s *Service) CheckAbsentee(ctx context.Context, by pipeline.Actor, userID string) error {
	_, err := s.absentee(ctx, by, userID)
	return err
}

// absentee is the active user whose absences by may manage: themselves or,
// for a manager, anyone (403 first, then 404).
func (s *Service) absentee(ctx context.Context, by pipeline.Actor, userID string) (store.User, error) {
	if err := selfOrManager(by, userID); err != nil {
		return store.User{}, err
	}
	u, err := s.Store.Person(ctx, userID)
	if err == nil && !u.Active {
		err = store.ErrNotFound
	}
	return u, refused(err)
}

// DeclareAbsence records an absence of the user, covered by the delegate
// in names, once the engine admits it (pipeline.CheckAbsence): for the user
// or a manager.
func (s *Service) DeclareAbsence(ctx context.Context, by pipeline.Actor, userID string, in pipeline.AbsenceInput) (pipeline.Absence, error) {
	u, err := s.absentee(ctx, by, userID)
	if err != nil {
		return pipeline.Absence{}, err
	}
	var delegate *pipeline.Actor
	if pipeline.IsID(in.DelegateID) {
		d, err := s.Store.User(ctx, in.DelegateID)
		switch {
		case err == nil:
			delegate = &d
		case !errors.Is(err, store.ErrNotFound):
			return pipeline.Absence{}, err
		}
	}
	day := today()
	// Judged once before the lock, so that a refusal costs no transaction,
	// and again under it with what is booked.
	if err := pipeline.CheckAbsence(by, u.Actor, in, delegate, day, nil); err != nil {
		return pipeline.Absence{}, err
	}
	x := pipeline.Absence{UserID: u.ID, DelegateID: in.DelegateID, From: in.From, To: in.To, CreatedBy: by.ID}
	return s.Store.AddAbsence(ctx, x, func(booked []pipeline.Absence) error {
		return pipeline.CheckAbsence(by, u.Actor, in, delegate, day, booked)
	})
}

// CancelAbsence cancels one of the user's absences, for the user, whoever
// declared it or a manager.
func (s *Service) CancelAbsence(ctx context.Context, by pipeline.Actor, userID, absenceID string) error {
	if err := selfOrManager(by, userID); err != nil {
		return err
	}
	x, err := s.Store.Absence(ctx, userID, absenceID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoAbsence
	}
	if err != nil {
		return err
	}
	if err := pipeline.CheckCancelAbsence(by, x); err != nil {
		return err
	}
	if err := s.Store.CancelAbsence(ctx, x.ID, by.ID, time.Now()); errors.Is(err, store.ErrNotFound) {
		return ErrNoAbsence
	} else if err != nil {
		return err
	}
	return nil
}

// Delegates lists the active users who may stand in for the user (the
// same role, covering their scope), by name: the choices of the forms.
func (s *Service) Delegates(ctx context.Context, by pipeline.Actor, userID string) ([]store.User, error) {
	u, err := s.absentee(ctx, by, userID)
	if err != nil {
		return nil, err
	}
	all, err := s.Store.Colleagues(ctx, u.Role)
	if err != nil {
		return nil, err
	}
	out := []store.User{}
	for _, c := range all {
		if c.Covers(u.Actor) {
			out = append(out, c)
		}
	}
	return out, nil
}
