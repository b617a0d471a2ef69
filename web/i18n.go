package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/puente-dev/puente/pipeline"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Languages are the web app's languages, the first the fallback.
var Languages = []language.Tag{language.English, language.Spanish, language.Portuguese}

var matcher = language.NewMatcher(Languages)

// langCookie remembers the language a person picked with the switch.
const langCookie = "puente_lang"

// catalog holds every language's messages, loaded once from locales/*.json
// (go-i18n's format), and the per-language formatters.
type catalog struct {
	bundle  *i18n.Bundle
	locales map[string]*locale
	ids     map[string][]string // message IDs of each language's file
}

func newCatalog() (*catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil {
		return nil, err
	}
	ids := map[string][]string{}
	for _, f := range files {
		mf, err := b.LoadMessageFileFS(localeFiles, f)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", f, err)
		}
		base, _ := mf.Tag.Base()
		for _, m := range mf.Messages {
			ids[base.String()] = append(ids[base.String()], m.ID)
		}
	}
	c := &catalog{bundle: b, locales: map[string]*locale{}, ids: ids}
	for _, tag := range Languages {
		base, _ := tag.Base()
		c.locales[base.String()] = &locale{
			Lang:    base.String(),
			tag:     tag,
			loc:     i18n.NewLocalizer(b, tag.String()),
			printer: message.NewPrinter(tag),
			regions: display.Regions(tag),
			cache:   map[string]string{},
		}
	}
	return c, nil
}

// pick chooses the request's language: the switch's cookie, else
// Accept-Language, else English.
func (c *catalog) pick(r *http.Request) *locale {
	if ck, err := r.Cookie(langCookie); err == nil {
		if l, ok := c.locales[ck.Value]; ok {
			return l
		}
	}
	tag, _ := language.MatchStrings(matcher, r.Header.Get("Accept-Language"))
	base, _ := tag.Base()
	if l, ok := c.locales[base.String()]; ok {
		return l
	}
	return c.locales["en"]
}

// locale renders one language's messages, names, numbers, money and dates.
type locale struct {
	Lang    string
	tag     language.Tag
	loc     *i18n.Localizer
	printer *message.Printer
	regions display.Namer
	cache   map[string]string // messages without arguments, filled at start
}

// T translates a message; args are name/value pairs for its template.
func (l *locale) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.cache[id]; ok {
			return s
		}
	}
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return "⟦" + id + "⟧" // visible, and caught by the catalogue tests
	}
	return s
}

// warm fills the cache of argument-free messages, so that a page with
// hundreds of labels does not run go-i18n's templates for each.
func (l *locale) warm(ids []string) {
	for _, id := range ids {
		s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
		if err == nil && !strings.Contains(s, "<no value>") {
			l.cache[id] = s
		}
	}
}

// Stage names a stage.
func (l *locale) Stage(s pipeline.Stage) string { return l.T("stage." + string(s)) }

// Decision names a decision as a button label.
func (l *locale) Decision(d pipeline.Decision) string { return l.T("decision." + string(d)) }

// Event names an audit-trail entry.
func (l *locale) Event(k pipeline.EventKind) string { return l.T("event." + string(k)) }

// Theme names a theme.
func (l *locale) Theme(code string) string { return l.T("theme." + code) }

// Code names a value of a small codelist (pillar, urgency, support type…).
func (l *locale) Code(list, code string) string {
	if code == "" {
		return ""
	}
	return l.T(list + "." + code)
}

// Role names a role.
func (l *locale) Role(r pipeline.Role) string { return l.T("role." + string(r)) }

// Country names a CELAC country from CLDR data.
func (l *locale) Country(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := l.regions.Name(r); n != "" {
		return n
	}
	return code
}

// Countries names a list of countries.
func (l *locale) Countries(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = l.Country(c)
	}
	return strings.Join(names, ", ")
}

// Num formats a number with the language's separators.
func (l *locale) Num(v any) string {
	switch n := v.(type) {
	case float64:
		return l.printer.Sprint(number.Decimal(n, number.MaxFractionDigits(2)))
	default:
		return l.printer.Sprint(number.Decimal(n))
	}
}

// Money formats an amount in euros.
func (l *locale) Money(v pipeline.EUR) string {
	return l.printer.Sprint(currency.Symbol(currency.EUR.Amount(float64(v.Cents()) / 100)))
}

