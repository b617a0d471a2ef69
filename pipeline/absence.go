package pipeline

import (
	"slices"
	"time"
)

// Absence is a person's leave: from From to To (dates, both included, in
// UTC) Delegate stands in for them — sees their tasks and acts on their
// behalf (docs/architecture.md, Absences and delegation).
type Absence struct {
	ID           string    `json:"id"`
	UserID       string    `json:"user_id"`
	UserName     string    `json:"user_name"`
	DelegateID   string    `json:"delegate_id"`
	DelegateName string    `json:"delegate_name"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// AbsenceInput is a declaration of an absence: its dates and the delegate.
type AbsenceInput struct {
	From       string `json:"from"`
	To         string `json:"to"`
	DelegateID string `json:"delegate_id"`
}

// Day is the date of the instant t in UTC, as absences write their dates.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// ActiveOn reports whether the absence includes the date day (YYYY-MM-DD).
func (x Absence) ActiveOn(day string) bool { return x.From <= day && day <= x.To }

// overlaps reports whether the absence shares a day with from–to.
func (x Absence) overlaps(from, to string) bool { return x.From <= to && from <= x.To }

// Covers reports whether d's scope covers a's, so that d may stand in for a:
// the same role, and for a focal point every one of a's countries, for an
// expert every one of a's themes; any manager covers any other.
func (d Actor) Covers(a Actor) bool {
	if d.Role != a.Role || d.ID == a.ID {
		return false
	}
	switch d.Role {
	case FocalPoint:
		return containsAll(d.Countries, a.Countries)
	case Expert:
		return containsAll(d.Themes, a.Themes)
	}
	return d.Role == Manager
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// For is d acting on behalf of a, whom d stands in for.
func (d Actor) For(a Actor) Actor {
	a.OnBehalfOf, a.StandsIn = nil, nil
	d.OnBehalfOf, d.StandsIn = &a, nil
	return d
}

// Acting is who a takes d on p as: in its own name when the table admits
// it, else on behalf of the first person it stands in for (a.StandsIn)
// whose standing the table admits; else in its own name, or on behalf of
// someone whose priority it sees, for Check to say why not.
func Acting(a Actor, p *Priority, d Decision) Actor {
	own := a
	own.StandsIn = nil
	if p == nil || (own.CanSee(p) && allowed(own, p, d)) {
		return own
	}
	for _, b := range a.StandsIn {
		if x := a.For(b); x.CanSee(p) && allowed(x, p, d) {
			return x
		}
	}
	if !own.CanSee(p) {
		for _, b := range a.StandsIn {
			if x := a.For(b); x.CanSee(p) {
				return x
			}
		}
	}
	return own
}

// CheckAbsence judges the declaration in by by of an absence of absentee,
// on the date today, in this order: only the absentee or a manager declares
// it (403), then the body (422): the dates (from ≤ to, to not past), the
// delegate (found, not the absentee, of the same role and covering the
// absentee's scope), no overlap with another absence of the absentee, no
// chain (the delegate absent then, or the absentee standing in for someone
// then). delegate is the user the caller found for in.DelegateID (nil: no
// such active user); booked are the absences of the absentee and of the
// delegate, and those where either stands in for someone.
func CheckAbsence(by, absentee Actor, in AbsenceInput, delegate *Actor, today string, booked []Absence) error {
	if by.ID != absentee.ID && by.Role != Manager {
		return Errorf(KindForbidden, "only %s or a manager may declare their absence", absentee.Name)
	}
	var ps Problems
	from, okFrom := ps.Date("from", in.From, true)
	to, okTo := ps.Date("to", in.To, true)
	if okFrom && okTo && to.Before(from) {
		ps.Add("to", EndBeforeStart)
	} else if okTo && Day(to) < today {
		ps.Add("to", AbsenceOver)
	}
	ps.UUID("delegate_id", in.DelegateID, true)
	if !ps.Has("delegate_id") {
		switch {
		case in.DelegateID == absentee.ID:
			ps.Add("delegate_id", SelfDelegation)
		case delegate == nil || delegate.ID != in.DelegateID:
			ps.Add("delegate_id", UnknownUser)
		case delegate.Role != absentee.Role:
			ps.Add("delegate_id", DelegateRole, "role", string(absentee.Role))
		case !delegate.Covers(absentee):
			ps.Add("delegate_id", DelegateScope)
		}
	}
	if len(ps) == 0 {
		for _, x := range booked {
			switch {
			case !x.overlaps(in.From, in.To):
			case x.UserID == absentee.ID && !ps.Has("from"):
				ps.Add("from", AbsenceOverlap, "from", x.From, "to", x.To)
			case x.UserID == in.DelegateID && !ps.Has("delegate_id"):
				ps.Add("delegate_id", DelegateAbsent, "from", x.From, "to", x.To)
			case x.DelegateID == absentee.ID && !ps.Has("to"):
				ps.Add("to", StandingIn, "name", x.UserName)
			}
		}
	}
	if len(ps) > 0 {
		return Invalid("the absence is not valid", ps)
	}
	return nil
}

// CheckCancelAbsence judges the cancellation by by of absence x: the
// absentee, whoever declared it or a manager (403).
func CheckCancelAbsence(by Actor, x Absence) error {
	if by.ID != x.UserID && by.ID != x.CreatedBy && by.Role != Manager {
		return Errorf(KindForbidden, "only %s or a manager may cancel this absence", x.UserName)
	}
	return nil
}
