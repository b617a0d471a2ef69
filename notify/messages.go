package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// Message is one email, ready to send.
type Message struct {
	// ID is the Message-ID without angle brackets; deterministic per
	// (priority, event, recipient), so a resend after a crash is recognisably
	// the same message.
	ID       string
	To       string
	ToName   string
	Language string
	Subject  string
	Body     string
}

// phrases are one language's words. Subjects and leads are templates with
// {actor}, {ref}, {title} and {stage}.
type phrases struct {
	subject  map[Kind]string
	lead     map[Kind]string
	stage    map[pipeline.Stage]string
	greeting string
	comment  string
	due      string
	open     string
	footer   string
	months   [12]string
	// The daily digest: {n} tasks, {overdue} of them overdue, {more} not listed.
	digestSubject, digestSubjectOverdue, digestIntro, digestOverdue, digestMore, digestFooter string
}

// catalogue holds every language's phrases; TestCatalogueIsComplete checks
// that each has every kind and stage.
var catalogue = map[string]phrases{
	"es": {
		subject: map[Kind]string{
			TaskAssigned:      "Nueva tarea: {ref} {title}",
			RevisionRequested: "Corrección pedida: {ref} {title}",
			Resubmitted:       "Prioridad reenviada: {ref} {title}",
			PlanSubmitted:     "Plan por validar: {ref} {title}",
			ChangesRequested:  "Cambios pedidos al plan: {ref} {title}",
			Endorsed:          "Plan por aprobar: {ref} {title}",
			Returned:          "Plan devuelto: {ref} {title}",
			Approved:          "Prioridad aprobada: {ref} {title}",
			Rejected:          "Prioridad rechazada: {ref} {title}",
			Withdrawn:         "Prioridad retirada: {ref} {title}",
			Reminder:          "Recordatorio: {ref} {title}",
			Escalated:         "Plazo vencido: {ref} {title}",
		},
		lead: map[Kind]string{
			TaskAssigned:      "{actor} le asignó la prioridad {ref} «{title}». Le corresponde la etapa «{stage}».",
			RevisionRequested: "{actor} pidió una corrección de la prioridad {ref} «{title}». Edítela y reenvíela.",
			Resubmitted:       "{actor} reenvió la prioridad {ref} «{title}» corregida. Le corresponde revisarla de nuevo.",
			PlanSubmitted:     "{actor} presentó el plan de la prioridad {ref} «{title}». Le corresponde validarlo: respaldarlo o pedir cambios.",
			ChangesRequested:  "{actor} pidió cambios al plan de la prioridad {ref} «{title}».",
			Endorsed:          "{actor} respaldó el plan de la prioridad {ref} «{title}». Le corresponde la aprobación final.",
			Returned:          "{actor} devolvió el plan de la prioridad {ref} «{title}» para que lo revise.",
			Approved:          "{actor} aprobó el plan de la prioridad {ref} «{title}»: sus acciones de apoyo quedan aprobadas.",
			Rejected:          "{actor} rechazó la prioridad {ref} «{title}».",
			Withdrawn:         "{actor} retiró la prioridad {ref} «{title}».",
			Reminder:          "La prioridad {ref} «{title}» espera su acción en la etapa «{stage}».",
			Escalated:         "La prioridad {ref} «{title}» superó el plazo de la etapa «{stage}» y quedó marcada como vencida.",
		},
		stage: map[pipeline.Stage]string{
			pipeline.Triage: "Clasificación", pipeline.ExpertReview: "Revisión experta", pipeline.Revision: "Corrección",
			pipeline.Planning: "Planificación", pipeline.Validation: "Validación", pipeline.Approval: "Aprobación",
			pipeline.Approved: "Aprobada", pipeline.Rejected: "Rechazada", pipeline.Withdrawn: "Retirada",
		},
		greeting: "Hola",
		comment:  "Comentario",
		due:      "Plazo",
		open:     "Abrir la prioridad",
		footer:   "Puente le escribe porque esta prioridad le concierne. Puede elegir recibir un resumen diario en su perfil.",
		months:   [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},

		digestSubject:        "Puente — tareas pendientes: {n}",
		digestSubjectOverdue: "Puente — tareas pendientes: {n}, vencidas: {overdue}",
		digestIntro:          "Estas prioridades esperan su acción, las vencidas primero:",
		digestOverdue:        "VENCIDA",
		digestMore:           "…y {more} más en su bandeja",
		digestFooter:         "Recibe este resumen diario porque lo eligió en su perfil.",
	},
	"pt": {
		subject: map[Kind]string{
			TaskAssigned:      "Nova tarefa: {ref} {title}",
			RevisionRequested: "Revisão solicitada: {ref} {title}",
			Resubmitted:       "Prioridade reenviada: {ref} {title}",
			PlanSubmitted:     "Plano aguardando validação: {ref} {title}",
			ChangesRequested:  "Alterações solicitadas no plano: {ref} {title}",
			Endorsed:          "Plano aguardando aprovação: {ref} {title}",
			Returned:          "Plano devolvido: {ref} {title}",
			Approved:          "Prioridade aprovada: {ref} {title}",
			Rejected:          "Prioridade rejeitada: {ref} {title}",
			Withdrawn:         "Prioridade retirada: {ref} {title}",
			Reminder:          "Lembrete: {ref} {title}",
			Escalated:         "Prazo vencido: {ref} {title}",
		},
		lead: map[Kind]string{
			TaskAssigned:      "{actor} atribuiu a você a prioridade {ref} “{title}”. A etapa “{stage}” cabe a você.",
			RevisionRequested: "{actor} solicitou uma revisão da prioridade {ref} “{title}”. Edite-a e reenvie-a.",
			Resubmitted:       "{actor} reenviou a prioridade {ref} “{title}” revisada. Cabe a você analisá-la novamente.",
			PlanSubmitted:     "{actor} enviou o plano da prioridade {ref} “{title}”. Cabe a você validá-lo: endossá-lo ou solicitar alterações.",
			ChangesRequested:  "{actor} solicitou alterações no plano da prioridade {ref} “{title}”.",
			Endorsed:          "{actor} endossou o plano da prioridade {ref} “{title}”. A aprovação final cabe a você.",
			Returned:          "{actor} devolveu o plano da prioridade {ref} “{title}” para que você o revise.",
			Approved:          "{actor} aprovou o plano da prioridade {ref} “{title}”: as ações de apoio do plano estão aprovadas.",
			Rejected:          "{actor} rejeitou a prioridade {ref} “{title}”.",
			Withdrawn:         "{actor} retirou a prioridade {ref} “{title}”.",
			Reminder:          "A prioridade {ref} “{title}” aguarda sua ação na etapa “{stage}”.",
			Escalated:         "A prioridade {ref} “{title}” ultrapassou o prazo da etapa “{stage}” e foi marcada como vencida.",
		},
		stage: map[pipeline.Stage]string{
			pipeline.Triage: "Triagem", pipeline.ExpertReview: "Revisão especializada", pipeline.Revision: "Revisão pelo país",
			pipeline.Planning: "Planejamento", pipeline.Validation: "Validação", pipeline.Approval: "Aprovação",
			pipeline.Approved: "Aprovada", pipeline.Rejected: "Rejeitada", pipeline.Withdrawn: "Retirada",
		},
		greeting: "Olá",
		comment:  "Comentário",
		due:      "Prazo",
		open:     "Abrir a prioridade",
		footer:   "Você recebe este e-mail do Puente porque esta prioridade diz respeito a você. Em seu perfil, você pode optar por receber um resumo diário.",
		months:   [12]string{"jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"},

		digestSubject:        "Puente — tarefas pendentes: {n}",
		digestSubjectOverdue: "Puente — tarefas pendentes: {n}, vencidas: {overdue}",
		digestIntro:          "Estas prioridades aguardam sua ação, as vencidas primeiro:",
		digestOverdue:        "VENCIDA",
		digestMore:           "…e mais {more} em sua caixa de entrada",
		digestFooter:         "Você recebe este resumo diário porque o escolheu em seu perfil.",
	},
	"en": {
		subject: map[Kind]string{
			TaskAssigned:      "New task: {ref} {title}",
			RevisionRequested: "Revision requested: {ref} {title}",
			Resubmitted:       "Priority resubmitted: {ref} {title}",
			PlanSubmitted:     "Plan to validate: {ref} {title}",
			ChangesRequested:  "Changes requested to the plan: {ref} {title}",
			Endorsed:          "Plan to approve: {ref} {title}",
			Returned:          "Plan returned: {ref} {title}",
			Approved:          "Priority approved: {ref} {title}",
			Rejected:          "Priority rejected: {ref} {title}",
			Withdrawn:         "Priority withdrawn: {ref} {title}",
			Reminder:          "Reminder: {ref} {title}",
			Escalated:         "Overdue: {ref} {title}",
		},
		lead: map[Kind]string{
			TaskAssigned:      "{actor} assigned you the priority {ref} “{title}”. The stage “{stage}” is yours.",
			RevisionRequested: "{actor} asked for a revision of the priority {ref} “{title}”. Edit it and resubmit it.",
			Resubmitted:       "{actor} resubmitted the revised priority {ref} “{title}”. It is yours to review again.",
			PlanSubmitted:     "{actor} submitted the plan of the priority {ref} “{title}”. It is yours to validate: endorse it or ask for changes.",
			ChangesRequested:  "{actor} asked for changes to the plan of the priority {ref} “{title}”.",
			Endorsed:          "{actor} endorsed the plan of the priority {ref} “{title}”. The final approval is yours.",
			Returned:          "{actor} returned the plan of the priority {ref} “{title}” for you to rework.",
			Approved:          "{actor} approved the plan of the priority {ref} “{title}”: its support actions are approved.",
			Rejected:          "{actor} rejected the priority {ref} “{title}”.",
			Withdrawn:         "{actor} withdrew the priority {ref} “{title}”.",
			Reminder:          "The priority {ref} “{title}” is waiting for you in the stage “{stage}”.",
			Escalated:         "The priority {ref} “{title}” is past the deadline of the stage “{stage}” and is now marked overdue.",
		},
		stage: map[pipeline.Stage]string{
			pipeline.Triage: "Triage", pipeline.ExpertReview: "Expert review", pipeline.Revision: "Revision",
			pipeline.Planning: "Planning", pipeline.Validation: "Validation", pipeline.Approval: "Approval",
			pipeline.Approved: "Approved", pipeline.Rejected: "Rejected", pipeline.Withdrawn: "Withdrawn",
		},
		greeting: "Hello",
		comment:  "Comment",
		due:      "Due",
		open:     "Open the priority",
		footer:   "Puente writes to you because this priority concerns you. You can choose a daily digest in your profile.",
		months:   [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},

		digestSubject:        "Puente — pending tasks: {n}",
		digestSubjectOverdue: "Puente — pending tasks: {n}, overdue: {overdue}",
		digestIntro:          "These priorities are waiting for you, overdue ones first:",
		digestOverdue:        "OVERDUE",
		digestMore:           "…and {more} more in your inbox",
		digestFooter:         "You get this daily digest because you chose it in your profile.",
	},
}

