package export

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// Defaults of IATIOptions. The reporting organisation is the European
// Commission's Directorate-General for International Partnerships, which
// funds the programme; "15" (Other Public Sector) is the OrganisationType the
// Commission itself publishes under (neither a government, 10, nor a
// multilateral agency, 40).
const (
	DefaultReportingOrgRef  = "XI-IATI-EC_INTPA"
	DefaultReportingOrgName = "European Commission - International Partnerships"
	DefaultReportingOrgType = "15"
	DefaultProgrammeName    = "EU-CELAC cooperation programme against transnational organised crime"
	DefaultLang             = "en"
	DefaultTextLang         = "es"
)

// ErrNoActivities is returned by Close when no activity was written: the
// schema requires at least one iati-activity, so the (well-formed) document
// written is not a valid IATI file and should not be published as one.
var ErrNoActivities = errors.New("export: IATI file without activities")

// IATIOptions describe the publisher of an IATI file. Zero fields take the
// defaults above.
type IATIOptions struct {
	// ReportingOrgRef is the IATI organisation identifier of the publisher.
	ReportingOrgRef string
	// ReportingOrgName is the publisher's name, in Lang.
	ReportingOrgName string
	// ReportingOrgType is the publisher's IATI OrganisationType code.
	ReportingOrgType string
	// IdentifierPrefix starts every iati-identifier; it defaults to
	// ReportingOrgRef, as IATI requires unless a previous identifier is used.
	IdentifierPrefix string
	// ProgrammeName names the implementing organisation (role 4): the
	// programme that delivers the support actions.
	ProgrammeName string
	// ProgrammeRef is the programme's IATI organisation identifier, if it has one.
	ProgrammeRef string
	// GeneratedAt stamps the file; it defaults to the time of NewIATI.
	GeneratedAt time.Time
	// Lang is the default language of the activities (ISO 639-1), the
	// language of the fixed texts: organisation names, the SDG target.
	Lang string
	// TextLang is the language of the text users typed (titles,
	// descriptions, institutions, actions, indicators): mostly Spanish.
	TextLang string
}

func (o IATIOptions) withDefaults(now time.Time) IATIOptions {
	def := func(s *string, v string) {
		if strings.TrimSpace(*s) == "" {
			*s = v
		}
	}
	def(&o.ReportingOrgRef, DefaultReportingOrgRef)
	def(&o.ReportingOrgName, DefaultReportingOrgName)
	def(&o.ReportingOrgType, DefaultReportingOrgType)
	def(&o.IdentifierPrefix, o.ReportingOrgRef)
	def(&o.ProgrammeName, DefaultProgrammeName)
	def(&o.Lang, DefaultLang)
	def(&o.TextLang, DefaultTextLang)
	if o.GeneratedAt.IsZero() {
		o.GeneratedAt = now
	}
	return o
}

// Activity is an approved priority to publish: the priority with its plan
// (objective, expected outcome, gender marker) and the support actions
// approved with it, with their delivery. When Actions is empty the plan's
// actions are used, as scheduled.
type Activity struct {
	Priority   *pipeline.Priority
	Actions    []ActionRecord
	ApprovedAt time.Time
}

// ActionRecord is an approved support action with its delivery, as the
// read model keeps it: the action, its stage, confirmed dates and report,
// and when it was closed.
type ActionRecord struct {
	pipeline.SupportAction
	// ClosedAt is when a manager closed the action, nil until then.
	ClosedAt *time.Time
}

// reported reports whether the action's delivery was reported: delivered
// or closed, with a report. Its confirmed dates are then facts.
func (r ActionRecord) reported() bool {
	d := r.Delivery
	return d.Report != nil && (d.Stage == pipeline.Delivered || d.Stage == pipeline.Closed)
}

// IATIWriter streams approved priorities as an IATI 2.03 activity file:
// NewIATI, Write for each activity, then Close.
//
// It publishes what it is given: restricted priorities are written like
// public ones, so a caller publishing the file must leave them out.
type IATIWriter struct {
	w       io.Writer
	enc     *xml.Encoder
	opts    IATIOptions
	started bool
	closed  bool
	n       int
	err     error
}

