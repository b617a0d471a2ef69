package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

// deliveryFixture is what a delivered and closed action's row holds.
type deliveryFixture struct {
	partner  string
	agencies []string
	stage    pipeline.DeliveryStage
	report   *pipeline.DeliveryReport
}

// setDelivery writes the delivery columns of a priority's first approved
// action straight into the test's database, as the delivery workflow's
// flush will: the exports read these columns.
func (b *bundle) setDelivery(t *testing.T, priorityID string, d deliveryFixture) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, b.app.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var cost any
	var women, men, other any
	if d.report != nil {
		cost, women, men, other = d.report.ActualCostEUR.String(), d.report.ParticipantsWomen, d.report.ParticipantsMen, d.report.ParticipantsOther
	}
	tag, err := conn.Exec(ctx, `UPDATE support_actions SET partner = $2, eu_agencies = $3, delivery_stage = $4,
		confirmed_start = '2026-02-02', confirmed_end = '2026-02-06', place = 'Lima', report = $5,
		report_validated = $4 = 'closed', actual_cost_eur = $6::numeric, participants_women = $7, participants_men = $8,
		participants_other = $9, stage_entered_at = now(),
		closed_at = CASE WHEN $4 = 'closed' THEN '2026-03-01T09:30:00Z'::timestamptz END
		WHERE priority_id = $1 AND idx = 0`,
		priorityID, d.partner, d.agencies, string(d.stage), d.report, cost, women, men, other)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("set delivery of %s: %v (%d rows)", priorityID, err, tag.RowsAffected())
	}
}

func closedReport() *pipeline.DeliveryReport {
	return &pipeline.DeliveryReport{
		ParticipantsWomen: 19, ParticipantsMen: 17, ParticipantsOther: 1,
		Institutions: []pipeline.InstitutionCount{{Name: "Fiscalía de la Nación", Participants: 37}},
		Countries:    []string{"PE", "CO"}, Summary: "Taller de cinco días en Lima.",
		ActualCostEUR: pipeline.Cents(4187550),
		Indicators:    []pipeline.IndicatorActual{{Actual: 37, Note: "Tres fiscales no pudieron viajar"}},
	}
}

