package web

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/people"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
	"github.com/puente-dev/puente/store"
)

func loadCatalogue(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(localeFiles, "locales/"+lang+".json")
	require.NoError(t, err)
	var m map[string]string
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestCataloguesHaveEveryKey fails when a message is missing, or empty, in
// any language.
func TestCataloguesHaveEveryKey(t *testing.T) {
	t.Parallel()
	langs := []string{"en", "es", "pt"}
	cats := map[string]map[string]string{}
	for _, l := range langs {
		cats[l] = loadCatalogue(t, l)
	}
	for _, a := range langs {
		for k := range cats[a] {
			for _, b := range langs {
				v, ok := cats[b][k]
				require.Truef(t, ok, "%s.json lacks %q (present in %s.json)", b, k, a)
				require.NotEmptyf(t, strings.TrimSpace(v), "%s.json: %q is empty", b, k)
			}
		}
	}
}

// TestEveryCodeAndUsedKeyIsTranslated checks that every code of the domain
// (stages, decisions, themes, pillars…) and every message ID the templates
// and the Go code use exists in the English catalogue, and so, by the test
// above, in every language.
func TestEveryCodeAndUsedKeyIsTranslated(t *testing.T) {
	t.Parallel()
	en := loadCatalogue(t, "en")
	need := map[string]bool{}
	for _, s := range pipeline.Stages {
		need["stage."+string(s)] = true
	}
	for _, d := range pipeline.Decisions {
		need["decision."+string(d)] = true
		need["event."+string(pipeline.EventOf(d))] = true
	}
	for _, k := range []pipeline.EventKind{pipeline.EventSubmitted, pipeline.EventPlanUpdated, pipeline.EventEdited,
		pipeline.EventReminder, pipeline.EventEscalated, pipeline.EventReassigned} {
		need["event."+string(k)] = true
	}
	for _, r := range pipeline.Roles {
		need["role."+string(r)] = true
	}
	for _, c := range pipeline.Lists.ThemeCodes() {
		need["theme."+c] = true
	}
	lists := map[string][]string{"pillar": pipeline.Lists.Pillars, "support_type": pipeline.Lists.SupportTypes,
		"urgency": pipeline.Urgencies, "sensitivity": pipeline.Sensitivities, "session_kind": pipeline.SessionKinds}
	for name, codes := range lists {
		for _, c := range codes {
			need[name+"."+c] = true
		}
	}
	used := regexp.MustCompile(`\.T "([a-z_.0-9]+)"`)
	files, err := fs.Glob(templateFiles, "templates/*.html")
	require.NoError(t, err)
	for _, f := range files {
		b, err := fs.ReadFile(templateFiles, f)
		require.NoError(t, err)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			need[m[1]] = true
		}
	}
	goKey := regexp.MustCompile(`"((?:error|notice|signin|triage|priority|plan|dash|format|err|home|list|submit|edit|sessions|session)\.[a-z_0-9]+)"`)
	gofiles, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			need[m[1]] = true
		}
	}
	for _, p := range problemMessages {
		need[p.id] = true
	}
	for _, r := range sso.Reasons {
		need["sso."+string(r)+".title"], need["sso."+string(r)+".text"] = true, true
	}
	require.Greater(t, len(need), 250, "the scan found too few keys to be working")
	for k := range need {
		require.Containsf(t, en, k, "en.json lacks %q", k)
	}
}