// NewIATI returns an IATIWriter writing to w. Nothing is written until the
// first Write or Close.
func NewIATI(w io.Writer, opts IATIOptions) *IATIWriter {
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return &IATIWriter{w: w, enc: enc, opts: opts.withDefaults(time.Now())}
}

// IATI writes acts as one IATI 2.03 activity file.
func IATI(w io.Writer, opts IATIOptions, acts []Activity) error {
	x := NewIATI(w, opts)
	for _, a := range acts {
		if err := x.Write(a); err != nil {
			return err
		}
	}
	return x.Close()
}

// Write writes one approved priority as an iati-activity. A priority that is
// not approved, or has no ref, is refused before anything is written.
func (x *IATIWriter) Write(a Activity) error {
	if x.closed {
		return errors.New("export: write to a closed IATI writer")
	}
	if x.err != nil {
		return x.err
	}
	act, err := x.activity(a)
	if err != nil {
		return err
	}
	if err := x.start(); err != nil {
		return err
	}
	if err := x.enc.Encode(act); err != nil {
		return x.fail("write activity "+act.Identifier, err)
	}
	x.n++
	return nil
}

// Close ends the document and flushes it. It returns ErrNoActivities, after
// writing an empty but well-formed document, if nothing was written.
func (x *IATIWriter) Close() error {
	if x.closed {
		return x.err
	}
	x.closed = true
	if x.err != nil {
		return x.err
	}
	if err := x.start(); err != nil {
		return err
	}
	if err := x.enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: "iati-activities"}}); err != nil {
		return x.fail("end IATI file", err)
	}
	if err := x.enc.Close(); err != nil {
		return x.fail("flush IATI file", err)
	}
	if x.n == 0 {
		return ErrNoActivities
	}
	return nil
}

func (x *IATIWriter) start() error {
	if x.started {
		return nil
	}
	x.started = true
	root := xml.StartElement{
		Name: xml.Name{Local: "iati-activities"},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "version"}, Value: "2.03"},
			{Name: xml.Name{Local: "generated-datetime"}, Value: dateTime(x.opts.GeneratedAt)},
		},
	}
	// The declaration goes straight to w (the encoder has buffered nothing
	// yet) so that it ends with a newline, which the encoder would not write.
	if _, err := io.WriteString(x.w, xml.Header); err != nil {
		return x.fail("start IATI file", err)
	}
	if err := x.enc.EncodeToken(root); err != nil {
		return x.fail("start IATI file", err)
	}
	return nil
}

// fail records err, which every later Write and Close returns: the
// document is broken from here on.
func (x *IATIWriter) fail(doing string, err error) error {
	x.err = fmt.Errorf("export: %s: %w", doing, err)
	return x.err
}

// IATI codes used below, from the IATI 2.03 codelists.
const (
	roleFunding      = "1" // OrganisationRole
	roleAccountable  = "2"
	roleImplementing = "4"

	statusImplementation = "2" // ActivityStatus
	statusFinalisation   = "3"
	statusClosed         = "4"
	statusCancelled      = "5"

	datePlannedStart = "1" // ActivityDateType
	dateActualStart  = "2"
	datePlannedEnd   = "3"
	dateActualEnd    = "4"

	scopeMultiNational = "3" // ActivityScope
	scopeNational      = "4"

	sectorVocabularyDAC = "1" // SectorVocabulary: OECD DAC CRS purpose codes (5 digit)

	budgetOriginal   = "1" // BudgetType
	budgetIndicative = "1" // BudgetStatus

	resultOutput = "1" // ResultType

	measureUnit       = "1" // IndicatorMeasure
	measurePercentage = "2"

	currency = "EUR"
)

