package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/puente-dev/puente/pipeline"
)

// The web app decodes forms into the engine's input types, then leaves
// every judgement to the service. What it reports itself is only what a
// form cannot express in those types: a number that is not a number.

func submissionForm(r *http.Request) pipeline.Submission {
	f := r.PostForm
	return pipeline.Submission{
		SessionID: f.Get("session_id"), Title: f.Get("title"), Description: f.Get("description"),
		Theme: f.Get("theme"), Pillar: f.Get("pillar"), Countries: f["countries"],
		Institution: f.Get("institution"), Urgency: f.Get("urgency"), Sensitivity: f.Get("sensitivity"),
	}
}

func sessionForm(r *http.Request) pipeline.SessionInput {
	f := r.PostForm
	return pipeline.SessionInput{Title: f.Get("title"), Kind: f.Get("kind"), Date: f.Get("date"),
		Venue: f.Get("venue"), Countries: f["countries"]}
}

// changesForm reads the edit form: every field is sent, so every field is
// a change (unchanged values change nothing).
func changesForm(r *http.Request) pipeline.Changes {
	f := r.PostForm
	ptr := func(k string) *string {
		if _, ok := f[k]; !ok {
			return nil
		}
		v := f.Get(k)
		return &v
	}
	return pipeline.Changes{Title: ptr("title"), Description: ptr("description"), Pillar: ptr("pillar"),
		Institution: ptr("institution"), Urgency: ptr("urgency"), Sensitivity: ptr("sensitivity")}
}

func decisionForm(r *http.Request) pipeline.DecisionInput {
	f := r.PostForm
	return pipeline.DecisionInput{Decision: pipeline.Decision(f.Get("decision")), Comment: f.Get("comment"),
		Reason: f.Get("reason"), Theme: f.Get("theme"), ExpertID: f.Get("expert_id")}
}

// version reads the version the form was rendered at: the If-Match of the
// web app. A missing or bad one is 0, which the engine treats as "any"; the
// forms always send one.
func version(r *http.Request) int {
	v, _ := strconv.Atoi(r.PostForm.Get("version"))
	return v
}

var actionField = regexp.MustCompile(`^actions\[(\d+)\]\.(\w+)$`)
var indicatorField = regexp.MustCompile(`^actions\[(\d+)\]\.indicators\[(\d+)\]\.(\w+)$`)

// maxRows bounds the indices a plan form may name, so a forged form cannot
// make the server allocate without limit (the engine allows 100 actions).
const maxRows = 200

// planForm reads the plan editor's fields, named as the engine names them
// (actions[0].indicators[1].target), into a Plan.
func planForm(f url.Values) (pipeline.Plan, pipeline.Problems) {
	var ps pipeline.Problems
	p := pipeline.Plan{Objective: f.Get("objective"), ExpectedOutcome: f.Get("expected_outcome"), Actions: []pipeline.Action{}}
	if g := f.Get("gender_marker"); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil {
			ps.Add("gender_marker", pipeline.NotAnInteger)
		}
		p.GenderMarker = n
	}
	for k, vs := range f {
		if m := indicatorField.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[1])
			j, _ := strconv.Atoi(m[2])
			if i < maxRows && j < maxRows {
				a := growTo(&p.Actions, i)
				setIndicator(growTo(&a.Indicators, j), &ps, k, m[3], vs[0])
			}
		} else if m := actionField.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[1])
			if i < maxRows {
				setAction(growTo(&p.Actions, i), &ps, k, m[2], vs)
			}
		}
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		for _, l := range []*[]string{&a.Beneficiaries, &a.Countries, &a.EUAgencies} {
			if *l == nil {
				*l = []string{}
			}
		}
		// A row left blank is no indicator: the editor shows one blank row
		// under every action to type into.
		a.Indicators = slices.DeleteFunc(append([]pipeline.Indicator{}, a.Indicators...),
			func(in pipeline.Indicator) bool { return in == pipeline.Indicator{} })
	}
	return p, ps
}

