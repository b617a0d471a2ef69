package api

import (
	"encoding/json"
	"testing"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

// The hot paths of a decision that do not need services: decoding and
// validating bodies (the token lookup is people.BenchmarkAuthenticate).
// `go test ./api -run '^$' -bench . -benchmem`.

var (
	submissionBody, _ = json.Marshal(journey.SubmissionBody())
	planBody, _       = json.Marshal(journey.Plan())
	decisionBody      = []byte(`{"decision":"request_revision","comment":"Precise las instituciones beneficiarias"}`)
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