// activity maps an approved priority onto the elements of iati-activity.
//
// Choices the IATI Standard leaves to the publisher:
//   - participating-org: the reporting organisation funds (1); the
//     requesting institution and the beneficiary institutions of the actions
//     are accountable (2), as the partner-country counterparts that own the
//     priority and endorsed the plan; the programme, the consortium's
//     implementing partners of the actions (named from the codelist, typed
//     by partnerOrgTypes) and the EU agencies taking part (the codelist's
//     names of the actions' eu_agencies) implement (4, Implementing, in the
//     OrganisationRole codelist; 3 is Extending). A code no codelist knows
//     is written as it is, with no OrganisationType.
//   - activity-status: see activityStatus.
//   - activity-date: planned start (1) and planned end (3) are the earliest
//     start and latest end of the actions in the plan; actual start (2) is
//     the earliest confirmed start of the reported actions, or, before any
//     report, the approval date (UTC), when the programme committed to fund
//     the plan; actual end (4) is the latest confirmed end of the reported
//     actions once none is still open.
//   - budget: one original (type 1), indicative (status 1) budget over the
//     actions' whole span: the action costs are estimates, not contracts.
//     IATI asks for budget periods of at most a year; a longer plan still
//     gets one budget, since splitting it by year would invent how each
//     action spends over time.
//   - result: one output (type 1) per action that has indicators (the schema
//     wants at least one); each indicator in units (measure 1, or 2 when its
//     unit is a percentage), its baseline dated the year of approval, its
//     target in a period spanning the action: the confirmed dates once the
//     action is reported, else the planned ones. Once reported, the period
//     also holds the indicator's actual value, with the partner's note as
//     its comment.
func (x *IATIWriter) activity(a Activity) (*xActivity, error) {
	p := a.Priority
	if p == nil {
		return nil, errors.New("export: activity without priority")
	}
	ref := strings.TrimSpace(p.Ref)
	if ref == "" {
		return nil, fmt.Errorf("export: priority %s has no ref", p.ID)
	}
	if p.Stage != pipeline.Approved {
		return nil, fmt.Errorf("export: priority %s is %s, not approved", ref, p.Stage)
	}
	approvedAt := approvalTime(a)
	if approvedAt.IsZero() {
		return nil, fmt.Errorf("export: priority %s has no approval date", ref)
	}
	recs := approvedActions(a)
	actions := make([]pipeline.Action, len(recs))
	for i, r := range recs {
		actions[i] = r.Action
	}
	o := x.opts
	text := func(s string) xNarrative { return x.narrative(s, o.TextLang) }

	act := &xActivity{
		Lang:            o.Lang,
		DefaultCurrency: currency,
		Identifier:      o.IdentifierPrefix + "-" + ref,
		ReportingOrg: xOrg{
			Ref: o.ReportingOrgRef, Type: o.ReportingOrgType,
			Narratives: []xNarrative{x.narrative(o.ReportingOrgName, o.Lang)},
		},
		Title:  xText{Narratives: []xNarrative{text(firstNonBlank(p.Title, ref))}},
		Status: xCode{Code: activityStatus(recs)},
	}
	if !p.UpdatedAt.IsZero() {
		act.LastUpdated = dateTime(p.UpdatedAt)
	}

	if s := strings.TrimSpace(p.Description); s != "" {
		act.Descriptions = append(act.Descriptions, xText{Type: "1", Narratives: []xNarrative{text(s)}})
	}
	if p.Plan != nil {
		objectives := strings.TrimSpace(strings.TrimSpace(p.Plan.Objective) + "\n\n" + strings.TrimSpace(p.Plan.ExpectedOutcome))
		if objectives != "" {
			act.Descriptions = append(act.Descriptions, xText{Type: "2", Narratives: []xNarrative{text(objectives)}})
		}
	}
	if len(act.Descriptions) == 0 {
		act.Descriptions = []xText{{Type: "1", Narratives: []xNarrative{text(firstNonBlank(p.Title, ref))}}}
	}

	act.ParticipatingOrgs = x.participatingOrgs(p, recs)

	start, end := actionSpan(actions)
	actualStart, actualEnd := actualSpan(recs)
	if actualStart.IsZero() {
		actualStart = approvedAt
	}
	if !start.IsZero() {
		act.Dates = append(act.Dates, xDate{Type: datePlannedStart, ISODate: date(start)})
	}
	act.Dates = append(act.Dates, xDate{Type: dateActualStart, ISODate: date(actualStart)})
	if !end.IsZero() {
		act.Dates = append(act.Dates, xDate{Type: datePlannedEnd, ISODate: date(end)})
	}
	if !actualEnd.IsZero() {
		act.Dates = append(act.Dates, xDate{Type: dateActualEnd, ISODate: date(actualEnd)})
	}

	countries := distinct(p.Countries)
	switch {
	case len(countries) == 1:
		act.Scope = &xCode{Code: scopeNational}
	case len(countries) > 1:
		act.Scope = &xCode{Code: scopeMultiNational}
	}
	for i, pc := range splitPercent(len(countries)) {
		act.Countries = append(act.Countries, xCountry{Code: countries[i], Percentage: pc})
	}

	if t, ok := pipeline.Lists.ThemeByCode(p.Theme); ok && t.IATISector != "" {
		act.Sectors = []xSector{{Vocabulary: sectorVocabularyDAC, Code: t.IATISector, Percentage: "100"}}
	}
	sdg := pipeline.Lists.IATI.SDGTag
	act.Tags = []xTag{{Vocabulary: sdg.Vocabulary, Code: sdg.Code, Narratives: []xNarrative{x.narrative(sdg.Text, "en")}}}
	if p.Plan != nil {
		gm := pipeline.Lists.IATI.PolicyMarkerGender
		act.PolicyMarkers = []xPolicyMarker{{Vocabulary: gm.Vocabulary, Code: gm.Code, Significance: strconv.Itoa(p.Plan.GenderMarker)}}
	}

	if len(actions) > 0 && !start.IsZero() && !end.IsZero() {
		act.Budgets = []xBudget{{
			Type: budgetOriginal, Status: budgetIndicative,
			PeriodStart: xDate{ISODate: date(start)}, PeriodEnd: xDate{ISODate: date(end)},
			Value: xValue{Currency: currency, ValueDate: date(start), Amount: total(actions).String()},
		}}
	}

	for _, ac := range recs {
		if r, ok := x.result(ac, approvedAt.UTC().Year()); ok {
			act.Results = append(act.Results, r)
		}
	}
	return act, nil
}

