package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/pipeline"
)

// catalogue reads one language's file as it is written: a message is a
// string, or an object of CLDR plural forms.
func catalogue(t *testing.T, lang string) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(files, "locales/"+lang+".json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestEveryLanguageHasEveryMessage fails when a message is missing, empty or
// extra in any language, or when a plural message lacks a form its
// language's CLDR rules need (many: "1.000.000 de caracteres").
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"es", "fr", "nl", "pt", "en"}, Languages, "the fallback last")
	require.Greater(t, len(IDs), 300)
	for _, lang := range Languages {
		cat := catalogue(t, lang)
		ids := make([]string, 0, len(cat))
		for id, msg := range cat {
			ids = append(ids, id)
			if forms, ok := msg.(map[string]any); ok {
				for _, n := range []int{0, 1, 2, 1_000_000} {
					got := For(lang).T(id, "count", n)
					require.NotContainsf(t, got, "⟦", "%s %q for %d: a plural form is missing (%v)", lang, id, n, forms)
				}
				continue
			}
			require.NotEmptyf(t, strings.TrimSpace(msg.(string)), "%s.json: %q is empty", lang, id)
		}
		slices.Sort(ids)
		require.Equalf(t, IDs, ids, "%s.json has other messages than %s.json", lang, Fallback)
	}
}

// codes lists the Code constants declared in the pipeline package's source.
func codes(t *testing.T) []pipeline.Code {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../pipeline/codes.go", nil, 0)
	require.NoError(t, err)
	var out []pipeline.Code
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Code" {
				s, err := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
				require.NoError(t, err)
				out = append(out, pipeline.Code(s))
			}
		}
		return true
	})
	return out
}

// TestEveryCodeHasAMessage fails when a problem code has no message in some
// language, or a language keeps a message for a code that is gone.
func TestEveryCodeHasAMessage(t *testing.T) {
	t.Parallel()
	cs := codes(t)
	require.Greater(t, len(cs), 40, "the scan of codes.go found too few codes to be working")
	for _, lang := range Languages {
		cat := catalogue(t, lang)
		for _, c := range cs {
			require.Containsf(t, cat, "code."+string(c), "%s.json has no message for the code %s", lang, c)
		}
		for id := range cat {
			if c, ok := strings.CutPrefix(id, "code."); ok {
				require.Containsf(t, cs, pipeline.Code(c), "%s.json: %q is no code of pipeline/codes.go", lang, id)
			}
		}
	}
}

// TestProblemsAreWrittenInTheLanguage: a problem's params are numbers and
// dates of the reader's language, its count picks the plural form, and a
// count that came through JSON (a float64) reads the same.
func TestProblemsAreWrittenInTheLanguage(t *testing.T) {
	t.Parallel()
	var ps pipeline.Problems
	ps.Date("date", "1900-01-01", true)
	ps.Text("title", strings.Repeat("x", 20_000), true, pipeline.MaxText)
	ps.Countries("countries", nil, 1)
	var viaJSON pipeline.Problems
	b, err := json.Marshal(ps)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &viaJSON))
	want := map[string][]string{
		"es": {"debe estar entre el 1 de enero de 1990 y el 31 de diciembre de 2100",
			"debe tener como máximo 10.000 caracteres", "debe indicar al menos un país"},
		"pt": {"deve estar entre 1 de janeiro de 1990 e 31 de dezembro de 2100",
			"deve ter no máximo 10.000 caracteres", "deve indicar pelo menos um país"},
		"en": {"must be from 1 January 1990 to 31 December 2100",
			"must be at most 10,000 characters", "must name at least one country"},
		"fr": {"doit se situer entre le 1er janvier 1990 et le 31 décembre 2100",
			"ne doit pas dépasser 10\u00a0000 caractères", "doit indiquer au moins un pays"},
		"nl": {"moet tussen 1 januari 1990 en 31 december 2100 liggen",
			"mag ten hoogste 10.000 tekens lang zijn", "moet ten minste één land noemen"},
	}
	for lang, msgs := range want {
		for i, m := range msgs {
			require.Equal(t, m, For(lang).Problem(ps[i]), lang)
			require.Equal(t, m, For(lang).Problem(viaJSON[i]), lang+", through JSON")
		}
	}
}

// TestOneFallback: a language without a catalogue reads English, whether a
// user's setting (the emails) or a browser's header (the web app) names it.
func TestOneFallback(t *testing.T) {
	t.Parallel()
	require.Equal(t, Fallback, For("de").Lang)
	require.Equal(t, Fallback, Match("de-DE, it;q=0.8").Lang)
	require.Equal(t, "pt", Match("de-DE, pt-BR;q=0.8").Lang)
	require.Equal(t, "es", For("es").Lang)
	require.False(t, Has("de"))
}

