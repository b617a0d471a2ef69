// Package i18n holds Puente's message catalogues — one go-i18n JSON file per
// language in locales/, shared by the web app and the emails — and renders
// them: messages with CLDR plurals, the engine's problem codes, names of the
// domain's codes, numbers, money and dates. A language is added by adding
// its file; whoever's language has none reads the fallback, English.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/puente-dev/puente/pipeline"
)

//go:embed locales/*.json
var files embed.FS

// Fallback is the language of whoever speaks none of the catalogues'.
const Fallback = "en"

var (
	// Languages are the catalogues' languages by ISO 639-1 code, the
	// fallback last.
	Languages []string
	// IDs are the fallback catalogue's message IDs, sorted.
	IDs     []string
	locales = map[string]*Locale{}
	matcher language.Matcher
)

func init() {
	if err := load(); err != nil {
		panic(err) // the embedded catalogues are broken: every test fails
	}
}

func load() error {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	names, err := fs.Glob(files, "locales/*.json")
	if err != nil {
		return err
	}
	var tags []language.Tag
	for _, f := range names {
		mf, err := b.LoadMessageFileFS(files, f)
		if err != nil {
			return fmt.Errorf("load %s: %w", f, err)
		}
		base, _ := mf.Tag.Base()
		if base.String() == Fallback {
			for _, m := range mf.Messages {
				IDs = append(IDs, m.ID)
			}
		}
		tags = append(tags, mf.Tag)
		Languages = append(Languages, base.String())
	}
	slices.Sort(IDs)
	slices.SortFunc(Languages, func(a, b string) int {
		return strings.Compare(fmt.Sprint(a == Fallback, a), fmt.Sprint(b == Fallback, b))
	})
	slices.SortFunc(tags, func(a, b language.Tag) int { // the matcher's first tag is its default
		return strings.Compare(fmt.Sprint(a.String() != Fallback, a), fmt.Sprint(b.String() != Fallback, b))
	})
	matcher = language.NewMatcher(tags)
	for _, tag := range tags {
		base, _ := tag.Base()
		l := &Locale{Lang: base.String(), loc: goi18n.NewLocalizer(b, tag.String()),
			printer: message.NewPrinter(tag), regions: display.Regions(tag), cache: map[string]string{}}
		for _, id := range IDs {
			if s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id}); err == nil && !strings.Contains(s, "<no value>") {
				l.cache[id] = s
			}
		}
		locales[l.Lang] = l
	}
	return nil
}

// For is the locale of lang, an ISO 639-1 code, or the fallback's.
func For(lang string) *Locale {
	if l, ok := locales[lang]; ok {
		return l
	}
	return locales[Fallback]
}

// Has reports whether lang has a catalogue.
func Has(lang string) bool { _, ok := locales[lang]; return ok }

// Match is the locale that best serves an Accept-Language header: a
// language it names that has a catalogue, else the language of the country
// its first tag names or implies (Haitian Creole or fr-HT: French; Sranan
// Tongo or nl-SR: Dutch; es-419 and the like name no country), else the
// fallback.
func Match(acceptLanguage string) *Locale {
	desired, _, _ := language.ParseAcceptLanguage(acceptLanguage)
	tag, _, conf := matcher.Match(desired...)
	if conf == language.No && len(desired) > 0 {
		if r, c := desired[0].Region(); c != language.No {
			if lang, ok := CountryLanguage(r.String()); ok {
				return For(lang)
			}
		}
	}
	base, _ := tag.Base()
	return For(base.String())
}

// CountryLanguage is the language a person from a CELAC country most
// likely reads (the codelists' country_languages), if it has a catalogue.
func CountryLanguage(country string) (string, bool) {
	lang, ok := pipeline.CountryLanguages[strings.ToUpper(country)]
	return lang, ok && Has(lang)
}

// DefaultLanguage is the language of someone whose own is not known: their
// first country's that has a catalogue, else Spanish, the programme's
// working language.
func DefaultLanguage(countries []string) string {
	for _, c := range countries {
		if lang, ok := CountryLanguage(c); ok {
			return lang
		}
	}
	return "es"
}

// Partner names an implementing partner as the language knows it.
func (l *Locale) Partner(code string) string { return l.Code("partner", code) }

// English renders the messages API clients read beside the codes.
func English() *Locale { return locales["en"] }