// participatingOrgs lists funder, accountable counterparts and implementers,
// each name once per role.
func (x *IATIWriter) participatingOrgs(p *pipeline.Priority, actions []ActionRecord) []xOrg {
	o := x.opts
	orgs := []xOrg{{
		Role: roleFunding, Ref: o.ReportingOrgRef, Type: o.ReportingOrgType,
		Narratives: []xNarrative{x.narrative(o.ReportingOrgName, o.Lang)},
	}}
	named := func(role string, names []string) {
		for _, n := range distinct(names) {
			orgs = append(orgs, xOrg{Role: role, Narratives: []xNarrative{x.narrative(n, o.TextLang)}})
		}
	}
	counterparts := []string{p.Institution}
	var partners, agencies []string
	for _, a := range actions {
		counterparts = append(counterparts, a.Beneficiaries...)
		partners = append(partners, a.Partner)
		agencies = append(agencies, a.EUAgencies...)
	}
	named(roleAccountable, counterparts)
	orgs = append(orgs, xOrg{
		Role: roleImplementing, Ref: o.ProgrammeRef,
		Narratives: []xNarrative{x.narrative(o.ProgrammeName, o.Lang)},
	})
	// Names of the codelists are the institutions' own, in no user's language.
	seen := map[string]bool{}
	implementer := func(name, typ, lang string) {
		if k := strings.ToLower(strings.TrimSpace(name)); k != "" && !seen[k] {
			seen[k] = true
			orgs = append(orgs, xOrg{Role: roleImplementing, Type: typ, Narratives: []xNarrative{x.narrative(name, lang)}})
		}
	}
	for _, code := range partners {
		if i := slices.IndexFunc(pipeline.Partners, func(pt pipeline.Partner) bool { return pt.Code == code }); i >= 0 {
			implementer(pipeline.Partners[i].Name, partnerOrgTypes[code], o.Lang)
		} else {
			implementer(code, "", o.TextLang)
		}
	}
	for _, code := range agencies {
		if i := slices.IndexFunc(pipeline.EUAgencies, func(ag pipeline.EUAgency) bool { return ag.Code == code }); i >= 0 {
			implementer(pipeline.EUAgencies[i].Name, agencyOrgType, o.Lang)
		} else {
			implementer(code, "", o.TextLang)
		}
	}
	return orgs
}