// TestLanguageFromCountry: Accept-Language first; when it names no language
// of Puente's, the country it names or implies (Haitian Creole is spoken in
// Haiti, Sranan Tongo in Suriname); a new user without a language gets their
// country's.
func TestLanguageFromCountry(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]string{
		"fr-FR, nl;q=0.8": "fr", "nl-NL": "nl", "nl-BE, fr;q=0.5": "nl", "fr-CA": "fr",
		"ht": "fr", "ht-HT, en;q=0.5": "en", "srn": "nl", "srn-SR, pt;q=0.5": "pt",
		"de-HT": "fr", "de-SR": "nl", "de-BR": "pt", "de-JM": "en", "de-CO": "es",
		"de": "en", "": "en", "zz": "en",
	} {
		require.Equal(t, want, Match(header).Lang, "Accept-Language: %q", header)
	}
	require.Equal(t, "fr", DefaultLanguage([]string{"HT"}))
	require.Equal(t, "nl", DefaultLanguage([]string{"sr", "GY"}))
	require.Equal(t, "en", DefaultLanguage([]string{"JM", "HT"}))
	require.Equal(t, "es", DefaultLanguage(nil), "no country: the programme's working language")
	require.Equal(t, "es", DefaultLanguage([]string{"FR"}), "no CELAC country")
	for c, lang := range pipeline.CountryLanguages {
		require.Truef(t, Has(lang), "%s reads %s, which has no catalogue", c, lang)
		require.Contains(t, pipeline.Lists.CountryCodes(), c)
	}
	require.Len(t, pipeline.CountryLanguages, len(pipeline.Lists.Countries))
}

// TestNamesNumbersAndDatesPerLanguage: countries from CLDR, the codelists'
// names, money, numbers and dates as each language writes them.
func TestNamesNumbersAndDatesPerLanguage(t *testing.T) {
	t.Parallel()
	nb := "\u00a0"
	want := map[string][]string{
		// Haiti, Suriname, a theme, a pillar, a support type, a partner, money, a date, a short date
		"es": {"Haití", "Surinam", "Trata de personas", "Penitenciario", "Asistencia técnica",
			"Ministerio de Justicia y Seguridad de los Países Bajos", "1.234.567,89" + nb + "€", "1 de marzo de 2026", "1 mar"},
		"pt": {"Haiti", "Suriname", "Tráfico de pessoas", "Penitenciário", "Assistência técnica",
			"Ministério da Justiça e Segurança dos Países Baixos", "€" + nb + "1.234.567,89", "1 de março de 2026", "1 mar"},
		"en": {"Haiti", "Suriname", "Trafficking in persons", "Penitentiary", "Technical assistance",
			"Netherlands Ministry of Justice and Security", "€1,234,567.89", "1 March 2026", "1 Mar"},
		"fr": {"Haïti", "Suriname", "Traite des personnes", "Système pénitentiaire", "Assistance technique",
			"Ministère de la Justice et de la Sécurité des Pays-Bas", "1" + nb + "234" + nb + "567,89" + nb + "€", "1er mars 2026", "1 mars"},
		"nl": {"Haïti", "Suriname", "Mensenhandel", "Gevangeniswezen", "Technische bijstand",
			"Ministerie van Justitie en Veiligheid", "€" + nb + "1.234.567,89", "1 maart 2026", "1 mrt."},
	}
	for lang, w := range want {
		l := For(lang)
		got := []string{l.Country("HT"), l.Country("SR"), l.Theme("trafficking_in_persons"), l.Code("pillar", "penitentiary"),
			l.Code("support_type", "technical_assistance"), l.Partner("nl_jenv"), l.Money(pipeline.Cents(123456789)),
			l.Date("2026-03-01"), l.ShortDate("2026-03-01")}
		require.Equal(t, w, got, lang)
		for _, p := range pipeline.Partners {
			require.NotContains(t, l.Partner(p.Code), "⟦", lang)
		}
		for _, c := range pipeline.Lists.CountryCodes() {
			require.NotEqual(t, c, l.Country(c), "%s has no CLDR name for %s", lang, c)
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
	"contacto", "contactos", "planeamento", "fornecedor", "perspetiva", "género", "reapresentar", "revista",
	"a sua", "as suas", "o seu", "os seus", "a minha", "as minhas", "o meu", "os meus", "lhe",
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
// into pt.json — the web app's and the emails' — so it stays pt-BR.
func TestPortugueseIsBrazilian(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"utilizador", "guarde", "a sua"}, europeanWordsIn("Utilizador: guarde A SUA senha"))
	require.Empty(t, europeanWordsIn("Usuário: salve sua senha, guardas e registros do seu perfil"))
	for k, v := range catalogue(t, "pt") {
		if found := europeanWordsIn(strings.Join(strings.Fields(strings.Trim(jsonText(v), "{}")), " ")); len(found) > 0 {
			t.Errorf("pt.json %q says %q, European Portuguese; pt-BR: %q", k, found, v)
		}
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
