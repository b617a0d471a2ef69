package demo

import (
	"context"
	"fmt"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// history is the demo's priorities, one or more per stage.
func history(year int) []demoPriority {
	date := func(m, d int) string { return fmt.Sprintf("%d-%02d-%02d", year, m, d) }
	action := func(typ, title, country, partner string, from, to string, budget int64) pipeline.Action {
		return pipeline.Action{Type: typ, Title: title, Description: title + ". " + Marker + ".",
			Beneficiaries: []string{"Fiscalía"}, Countries: []string{country}, StartDate: from, EndDate: to,
			BudgetEUR: pipeline.Euros(budget), EUAgencies: []string{"europol"}, Partner: partner,
			Indicators: []pipeline.Indicator{{Name: "Personas formadas", Unit: "personas", Baseline: 0, Target: 30}}}
	}
	plan := func(actions ...pipeline.Action) *pipeline.Plan {
		return &pipeline.Plan{Objective: "Reforzar las capacidades institucionales. " + Marker + ".",
			ExpectedOutcome: "Investigaciones más eficaces y coordinadas.", GenderMarker: 1, Actions: actions}
	}
	return []demoPriority{
		{focal: "maria.quispe@example.org", title: "Investigación patrimonial del narcotráfico en el VRAEM", theme: "money_laundering",
			pillar: "justice", country: "PE", institution: "Ministerio Público del Perú", steps: 8,
			plan: plan(
				action("training", "Curso de investigación financiera paralela", "PE", "fiiapp", date(9, 8), date(9, 12), 45000),
				action("peer_exchange", "Intercambio con la Oficina de Recuperación de Activos de España", "PE", "fiiapp", date(10, 20), date(10, 24), 30000),
				action("regional_workshop", "Taller regional sobre decomiso sin condena", "PE", "expertise_france", date(11, 17), date(11, 19), 60000)),
			deliver: deliverPeru},
		{focal: "andres.gomez@example.org", title: "Equipos conjuntos de investigación contra la trata en la frontera", theme: "trafficking_in_persons",
			pillar: "police", country: "CO", institution: "Policía Nacional de Colombia", steps: 8,
			plan: plan(
				action("technical_assistance", "Asistencia para constituir un equipo conjunto de investigación", "CO", "expertise_france", date(10, 6), date(10, 10), 40000)),
			deliver: deliverColombia},
		{focal: "lucia.hernandez@example.org", title: "Ciberdelincuencia y prueba electrónica transfronteriza", theme: "cybercrime",
			pillar: "justice", country: "MX", institution: "Fiscalía General de la República", steps: 7,
			plan: plan(action("training", "Formación en obtención de prueba electrónica", "MX", "fiiapp", date(11, 3), date(11, 7), 35000))},
		{focal: "marie-claude.joseph@example.org", title: "Modernisation du système pénitentiaire haïtien", theme: "penitentiary_systems",
			pillar: "penitentiary", country: "HT", institution: "Direction de l'Administration Pénitentiaire", steps: 6,
			plan: plan(action("study", "Diagnostic de la surpopulation carcérale", "HT", "expertise_france", date(10, 1), date(12, 15), 25000))},
		{focal: "ravi.ramdin@example.org", title: "Bestrijding van milieucriminaliteit in de goudmijnbouw", theme: "environmental_crime",
			pillar: "police", country: "SR", institution: "Korps Politie Suriname", steps: 4},
		{focal: "lucia.hernandez@example.org", title: "Tráfico de armas de fuego en la frontera norte", theme: "firearms_trafficking",
			pillar: "police", country: "MX", institution: "Guardia Nacional", steps: 2},
		{focal: "andres.gomez@example.org", title: "Corrupción en la contratación pública regional", theme: "corruption",
			pillar: "justice", country: "CO", institution: "Procuraduría General de la Nación", steps: 1},
		{focal: "maria.quispe@example.org", title: "Tráfico ilícito de migrantes por la Amazonía", theme: "migrant_smuggling",
			pillar: "police", country: "PE", institution: "Policía Nacional del Perú", steps: 0},
		{focal: "ravi.ramdin@example.org", title: "Aankoop van voertuigen voor de politie", theme: "drug_trafficking",
			pillar: "police", country: "SR", institution: "Korps Politie Suriname", rejectIn: pipeline.Triage},
	}
}

func report(women, men int, cost int64, summary string) *pipeline.DeliveryReport {
	return &pipeline.DeliveryReport{ParticipantsWomen: women, ParticipantsMen: men,
		Institutions: []pipeline.InstitutionCount{{Name: "Fiscalía", Participants: women + men}},
		Countries:    []string{"PE"}, Summary: summary + " " + Marker + ".", ActualCostEUR: pipeline.Euros(cost),
		Indicators: []pipeline.IndicatorActual{{Actual: float64(women + men)}}}
}

// deliverPeru: the first action is delivered, validated and closed, the
// second delivered and awaiting validation, the third cancelled.
func deliverPeru(ctx context.Context, svc *service.Service, who people, id string, expert, mgr pipeline.Actor) error {
	fiiapp, err := who.get(ctx, "carmen.vidal@example.org")
	if err != nil {
		return err
	}
	do := func(a pipeline.Actor, i int, in pipeline.DeliveryInput) error {
		if _, err := svc.Deliver(ctx, a, id, 0, i, in); err != nil {
			return fmt.Errorf("%s on action %d: %w", in.Act, i, err)
		}
		return nil
	}
	p, err := svc.Priority(ctx, mgr, id)
	if err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		a := p.Plan.Actions[i]
		if err := do(fiiapp, i, pipeline.DeliveryInput{Act: pipeline.Confirm, StartDate: a.StartDate, EndDate: a.EndDate, Place: "Lima"}); err != nil {
			return err
		}
		if err := do(fiiapp, i, pipeline.DeliveryInput{Act: pipeline.ReportDelivery, Report: report(17, 12, 41250, "Se impartió la actividad según lo previsto.")}); err != nil {
			return err
		}
	}
	if err := do(expert, 0, pipeline.DeliveryInput{Act: pipeline.ValidateReport}); err != nil {
		return err
	}
	if err := do(mgr, 0, pipeline.DeliveryInput{Act: pipeline.CloseAction}); err != nil {
		return err
	}
	return do(mgr, 2, pipeline.DeliveryInput{Act: pipeline.CancelAction, Reason: "La fiscalía pidió aplazarlo al año siguiente. " + Marker + "."})
}

// deliverColombia: the partner confirmed dates and place.
func deliverColombia(ctx context.Context, svc *service.Service, who people, id string, _, mgr pipeline.Actor) error {
	ef, err := who.get(ctx, "claire.martin@example.org")
	if err != nil {
		return err
	}
	p, err := svc.Priority(ctx, mgr, id)
	if err != nil {
		return err
	}
	a := p.Plan.Actions[0]
	_, err = svc.Deliver(ctx, ef, id, 0, 0, pipeline.DeliveryInput{Act: pipeline.Confirm, StartDate: a.StartDate, EndDate: a.EndDate, Place: "Cúcuta"})
	return err
}