// agencyOrgType is the OrganisationType of the EU agencies: Other Public
// Sector, as the Commission publishes itself (DefaultReportingOrgType).
const agencyOrgType = "15"

// partnerOrgTypes is the IATI OrganisationType of each implementing partner
// of the codelist, by what the institution is: a public foundation or
// agency of a state is Other Public Sector (15), a ministry or a public
// institute of a ministry Government (10), a company whose shareholders are
// a state and private firms a Public Private Partnership (30), an
// intergovernmental organisation Multilateral (40). The codelist holds no
// IATI organisation identifiers, so partners carry no ref.
var partnerOrgTypes = map[string]string{
	"fiiapp":           "15", // a foundation of the Spanish public sector
	"expertise_france": "15", // the French state's agency of technical cooperation
	"civipol":          "30", // the French Ministry of the Interior's operator, owned by the state and private firms
	"camoes":           "10", // a public institute of the Portuguese Ministry of Foreign Affairs
	"iila":             "40", // an intergovernmental organisation of Italy and Latin American states
	"nl_bz":            "10", // the Netherlands' Ministry of Foreign Affairs
	"nl_jenv":          "10", // the Netherlands' Ministry of Justice and Security
}

// activityStatus is the IATI ActivityStatus of a priority's plan, from its
// actions' delivery stages: implementation (2) while any action is still
// scheduled, in progress or postponed (or the plan has none); finalisation
// (3) once every action not cancelled is delivered or closed and one is
// still delivered, its report awaiting validation or closure; closed (4)
// once every action not cancelled is closed; cancelled (5) when every action
// was cancelled.
func activityStatus(actions []ActionRecord) string {
	var delivered, closed, cancelled int
	for _, a := range actions {
		switch a.Delivery.Stage {
		case pipeline.Delivered:
			delivered++
		case pipeline.Closed:
			closed++
		case pipeline.Cancelled:
			cancelled++
		default:
			return statusImplementation
		}
	}
	switch {
	case len(actions) == 0:
		return statusImplementation
	case cancelled == len(actions):
		return statusCancelled
	case delivered > 0:
		return statusFinalisation
	}
	return statusClosed
}

// actualSpan is the earliest confirmed start of the reported actions, and
// the latest confirmed end once no action is still open (delivered, closed
// or cancelled, and one reported); zero where there is none.
func actualSpan(actions []ActionRecord) (start, end time.Time) {
	open := false
	for _, a := range actions {
		if !a.reported() {
			open = open || a.Delivery.Stage != pipeline.Cancelled
			continue
		}
		if d, ok := parseDate(a.Delivery.ConfirmedStart); ok && (start.IsZero() || d.Before(start)) {
			start = d
		}
		if d, ok := parseDate(a.Delivery.ConfirmedEnd); ok && d.After(end) {
			end = d
		}
	}
	if open {
		end = time.Time{}
	}
	return start, end
}

// result is an action as an output with its indicators; ok is false when the
// action has no named indicator, since a result needs one.
func (x *IATIWriter) result(rec ActionRecord, baselineYear int) (xResult, bool) {
	a, lang := rec.Action, x.opts.TextLang
	r := xResult{
		Type:  resultOutput,
		Title: xText{Narratives: []xNarrative{x.narrative(firstNonBlank(a.Title, a.Type), lang)}},
	}
	if s := strings.TrimSpace(a.Description); s != "" {
		r.Description = &xText{Narratives: []xNarrative{x.narrative(s, lang)}}
	}
	start, okStart := parseDate(a.StartDate)
	end, okEnd := parseDate(a.EndDate)
	var report *pipeline.DeliveryReport
	if rec.reported() {
		report = rec.Delivery.Report
		cs, okCS := parseDate(rec.Delivery.ConfirmedStart)
		ce, okCE := parseDate(rec.Delivery.ConfirmedEnd)
		if okCS && okCE && !ce.Before(cs) {
			start, end, okStart, okEnd = cs, ce, true, true
		}
	}
	for i, in := range a.Indicators {
		name := strings.TrimSpace(in.Name)
		if name == "" {
			continue
		}
		// The measure code only says "units": which units goes in the description.
		ind := xIndicator{
			Measure:  measureOf(in.Unit),
			Title:    xText{Narratives: []xNarrative{x.narrative(name, lang)}},
			Baseline: &xBaseline{Year: strconv.Itoa(baselineYear), Value: number(in.Baseline)},
		}
		if u := strings.TrimSpace(in.Unit); u != "" && ind.Measure == measureUnit {
			ind.Description = &xText{Narratives: []xNarrative{x.narrative(u, lang)}}
		}
		if okStart && okEnd {
			ind.Period = &xPeriod{
				PeriodStart: xDate{ISODate: date(start)}, PeriodEnd: xDate{ISODate: date(end)},
				Target: xTarget{Value: number(in.Target)},
			}
			if report != nil && i < len(report.Indicators) {
				got := report.Indicators[i]
				ind.Period.Actual = &xTarget{Value: number(got.Actual)}
				if note := strings.TrimSpace(got.Note); note != "" {
					ind.Period.Actual.Comment = &xText{Narratives: []xNarrative{x.narrative(note, lang)}}
				}
			}
		}
		r.Indicators = append(r.Indicators, ind)
	}
	return r, len(r.Indicators) > 0
}