// TestEveryProblemTranslates runs the engine's validations on bad input and
// checks that the web app has a translation for every message they give.
func TestEveryProblemTranslates(t *testing.T) {
	t.Parallel()
	cat, err := newCatalog()
	require.NoError(t, err)
	var ps pipeline.Problems
	long := strings.Repeat("x", 20000)
	ps = append(ps, (&pipeline.Submission{}).Validate()...)
	ps = append(ps, (&pipeline.Submission{Title: long, SessionID: "nope", Theme: "x", Countries: []string{"XX", "PE", "PE"}}).Validate()...)
	ps = append(ps, (&pipeline.SessionInput{Date: "20-06-2025"}).Validate()...)
	bad := pipeline.Plan{GenderMarker: 7, Actions: []pipeline.Action{
		{StartDate: "2026-02-01", EndDate: "2026-01-01", BudgetEUR: pipeline.Euros(-1)},
		{BudgetEUR: pipeline.Euros(2e9), Indicators: []pipeline.Indicator{{}}},
		{},
		{Title: "a\x00b", Description: "\xff", StartDate: "0000-01-01", Beneficiaries: make([]string, 51),
			Indicators: []pipeline.Indicator{{Name: "n", Unit: "u", Baseline: -1, Target: 2e9}}},
	}}
	ps = append(ps, bad.Validate(true)...)
	ps = append(ps, (&pipeline.Plan{}).Validate(true)...)
	for _, tr := range pipeline.Table {
		in := pipeline.DecisionInput{Decision: tr.Decision, Reason: "r", Theme: "nope", ExpertID: "x"}
		ps = append(ps, in.Validate(tr)...)
		ps = append(ps, (&pipeline.DecisionInput{Decision: tr.Decision}).Validate(tr)...)
	}
	var cents pipeline.Problems
	parseEUR(&cents, "budget_eur", "0,005")
	ps = append(ps, cents...)
	ps = append(ps, people.Validate(store.User{Actor: pipeline.Actor{Role: pipeline.Expert}, Email: "x", Language: "fr", Notify: "never"})...)
	ps = append(ps, pipeline.Problems{{Message: "is already used by another user"}}...)
	ps = append(ps, pipeline.Problems{{Message: "must be a number"}, {Message: "no such session"},
		{Message: "no user has this id"}, {Message: "this user is not an expert"}}...)
	require.NotEmpty(t, ps)
	for _, lang := range []string{"en", "es", "pt"} {
		l := cat.locales[lang]
		for _, p := range ps {
			got, ok := l.problem(p.Message)
			require.Truef(t, ok, "%s: no translation for %s %q", lang, p.Field, p.Message)
			require.NotContainsf(t, got, "⟦", "%s: %q", lang, p.Message)
		}
	}
}

// europeanPortuguese are words and phrases of European Portuguese that
// Brazilian Portuguese says otherwise (utilizador: usuário, guardar: salvar,
// equipa: equipe, registar: cadastrar, ecrã: tela, a sua: sua…). Puente
// serves Latin America and the Caribbean: its Portuguese is pt-BR only.
var europeanPortuguese = []string{
	"utilizador", "utilizadores", "guardar", "guardado", "guardada", "guardadas", "guarde",
	"equipa", "equipas", "registar", "registado", "registada", "registo", "ecrã", "ficheiro", "ficheiros",
	"contacto", "contactos", "planeamento", "fornecedor", "perspetiva", "género", "reapresentar",
	"a sua", "as suas", "o seu", "os seus", "a minha", "as minhas", "o meu", "os meus",
	"sessão iniciada", "início de sessão",
}

// europeanWordsIn returns the European Portuguese words found in
// text, each as a whole word and whatever its case.
func europeanWordsIn(text string) []string {
	var found []string
	for _, w := range europeanPortuguese {
		re := regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}])` + regexp.QuoteMeta(w) + `($|[^\p{L}\p{N}])`)
		if re.MatchString(text) {
			found = append(found, w)
		}
	}
	return found
}

// TestPortugueseIsBrazilian fails when a European Portuguese word comes back
// into pt.json, so the catalogue stays in one variant, pt-BR.
func TestPortugueseIsBrazilian(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"utilizador", "guarde", "a sua"}, europeanWordsIn("Utilizador: guarde A SUA senha"))
	require.Empty(t, europeanWordsIn("Usuário: salve sua senha, guardas e registros do seu perfil"))
	for k, v := range loadCatalogue(t, "pt") {
		if found := europeanWordsIn(v); len(found) > 0 {
			t.Errorf("pt.json %q says %q, European Portuguese; pt-BR: %q", k, found, v)
		}
	}
}
