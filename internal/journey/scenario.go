package journey

import "github.com/puente-dev/puente/pipeline"

// Role is who takes a step, cast per journey by Cast.
type Role int

// The roles of a journey.
const (
	FocalPoint      Role = iota // submitted it
	OtherFocalPoint             // a focal point of the other country
	Expert                      // of the priority's theme
	Manager                     // triages
	SecondManager               // approves: not the manager who triaged
)

// Step is one request of a journey: a decision, or the plan (PUT …/plan)
// when Plan is set; After is the stage it leads to.
type Step struct {
	Who      Role
	Decision pipeline.Decision
	Plan     bool
	Body     map[string]any // the decision's other fields
	After    pipeline.Stage
	// AssignExpert sends the cast's expert as the accept's expert_id.
	AssignExpert bool
}

// Event is the kind of audit event the step records.
func (s Step) Event() string {
	if s.Plan {
		return "plan_updated"
	}
	return string(s.Decision)
}

// Scenario is a journey from submission to a terminal stage.
type Scenario struct {
	Name  string
	Final pipeline.Stage
	Steps []Step
}

func decide(who Role, d pipeline.Decision, after pipeline.Stage, kv ...any) Step {
	s := Step{Who: who, Decision: d, After: after, Body: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Body[kv[i].(string)] = kv[i+1]
	}
	return s
}

var (
	accept = Step{Who: Manager, Decision: pipeline.Accept, After: pipeline.ExpertReview, AssignExpert: true}
	revise = decide(Expert, pipeline.RequestRevision, pipeline.Revision, "comment", "Precise las instituciones beneficiarias")
	resubm = decide(FocalPoint, pipeline.Resubmit, pipeline.ExpertReview,
		"changes", map[string]any{"institution": "Fiscalía de la Nación y Policía Nacional"})
	review     = decide(Expert, pipeline.Approve, pipeline.Planning)
	plan       = Step{Who: Expert, Plan: true, After: pipeline.Planning}
	submitPlan = decide(Expert, pipeline.SubmitPlan, pipeline.Validation)
	changes    = decide(OtherFocalPoint, pipeline.RequestChanges, pipeline.Planning, "comment", "Añadir a la Policía Nacional")
	endorse    = decide(FocalPoint, pipeline.Endorse, pipeline.Approval)
	approve    = decide(SecondManager, pipeline.Approve, pipeline.Approved, "comment", "Aprobado")
)

// Approval is the whole pipeline: triage, a revision, review, the plan, a
// change asked for in validation, endorsement and approval. With the
// submission it is 11 requests.
var Approval = Scenario{"approved", pipeline.Approved,
	[]Step{accept, revise, resubm, review, plan, submitPlan, changes, submitPlan, endorse, approve}}

// Scenarios are the ways a priority ends: approved, rejected in triage or in
// review, withdrawn in planning.
var Scenarios = []Scenario{
	Approval,
	{"rejected in triage", pipeline.Rejected, []Step{decide(Manager, pipeline.Reject, pipeline.Rejected, "reason", "Fuera del mandato")}},
	{"rejected in review", pipeline.Rejected, []Step{accept, decide(Expert, pipeline.Reject, pipeline.Rejected, "reason", "Duplicada")}},
	{"withdrawn in planning", pipeline.Withdrawn, []Step{accept, review, plan,
		decide(FocalPoint, pipeline.Withdraw, pipeline.Withdrawn, "reason", "Ya no es prioritaria")}},
}
