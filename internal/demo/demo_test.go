package demo_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/puente-dev/puente/devstack"
	"github.com/puente-dev/puente/internal/demo"
	"github.com/puente-dev/puente/internal/testenv"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/service"
	"github.com/puente-dev/puente/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestSeedTellsTheStory: on an empty database the demo history has a
// priority in every stage, an action closed with its report, one cancelled,
// the dashboard and the annual plan of last year show them, and a second
// run adds nothing.
func TestSeedTellsTheStory(t *testing.T) {
	app := testenv.NewApp(t, testenv.AppOptions{})
	ctx := context.Background()
	if _, err := devstack.SeedDevUsers(ctx, app.Store, filepath.Join(t.TempDir(), "dev-users.json")); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	seeded, err := demo.Seed(ctx, app.Service, app.Store, now)
	if err != nil || !seeded {
		t.Fatalf("first seed: %v, seeded %v", err, seeded)
	}
	mgr, err := app.Store.UserByEmail(ctx, "ana.ruiz@example.org")
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := app.Service.Priorities(ctx, mgr.Actor, store.Filter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	stages := map[pipeline.Stage]int{}
	for _, p := range all {
		stages[p.Stage]++
	}
	want := map[pipeline.Stage]int{pipeline.Triage: 1, pipeline.ExpertReview: 1, pipeline.Revision: 1, pipeline.Planning: 1,
		pipeline.Validation: 1, pipeline.Approval: 1, pipeline.Approved: 2, pipeline.Rejected: 1}
	for s, n := range want {
		if stages[s] != n {
			t.Errorf("stage %s: %d priorities, want %d (all: %v)", s, stages[s], n, stages)
		}
	}
	if len(all) != 9 {
		t.Errorf("%d priorities seeded, want 9", len(all))
	}

	dash, err := app.Service.DeliveryDashboard(ctx, mgr.Actor, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[pipeline.DeliveryStage]int{}
	for _, s := range dash.Stages {
		got[s.Stage] = s.Count
	}
	if got[pipeline.Closed] != 1 || got[pipeline.Delivered] != 1 || got[pipeline.Cancelled] != 1 || got[pipeline.InProgress] != 1 {
		t.Errorf("delivery stages on the dashboard: %v", got)
	}
	closed := slices.IndexFunc(all, func(p *pipeline.Priority) bool {
		return slices.ContainsFunc(p.Deliveries, func(d pipeline.Delivery) bool {
			return d.Stage == pipeline.Closed && d.Report != nil && d.ReportValidated && d.Report.ParticipantsWomen == 17 && d.Report.ParticipantsMen == 12
		})
	})
	if closed < 0 {
		t.Errorf("no action closed with its validated report of 17 women and 12 men")
	}

	plan, err := app.Service.AnnualPlan(ctx, mgr.Actor, service.AnnualPlanQuery{Year: now.Year() - 1})
	if err != nil {
		t.Fatal(err)
	}
	countries := []string{}
	for _, c := range plan.Countries {
		countries = append(countries, c.Country)
	}
	if !slices.Contains(countries, "PE") || !slices.Contains(countries, "CO") {
		t.Errorf("annual plan of %d: countries %v, want PE and CO", now.Year()-1, countries)
	}

	again, err := demo.Seed(ctx, app.Service, app.Store, now)
	if err != nil || again {
		t.Fatalf("second seed: %v, seeded %v", err, again)
	}
	after, _, err := app.Service.Priorities(ctx, mgr.Actor, store.Filter{}, store.Page{Limit: 200})
	if err != nil || len(after) != len(all) {
		t.Errorf("after a second seed: %d priorities (%v), want %d", len(after), err, len(all))
	}
}
