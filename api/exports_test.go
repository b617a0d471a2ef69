package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/pipeline"
)

func TestExports(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if r := b.app.Do(t, "GET", "/v1/export/iati.xml", b.manager.Token, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("IATI export with nothing approved: %s", r.Status)
	}
	public := b.driveTo(t, pipeline.Approved)
	restricted := func() string {
		body := submission()
		body["sensitivity"] = "restricted"
		body["title"] = "=HYPERLINK(\"http://evil\")"
		id := b.submit(t, b.fpPE, body).ID
		b.decide(t, b.manager, id, 200, map[string]any{"decision": "accept", "expert_id": b.expert.ID})
		b.decide(t, b.expert, id, 200, map[string]any{"decision": "approve"})
		b.putPlan(t, b.expert, id, journey.PlanBody(), 200)
		b.decide(t, b.expert, id, 200, map[string]any{"decision": "submit_plan"})
		b.decide(t, b.fpPE, id, 200, map[string]any{"decision": "endorse"})
		b.decide(t, b.manager2, id, 200, map[string]any{"decision": "approve"})
		return id
	}()
	b.driveTo(t, pipeline.Planning)

	for _, path := range []string{"/v1/export/iati.xml", "/v1/export/priorities.csv"} {
		if r := b.app.Do(t, "GET", path, b.fpPE.Token, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("focal point exports %s: %s", path, r.Status)
		}
	}

	r := b.app.Do(t, "GET", "/v1/export/iati.xml", b.manager.Token, nil)
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
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
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", "../export/testdata/iati/iati-activities-schema.xsd", file).CombinedOutput()
	if err != nil {
		t.Fatalf("the IATI export does not validate against the 2.03 schema: %v\n%s", err, out)
	}
	publicRef := b.get(t, b.manager, public).Ref
	restrictedRef := b.get(t, b.manager, restricted).Ref
	if n := bytes.Count(r.Body, []byte("<iati-activity ")); n != 1 || !bytes.Contains(r.Body, []byte(publicRef)) || bytes.Contains(r.Body, []byte(restrictedRef)) {
		t.Errorf("IATI export holds %d activities; public %s present %v, restricted %s present %v", n,
			publicRef, bytes.Contains(r.Body, []byte(publicRef)), restrictedRef, bytes.Contains(r.Body, []byte(restrictedRef)))
	}
	for _, want := range []string{`<sector vocabulary="1" code="15130"`, `<tag vocabulary="3" code="16.4"`, `<policy-marker vocabulary="1" code="1" significance="1"`, `<recipient-country code="CO" percentage="50"`} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("IATI export lacks %s", want)
		}
	}

	r = b.app.Do(t, "GET", "/v1/export/priorities.csv", b.manager.Token, nil)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("CSV export: %s %s", r.Status, r.Body)
	}
	records, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV export does not parse: %v", err)
	}
	if len(records) != 4 || records[0][0] != "id" || records[0][1] != "ref" {
		t.Fatalf("CSV export: %d records, header %v", len(records), records[0])
	}
	var titles []string
	for _, rec := range records[1:] {
		titles = append(titles, rec[3])
	}
	if !strings.Contains(strings.Join(titles, "|"), `'=HYPERLINK("http://evil")`) {
		t.Errorf("formula not neutralised: %v", titles)
	}
	if !bytes.Contains(r.Body, []byte("\r\n")) {
		t.Error("CSV lines do not end with CRLF")
	}
	r = b.app.Do(t, "GET", "/v1/export/priorities.csv?stage=approved", b.manager.Token, nil)
	if records, _ := csv.NewReader(bytes.NewReader(r.Body)).ReadAll(); len(records) != 3 {
		t.Errorf("CSV filtered by stage: %d records", len(records))
	}
	// The export takes the list's filters, search included.
	r = b.app.Do(t, "GET", "/v1/export/priorities.csv?q=hyperlink&stage=approved", b.manager.Token, nil)
	if records, _ := csv.NewReader(bytes.NewReader(r.Body)).ReadAll(); len(records) != 2 || records[1][0] != restricted {
		t.Errorf("CSV filtered by search: %s %q", r.Status, r.Body)
	}
}
