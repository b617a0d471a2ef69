package web

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
)

// actionData is the page of one action of an approved priority: the action,
// its delivery, its delivery events and the forms of the acts the engine
// allows the caller now.
type actionData struct {
	V         *service.ActionView
	Acts      map[pipeline.DeliveryAct]bool
	Version   int
	Stale     bool
	Error     string
	Form      map[string]string
	Open      pipeline.DeliveryAct
	Report    pipeline.DeliveryReport
	Rows      []pipeline.InstitutionCount
	Partners  []string
	Countries []string
}

// minInstitutionRows is how many institution rows the report form offers
// before the person asks for more.
const minInstitutionRows = 3

func (a *App) actionPage(r *http.Request, actor pipeline.Actor) (*actionData, error) {
	i, err := strconv.Atoi(r.PathValue("idx"))
	if err != nil || i < 0 || i > maxRows {
		return nil, pipeline.Errorf(pipeline.KindNotFound, "no such action")
	}
	v, err := a.d.Service.Action(r.Context(), actor, r.PathValue("id"), i)
	if err != nil {
		return nil, err
	}
	d := &actionData{V: v, Acts: map[pipeline.DeliveryAct]bool{}, Form: map[string]string{},
		Partners: service.PartnerCodes(), Countries: pipeline.Lists.CountryCodes()}
	if v.Priority != nil {
		d.Version = v.Priority.Version
	}
	for _, act := range v.AllowedActs {
		d.Acts[act] = true
	}
	if rep := v.Action.Delivery.Report; rep != nil {
		d.Report = *rep
		d.Form["report.actual_cost_eur"] = rep.ActualCostEUR.String()
		for k, ac := range rep.Indicators {
			d.Form[fmt.Sprintf("report.indicators[%d].actual", k)] = strconv.FormatFloat(ac.Actual, 'f', -1, 64)
		}
	}
	for len(d.Report.Indicators) < len(v.Action.Action.Indicators) {
		d.Report.Indicators = append(d.Report.Indicators, pipeline.IndicatorActual{})
	}
	d.Rows = append([]pipeline.InstitutionCount{}, d.Report.Institutions...)
	return d, nil
}

func (d *actionData) growRows(r *http.Request) {
	want := max(len(d.Rows), minInstitutionRows)
	if n, err := strconv.Atoi(r.URL.Query().Get("rows")); err == nil && n > want && n <= maxRows {
		want = n
	}
	for len(d.Rows) < want {
		d.Rows = append(d.Rows, pipeline.InstitutionCount{})
	}
}

func (a *App) action(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	d, err := a.actionPage(r, actor)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	d.growRows(r)
	a.render(w, r, &actor, http.StatusOK, "action", "daction.title", d, withNotice(noticeOf(r)),
		withTitle(d.V.Action.PriorityRef+" · "+strconv.Itoa(d.V.Action.Index+1)))
}

// deliver takes one delivery act at the version the page showed, through
// the same service method as the API.
func (a *App) deliver(w http.ResponseWriter, r *http.Request, actor pipeline.Actor) {
	if !a.readForm(w, r, &actor) {
		return
	}
	id := r.PathValue("id")
	i, err := strconv.Atoi(r.PathValue("idx"))
	if err != nil || i < 0 || i > maxRows {
		a.refusal(w, r, actor, pipeline.Errorf(pipeline.KindNotFound, "no such action"))
		return
	}
	in, ps := deliveryForm(r)
	if len(ps) == 0 {
		_, err = a.d.Service.Deliver(r.Context(), actor, id, version(r), i, in)
	} else if err = a.d.Service.CheckDelivery(r.Context(), actor, id, version(r), i, in); err == nil || isInvalid(err) {
		_, more := kindOf(err)
		for _, pr := range more {
			if !slices.ContainsFunc(ps, func(q pipeline.FieldError) bool { return q.Field == pr.Field }) {
				ps = append(ps, pr)
			}
		}
		err = pipeline.Invalid("the delivery step is not valid", ps)
	}
	if err != nil {
		a.deliveryRefused(w, r, actor, in, err)
		return
	}
	redirect(w, r, "/priorities/"+id+"/actions/"+strconv.Itoa(i), "notice.delivered")
}

