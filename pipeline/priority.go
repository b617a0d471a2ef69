package pipeline

import "time"

// Pillar is the part of the penal chain a priority concerns.
type Pillar string

// Sensitivity values: a restricted priority is seen only by managers, its
// countries' focal points and its assigned expert.
const (
	Public     = "public"
	Restricted = "restricted"
)

// Enumerations that are not in the codelists file
// (docs/architecture.md, Domain data).
var (
	Urgencies     = []string{"low", "medium", "high"}
	Sensitivities = []string{Public, Restricted}
	SessionKinds  = []string{"political_dialogue", "working_session"}
)

// Priority is a political priority on its way to an approved plan. The workflow
// holds the authoritative copy; the read model stores the same record.
type Priority struct {
	ID             string     `json:"id"`
	Ref            string     `json:"ref"`
	SessionID      string     `json:"session_id,omitempty"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	Theme          string     `json:"theme"`
	Pillar         string     `json:"pillar"`
	Countries      []string   `json:"countries"`
	Institution    string     `json:"institution"`
	Urgency        string     `json:"urgency"`
	Sensitivity    string     `json:"sensitivity"`
	Stage          Stage      `json:"stage"`
	Assignee       string     `json:"assignee,omitempty"`
	TriagedBy      string     `json:"triaged_by,omitempty"`
	PlanAuthors    []string   `json:"plan_authors,omitempty"`
	StageEnteredAt time.Time  `json:"stage_entered_at"`
	DueAt          *time.Time `json:"due_at,omitempty"`
	Overdue        bool       `json:"overdue"`
	Version        int        `json:"version"`
	// EventSeq is the seq of the priority's latest audit-trail event.
	EventSeq    int       `json:"event_seq"`
	SubmittedBy string    `json:"submitted_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Plan        *Plan     `json:"plan,omitempty"`
	// Documents are the files attached to the priority, oldest first. The
	// workflow judges removals by it; the read model keeps the documents in
	// their own table, and the API's views clear it.
	Documents []DocumentRef `json:"documents,omitempty" db:"-"`
	// Deliveries hold the delivery of each action of an approved plan, in
	// the plan's order, once its workflow started them (StartDelivery).
	Deliveries []Delivery `json:"deliveries,omitempty"`
	// RequestHash fingerprints the submission, so a retried submit with the
	// same Idempotency-Key can be told apart from a different one. It travels
	// with the priority (workflow payloads, read model); the API's views clear it.
	RequestHash string `json:"request_hash,omitempty"`
	// Thread is who wrote each comment of the priority's thread and whom
	// it mentioned: what the engine judges an edit of a comment by. The
	// workflow holds it; callers load it from the read model (the thread's
	// events) before a dry run. Never in JSON: the thread has its own routes.
	Thread []ThreadEntry `json:"-" db:"-"`
	// RunID is the workflow run that last recorded the priority, as the read
	// model knows it: updates go straight to that run, sparing Temporal a
	// lookup of the current one. A hint only, never in JSON.
	RunID string `json:"-"`
}

// Plan is the logframe-light technical plan an expert drafts for a priority.
type Plan struct {
	Objective       string   `json:"objective"`
	ExpectedOutcome string   `json:"expected_outcome"`
	GenderMarker    int      `json:"gender_marker"`
	Actions         []Action `json:"actions"`
}

// Action is one costed support action of a plan.
type Action struct {
	Type          string      `json:"type"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Beneficiaries []string    `json:"beneficiaries"`
	Countries     []string    `json:"countries"`
	StartDate     string      `json:"start_date"`
	EndDate       string      `json:"end_date"`
	BudgetEUR     EUR         `json:"budget_eur"`
	EUAgencies    []string    `json:"eu_agencies"`
	Indicators    []Indicator `json:"indicators"`
	// Partner is the implementing partner that delivers the action (a code
	// of Partners), chosen by the expert with the plan.
	Partner string `json:"partner,omitempty"`
}

// Indicator measures an action's result.
type Indicator struct {
	Name     string  `json:"name"`
	Unit     string  `json:"unit"`
	Baseline float64 `json:"baseline"`
	Target   float64 `json:"target"`
}

// EventKind names an entry of the audit trail.
type EventKind string

// Event kinds beyond the decisions themselves (each decision is its own kind,
// except reassign, which is recorded as reassigned).
const (
	EventSubmitted   EventKind = "submitted"
	EventPlanUpdated EventKind = "plan_updated"
	EventEdited      EventKind = "edited"
	EventReminder    EventKind = "reminder"
	EventEscalated   EventKind = "escalated"
	EventReassigned  EventKind = "reassigned"
)

// EventOf is the event kind an act is recorded as.
func EventOf(d Decision) EventKind {
	switch d {
	case Reassign:
		return EventReassigned
	case Edit:
		return EventEdited
	case DraftPlan:
		return EventPlanUpdated
	case PostComment:
		return EventCommented
	case EditComment:
		return EventCommentEdited
	case AttachDocument:
		return EventDocumentAttached
	case RemoveDocument:
		return EventDocumentRemoved
	}
	return EventKind(d)
}

// Event is one append-only entry of a priority's audit trail. Seq runs 1, 2,
// 3 … without gaps; (PriorityID, Seq) is unique.
type Event struct {
	PriorityID string         `json:"priority_id"`
	Seq        int            `json:"seq"`
	At         time.Time      `json:"at"`
	Actor      Ref            `json:"actor"`
	Kind       EventKind      `json:"kind"`
	FromStage  Stage          `json:"from_stage,omitempty"`
	ToStage    Stage          `json:"to_stage,omitempty"`
	Comment    string         `json:"comment,omitempty"`
	Data       map[string]any `json:"data,omitempty"`
}

// Session is a dialogue session at which priorities are raised.
type Session struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Kind      string    `json:"kind"`
	Date      string    `json:"date"`
	Venue     string    `json:"venue"`
	Countries []string  `json:"countries"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// SupportAction is an action of an approved plan: what the programme funds.
type SupportAction struct {
	PriorityID  string    `json:"priority_id"`
	PriorityRef string    `json:"priority_ref"`
	Index       int       `json:"index"`
	Theme       string    `json:"theme"`
	ApprovedAt  time.Time `json:"approved_at"`
	Action
	Delivery Delivery `json:"delivery,omitzero"`
}
