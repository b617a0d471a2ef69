package notify

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// TestCatalogueIsComplete: every language has every message, every stage
// and every phrase, and no template names a placeholder it cannot fill.
func TestCatalogueIsComplete(t *testing.T) {
	t.Parallel()
	for _, lang := range store.Languages {
		ph, ok := catalogue[lang]
		if !ok {
			t.Errorf("no catalogue for %s", lang)
			continue
		}
		for _, k := range Kinds {
			for what, text := range map[string]string{"subject": ph.subject[k], "lead": ph.lead[k]} {
				if text == "" {
					t.Errorf("%s: no %s for %s", lang, what, k)
				}
				rest := strings.NewReplacer("{actor}", "", "{ref}", "", "{title}", "", "{stage}", "").Replace(text)
				if strings.ContainsAny(rest, "{}") {
					t.Errorf("%s %s %s: unknown placeholder in %q", lang, k, what, text)
				}
			}
			if !strings.Contains(ph.subject[k], "{ref}") {
				t.Errorf("%s: the subject of %s does not name the priority", lang, k)
			}
		}
		for _, s := range pipeline.Stages {
			if ph.stage[s] == "" {
				t.Errorf("%s: no name for stage %s", lang, s)
			}
		}
		for what, v := range map[string]string{"greeting": ph.greeting, "comment": ph.comment, "due": ph.due, "open": ph.open,
			"footer": ph.footer, "digest subject": ph.digestSubject, "digest subject (overdue)": ph.digestSubjectOverdue,
			"digest intro": ph.digestIntro, "overdue": ph.digestOverdue, "more": ph.digestMore, "digest footer": ph.digestFooter} {
			if v == "" {
				t.Errorf("%s: no %s", lang, what)
			}
		}
		for i, m := range ph.months {
			if m == "" {
				t.Errorf("%s: no month %d", lang, i+1)
			}
		}
	}
	if len(catalogue) != len(store.Languages) {
		t.Errorf("catalogues for %d languages, users speak %d", len(catalogue), len(store.Languages))
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	p := &pipeline.Priority{ID: "7c1f2a4e-9b3d-4c5e-8f60-1a2b3c4d5e6f", Ref: "PE-2026-0007", Title: "ECI con Colombia",
		Countries: []string{"PE"}, Stage: pipeline.Revision, DueAt: &due}
	ev := pipeline.Event{Seq: 4, Kind: pipeline.EventOf(pipeline.RequestRevision), FromStage: pipeline.ExpertReview,
		ToStage: pipeline.Revision, Comment: "Precise las instituciones", Actor: pipeline.Ref{ID: "e1", Name: "Carmen Díaz", Role: pipeline.Expert}}
	want := map[string][]string{
		"es": {"Corrección pedida: PE-2026-0007 ECI con Colombia", "Hola María,", "Carmen Díaz pidió una corrección de la prioridad PE-2026-0007 «ECI con Colombia»", "Comentario: Precise las instituciones", "Plazo: 12 mar 2026"},
		"pt": {"Revisão solicitada: PE-2026-0007 ECI con Colombia", "Olá María,", "Carmen Díaz solicitou uma revisão da prioridade PE-2026-0007 “ECI con Colombia”", "Comentário: Precise las instituciones", "Prazo: 12 mar 2026"},
		"en": {"Revision requested: PE-2026-0007 ECI con Colombia", "Hello María,", "Carmen Díaz asked for a revision of the priority PE-2026-0007 “ECI con Colombia”", "Comment: Precise", "Due: 12 Mar 2026"},
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
	u := store.User{Actor: pipeline.Actor{ID: "u1", Name: "Ana"}, Email: "ana@example.org", Language: "fr"}
	a, _ := Compose(ev, p, u, "https://x", "example.org")
	b, _ := Compose(ev, p, u, "https://x", "example.org")
	if a != b || a.Language != "es" {
		t.Errorf("not deterministic, or an unknown language is not Spanish: %+v %+v", a, b)
	}
	if _, err := Compose(pipeline.Event{Kind: pipeline.EventSubmitted}, p, u, "https://x", "example.org"); err == nil {
		t.Error("a message for an event that tells nobody")
	}
}

// TestPortugueseIsBrazilian: the Portuguese emails are Brazilian Portuguese,
// like the web app's pt.json (web's TestPortugueseIsBrazilian): none of these
// European Portuguese words, as whole words, whatever their case.
func TestPortugueseIsBrazilian(t *testing.T) {
	t.Parallel()
	european := []string{"utilizador", "guardar", "guardado", "equipa", "registar", "registado", "registo", "ecrã",
		"ficheiro", "contacto", "planeamento", "fornecedor", "perspetiva", "género", "reapresentar", "revista",
		"a sua", "as suas", "o seu", "os seus", "a minha", "as minhas", "o meu", "os meus", "lhe"}
	ph := catalogue["pt"]
	texts := []string{ph.greeting, ph.comment, ph.due, ph.open, ph.footer, ph.digestSubject, ph.digestSubjectOverdue,
		ph.digestIntro, ph.digestOverdue, ph.digestMore, ph.digestFooter}
	for _, k := range Kinds {
		texts = append(texts, ph.subject[k], ph.lead[k])
	}
	for _, s := range pipeline.Stages {
		texts = append(texts, ph.stage[s])
	}
	for _, w := range european {
		re := regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])` + regexp.QuoteMeta(w) + `($|[^\p{L}\p{N}])`)
		for _, text := range texts {
			if re.MatchString(text) {
				t.Errorf("pt says %q, European Portuguese; pt-BR: %q", w, text)
			}
		}
	}
}
