package api

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/puente-dev/puente/pipeline"
)

func TestDecodeListsEveryBadField(t *testing.T) {
	t.Parallel()
	var plan pipeline.Plan
	body := `{"objective": 1, "gender_marker": 1.5, "extra": true,
		"actions": [{"type": "training", "budget_eur": "lots", "indicators": [{"name": "n", "target": "x", "colour": 1}]}, 7]}`
	ps, err := decode([]byte(body), &plan)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Field)
	}
	want := []string{"actions[0].budget_eur", "actions[0].indicators[0].colour", "actions[0].indicators[0].target",
		"actions[1]", "extra", "gender_marker", "objective"}
	if !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	if plan.Actions[0].Type != "training" || plan.Actions[0].Indicators[0].Name != "n" {
		t.Errorf("good fields not decoded: %+v", plan.Actions)
	}
}

func TestDecodeRejectsNonJSON(t *testing.T) {
	t.Parallel()
	var s pipeline.Submission
	for _, body := range []string{"", "{", "[1,2]x"} {
		_, err := decode([]byte(body), &s)
		var p *Problem
		if !errors.As(err, &p) || p.Status != http.StatusBadRequest {
			t.Errorf("%q: %v", body, err)
		}
	}
	ps, err := decode([]byte(`[1]`), &s)
	if err != nil || len(ps) != 1 || ps[0].Field != "(body)" {
		t.Errorf("array body: %v %v", ps, err)
	}
}

func TestDecodeChangesKeepsAbsentFieldsNil(t *testing.T) {
	t.Parallel()
	var c pipeline.Changes
	ps, err := decode([]byte(`{"title": "Nuevo título", "urgency": null}`), &c)
	if err != nil || len(ps) != 0 {
		t.Fatalf("%v %v", ps, err)
	}
	if c.Title == nil || *c.Title != "Nuevo título" || c.Urgency != nil || c.Pillar != nil {
		t.Errorf("changes %+v", c)
	}
}
