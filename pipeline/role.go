package pipeline

import "slices"

// Role is what a user is to the programme.
type Role string

// The roles of DESIGN §1.
const (
	FocalPoint Role = "focal_point"
	Expert     Role = "expert"
	Manager    Role = "manager"
)

// Roles lists every role.
var Roles = []Role{FocalPoint, Expert, Manager}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Actor is an authenticated user acting on a priority: the identity the API
// passes to the workflow, which re-checks it in its update validators.
type Actor struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Role      Role     `json:"role"`
	Countries []string `json:"countries"`
	Themes    []string `json:"themes"`
}

// Ref is the part of an Actor recorded with an event.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// Ref returns the identity to record in the audit trail.
func (a Actor) Ref() Ref { return Ref{ID: a.ID, Name: a.Name, Role: a.Role} }

// coversCountries reports whether the actor is a focal point of any of countries.
func (a Actor) coversCountries(countries []string) bool {
	if a.Role != FocalPoint {
		return false
	}
	for _, c := range countries {
		if slices.Contains(a.Countries, c) {
			return true
		}
	}
	return false
}

// CanSee reports whether the actor may see the priority at all (DESIGN §1):
// managers see everything, focal points their countries' priorities, experts
// the non-restricted priorities of their themes and everything assigned to them.
func (a Actor) CanSee(p *Priority) bool {
	switch a.Role {
	case Manager:
		return true
	case FocalPoint:
		return a.coversCountries(p.Countries)
	case Expert:
		if p.Assignee != "" && p.Assignee == a.ID {
			return true
		}
		return p.Sensitivity != Restricted && slices.Contains(a.Themes, p.Theme)
	}
	return false
}
