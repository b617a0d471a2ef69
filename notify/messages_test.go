package notify

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestEveryMessageIsInTheCatalogues: every kind has a subject naming the
// priority and a lead in every language, and no message names a placeholder
// Compose does not fill.
func TestEveryMessageIsInTheCatalogues(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		for _, k := range Kinds {
			for _, id := range []string{"mail.subject." + string(k), "mail.lead." + string(k)} {
				got := l.T(id, "Actor", "A", "Ref", "PE-1", "Title", "T", "Stage", "S", "Action", "X")
				if strings.Contains(got, "⟦") || strings.Contains(got, "<no value>") {
					t.Errorf("%s: %s is %q", lang, id, got)
				}
			}
			if !strings.Contains(l.T("mail.subject."+string(k), "Ref", "PE-1"), "PE-1") {
				t.Errorf("%s: the subject of %s does not name the priority", lang, k)
			}
		}
	}
	if !slices.Equal(i18n.Languages, store.Languages) {
		t.Errorf("catalogues for %v, users speak %v", i18n.Languages, store.Languages)
	}
}

// TestEmailsHoldNoLiteralText composes every email in every language and
// takes out what comes from the catalogues and the data: what remains are
// punctuation, numbers and the link, never a word of the code's own.
func TestEmailsHoldNoLiteralText(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	p := &pipeline.Priority{ID: "7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f", Ref: "PE-2026-0007", Title: "Titulo",
		Stage: pipeline.Validation, DueAt: &due, Overdue: true, Plan: &pipeline.Plan{Actions: []pipeline.Action{{Title: "Taller"}}}}
	word := regexp.MustCompile(`\p{L}+`)
	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		u := store.User{Actor: pipeline.Actor{ID: "u1", Name: "Nombre"}, Email: "n@example.org", Language: lang}
		var texts []string
		for _, k := range Kinds {
			ev := pipeline.Event{Seq: 4, Kind: eventOf(t, k), ToStage: pipeline.Validation, Comment: "Comentario libre",
				Actor: pipeline.Ref{ID: "e1", Name: "Actor"}}
			if k == Approved {
				ev.ToStage = pipeline.Approved
			}
			if k == Mentioned {
				ev.Data = mentioning
			}
			if k == ReportReminder || k == ReportEscalated {
				ev.Data = map[string]any{"action": 0, "partner": "fiiapp"}
			}
			m, err := Compose(ev, p, u, "https://puente.example.org", "example.org")
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, m.Subject, m.Body)
		}
		d := ComposeDigest(u, []*pipeline.Priority{p}, 3, "2026-03-02", "https://puente.example.org", "example.org")
		texts = append(texts, d.Subject, d.Body)
		known := []string{"https://puente.example.org/priorities/" + p.ID, "https://puente.example.org", p.Ref, p.Title,
			"Nombre", "Actor", "Comentario libre", l.Date(due)}
		for _, id := range i18n.IDs {
			known = append(known, l.T(id))
		}
		for _, kind := range Kinds {
			for _, id := range []string{"mail.subject." + string(kind), "mail.lead." + string(kind)} {
				known = append(known, l.T(id, "Actor", "Actor", "Ref", p.Ref, "Title", p.Title, "Stage", l.Stage(pipeline.Validation),
					"Action", "Taller"))
			}
		}
		known = append(known, l.T("mail.greeting", "Name", "Nombre"), l.T("mail.digest.more", "More", "3"),
			l.T("mail.digest.subject_overdue", "N", "4", "Overdue", "1"))
		slices.SortFunc(known, func(a, b string) int { return len(b) - len(a) }) // the longest first
		for _, text := range texts {
			rest := text
			for _, k := range known {
				if k != "" && !strings.HasPrefix(k, "⟦") {
					rest = strings.ReplaceAll(rest, k, "")
				}
			}
			if w := word.FindAllString(rest, -1); len(w) > 0 {
				t.Errorf("%s: %q is not from the catalogues, in\n%s", lang, w, text)
			}
		}
	}
}

// eventOf is an event kind that becomes the message k.
// mentioning is the data of a comment that mentions someone.
var mentioning = map[string]any{"comment_id": "c1", "mentions": []any{map[string]any{"id": "u1", "name": "Nombre"}}}

func eventOf(t *testing.T, k Kind) pipeline.EventKind {
	t.Helper()
	kinds := []pipeline.EventKind{pipeline.EventReminder, pipeline.EventEscalated, pipeline.EventReassigned, pipeline.EventCommented,
		pipeline.EventReportReminder, pipeline.EventReportEscalated}
	for _, d := range pipeline.Decisions {
		kinds = append(kinds, pipeline.EventOf(d))
	}
	for _, ek := range kinds {
		if got, ok := KindOf(pipeline.Event{Kind: ek, ToStage: pipeline.Approved, Data: mentioning}); ok && got == k {
			return ek
		}
	}
	t.Fatalf("no event becomes %s", k)
	return ""
}

