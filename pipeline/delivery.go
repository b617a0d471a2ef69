package pipeline

import "time"

// DeliveryStage is where an approved support action stands in its delivery:
// scheduled → in_progress → delivered → closed, with postponed and cancelled
// reachable from any open stage.
type DeliveryStage string

// The delivery stages.
const (
	// Scheduled: approved with the plan's dates, not yet confirmed.
	Scheduled DeliveryStage = "scheduled"
	// InProgress: its partner confirmed the dates and the place.
	InProgress DeliveryStage = "in_progress"
	// Delivered: its partner reported it; the assigned expert validates the
	// report (ReportValidated) or sends it back to in_progress.
	Delivered DeliveryStage = "delivered"
	// Closed: a manager closed it after the report was validated.
	Closed DeliveryStage = "closed"
	// Postponed: new dates and a reason; confirming the dates reopens it.
	Postponed DeliveryStage = "postponed"
	// Cancelled: a manager cancelled it, with a reason.
	Cancelled DeliveryStage = "cancelled"
)

// DeliveryStages lists every delivery stage, open ones first.
var DeliveryStages = []DeliveryStage{Scheduled, InProgress, Delivered, Postponed, Closed, Cancelled}

// Open reports whether an action in stage s is still being delivered.
func (s DeliveryStage) Open() bool { return s != Closed && s != Cancelled }

// Delivery is the delivery state of one approved support action. The
// priority's workflow holds it with the plan; the read model stores it in
// the action's row of support_actions.
type Delivery struct {
	Stage DeliveryStage `json:"stage"`
	// ConfirmedStart and ConfirmedEnd (YYYY-MM-DD) and Place are what the
	// partner confirmed; empty until then.
	ConfirmedStart string `json:"confirmed_start,omitempty"`
	ConfirmedEnd   string `json:"confirmed_end,omitempty"`
	Place          string `json:"place,omitempty"`
	// Report is the partner's delivery report, nil until reported.
	Report *DeliveryReport `json:"report,omitempty"`
	// ReportValidated is true once the assigned expert validated Report.
	ReportValidated bool      `json:"report_validated"`
	StageEnteredAt  time.Time `json:"stage_entered_at"`
	// DueAt is when the report is due (the end date plus the SLA), and
	// Overdue whether it passed without one.
	DueAt   *time.Time `json:"due_at,omitempty"`
	Overdue bool       `json:"overdue"`
}

// DeliveryReport is what the implementing partner reports once an action
// took place: who took part (by sex, a programme priority, and by
// institution), where from, what was done, what it cost, and the actual
// value of each of the action's indicators.
type DeliveryReport struct {
	ParticipantsWomen int                `json:"participants_women"`
	ParticipantsMen   int                `json:"participants_men"`
	ParticipantsOther int                `json:"participants_other"`
	Institutions      []InstitutionCount `json:"institutions"`
	Countries         []string           `json:"countries"`
	Summary           string             `json:"summary"`
	ActualCostEUR     EUR                `json:"actual_cost_eur"`
	// Indicators holds one actual per indicator of the action, in the
	// action's order.
	Indicators []IndicatorActual `json:"indicators"`
}

// Participants is the total number of participants.
func (r DeliveryReport) Participants() int {
	return r.ParticipantsWomen + r.ParticipantsMen + r.ParticipantsOther
}

// InstitutionCount is how many participants came from one institution.
type InstitutionCount struct {
	Name         string `json:"name"`
	Participants int    `json:"participants"`
}

// IndicatorActual is the measured value of an indicator, with a note.
type IndicatorActual struct {
	Actual float64 `json:"actual"`
	Note   string  `json:"note,omitempty"`
}

// EUAgency is a European agency that takes part in actions.
type EUAgency struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// EUAgencies are the European agencies of the codelists, in codelist order.
var EUAgencies = mustParse[[]EUAgency]("eu_agencies")

// EUAgencyCodes lists the EU agencies' codes in codelist order.
func EUAgencyCodes() []string {
	out := make([]string, len(EUAgencies))
	for i, x := range EUAgencies {
		out[i] = x.Code
	}
	return out
}

// PartnerCodes lists the implementing partners' codes in codelist order.
func PartnerCodes() []string {
	out := make([]string, len(Partners))
	for i, x := range Partners {
		out[i] = x.Code
	}
	return out
}