// The exports carry each approved action's delivery, read from the read
// model's columns: IATI status, actual dates, partner and agencies,
// indicator actuals (valid against the 2.03 schema); the CSV's delivery
// columns. A restricted priority stays out of the IATI file, and out of
// every read of actions by whoever may not see it.
func TestExportsCarryDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	public := b.driveTo(t, pipeline.Approved)
	restricted := func() string {
		body := submission()
		body["sensitivity"] = "restricted"
		id := b.submit(t, b.fpPE, body).ID
		b.decide(t, b.manager, id, 200, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
		b.decide(t, b.expert, id, 200, map[string]any{"decision": "approve"})
		b.putPlan(t, b.expert, id, journey.PlanBody(), 200)
		b.decide(t, b.expert, id, 200, map[string]any{"decision": "submit_plan"})
		b.decide(t, b.fpPE, id, 200, map[string]any{"decision": "endorse"})
		b.decide(t, b.manager2, id, 200, map[string]any{"decision": "approve"})
		return id
	}()
	b.setDelivery(t, public, deliveryFixture{partner: "fiiapp", agencies: []string{"eurojust", "europol"}, stage: pipeline.Closed, report: closedReport()})
	b.setDelivery(t, restricted, deliveryFixture{partner: "fiiapp", agencies: []string{}, stage: pipeline.InProgress})
	publicRef, restrictedRef := b.get(t, b.manager, public).Ref, b.get(t, b.manager, restricted).Ref

	r := b.app.Do(t, "GET", "/v1/export/iati.xml", b.manager.Token, nil)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("IATI export: %s %s", r.Status, r.Body)
	}
	file := filepath.Join(t.TempDir(), "iati.xml")
	if err := os.WriteFile(file, r.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is required to validate the IATI export: install libxml2-utils (make test does)")
	}
	if out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", "../export/testdata/iati/iati-activities-schema.xsd", file).CombinedOutput(); err != nil {
		t.Fatalf("the IATI export does not validate against the 2.03 schema: %v\n%s\n%s", err, out, r.Body)
	}
	if !bytes.Contains(r.Body, []byte(publicRef)) || bytes.Contains(r.Body, []byte(restrictedRef)) {
		t.Errorf("IATI export: public %s present %v, restricted %s present %v", publicRef,
			bytes.Contains(r.Body, []byte(publicRef)), restrictedRef, bytes.Contains(r.Body, []byte(restrictedRef)))
	}
	for _, want := range []string{
		`<activity-status code="4">`,
		`<activity-date type="1" iso-date="2027-02-01">`,
		`<activity-date type="2" iso-date="2026-02-02">`,
		`<activity-date type="3" iso-date="2027-02-05">`,
		`<activity-date type="4" iso-date="2026-02-06">`,
		`<participating-org type="15" role="4">` + "\n      <narrative>" + pipeline.Partners[0].Name + "</narrative>",
		`<participating-org type="15" role="4">` + "\n      <narrative>Eurojust</narrative>",
		`<participating-org type="15" role="4">` + "\n      <narrative>Europol</narrative>",
		`<period-start iso-date="2026-02-02">`,
		`<target value="40">`,
		`<actual value="37">` + "\n            <comment>\n              <narrative xml:lang=\"es\">Tres fiscales no pudieron viajar</narrative>",
	} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("IATI export lacks %s\n%s", want, r.Body)
		}
	}
	if n := bytes.Count(r.Body, []byte("<narrative>Eurojust</narrative>")) + bytes.Count(r.Body, []byte(`<narrative xml:lang="es">Eurojust</narrative>`)); n != 1 {
		t.Errorf("Eurojust (an agency by code and typed in the plan) is named %d times, want once", n)
	}

	r = b.app.Do(t, "GET", "/v1/export/priorities.csv?stage=approved", b.manager.Token, nil)
	records, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if r.StatusCode != http.StatusOK || err != nil || len(records) != 3 {
		t.Fatalf("CSV export: %s, %v, %d records", r.Status, err, len(records))
	}
	col := func(row []string, name string) string {
		for i, c := range records[0] {
			if c == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s in %q", name, records[0])
		return ""
	}
	byID := map[string][]string{}
	for _, rec := range records[1:] {
		byID[rec[0]] = rec
	}
	wantPublic := map[string]string{
		"partner": "fiiapp", "eu_agencies": "eurojust;europol", "delivery_stage": "closed",
		"confirmed_start": "2026-02-02", "confirmed_end": "2026-02-06", "place": "Lima",
		"actual_cost_eur": "41875.50", "participants_women": "19", "participants_men": "17", "participants_other": "1",
		"report_validated": "true", "closed_at": "2026-03-01T09:30:00Z",
	}
	for name, want := range wantPublic {
		if got := col(byID[public], name); got != want {
			t.Errorf("public priority's %s = %q, want %q", name, got, want)
		}
	}
	wantRestricted := map[string]string{"partner": "fiiapp", "delivery_stage": "in_progress", "actual_cost_eur": "", "report_validated": "false", "closed_at": ""}
	for name, want := range wantRestricted {
		if got := col(byID[restricted], name); got != want {
			t.Errorf("restricted priority's %s = %q (managers export it), want %q", name, got, want)
		}
	}

	// The actions of the restricted priority reach nobody who may not see
	// it; an implementer gets only their partner's.
	ctx := context.Background()
	both := []string{public, restricted}
	for _, c := range []struct {
		who  string
		a    pipeline.Actor
		want []string
	}{
		{"manager", pipeline.Actor{ID: b.manager.ID, Role: pipeline.Manager}, both},
		{"focal point of PE", pipeline.Actor{ID: b.fpPE.ID, Role: pipeline.FocalPoint, Countries: []string{"PE"}}, both},
		{"focal point of MX", pipeline.Actor{ID: b.fpMX.ID, Role: pipeline.FocalPoint, Countries: []string{"MX"}}, nil},
		{"assigned expert", pipeline.Actor{ID: b.expert.ID, Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}}, both},
		{"expert of the theme", pipeline.Actor{ID: b.expert2.ID, Role: pipeline.Expert, Themes: []string{"joint_investigation_teams"}}, []string{public}},
		{"implementer of FIIAPP", pipeline.Actor{ID: "0b6f4f0e-6a55-4bd8-9a55-1d1c8a7f00ff", Role: pipeline.Implementer, Partner: "fiiapp"}, both},
		{"implementer of CIVIPOL", pipeline.Actor{ID: "0b6f4f0e-6a55-4bd8-9a55-1d1c8a7f00fe", Role: pipeline.Implementer, Partner: "civipol"}, nil},
	} {
		rows, err := b.app.Store.ActionRows(ctx, c.a, both)
		if err != nil {
			t.Fatalf("%s: %v", c.who, err)
		}
		var got []string
		for _, id := range both {
			if len(rows[id]) > 0 {
				got = append(got, id)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s reads the actions of %v, want %v (public %s, restricted %s)", c.who, got, c.want, public, restricted)
		}
	}
	rows, err := b.app.Store.ActionRows(ctx, pipeline.Actor{ID: b.manager.ID, Role: pipeline.Manager}, []string{public})
	if err != nil || len(rows[public]) != 1 {
		t.Fatalf("action rows: %v %v", rows, err)
	}
	got := rows[public][0]
	if got.Delivery.Report == nil || got.Delivery.Report.Summary != "Taller de cinco días en Lima." ||
		got.Delivery.Report.ActualCostEUR != pipeline.Cents(4187550) || len(got.Delivery.Report.Indicators) != 1 ||
		got.Delivery.Report.Indicators[0].Actual != 37 || got.ClosedAt == nil || got.Delivery.ConfirmedEnd != "2026-02-06" ||
		got.Partner != "fiiapp" || strings.Join(got.EUAgencies, ",") != "eurojust,europol" {
		t.Errorf("action row %+v report %+v", got, got.Delivery.Report)
	}
}