// narrative is text in lang; the attribute is left out when lang is the
// activity's default language.
func (x *IATIWriter) narrative(s, lang string) xNarrative {
	n := xNarrative{Text: strings.TrimSpace(s)}
	if lang != x.opts.Lang {
		n.Lang = lang
	}
	return n
}

// approvalTime is when the plan was approved: the activity's ApprovedAt, else
// the latest approval of its support actions, else when the priority entered
// the approved stage.
func approvalTime(a Activity) time.Time {
	if !a.ApprovedAt.IsZero() {
		return a.ApprovedAt
	}
	var t time.Time
	for _, s := range a.Actions {
		if s.ApprovedAt.After(t) {
			t = s.ApprovedAt
		}
	}
	if t.IsZero() {
		t = a.Priority.StageEnteredAt
	}
	return t
}

// approvedActions are the support actions in plan order, or the plan's
// actions, scheduled, when none were given.
func approvedActions(a Activity) []ActionRecord {
	if len(a.Actions) == 0 {
		if a.Priority.Plan == nil {
			return nil
		}
		out := make([]ActionRecord, len(a.Priority.Plan.Actions))
		for i, ac := range a.Priority.Plan.Actions {
			out[i].Index, out[i].Action, out[i].Delivery.Stage = i, ac, pipeline.Scheduled
		}
		return out
	}
	recs := slices.Clone(a.Actions)
	slices.SortStableFunc(recs, func(x, y ActionRecord) int { return x.Index - y.Index })
	return recs
}

// actionSpan is the earliest start and latest end date of the actions; a
// bound is zero when no action has a valid date for it.
func actionSpan(actions []pipeline.Action) (start, end time.Time) {
	for _, a := range actions {
		if d, ok := parseDate(a.StartDate); ok && (start.IsZero() || d.Before(start)) {
			start = d
		}
		if d, ok := parseDate(a.EndDate); ok && d.After(end) {
			end = d
		}
	}
	return start, end
}

// splitPercent shares 100 % among n items in hundredths, so that the
// percentages add up to exactly 100: 3 → 33.34, 33.33, 33.33.
func splitPercent(n int) []string {
	if n <= 0 {
		return nil
	}
	out := make([]string, n)
	base, rest := 10000/n, 10000%n
	for i := range out {
		h := base
		if i < rest {
			h++
		}
		out[i] = strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%d.%02d", h/100, h%100), "0"), ".")
	}
	return out
}

// measureOf is the IATI IndicatorMeasure of an indicator unit.
func measureOf(unit string) string {
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "%", "percent", "percentage", "porcentaje", "por ciento", "porcentagem":
		return measurePercentage
	}
	return measureUnit
}

