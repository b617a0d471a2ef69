package api

import (
	"testing"

	"github.com/puente-dev/puente/pipeline"
)

// The hot paths of a decision that do not need services: decoding and
// validating bodies (the token lookup is people.BenchmarkAuthenticate).
// `go test ./api -run '^$' -bench . -benchmem`.

var (
	submissionBody = []byte(`{"title":"Equipos conjuntos de investigación","description":"Crear un ECI con Colombia contra el lavado de activos",
		"theme":"joint_investigation_teams","pillar":"justice","countries":["PE","CO"],"institution":"Fiscalía de la Nación","urgency":"high"}`)
	planBody = []byte(`{"objective":"Fortalecer la cooperación judicial","expected_outcome":"Un ECI operativo","gender_marker":1,
		"actions":[{"type":"training","title":"Taller sobre ECI","description":"Formación de fiscales","beneficiaries":["Fiscalía de la Nación"],
		"countries":["PE","CO"],"start_date":"2027-02-01","end_date":"2027-02-05","budget_eur":45000,"eu_partners":["Eurojust"],
		"indicators":[{"name":"Fiscales formados","unit":"people","baseline":0,"target":40}]}]}`)
	decisionBody = []byte(`{"decision":"request_revision","comment":"Precise las instituciones beneficiarias"}`)
)

func BenchmarkDecodeSubmission(b *testing.B) {
	for b.Loop() {
		var s pipeline.Submission
		ps, err := decode(submissionBody, &s)
		if err != nil || len(ps.Merge(s.Validate())) != 0 {
			b.Fatal(ps, err)
		}
	}
}

func BenchmarkDecodePlan(b *testing.B) {
	for b.Loop() {
		var p pipeline.Plan
		ps, err := decode(planBody, &p)
		if err != nil || len(ps.Merge(p.Validate(true))) != 0 {
			b.Fatal(ps, err)
		}
	}
}

func BenchmarkDecodeDecision(b *testing.B) {
	t, _ := pipeline.Lookup(pipeline.ExpertReview, pipeline.RequestRevision)
	for b.Loop() {
		var d pipeline.DecisionInput
		ps, err := decode(decisionBody, &d)
		if err != nil || len(ps.Merge(d.Validate(t))) != 0 {
			b.Fatal(ps, err)
		}
	}
}
