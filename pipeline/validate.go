package pipeline

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError says what is wrong with one field of a request: a stable
// Code, its Params (numbers, dates as YYYY-MM-DD, quoted values) and, for
// API clients, the English Message the API renders from the catalogue.
type FieldError struct {
	Field   string         `json:"field"`
	Code    Code           `json:"code"`
	Params  map[string]any `json:"params,omitempty"`
	Message string         `json:"message"`
}

// Problem is a FieldError with params given as name/value pairs.
func Problem(field string, code Code, params ...any) FieldError {
	fe := FieldError{Field: field, Code: code}
	for i := 0; i+1 < len(params); i += 2 {
		if fe.Params == nil {
			fe.Params = map[string]any{}
		}
		fe.Params[params[i].(string)] = params[i+1]
	}
	return fe
}

// Problems collects every FieldError of a request, so that one response can
// list them all instead of one per round trip.
type Problems []FieldError

// Add records a problem with field: its code and params as name/value pairs.
func (ps *Problems) Add(field string, code Code, params ...any) {
	*ps = append(*ps, Problem(field, code, params...))
}

// Has reports whether field already has a problem.
func (ps Problems) Has(field string) bool {
	return slices.ContainsFunc(ps, func(p FieldError) bool { return p.Field == field })
}

// Merge appends the problems of more whose field has no problem yet: a field
// of the wrong type is not also reported as missing.
func (ps Problems) Merge(more Problems) Problems {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.Field] = true
	}
	for _, p := range more {
		if !seen[p.Field] {
			ps = append(ps, p)
		}
	}
	return ps
}

// Text checks a one-line free-text field (a title, a name): required or not,
// at most max characters, valid UTF-8 and no control characters but tab.
func (ps *Problems) Text(field, v string, required bool, max int) {
	ps.text(field, v, required, max, false)
}

// Multiline checks a free-text field that may hold paragraphs (a
// description, a comment): as Text, and newlines (LF or CRLF, as browsers
// send a textarea) are allowed too.
func (ps *Problems) Multiline(field, v string, required bool, max int) {
	ps.text(field, v, required, max, true)
}

func (ps *Problems) text(field, v string, required bool, max int, multiline bool) {
	switch {
	case !utf8.ValidString(v):
		ps.Add(field, InvalidUTF8)
	case required && strings.TrimSpace(v) == "":
		ps.Add(field, Required)
	case utf8.RuneCountInString(v) > max:
		ps.Add(field, TooLong, "count", max)
	default:
		if r, ok := controlChar(v, multiline); ok {
			ps.Add(field, ControlCharacter, "char", fmt.Sprintf("%U", r))
		} else if r, ok := bidiControl(v); ok && !multiline {
			ps.Add(field, BidiControl, "char", fmt.Sprintf("%U", r))
		}
	}
}

// bidiControl returns the first bidirectional control character of v: the
// embeddings and overrides (U+202A–U+202E), the isolates (U+2066–U+2069)
// and the marks (U+200E, U+200F, U+061C). In a one-line field — a title, a
// name — one reorders what a reader sees ("‮fdp.exe" shows as "exe.pdf")
// and outlives the line it was typed in wherever the field is shown; the
// pages isolate every user text, so right-to-left script needs none of them.
// Paragraphs (Multiline) keep them: a right-to-left comment may need a mark.
func bidiControl(v string) (rune, bool) {
	for _, r := range v {
		switch {
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return r, true
		}
	}
	return 0, false
}

// controlChar returns the first control character of v that a text field may
// not hold: C0 controls (NUL among them: PostgreSQL cannot store it), DEL and
// C1 controls. Tab is allowed; newline and carriage return only in multi-line text.
func controlChar(v string, multiline bool) (rune, bool) {
	for _, r := range v {
		switch {
		case r == '\t':
		case (r == '\n' || r == '\r') && multiline:
		case r < 0x20, r >= 0x7f && r <= 0x9f:
			return r, true
		}
	}
	return 0, false
}

// Quantity checks an indicator's baseline or target: a finite number from
// 0 to MaxQuantity; -0 is refused with the negatives.
func (ps *Problems) Quantity(field string, v float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		ps.Add(field, NotANumber)
	case v < 0 || math.Signbit(v):
		ps.Add(field, Negative)
	case v > MaxQuantity:
		ps.Add(field, TooLarge, "max", 1_000_000_000)
	}
}