// distinct drops blank entries and repeats (ignoring case and surrounding
// space), keeping the first spelling in order.
func distinct(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		s = strings.TrimSpace(s)
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

// total is the sum of the actions' budgets.
func total(actions []pipeline.Action) pipeline.EUR {
	var sum pipeline.EUR
	for _, a := range actions {
		sum = sum.Add(a.BudgetEUR)
	}
	return sum
}

func firstNonBlank(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func parseDate(s string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	return d, err == nil
}

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func dateTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// The XML shapes of IATI 2.03. Field order is element order: the schema
// declares the children of each element as an xsd:sequence.

type xActivity struct {
	XMLName           xml.Name        `xml:"iati-activity"`
	LastUpdated       string          `xml:"last-updated-datetime,attr,omitempty"`
	Lang              string          `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	DefaultCurrency   string          `xml:"default-currency,attr"`
	Identifier        string          `xml:"iati-identifier"`
	ReportingOrg      xOrg            `xml:"reporting-org"`
	Title             xText           `xml:"title"`
	Descriptions      []xText         `xml:"description"`
	ParticipatingOrgs []xOrg          `xml:"participating-org"`
	Status            xCode           `xml:"activity-status"`
	Dates             []xDate         `xml:"activity-date"`
	Scope             *xCode          `xml:"activity-scope"`
	Countries         []xCountry      `xml:"recipient-country"`
	Sectors           []xSector       `xml:"sector"`
	Tags              []xTag          `xml:"tag"`
	PolicyMarkers     []xPolicyMarker `xml:"policy-marker"`
	Budgets           []xBudget       `xml:"budget"`
	Results           []xResult       `xml:"result"`
}

type xNarrative struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Text string `xml:",chardata"`
}

// xText is a title or description; only an activity's description has a type.
type xText struct {
	Type       string       `xml:"type,attr,omitempty"`
	Narratives []xNarrative `xml:"narrative"`
}

// xOrg is the reporting-org (ref and type always set, no role) or a
// participating-org.
type xOrg struct {
	Ref        string       `xml:"ref,attr,omitempty"`
	Type       string       `xml:"type,attr,omitempty"`
	Role       string       `xml:"role,attr,omitempty"`
	Narratives []xNarrative `xml:"narrative"`
}

type xCode struct {
	Code string `xml:"code,attr"`
}

// xDate is an activity-date, with its type, or a period's start or end.
type xDate struct {
	Type    string `xml:"type,attr,omitempty"`
	ISODate string `xml:"iso-date,attr"`
}

type xCountry struct {
	Code       string `xml:"code,attr"`
	Percentage string `xml:"percentage,attr"`
}

type xSector struct {
	Vocabulary string `xml:"vocabulary,attr"`
	Code       string `xml:"code,attr"`
	Percentage string `xml:"percentage,attr"`
}

type xTag struct {
	Vocabulary string       `xml:"vocabulary,attr"`
	Code       string       `xml:"code,attr"`
	Narratives []xNarrative `xml:"narrative"`
}

type xPolicyMarker struct {
	Vocabulary   string `xml:"vocabulary,attr"`
	Code         string `xml:"code,attr"`
	Significance string `xml:"significance,attr"`
}

type xValue struct {
	Currency  string `xml:"currency,attr"`
	ValueDate string `xml:"value-date,attr"`
	Amount    string `xml:",chardata"`
}

type xBudget struct {
	Type        string `xml:"type,attr"`
	Status      string `xml:"status,attr"`
	PeriodStart xDate  `xml:"period-start"`
	PeriodEnd   xDate  `xml:"period-end"`
	Value       xValue `xml:"value"`
}

type xResult struct {
	Type        string       `xml:"type,attr"`
	Title       xText        `xml:"title"`
	Description *xText       `xml:"description"`
	Indicators  []xIndicator `xml:"indicator"`
}

type xIndicator struct {
	Measure     string     `xml:"measure,attr"`
	Title       xText      `xml:"title"`
	Description *xText     `xml:"description"`
	Baseline    *xBaseline `xml:"baseline"`
	Period      *xPeriod   `xml:"period"`
}

type xBaseline struct {
	Year  string `xml:"year,attr"`
	Value string `xml:"value,attr"`
}

type xPeriod struct {
	PeriodStart xDate    `xml:"period-start"`
	PeriodEnd   xDate    `xml:"period-end"`
	Target      xTarget  `xml:"target"`
	Actual      *xTarget `xml:"actual"`
}

// xTarget is a period's target or actual.
type xTarget struct {
	Value   string `xml:"value,attr"`
	Comment *xText `xml:"comment"`
}
