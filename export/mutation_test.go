package export

import (
	"encoding/xml"
	"slices"
	"testing"
)

// The tests of this file pin behaviour that mutation testing (make mutate,
// docs/mutation.md) found no test noticing when it changed.

// A result carries its action's description when there is one, and an
// indicator counted in units says which units in its description; a blank
// description, blank units and percentages add none.
func TestResultAndIndicatorDescriptions(t *testing.T) {
	t.Parallel()
	p := approved("PE-2025-0001", "money_laundering", "PE")
	a := p.Plan.Actions[0]
	a.Indicators = append(a.Indicators, a.Indicators[0], a.Indicators[0])
	a.Indicators[1].Unit, a.Indicators[2].Unit = "%", " "
	blank := a
	blank.Description = "  "
	p.Plan.Actions = append(p.Plan.Actions[:0], a, blank)
	var doc struct {
		Results []struct {
			Description []dNarrative `xml:"description>narrative"`
			Indicators  []struct {
				Description []dNarrative `xml:"description>narrative"`
			} `xml:"indicator"`
		} `xml:"iati-activity>result"`
	}
	if err := xml.Unmarshal(writeIATI(t, []Activity{{Priority: p, Actions: supportActions(p), ApprovedAt: approvedAt}}), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 2 {
		t.Fatalf("%d results, want 2", len(doc.Results))
	}
	if d := doc.Results[0].Description; len(d) != 1 || d[0].Text != a.Description {
		t.Errorf("result description %+v, want %q", d, a.Description)
	}
	if d := doc.Results[1].Description; len(d) != 0 {
		t.Errorf("result description %+v, want none for a blank one", d)
	}
	ins := doc.Results[0].Indicators
	if len(ins) != 3 {
		t.Fatalf("%d indicators, want 3", len(ins))
	}
	if d := ins[0].Description; len(d) != 1 || d[0].Text != a.Indicators[0].Unit {
		t.Errorf("indicator description %+v, want its units %q", d, a.Indicators[0].Unit)
	}
	for i, in := range ins[1:] {
		if len(in.Description) != 0 {
			t.Errorf("indicator %d in %q: description %+v, want none", i+1, a.Indicators[i+1].Unit, in.Description)
		}
	}
}

// Support actions given out of order are written in plan order.
func TestSupportActionsInPlanOrder(t *testing.T) {
	t.Parallel()
	p := approved("PE-2025-0001", "money_laundering", "PE")
	second := p.Plan.Actions[0]
	second.Title = "Segunda acción"
	p.Plan.Actions = append(p.Plan.Actions, second)
	sas := supportActions(p)
	slices.Reverse(sas)
	var doc struct {
		Titles []string `xml:"iati-activity>result>title>narrative"`
	}
	if err := xml.Unmarshal(writeIATI(t, []Activity{{Priority: p, Actions: sas, ApprovedAt: approvedAt}}), &doc); err != nil {
		t.Fatal(err)
	}
	if want := []string{p.Plan.Actions[0].Title, second.Title}; !slices.Equal(doc.Titles, want) {
		t.Errorf("results %q, want %q", doc.Titles, want)
	}
}

// Nothing to share gets no shares, not a division by zero.
func TestSplitPercentOfNothing(t *testing.T) {
	t.Parallel()
	if got := splitPercent(0); got != nil {
		t.Errorf("splitPercent(0) = %q, want nil", got)
	}
}