// Budget checks a support action's budget: not negative, at most MaxEUR,
// and more than 0 when the plan must be complete.
func (ps *Problems) Budget(field string, v EUR, complete bool) {
	switch {
	case v.cents < 0:
		ps.Add(field, Negative)
	case v.cents > MaxEUR.cents:
		ps.Add(field, TooLarge, "max", 1_000_000_000)
	case complete && v.IsZero():
		ps.Add(field, NotPositive)
	}
}

// OneOf checks an enumerated field: required or not, one of allowed.
func (ps *Problems) OneOf(field, v string, required bool, allowed []string) {
	switch {
	case v == "" && required:
		ps.Add(field, Required)
	case v != "" && !slices.Contains(allowed, v):
		ps.Add(field, NotOneOf, "allowed", strings.Join(allowed, ", "))
	}
}

// Countries checks a list of CELAC country codes: at least min, no repeats.
func (ps *Problems) Countries(field string, cs []string, min int) {
	if len(cs) < min {
		ps.Add(field, TooFewCountries, "count", min)
	}
	if len(cs) > len(Lists.Countries) {
		ps.Add(field, TooMany, "count", len(Lists.Countries))
		return
	}
	for i, c := range cs {
		if _, ok := Lists.CountryByCode(c); !ok {
			ps.Add(fmt.Sprintf("%s[%d]", field, i), UnknownCountry, "value", QuoteShort(c))
		} else if slices.Index(cs, c) != i {
			ps.Add(fmt.Sprintf("%s[%d]", field, i), Duplicate, "value", QuoteShort(c))
		}
	}
}

// QuoteShort quotes a client's value for a message, escaped and cut to 40 characters:
// a message never carries a client's bytes unbounded or raw.
func QuoteShort(v string) string { return strconv.Quote(Shorten(v, 40)) }