func isInvalid(err error) bool { k, _ := kindOf(err); return k == pipeline.KindInvalid }

// deliveryRefused shows the action page again after a refused act: stale,
// or the fields at fault at their inputs, with what the person typed.
func (a *App) deliveryRefused(w http.ResponseWriter, r *http.Request, actor pipeline.Actor, in pipeline.DeliveryInput, err error) {
	kind, ps := kindOf(err)
	k, known := errorKinds[kind]
	if !known || kind == pipeline.KindNotFound {
		a.refusal(w, r, actor, err)
		return
	}
	d, err := a.actionPage(r, actor)
	if err != nil {
		a.refusal(w, r, actor, err)
		return
	}
	switch kind {
	case pipeline.KindStale:
		d.Stale = true
	case pipeline.KindInvalid:
		d.Open = in.Act
		for key, vs := range r.PostForm {
			if len(vs) > 0 {
				d.Form[key] = vs[0]
			}
		}
		if in.Report != nil {
			d.Report = *in.Report
			d.Rows = append([]pipeline.InstitutionCount{}, in.Report.Institutions...)
			for len(d.Report.Indicators) < len(d.V.Action.Action.Indicators) {
				d.Report.Indicators = append(d.Report.Indicators, pipeline.IndicatorActual{})
			}
		}
	default:
		d.Error = k.msg
	}
	d.growRows(r)
	a.render(w, r, &actor, k.status, "action", "daction.title", d, withProblems(ps),
		withTitle(d.V.Action.PriorityRef+" · "+strconv.Itoa(d.V.Action.Index+1)))
}

var institutionField = regexp.MustCompile(`^report\.institutions\[(\d+)\]\.(name|participants)$`)
var actualField = regexp.MustCompile(`^report\.indicators\[(\d+)\]\.(actual|note)$`)

// deliveryForm reads a delivery act's form into the API's input, with the
// problems of what could not be read (a number that is not one).
func deliveryForm(r *http.Request) (pipeline.DeliveryInput, pipeline.Problems) {
	f := r.PostForm
	in := pipeline.DeliveryInput{Act: pipeline.DeliveryAct(f.Get("act")), Comment: f.Get("comment"),
		Reason: f.Get("reason"), StartDate: f.Get("start_date"), EndDate: f.Get("end_date"),
		Place: f.Get("place"), Partner: f.Get("partner")}
	var ps pipeline.Problems
	if in.Act != pipeline.ReportDelivery {
		return in, ps
	}
	rep := &pipeline.DeliveryReport{Countries: f["report.countries"], Summary: f.Get("report.summary")}
	whole := func(field string) int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			ps.Add(field, pipeline.NotANumber)
		}
		return n
	}
	rep.ParticipantsWomen = whole("report.participants_women")
	rep.ParticipantsMen = whole("report.participants_men")
	rep.ParticipantsOther = whole("report.participants_other")
	rep.ActualCostEUR = parseEUR(&ps, "report.actual_cost_eur", f.Get("report.actual_cost_eur"))
	for k, vs := range f {
		if m := institutionField.FindStringSubmatch(k); m != nil {
			j, _ := strconv.Atoi(m[1])
			if j >= maxRows {
				continue
			}
			row := growTo(&rep.Institutions, j)
			if m[2] == "name" {
				row.Name = strings.TrimSpace(vs[0])
			} else {
				row.Participants = whole(k)
			}
		} else if m := actualField.FindStringSubmatch(k); m != nil {
			j, _ := strconv.Atoi(m[1])
			if j >= maxRows {
				continue
			}
			ac := growTo(&rep.Indicators, j)
			if m[2] == "note" {
				ac.Note = vs[0]
			} else {
				ac.Actual = parseNumber(&ps, k, vs[0])
			}
		}
	}
	kept := rep.Institutions[:0]
	for _, row := range rep.Institutions {
		if row.Name != "" || row.Participants != 0 {
			kept = append(kept, row)
		}
	}
	rep.Institutions = kept
	in.Report = rep
	return in, ps
}
