package pipeline

import "slices"

// Role is what a user is to the programme.
type Role string

// The roles (docs/architecture.md, Roles and scope).
const (
	FocalPoint Role = "focal_point"
	Expert     Role = "expert"
	Manager    Role = "manager"
	// Implementer is a person of one implementing partner (Actor.Partner):
	// they deliver its approved actions.
	Implementer Role = "implementer"
)

// Roles lists every role.
var Roles = []Role{FocalPoint, Expert, Manager, Implementer}

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
	// Partner is an implementer's implementing partner (a code of Partners).
	Partner string `json:"partner,omitempty"`
	// Handle is the name an @mention gives the actor (the local part of
	// their email address), when the actor was found by it.
	Handle string `json:"handle,omitempty" db:"-"`
	// OnBehalfOf is the absent person the actor stands in for in this act
	// (see Acting); nil when the actor acts in their own name.
	OnBehalfOf *Actor `json:"on_behalf_of,omitempty" db:"-"`
	// StandsIn are the people whose absence the actor covers now, as the
	// caller found them when it authenticated the actor; never sent to
	// the workflow, which judges the one OnBehalfOf an act carries.
	StandsIn []Actor `json:"-" db:"-"`
}

// Ref is the part of an Actor recorded with an event.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// OnBehalfOf is the absent person the actor stood in for.
	OnBehalfOf *Ref `json:"on_behalf_of,omitempty"`
}

// Ref returns the identity to record in the audit trail.
func (a Actor) Ref() Ref {
	r := Ref{ID: a.ID, Name: a.Name, Role: a.Role}
	if b := a.OnBehalfOf; b != nil {
		r.OnBehalfOf = &Ref{ID: b.ID, Name: b.Name, Role: b.Role}
	}
	return r
}

// coversCountries reports whether the actor is a focal point of any of countries.
func (a Actor) coversCountries(countries []string) bool {
	return a.Role == FocalPoint && a.inCountries(countries)
}

// inCountries reports whether any of countries is one of the actor's.
func (a Actor) inCountries(countries []string) bool {
	return slices.ContainsFunc(countries, func(c string) bool { return slices.Contains(a.Countries, c) })
}

// CanSee reports whether the actor may see the priority at all
// (docs/architecture.md, Roles and scope):
// managers see everything, focal points their countries' priorities, experts
// the non-restricted priorities of their themes and everything assigned to
// them, implementers the approved priorities with an action of their
// partner. A delegate also sees what the people they stand in for see
// (docs/architecture.md, Absences and delegation).
func (a Actor) CanSee(p *Priority) bool {
	if a.sees(p) {
		return true
	}
	if b := a.OnBehalfOf; b != nil {
		return a.Covers(*b) && b.sees(p)
	}
	return slices.ContainsFunc(a.StandsIn, func(b Actor) bool { return a.Covers(b) && b.sees(p) })
}

// sees is CanSee in the actor's own name.
func (a Actor) sees(p *Priority) bool {
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
	case Implementer:
		return p.Stage == Approved && p.Plan != nil && a.Partner != "" &&
			slices.ContainsFunc(p.Plan.Actions, func(x Action) bool { return x.Partner == a.Partner })
	}
	return false
}

// Capability is something a role may do outside the transition table.
type Capability string

// The capabilities (docs/architecture.md, Roles and scope).
const (
	SubmitPriorities Capability = "submit priorities"
	CreateSessions   Capability = "create dialogue sessions"
	ViewPipeline     Capability = "view the pipeline dashboard"
	ExportData       Capability = "export priorities"
	ManageUsers      Capability = "manage users"
	AssignExperts    Capability = "choose the expert of a priority"
	ViewDelivery     Capability = "view the delivery dashboard"
)

// capabilities says which roles have each capability.
var capabilities = map[Capability][]Role{
	SubmitPriorities: {FocalPoint},
	CreateSessions:   {Manager},
	ViewPipeline:     {Manager},
	ExportData:       {Manager},
	ManageUsers:      {Manager},
	AssignExperts:    {Manager},
	ViewDelivery:     {Manager, Implementer},
}

// May reports whether the actor has capability c.
func (a Actor) May(c Capability) bool { return slices.Contains(capabilities[c], a.Role) }

// Demand is nil when the actor has capability c, else a KindForbidden error naming it.
func (a Actor) Demand(c Capability) error {
	if a.May(c) {
		return nil
	}
	return Errorf(KindForbidden, "only %s may %s", join(capabilities[c], "s", " and "), c)
}