// Shorten cuts s to n characters, marking the cut with "…".
func Shorten(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// UUID checks an optional UUID field.
func (ps *Problems) UUID(field, v string, required bool) {
	switch {
	case v == "" && required:
		ps.Add(field, Required)
	case v != "" && !IsID(v):
		ps.Add(field, NotAnID)
	}
}

// IsID reports whether s is an identifier as Puente writes them: a
// lowercase, hyphenated UUID. Every identifier read from a path, a form or
// a body is held to it before it reaches the store: urn:uuid:…, {…},
// uppercase and unhyphenated spellings name nothing here, and PostgreSQL's
// uuid parser, more lenient than Go's, must never be the one to refuse one.
func IsID(s string) bool { return uuidRE.MatchString(s) }

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// The dates a plan or a session may name: a person means nothing else, and
// PostgreSQL's date type must hold every one.
var (
	MinDate = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxDate = time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Date checks an optional YYYY-MM-DD field from MinDate to MaxDate and
// returns the parsed date.
func (ps *Problems) Date(field, v string, required bool) (time.Time, bool) {
	if v == "" {
		if required {
			ps.Add(field, Required)
		}
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		ps.Add(field, NotADate)
		return time.Time{}, false
	}
	if d.Before(MinDate) || d.After(MaxDate) {
		ps.Add(field, DateOutOfRange, "min", MinDate.Format(time.DateOnly), "max", MaxDate.Format(time.DateOnly))
		return time.Time{}, false
	}
	return d, true
}

// Lengths of free-text fields.
const (
	MaxTitle   = 200
	MaxText    = 10000
	MaxName    = 200
	MaxComment = 4000
	// MaxActions bounds a plan's actions.
	MaxActions = 100
	// MaxItems bounds the other lists of a plan but countries (at most the CELAC's).
	MaxItems = 50
	// MaxQuantity bounds an indicator's baseline and target.
	MaxQuantity = 1e9
)

// Submission is what a focal point submits as a new priority.
type Submission struct {
	SessionID   string   `json:"session_id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Theme       string   `json:"theme"`
	Pillar      string   `json:"pillar"`
	Countries   []string `json:"countries"`
	Institution string   `json:"institution"`
	Urgency     string   `json:"urgency"`
	Sensitivity string   `json:"sensitivity"`
}

// Validate lists every problem with the submission; sensitivity defaults to public.
func (s *Submission) Validate() Problems {
	var ps Problems
	ps.UUID("session_id", s.SessionID, false)
	ps.Text("title", s.Title, true, MaxTitle)
	ps.Multiline("description", s.Description, true, MaxText)
	ps.OneOf("theme", s.Theme, true, Lists.ThemeCodes())
	ps.OneOf("pillar", s.Pillar, true, Lists.Pillars)
	ps.Countries("countries", s.Countries, 1)
	ps.Text("institution", s.Institution, true, MaxName)
	ps.OneOf("urgency", s.Urgency, true, Urgencies)
	ps.OneOf("sensitivity", s.Sensitivity, false, Sensitivities)
	return ps
}

// Normalize fills defaults and trims the text fields.
func (s *Submission) Normalize() {
	s.Title = strings.TrimSpace(s.Title)
	s.Description = strings.TrimSpace(s.Description)
	s.Institution = strings.TrimSpace(s.Institution)
	if s.Sensitivity == "" {
		s.Sensitivity = Public
	}
}

// Changes are the fields a focal point may edit while a priority is in
// revision (PATCH, or with resubmit). Absent fields stay as they are. Theme,
// countries and session are not editable: they decide who handles the priority.
type Changes struct {
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	Pillar      *string `json:"pillar,omitempty"`
	Institution *string `json:"institution,omitempty"`
	Urgency     *string `json:"urgency,omitempty"`
	Sensitivity *string `json:"sensitivity,omitempty"`
}

// Validate lists every problem with the changes; prefix is prepended to field names.
func (c *Changes) Validate(prefix string) Problems {
	var ps Problems
	if c.Title != nil {
		ps.Text(prefix+"title", *c.Title, true, MaxTitle)
	}
	if c.Description != nil {
		ps.Multiline(prefix+"description", *c.Description, true, MaxText)
	}
	if c.Pillar != nil {
		ps.OneOf(prefix+"pillar", *c.Pillar, true, Lists.Pillars)
	}
	if c.Institution != nil {
		ps.Text(prefix+"institution", *c.Institution, true, MaxName)
	}
	if c.Urgency != nil {
		ps.OneOf(prefix+"urgency", *c.Urgency, true, Urgencies)
	}
	if c.Sensitivity != nil {
		ps.OneOf(prefix+"sensitivity", *c.Sensitivity, true, Sensitivities)
	}
	return ps
}

// Empty reports whether the changes change nothing.
func (c *Changes) Empty() bool {
	return c == nil || (c.Title == nil && c.Description == nil && c.Pillar == nil &&
		c.Institution == nil && c.Urgency == nil && c.Sensitivity == nil)
}

// Apply writes the changes into p.
func (c *Changes) Apply(p *Priority) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&p.Title, c.Title)
	set(&p.Description, c.Description)
	set(&p.Pillar, c.Pillar)
	set(&p.Institution, c.Institution)
	set(&p.Urgency, c.Urgency)
	set(&p.Sensitivity, c.Sensitivity)
}

// DecisionInput is the body of POST /v1/priorities/{id}/decisions.
type DecisionInput struct {
	Decision Decision `json:"decision"`
	Comment  string   `json:"comment,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Theme    string   `json:"theme,omitempty"`
	ExpertID string   `json:"expert_id,omitempty"`
	Changes  *Changes `json:"changes,omitempty"`
}

// TextProblems lists what is wrong with the comment and the reason as
// text. Every act that records them checks them, edits and plan drafts
// included: the event stores them.
func (d *DecisionInput) TextProblems() Problems {
	var ps Problems
	ps.Multiline("comment", d.Comment, false, MaxComment)
	ps.Multiline("reason", d.Reason, false, MaxComment)
	return ps
}

// Validate lists every problem with the body for transition t: the fields t
// requires, and fields the decision does not use.
func (d *DecisionInput) Validate(t Transition) Problems {
	var ps Problems
	for _, f := range t.Requires {
		if strings.TrimSpace(d.field(f)) == "" {
			ps.Add(string(f), Required, "decision", string(d.Decision))
		}
	}
	ps = append(ps, d.TextProblems()...)
	if d.Reason != "" && !slices.Contains(t.Requires, FieldReason) {
		ps.Add("reason", NotUsed, "decision", string(d.Decision))
	}
	if d.Theme != "" {
		if d.Decision != Accept {
			ps.Add("theme", NotUsed, "decision", string(d.Decision))
		} else {
			ps.OneOf("theme", d.Theme, false, Lists.ThemeCodes())
		}
	}
	if d.ExpertID != "" {
		if d.Decision != Accept && d.Decision != Reassign {
			ps.Add("expert_id", NotUsed, "decision", string(d.Decision))
		} else {
			ps.UUID("expert_id", d.ExpertID, false)
		}
	}
	if d.Changes != nil {
		if d.Decision != Resubmit {
			ps.Add("changes", NotUsed, "decision", string(d.Decision))
		} else {
			ps = append(ps, d.Changes.Validate("changes.")...)
		}
	}
	return ps
}

func (d *DecisionInput) field(f Field) string {
	switch f {
	case FieldComment:
		return d.Comment
	case FieldReason:
		return d.Reason
	case FieldExpertID:
		return d.ExpertID
	}
	return ""
}

// Validate lists every problem with a plan. A draft may have unfinished
// actions; complete demands what submit_plan needs: an objective, an expected
// outcome and at least one action, every action complete.
func (p *Plan) Validate(complete bool) Problems {
	var ps Problems
	ps.Multiline("objective", p.Objective, complete, MaxText)
	ps.Multiline("expected_outcome", p.ExpectedOutcome, complete, MaxText)
	if p.GenderMarker < 0 || p.GenderMarker > 2 {
		ps.Add("gender_marker", NotGenderMarker)
	}
	if complete && len(p.Actions) == 0 {
		ps.Add("actions", NoActions)
	}
	if len(p.Actions) > MaxActions {
		ps.Add("actions", TooMany, "count", MaxActions)
		return ps
	}
	for i, a := range p.Actions {
		a.validate(&ps, fmt.Sprintf("actions[%d].", i), complete)
	}
	return ps
}

func (a *Action) validate(ps *Problems, prefix string, complete bool) {
	ps.OneOf(prefix+"type", a.Type, complete, Lists.SupportTypes)
	ps.Text(prefix+"title", a.Title, complete, MaxTitle)
	ps.Multiline(prefix+"description", a.Description, complete, MaxText)
	if complete && len(a.Beneficiaries) == 0 {
		ps.Add(prefix+"beneficiaries", NoBeneficiaries)
	}
	ps.names(prefix+"beneficiaries", a.Beneficiaries)
	min := 0
	if complete {
		min = 1
	}
	ps.Countries(prefix+"countries", a.Countries, min)
	start, okStart := ps.Date(prefix+"start_date", a.StartDate, complete)
	end, okEnd := ps.Date(prefix+"end_date", a.EndDate, complete)
	if okStart && okEnd && end.Before(start) {
		ps.Add(prefix+"end_date", EndBeforeStart)
	}
	ps.Budget(prefix+"budget_eur", a.BudgetEUR, complete)
	ps.OneOf(prefix+"partner", a.Partner, complete, PartnerCodes())
	ps.codes(prefix+"eu_agencies", a.EUAgencies, EUAgencyCodes())
	if complete && len(a.Indicators) == 0 {
		ps.Add(prefix+"indicators", NoIndicators)
	}
	if len(a.Indicators) > MaxItems {
		ps.Add(prefix+"indicators", TooMany, "count", MaxItems)
		return
	}
	for i, in := range a.Indicators {
		f := fmt.Sprintf("%sindicators[%d].", prefix, i)
		ps.Text(f+"name", in.Name, true, MaxTitle)
		ps.Text(f+"unit", in.Unit, true, MaxName)
		ps.Quantity(f+"baseline", in.Baseline)
		ps.Quantity(f+"target", in.Target)
	}
}

// names checks a list of names (institutions, partners): at most MaxItems,
// each a required one-line text.
func (ps *Problems) names(field string, vs []string) {
	if len(vs) > MaxItems {
		ps.Add(field, TooMany, "count", MaxItems)
		return
	}
	for i, v := range vs {
		ps.Text(fmt.Sprintf("%s[%d]", field, i), v, true, MaxName)
	}
}

// codes checks a list of codes of one codelist: at most its length, each
// one of allowed, none twice.
func (ps *Problems) codes(field string, vs, allowed []string) {
	if len(vs) > len(allowed) {
		ps.Add(field, TooMany, "count", len(allowed))
		return
	}
	for i, v := range vs {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !slices.Contains(allowed, v):
			ps.Add(f, NotOneOf, "allowed", strings.Join(allowed, ", "))
		case slices.Index(vs, v) != i:
			ps.Add(f, Duplicate, "value", QuoteShort(v))
		}
	}
}

// SessionInput is what a manager submits to create a dialogue session.
type SessionInput struct {
	Title     string   `json:"title"`
	Kind      string   `json:"kind"`
	Date      string   `json:"date"`
	Venue     string   `json:"venue"`
	Countries []string `json:"countries"`
}

// Validate lists every problem with the session.
func (s *SessionInput) Validate() Problems {
	var ps Problems
	ps.Text("title", s.Title, true, MaxTitle)
	ps.OneOf("kind", s.Kind, true, SessionKinds)
	ps.Date("date", s.Date, true)
	ps.Text("venue", s.Venue, true, MaxName)
	ps.Countries("countries", s.Countries, 1)
	return ps
}
