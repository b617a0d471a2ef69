package web

import (
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/sso"
)

// TestEveryCodeAndUsedKeyIsTranslated checks that every code of the domain
// (stages, decisions, themes, pillars…) and every message ID the templates
// and the Go code use exists in the catalogues (in every language: i18n's
// TestEveryLanguageHasEveryMessage).
func TestEveryCodeAndUsedKeyIsTranslated(t *testing.T) {
	t.Parallel()
	need := map[string]bool{}
	for _, s := range pipeline.Stages {
		need["stage."+string(s)] = true
	}
	for _, d := range pipeline.Decisions {
		need["decision."+string(d)] = true
		need["event."+string(pipeline.EventOf(d))] = true
	}
	for _, k := range append([]pipeline.EventKind{pipeline.EventSubmitted, pipeline.EventPlanUpdated, pipeline.EventEdited,
		pipeline.EventReminder, pipeline.EventEscalated, pipeline.EventReassigned}, pipeline.DeliveryEventKinds...) {
		need["event."+string(k)] = true
	}
	for _, r := range pipeline.Roles {
		need["role."+string(r)] = true
	}
	for _, c := range pipeline.Lists.ThemeCodes() {
		need["theme."+c] = true
	}
	lists := map[string][]string{"pillar": pipeline.Lists.Pillars, "support_type": pipeline.Lists.SupportTypes,
		"urgency": pipeline.Urgencies, "sensitivity": pipeline.Sensitivities, "session_kind": pipeline.SessionKinds,
		"partner": pipeline.PartnerCodes(), "eu_agency": pipeline.EUAgencyCodes(), "delivery_stage": deliveryStages()}
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
	goKey := regexp.MustCompile(`"((?:error|notice|signin|triage|priority|plan|dash|format|home|list|submit|edit|sessions|session)\.[a-z_0-9]+)"`)
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
	for _, r := range sso.Reasons {
		need["sso."+string(r)+".title"], need["sso."+string(r)+".text"] = true, true
	}
	require.Greater(t, len(need), 250, "the scan found too few keys to be working")
	for k := range need {
		require.Containsf(t, i18n.IDs, k, "the catalogues lack %q", k)
	}
}

// literal finds what a person could read in a template that is not a
// message: the text between tags, and the attributes people read, once the
// template's actions, comments, scripts, styles and character references are
// taken out. Punctuation, numbers and symbols are no words.
var (
	templateNoise = regexp.MustCompile(`(?s)\{\{.*?\}\}|<!--.*?-->|<(script|style)\b.*?</(script|style)>|&#?[A-Za-z0-9]+;`)
	textNode      = regexp.MustCompile(`>([^<>]*)<`)
	readAttr      = regexp.MustCompile(`\b(title|alt|aria-label|aria-description|aria-roledescription|placeholder|label|summary)="([^"]*)"`)
	word          = regexp.MustCompile(`\p{L}`)
)

func literals(src string) []string {
	src = templateNoise.ReplaceAllString(src, "")
	var out []string
	for _, m := range textNode.FindAllStringSubmatch(src, -1) {
		if word.MatchString(m[1]) {
			out = append(out, strings.TrimSpace(m[1]))
		}
	}
	for _, m := range readAttr.FindAllStringSubmatch(src, -1) {
		if word.MatchString(m[2]) {
			out = append(out, m[1]+"="+m[2])
		}
	}
	return out
}

// TestTemplatesHoldNoLiteralText fails when a template writes words of its
// own instead of a message of the catalogues.
func TestTemplatesHoldNoLiteralText(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"Save", "title=Close"}, literals(`<p>{{.T "a"}}</p><b>Save</b> <a title="Close" href="/x">×</a>`+
		`<i title="{{.T "b"}}">12 · €</i><!-- note --><script>let a = 1</script>`))
	files, err := fs.Glob(templateFiles, "templates/*.html")
	require.NoError(t, err)
	for _, f := range files {
		b, err := fs.ReadFile(templateFiles, f)
		require.NoError(t, err)
		for _, l := range literals(string(b)) {
			t.Errorf("%s: %q is not from the catalogues", f, l)
		}
	}
}

// TestFieldErrorsComeFromTheirCodes posts a submission the engine refuses,
// in each language: the page says what is wrong with each field in the
// page's language, from the problem's code and params, and never shows the
// English message the API sends beside them.
func TestFieldErrorsComeFromTheirCodes(t *testing.T) {
	t.Parallel()
	b := setupRender(t)
	ps := (&pipeline.Submission{Title: strings.Repeat("x", 300), Theme: "security", Countries: []string{"XX"}}).Validate()
	for i := range ps {
		ps[i].Message = "English prose"
	}
	b.fake.err = pipeline.Invalid("the submission is not valid", ps)
	want := map[string][]string{
		"es": {"debe tener como máximo 200 caracteres", "es obligatorio", `"XX" no es el código de un país de la CELAC`},
		"pt": {"deve ter no máximo 200 caracteres", "é obrigatório", `"XX" não é o código de um país da CELAC`},
		"en": {"must be at most 200 characters", "is required", `"XX" is not a CELAC country code`},
	}
	for lang, msgs := range want {
		c := b.client(t, b.users[pipeline.FocalPoint], lang)
		status, body := post(t, c, b.srv.URL+"/priorities", url.Values{"title": {"x"}})
		require.Equal(t, http.StatusUnprocessableEntity, status, lang)
		for _, m := range msgs {
			require.Contains(t, body, template.HTMLEscapeString(m), lang)
		}
		for _, p := range ps {
			require.Contains(t, body, template.HTMLEscapeString(i18n.For(lang).Problem(p)), lang)
		}
		require.NotContains(t, body, "English prose", lang)

		// A session's triage lists each refused priority's problems the same way.
		mgr := b.client(t, b.users[pipeline.Manager], lang)
		id := b.fake.p.ID
		status, body = post(t, mgr, b.srv.URL+"/sessions/"+b.fake.p.SessionID+"/triage",
			url.Values{"id": {id}, "decision-" + id: {"reject"}, "reason-" + id: {"x"}})
		require.Equal(t, http.StatusOK, status, lang)
		require.Contains(t, body, template.HTMLEscapeString(msgs[0]), lang)
		require.NotContains(t, body, "English prose", lang)
	}
}

// TestTemplateLinesFitTheScreen: no template line needs scrolling to read.
// A long line breaks before or after an action, the break trimmed with
// "{{-" or "-}}" so that the page is the same.
func TestTemplateLinesFitTheScreen(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(templateFiles, "templates/*.html")
	require.NoError(t, err)
	for _, f := range files {
		b, err := fs.ReadFile(templateFiles, f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(b), "\n") {
			if n := utf8.RuneCountInString(line); n > 160 {
				t.Errorf("%s:%d is %d characters long", f, i+1, n)
			}
		}
	}
}

func deliveryStages() []string {
	out := make([]string, len(pipeline.DeliveryStages))
	for i, s := range pipeline.DeliveryStages {
		out[i] = string(s)
	}
	return out
}