// Locale renders one language's messages, names, numbers, money and dates.
type Locale struct {
	Lang    string
	loc     *goi18n.Localizer
	printer *message.Printer
	regions display.Namer
	cache   map[string]string // the messages without arguments
}

// T translates a message; args are name/value pairs for its template. A
// "count" chooses the plural form (CLDR's rules) and is written as a number
// of the language.
func (l *Locale) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.cache[id]; ok {
			return s
		}
	}
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	var count any
	switch n := data["count"].(type) {
	case int:
		count, data["count"] = n, l.Num(n)
	case float64: // a count that came through JSON
		count, data["count"] = int(n), l.Num(int(n))
	}
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return "⟦" + id + "⟧" // visible, and caught by the catalogue tests
	}
	return s
}

// Problem says what is wrong with a field: the message of its code, with
// its parameters written as the language writes numbers and dates.
func (l *Locale) Problem(fe pipeline.FieldError) string {
	args := make([]any, 0, 2*len(fe.Params))
	for k, v := range fe.Params {
		switch x := v.(type) {
		case int, float64:
			if k != "count" {
				v = l.Num(x)
			}
		case string:
			if _, err := time.Parse(time.DateOnly, x); err == nil {
				v = l.Date(x)
			}
		}
		args = append(args, k, v)
	}
	return l.T("code."+string(fe.Code), args...)
}

// Stage names a stage.
func (l *Locale) Stage(s pipeline.Stage) string { return l.T("stage." + string(s)) }

// Decision names a decision as a button label.
func (l *Locale) Decision(d pipeline.Decision) string { return l.T("decision." + string(d)) }

// Event names an audit-trail entry.
func (l *Locale) Event(k pipeline.EventKind) string { return l.T("event." + string(k)) }

// Theme names a theme.
func (l *Locale) Theme(code string) string { return l.T("theme." + code) }

// Code names a value of a small codelist (pillar, urgency, support type…).
func (l *Locale) Code(list, code string) string {
	if code == "" {
		return ""
	}
	return l.T(list + "." + code)
}

// Role names a role.
func (l *Locale) Role(r pipeline.Role) string { return l.T("role." + string(r)) }

// Country names a CELAC country from CLDR data.
func (l *Locale) Country(code string) string {
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
func (l *Locale) Countries(codes []string) string {
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = l.Country(c)
	}
	return strings.Join(names, ", ")
}

// Num formats a number with the language's separators.
func (l *Locale) Num(v any) string {
	switch n := v.(type) {
	case float64:
		return l.printer.Sprint(number.Decimal(n, number.MaxFractionDigits(2)))
	default:
		return l.printer.Sprint(number.Decimal(n))
	}
}

// Money formats an amount in euros: the number as the language writes it,
// the symbol where the language puts it ("1 234,50 €", "€ 1.234,50").
func (l *Locale) Money(v pipeline.EUR) string {
	amount := l.printer.Sprint(number.Decimal(float64(v.Cents())/100,
		number.MinFractionDigits(2), number.MaxFractionDigits(2)))
	return l.T("format.money", "Amount", amount)
}

// Date formats a day: "20 June 2025", "20 de junio de 2025".
func (l *Locale) Date(t any) string {
	d, ok := day(t)
	if !ok {
		return fmt.Sprint(t)
	}
	if d.IsZero() {
		return ""
	}
	return l.T("format.date", "Day", d.Day(), "Month", l.T(fmt.Sprintf("month.%d", d.Month())), "Year", d.Year())
}

// ShortDate formats a day within its year: "20 Jun".
func (l *Locale) ShortDate(t any) string {
	d, ok := day(t)
	if !ok {
		return fmt.Sprint(t)
	}
	return l.T("format.short_date", "Day", d.Day(), "Month", l.T(fmt.Sprintf("month_short.%d", d.Month())))
}

func day(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v.UTC(), true
	case *time.Time:
		if v == nil {
			return time.Time{}, true
		}
		return v.UTC(), true
	case string:
		d, err := time.Parse(time.DateOnly, v)
		return d, err == nil
	}
	return time.Time{}, false
}

// DateTime formats an instant in UTC, to the minute.
func (l *Locale) DateTime(t time.Time) string {
	return l.Date(t) + " " + t.UTC().Format("15:04") + " UTC"
}

// Days formats a duration in days, such as a stage's median age.
func (l *Locale) Days(d *float64) string {
	if d == nil {
		return "—"
	}
	return l.T("format.days", "N", l.Num(*d))
}