// phrasesFor is the recipient's language, Spanish when unknown.
func phrasesFor(lang string) phrases {
	if ph, ok := catalogue[lang]; ok {
		return ph
	}
	return catalogue["es"]
}

// date writes a day as people of the language do: "12 mar 2026", "12 Mar 2026".
func (ph phrases) date(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%d %s %d", t.Day(), ph.months[t.Month()-1], t.Year())
}

// MessageID is the Message-ID of the email telling recipient of event seq of
// a priority: the same on every attempt, unique across them all.
func MessageID(priorityID string, seq int, recipientID, domain string) string {
	return fmt.Sprintf("%s.%d.%s@%s", priorityID, seq, recipientID, domain)
}

// Compose writes the email telling u of ev, in u's language, with a link to
// the priority's page under baseURL.
func Compose(ev pipeline.Event, p *pipeline.Priority, u store.User, baseURL, domain string) (Message, error) {
	kind, ok := KindOf(ev)
	if !ok {
		return Message{}, fmt.Errorf("event %d (%s) has no message", ev.Seq, ev.Kind)
	}
	ph := phrasesFor(u.Language)
	stage := stageOf(ev, p)
	if kind == TaskAssigned || kind == Resubmitted {
		stage = ev.ToStage
	}
	fill := strings.NewReplacer("{actor}", ev.Actor.Name, "{ref}", p.Ref, "{title}", p.Title, "{stage}", ph.stage[stage]).Replace
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s,\n\n%s\n", ph.greeting, u.Name, fill(ph.lead[kind]))
	if ev.Comment != "" {
		fmt.Fprintf(&b, "\n%s: %s\n", ph.comment, ev.Comment)
	}
	if p.DueAt != nil && p.Stage.Open() && (kind != Escalated) {
		fmt.Fprintf(&b, "\n%s: %s\n", ph.due, ph.date(*p.DueAt))
	}
	fmt.Fprintf(&b, "\n%s: %s/priorities/%s\n\n-- \n%s\n", ph.open, strings.TrimRight(baseURL, "/"), p.ID, ph.footer)
	return Message{
		ID:       MessageID(p.ID, ev.Seq, u.ID, domain),
		To:       u.Email,
		ToName:   u.Name,
		Language: phrasesLang(u.Language),
		Subject:  fill(ph.subject[kind]),
		Body:     b.String(),
	}, nil
}

func phrasesLang(lang string) string {
	if _, ok := catalogue[lang]; ok {
		return lang
	}
	return "es"
}
