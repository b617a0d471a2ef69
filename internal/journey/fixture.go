// Package journey is the one way Puente is driven from outside: the fixtures
// every test, `puente bench` and prod-check submit (a submission, a complete
// plan), the journeys people take a priority through, and the HTTP driver
// that takes them, over one API or several in turn.
package journey

import (
	"encoding/json"

	"github.com/puente-dev/puente/pipeline"
)

// Submission is a priority as a focal point of Peru submits it.
func Submission() pipeline.Submission {
	return pipeline.Submission{
		Title:       "Equipos conjuntos de investigación",
		Description: "Crear un ECI con Colombia contra el lavado de activos",
		Theme:       "joint_investigation_teams", Pillar: "justice", Countries: []string{"PE", "CO"},
		Institution: "Fiscalía de la Nación", Urgency: "high", Sensitivity: pipeline.Public,
	}
}

// Plan is a complete plan of one costed action: submit_plan accepts it.
func Plan() pipeline.Plan {
	return pipeline.Plan{
		Objective:       "Fortalecer la cooperación judicial en equipos conjuntos de investigación",
		ExpectedOutcome: "Un ECI operativo entre Perú y Colombia",
		GenderMarker:    1,
		Actions: []pipeline.Action{{
			Type: "training", Title: "Taller sobre ECI", Description: "Formación de fiscales en la constitución de ECI",
			Beneficiaries: []string{"Fiscalía de la Nación"}, Countries: []string{"PE", "CO"},
			StartDate: "2027-02-01", EndDate: "2027-02-05", BudgetEUR: pipeline.Euros(45000), EUAgencies: []string{"eurojust"}, Partner: "fiiapp",
			Indicators: []pipeline.Indicator{{Name: "Fiscales formados", Unit: "people", Baseline: 0, Target: 40}},
		}},
	}
}

// PlanBody is Plan as the JSON object PUT /v1/priorities/{id}/plan takes,
// for a test that changes one field of it.
func PlanBody() map[string]any { return object(Plan()) }

// SubmissionBody is Submission as the JSON object POST /v1/priorities takes.
func SubmissionBody() map[string]any {
	m := object(Submission())
	delete(m, "session_id")
	return m
}

func object(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// TwoActionPlan is Plan with a second action, delivered by Camões, with two
// indicators.
func TwoActionPlan() pipeline.Plan {
	p := Plan()
	p.Actions = append(p.Actions, pipeline.Action{
		Type: "peer_exchange", Title: "Intercambio con Eurojust", Description: "Visita de estudio de fiscales peruanos",
		Beneficiaries: []string{"Fiscalía de la Nación"}, Countries: []string{"PE"},
		StartDate: "2027-04-05", EndDate: "2027-04-09", BudgetEUR: pipeline.Euros(30000), EUAgencies: []string{"eurojust"}, Partner: "camoes",
		Indicators: []pipeline.Indicator{{Name: "Casos conjuntos", Unit: "cases", Target: 3}, {Name: "Fiscales", Unit: "people", Target: 8}},
	})
	return p
}

// TwoActionPlanBody is TwoActionPlan as the JSON object PUT …/plan takes.
func TwoActionPlanBody() map[string]any { return object(TwoActionPlan()) }

// Report is a delivery report of an action with indicators indicators.
func Report(indicators int) pipeline.DeliveryReport {
	r := pipeline.DeliveryReport{ParticipantsWomen: 19, ParticipantsMen: 15, ParticipantsOther: 1,
		Institutions: []pipeline.InstitutionCount{{Name: "Fiscalía de la Nación", Participants: 22}, {Name: "Policía Nacional", Participants: 13}},
		Countries:    []string{"PE", "CO"}, Summary: "Cinco días de taller práctico sobre la constitución de ECI.",
		ActualCostEUR: pipeline.Cents(4312050)}
	for i := range indicators {
		r.Indicators = append(r.Indicators, pipeline.IndicatorActual{Actual: float64(30 + i), Note: "según la lista de asistencia"})
	}
	return r
}

// ReportBody is Report as the JSON object a report act carries.
func ReportBody(indicators int) map[string]any { return object(Report(indicators)) }