func TestCompose(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	p := &pipeline.Priority{ID: "7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f", Ref: "PE-2026-0007", Title: "ECI con Colombia",
		Countries: []string{"PE"}, Stage: pipeline.Revision, DueAt: &due}
	ev := pipeline.Event{Seq: 4, Kind: pipeline.EventOf(pipeline.RequestRevision), FromStage: pipeline.ExpertReview,
		ToStage: pipeline.Revision, Comment: "Precise las instituciones", Actor: pipeline.Ref{ID: "e1", Name: "Carmen Díaz", Role: pipeline.Expert}}
	want := map[string][]string{
		"es": {"Corrección solicitada: PE-2026-0007 ECI con Colombia", "Hola María,", "Carmen Díaz solicitó una corrección de la prioridad PE-2026-0007 «ECI con Colombia»", "Comentario: Precise las instituciones", "Plazo: 12 de marzo de 2026"},
		"pt": {"Revisão solicitada: PE-2026-0007 ECI con Colombia", "Olá María,", "Carmen Díaz solicitou uma revisão da prioridade PE-2026-0007 “ECI con Colombia”", "Comentário: Precise las instituciones", "Prazo: 12 de março de 2026"},
		"en": {"Revision requested: PE-2026-0007 ECI con Colombia", "Hello María,", "Carmen Díaz asked for a revision of the priority PE-2026-0007 “ECI con Colombia”", "Comment: Precise", "Due: 12 March 2026"},
		"fr": {"Révision demandée\u00a0: PE-2026-0007 ECI con Colombia", "Bonjour María,", "Carmen Díaz a demandé une révision de la priorité PE-2026-0007 «\u00a0ECI con Colombia\u00a0»", "Commentaire\u00a0: Precise las instituciones", "Échéance\u00a0: 12 mars 2026", "Ouvrir la priorité\u00a0: https://"},
		"nl": {"Herziening gevraagd: PE-2026-0007 ECI con Colombia", "Geachte María,", "Carmen Díaz heeft gevraagd om een herziening van prioriteit PE-2026-0007 ‘ECI con Colombia’", "Toelichting: Precise las instituciones", "Uiterste datum: 12 maart 2026"},
	}
	for lang, parts := range want {
		u := store.User{Actor: pipeline.Actor{ID: "u-" + lang, Name: "María"}, Email: "maria@example.org", Language: lang}
		m, err := Compose(ev, p, u, "https://puente.example.org/", "example.org")
		if err != nil {
			t.Fatal(err)
		}
		all := m.Subject + "\n" + m.Body
		for _, part := range parts {
			if !strings.Contains(all, part) {
				t.Errorf("%s: %q not in\n%s", lang, part, all)
			}
		}
		if !strings.Contains(m.Body, "https://puente.example.org/priorities/"+p.ID+"\n") {
			t.Errorf("%s: no link to the priority's page in\n%s", lang, m.Body)
		}
		if m.ID != p.ID+".4.u-"+lang+"@example.org" || m.Language != lang || m.To != "maria@example.org" {
			t.Errorf("%s: message %+v", lang, m)
		}
	}
	// Same inputs, same message: a resend carries the same Message-ID.
	u := store.User{Actor: pipeline.Actor{ID: "u1", Name: "Ana"}, Email: "ana@example.org", Language: "de"}
	a, _ := Compose(ev, p, u, "https://x", "example.org")
	b, _ := Compose(ev, p, u, "https://x", "example.org")
	if a != b || a.Language != i18n.Fallback {
		t.Errorf("not deterministic, or an unknown language is not the fallback: %+v %+v", a, b)
	}
	if _, err := Compose(pipeline.Event{Kind: pipeline.EventSubmitted}, p, u, "https://x", "example.org"); err == nil {
		t.Error("a message for an event that tells nobody")
	}
}

// TestDigestInFrenchAndDutch: the daily digest of Haiti's and Suriname's
// focal points, every line in their language: stage, due date, the count
// of the rest, French punctuation.
func TestDigestInFrenchAndDutch(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	p := &pipeline.Priority{ID: "7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f", Ref: "HT-2026-0003", Title: "Traite des personnes",
		Stage: pipeline.Validation, DueAt: &due, Overdue: true}
	want := map[string][]string{
		"fr": {"Puente — tâches en attente\u00a0: 1\u00a0234, en retard\u00a0: 1", "Bonjour Marie,",
			"- HT-2026-0003 Traite des personnes — Validation — Échéance\u00a0: 1er mars 2026 — EN RETARD",
			"… et 1\u00a0233 autres dans «\u00a0Mes tâches\u00a0»\u00a0: https://puente.example.org/"},
		"nl": {"Puente — openstaande taken: 1.234, te laat: 1", "Geachte Marie,",
			"- HT-2026-0003 Traite des personnes — Validatie — Uiterste datum: 1 maart 2026 — TE LAAT",
			"…en nog 1.233 onder ‘Mijn taken’: https://puente.example.org/"},
	}
	for lang, parts := range want {
		u := store.User{Actor: pipeline.Actor{ID: "u1", Name: "Marie"}, Email: "marie@example.org", Language: lang}
		d := ComposeDigest(u, []*pipeline.Priority{p}, 1233, "2026-03-02", "https://puente.example.org", "example.org")
		all := d.Subject + "\n" + d.Body
		for _, part := range parts {
			if !strings.Contains(all, part) {
				t.Errorf("%s: %q not in\n%s", lang, part, all)
			}
		}
		if d.Language != lang {
			t.Errorf("%s: the digest says it is in %s", lang, d.Language)
		}
	}
}
