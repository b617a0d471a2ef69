// Package demo seeds the small history `puente dev` shows on an empty
// database: a dialogue session of last year, priorities from several
// countries in every stage, approved plans whose actions partners deliver.
// Everything goes through the service and the workflows, acted by the demo
// users, so the audit trail and four-eyes hold as in real use.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

// Marker says in every seeded text that it is demo data.
const Marker = "Datos de demostración"

// people are the demo users the history acts as, found by email.
type people struct {
	st *store.Store
}

func (p people) get(ctx context.Context, email string) (pipeline.Actor, error) {
	u, err := p.st.UserByEmail(ctx, email)
	if err != nil {
		return pipeline.Actor{}, fmt.Errorf("demo user %s: %w", email, err)
	}
	return u.Actor, nil
}

func expertEmail(theme string) string {
	return "expert." + strings.ReplaceAll(theme, "_", "-") + "@example.org"
}

// Seed writes the demo history when the database holds no priority yet
// and reports whether it did. The demo users must exist.
func Seed(ctx context.Context, svc *service.Service, st *store.Store, now time.Time) (bool, error) {
	who := people{st}
	mgr, err := who.get(ctx, "ana.ruiz@example.org")
	if err != nil {
		return false, err
	}
	approver, err := who.get(ctx, "jean.dupont@example.org")
	if err != nil {
		return false, err
	}
	have, _, err := svc.Priorities(ctx, mgr, store.Filter{}, store.Page{Limit: 1})
	if err != nil {
		return false, err
	}
	if len(have) > 0 {
		return false, nil
	}
	year := now.Year() - 1
	sess, err := svc.CreateSession(ctx, mgr, pipeline.SessionInput{
		Title: fmt.Sprintf("Reunión Anual de Ministros %d (%s)", year, Marker), Kind: "political_dialogue",
		Date: fmt.Sprintf("%d-06-12", year), Venue: "Lima — " + Marker, Countries: []string{"PE", "CO", "MX", "HT", "SR"},
	})
	if err != nil {
		return false, fmt.Errorf("demo session: %w", err)
	}
	for _, d := range history(year) {
		if err := d.run(ctx, svc, who, sess.ID, mgr, approver); err != nil {
			return true, fmt.Errorf("demo priority %q: %w", d.title, err)
		}
	}
	return true, nil
}

// demoPriority is one seeded priority and how far its story goes.
type demoPriority struct {
	focal, title, theme, pillar, country, institution string
	// steps is how many of the story's acts it takes: 0 leaves it in
	// triage, 1 in expert review, 2 in revision, 4 in planning, 6 in
	// validation, 7 in approval, 8 approves it.
	steps    int
	rejectIn pipeline.Stage
	plan     *pipeline.Plan
	deliver  func(ctx context.Context, svc *service.Service, who people, id string, expert, mgr pipeline.Actor) error
}

func (d demoPriority) run(ctx context.Context, svc *service.Service, who people, sessionID string, mgr, approver pipeline.Actor) error {
	fp, err := who.get(ctx, d.focal)
	if err != nil {
		return err
	}
	expert, err := who.get(ctx, expertEmail(d.theme))
	if err != nil {
		return err
	}
	p, err := svc.Submit(ctx, fp, pipeline.Submission{SessionID: sessionID, Title: d.title,
		Description: d.title + ". " + Marker + ".", Theme: d.theme, Pillar: d.pillar, Countries: []string{d.country},
		Institution: d.institution, Urgency: "medium", Sensitivity: "public"}, "")
	if err != nil {
		return err
	}
	act := func(a pipeline.Actor, in pipeline.DecisionInput, plan *pipeline.Plan) error {
		_, err := svc.Act(ctx, a, p.ID, 0, pipeline.Act{DecisionInput: in, Plan: plan})
		return err
	}
	steps := []struct {
		at   pipeline.Stage
		a    pipeline.Actor
		in   pipeline.DecisionInput
		plan *pipeline.Plan
	}{
		{pipeline.Triage, mgr, pipeline.DecisionInput{Decision: pipeline.Accept, ExpertID: expert.ID}, nil},
		{pipeline.ExpertReview, expert, pipeline.DecisionInput{Decision: pipeline.RequestRevision, Comment: "Precisen las instituciones beneficiarias."}, nil},
		{pipeline.Revision, fp, pipeline.DecisionInput{Decision: pipeline.Resubmit}, nil},
		{pipeline.ExpertReview, expert, pipeline.DecisionInput{Decision: pipeline.Approve}, nil},
		{pipeline.Planning, expert, pipeline.DecisionInput{Decision: pipeline.DraftPlan}, d.plan},
		{pipeline.Planning, expert, pipeline.DecisionInput{Decision: pipeline.SubmitPlan}, nil},
		{pipeline.Validation, fp, pipeline.DecisionInput{Decision: pipeline.Endorse}, nil},
		{pipeline.Approval, approver, pipeline.DecisionInput{Decision: pipeline.Approve}, nil},
	}
	for i, s := range steps {
		if d.rejectIn != "" && s.at == d.rejectIn {
			return act(s.a, pipeline.DecisionInput{Decision: pipeline.Reject, Reason: "Fuera del mandato del programa. " + Marker + "."}, nil)
		}
		if i == d.steps {
			return nil
		}
		if err := act(s.a, s.in, s.plan); err != nil {
			return fmt.Errorf("%s in %s: %w", s.in.Decision, s.at, err)
		}
	}
	if d.deliver != nil {
		return d.deliver(ctx, svc, who, p.ID, expert, mgr)
	}
	return nil
}