// setAction sets an action's field from its input k. Lists typed one per
// line (beneficiaries) are split into their items.
func setAction(a *pipeline.Action, ps *pipeline.Problems, k, field string, vs []string) {
	switch v := vs[0]; field {
	case "type":
		a.Type = v
	case "title":
		a.Title = v
	case "description":
		a.Description = v
	case "beneficiaries":
		a.Beneficiaries = splitLines(v)
	case "countries":
		a.Countries = vs
	case "start_date":
		a.StartDate = v
	case "end_date":
		a.EndDate = v
	case "budget_eur":
		a.BudgetEUR = parseEUR(ps, k, v)
	case "partner":
		a.Partner = v
	case "eu_agencies":
		a.EUAgencies = vs
	}
}

// setIndicator sets an indicator's field from its input k.
func setIndicator(in *pipeline.Indicator, ps *pipeline.Problems, k, field, v string) {
	switch field {
	case "name":
		in.Name = v
	case "unit":
		in.Unit = v
	case "baseline":
		in.Baseline = parseNumber(ps, k, v)
	case "target":
		in.Target = parseNumber(ps, k, v)
	}
}

// growTo is the i-th element of *s, which it lengthens with zero elements
// up to it.
func growTo[T any](s *[]T, i int) *T {
	for len(*s) <= i {
		*s = append(*s, *new(T))
	}
	return &(*s)[i]
}

func parseNumber(ps *pipeline.Problems, field, v string) float64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil {
		ps.Add(field, pipeline.NotANumber)
	}
	return n
}

// parseEUR reads an amount of euros as a person types it ("45000",
// "1234,50"): at most two decimals, as the API takes them.
func parseEUR(ps *pipeline.Problems, field, v string) pipeline.EUR {
	v = strings.TrimSpace(v)
	if v == "" {
		return pipeline.EUR{}
	}
	eur, err := pipeline.ParseEUR(strings.ReplaceAll(v, ",", "."))
	switch {
	case errors.Is(err, pipeline.ErrTooPrecise):
		ps.Add(field, pipeline.TooPrecise)
	case errors.Is(err, pipeline.ErrAmountTooHigh):
		ps.Add(field, pipeline.TooLarge, "max", 1_000_000_000)
	case err != nil:
		ps.Add(field, pipeline.NotANumber)
	}
	return eur
}

func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// planOp applies an editor button — add or remove an action or an
// indicator — to the plan being edited. It reports false for save/submit.
func planOp(p *pipeline.Plan, op string) (bool, error) {
	parts := strings.Split(op, ":")
	// at is the row the op's k-th part names among n, or -1.
	at := func(k, n int) int {
		if len(parts) <= k {
			return -1
		}
		if i, err := strconv.Atoi(parts[k]); err == nil && i < n {
			return i
		}
		return -1
	}
	bad := fmt.Errorf("bad op %q", op)
	switch parts[0] {
	case "add_action":
		p.Actions = append(p.Actions, pipeline.Action{Beneficiaries: []string{}, Countries: []string{}, EUAgencies: []string{},
			Indicators: []pipeline.Indicator{{}}})
	case "remove_action":
		i := at(1, len(p.Actions))
		if i < 0 {
			return true, bad
		}
		p.Actions = slices.Delete(p.Actions, i, i+1)
	case "add_indicator":
		i := at(1, len(p.Actions))
		if i < 0 {
			return true, bad
		}
		p.Actions[i].Indicators = append(p.Actions[i].Indicators, pipeline.Indicator{})
	case "remove_indicator":
		i := at(1, len(p.Actions))
		j := -1
		if i >= 0 {
			j = at(2, len(p.Actions[i].Indicators))
		}
		if j < 0 {
			return true, bad
		}
		p.Actions[i].Indicators = slices.Delete(p.Actions[i].Indicators, j, j+1)
	default:
		return false, nil
	}
	return true, nil
}
