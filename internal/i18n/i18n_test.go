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
	require.Equal(t, []string{"es", "pt", "en"}, Languages, "the fallback last")
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
	require.Equal(t, Fallback, For("fr").Lang)
	require.Equal(t, Fallback, Match("fr-FR, de;q=0.8").Lang)
	require.Equal(t, "pt", Match("fr-FR, pt-BR;q=0.8").Lang)
	require.Equal(t, "es", For("es").Lang)
	require.False(t, Has("fr"))
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