// Date formats a day: "20 June 2025", "20 de junio de 2025".
func (l *locale) Date(t any) string {
	var d time.Time
	switch v := t.(type) {
	case time.Time:
		d = v
	case *time.Time:
		if v == nil {
			return ""
		}
		d = *v
	case string:
		var err error
		if d, err = time.Parse(time.DateOnly, v); err != nil {
			return v
		}
	}
	if d.IsZero() {
		return ""
	}
	return l.T("format.date", "Day", d.Day(), "Month", l.T(fmt.Sprintf("month.%d", d.Month())), "Year", d.Year())
}

// DateTime formats an instant in UTC, to the minute.
func (l *locale) DateTime(t time.Time) string {
	return l.Date(t) + " " + t.UTC().Format("15:04") + " UTC"
}

// Days formats a duration in days, such as a stage's median age.
func (l *locale) Days(d *float64) string {
	if d == nil {
		return "—"
	}
	return l.T("format.days", "N", l.Num(*d))
}

// problemMessages turn the engine's English field messages into message
// IDs, with the arguments a translation needs. They only translate; the
// rules stay in the engine. A message no pattern knows is shown as it is
// (TestEveryProblemTranslates keeps that from happening).
var problemMessages = []struct {
	re *regexp.Regexp
	id string
}{
	{regexp.MustCompile(`^is required for (\w+)$`), "err.required"},
	{regexp.MustCompile(`^is required`), "err.required"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "err.max_chars"},
	{regexp.MustCompile(`^must be one of `), "err.one_of"},
	{regexp.MustCompile(`^needs at least (\d+) country$`), "err.countries_min"},
	{regexp.MustCompile(`^".*" is not a CELAC country code`), "err.country_code"},
	{regexp.MustCompile(`^".*" is listed twice$`), "err.twice"},
	{regexp.MustCompile(`^must be a UUID$`), "err.uuid"},
	{regexp.MustCompile(`^must be a date as YYYY-MM-DD$`), "err.date"},
	{regexp.MustCompile(`^must be 0 \(not targeted\)`), "err.gender_marker"},
	{regexp.MustCompile(`^needs at least one complete support action$`), "err.actions_min"},
	{regexp.MustCompile(`^must have at most 100 actions$`), "err.actions_max"},
	{regexp.MustCompile(`^needs at least one beneficiary`), "err.beneficiaries_min"},
	{regexp.MustCompile(`^must not be before start_date$`), "err.end_before_start"},
	{regexp.MustCompile(`^must not be negative$`), "err.negative"},
	{regexp.MustCompile(`^must be at most 1,000,000,000$`), "err.budget_max"},
	{regexp.MustCompile(`^must be more than 0$`), "err.positive"},
	{regexp.MustCompile(`^needs at least one indicator$`), "err.indicators_min"},
	{regexp.MustCompile(`^is not used by`), "err.not_used"},
	{regexp.MustCompile(`^is only used by`), "err.not_used"},
	{regexp.MustCompile(`^no user has this id$`), "err.no_user"},
	{regexp.MustCompile(`^this user is not an expert$`), "err.not_expert"},
	{regexp.MustCompile(`^no such session$`), "err.no_session"},
	{regexp.MustCompile(`^no expert`), "err.no_expert"},
	{regexp.MustCompile(`^must be a number$`), "err.number"},
	{regexp.MustCompile(`^must be a whole number$`), "err.number"},
	{regexp.MustCompile(`^must have at most two decimals`), "err.cents"},
	{regexp.MustCompile(`^must be valid UTF-8$`), "err.utf8"},
	{regexp.MustCompile(`^must not contain control characters`), "err.control"},
	{regexp.MustCompile(`^must not contain bidirectional control characters`), "err.bidi"},
	{regexp.MustCompile(`^must be from (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$`), "err.date_range"},
	{regexp.MustCompile(`^must have at most (\d+) `), "err.list_max"},
	{regexp.MustCompile(`^must include one of your countries$`), "err.own_country"},
	{regexp.MustCompile(`^must be a plain address`), "err.email"},
	{regexp.MustCompile(`^an expert needs at least one theme$`), "err.expert_themes"},
	{regexp.MustCompile(`^is already used by another user$`), "err.email_taken"},
}

// Problem translates one field message of the engine.
func (l *locale) Problem(msg string) string {
	s, _ := l.problem(msg)
	return s
}

func (l *locale) problem(msg string) (string, bool) {
	for _, p := range problemMessages {
		if m := p.re.FindStringSubmatch(msg); m != nil {
			switch p.id {
			case "err.max_chars", "err.countries_min", "err.list_max":
				return l.T(p.id, "N", m[1]), true
			case "err.date_range":
				return l.T(p.id, "From", l.Date(m[1]), "To", l.Date(m[2])), true
			}
			return l.T(p.id), true
		}
	}
	return msg, false
}
