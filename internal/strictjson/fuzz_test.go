package strictjson_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/puente-dev/puente/internal/journey"
	"github.com/puente-dev/puente/internal/strictjson"
	"github.com/puente-dev/puente/pipeline"
	"github.com/puente-dev/puente/store"
)

// The fuzz targets hold a promise for every write the API takes
// (docs/architecture.md, API overview):
// whatever its decoding and validation accept, PostgreSQL stores and gives
// back byte for byte. Each target builds a request body from fuzzed values —
// JSON-quoted, or inserted raw between the quotes so that control
// characters, invalid UTF-8, escapes and stray quotes (hence duplicate and
// unknown keys) reach the decoder as a client would send them — decodes it
// as the handler does, has the engine judge and apply it as the service and
// the workflow do (the body's refusal is the only one allowed), records the
// outcome as the workflow's flush does (approval included, which turns a
// plan into support actions), and reads it back through the store's own
// read paths.
//
// The seed corpus is the first f.Add of each target and the hostile inputs
// of testdata/fuzz/<target>/: NUL and other control characters, invalid
// UTF-8, lone surrogates, duplicate keys, years 0000 and 9999, half a cent.
//
// Run one for a while with, e.g.:
//
//	go test ./internal/strictjson -run '^$' -fuzz '^FuzzPlan$' -fuzztime 30s
//
// The database comes from internal/testdb, run as its own process: linking
// the dev stack here would make `go test -fuzz` instrument the Temporal SDK.

// fuzzDatabaseEnv passes the database to the fuzzing worker processes, which
// would otherwise each start a cluster; it may also name one to use.
const fuzzDatabaseEnv = "PUENTE_FUZZ_DATABASE_URL"

type fuzzBundle struct {
	st  *store.Store
	ctx context.Context
}

func fuzzSetup(f *testing.F) *fuzzBundle {
	f.Helper()
	url := os.Getenv(fuzzDatabaseEnv)
	if url == "" {
		testDB.once.Do(startTestDB)
		if testDB.err != nil {
			f.Fatalf("internal/testdb: %v", testDB.err)
		}
		url = testDB.url
	}
	st, err := store.Open(context.Background(), url, 4)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(st.Close)
	return &fuzzBundle{st: st, ctx: context.Background()}
}

// testDB is the internal/testdb process of this test binary, started by the
// first target that needs it and stopped by TestMain.
var testDB struct {
	once sync.Once
	url  string
	err  error
	stop func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testDB.stop != nil {
		testDB.stop()
	}
	os.Exit(code)
}

// startTestDB runs internal/testdb and sets fuzzDatabaseEnv for the fuzzing
// workers this process may start.
func startTestDB() {
	cmd := exec.Command("go", "run", "github.com/puente-dev/puente/internal/testdb")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		testDB.err = err
		return
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		testDB.err = err
		return
	}
	cmd.Stderr = os.Stderr
	if testDB.err = cmd.Start(); testDB.err != nil {
		return
	}
	testDB.stop = func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		testDB.err = fmt.Errorf("no database: %w", err)
		return
	}
	testDB.url = strings.TrimSpace(line)
	testDB.err = os.Setenv(fuzzDatabaseEnv, testDB.url)
}

// fuzzQuote renders v as a JSON string: encoded, or raw between quotes.
func fuzzQuote(v string, raw bool) string {
	if raw {
		return `"` + v + `"`
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fuzzObject joins members into a JSON object; extra, raw, goes last (a stray
// member, a duplicate key, anything).
func fuzzObject(extra string, members ...string) []byte {
	if extra != "" {
		members = append(members, extra)
	}
	return []byte("{" + strings.Join(members, ",") + "}")
}

// acceptBody decodes body into dst and validates it as a handler does, and
// reports whether the API would take it. Whatever it takes must be text a
// person could have meant: valid UTF-8 with every surrogate escape paired
// (checked here without the API's own scanner). A refusal names its fields.
func acceptBody(t *testing.T, body []byte, dst any, validate func() pipeline.Problems) bool {
	t.Helper()
	ps, err := strictjson.Decode(body, dst)
	if err != nil {
		return false
	}
	ps = ps.Merge(validate())
	for _, p := range ps {
		if p.Field == "" || p.Code == "" {
			t.Errorf("a problem without a field or code: %+v", p)
		}
	}
	if len(ps) > 0 {
		return false
	}
	if !utf8.Valid(body) {
		t.Fatalf("accepted a body that is not UTF-8: %q", body)
	}
	if err := pairedSurrogates(body); err != nil {
		t.Fatalf("accepted %q: %v", body, err)
	}
	return true
}

var escapeRE = regexp.MustCompile(`\\(u[0-9a-fA-F]{4}|.)`)

// pairedSurrogates checks every \uD800–\uDFFF escape of a JSON text comes as
// a high and a low half, in that order.
func pairedSurrogates(body []byte) error {
	high := -1
	for _, m := range escapeRE.FindAllSubmatchIndex(body, -1) {
		esc := string(body[m[2]:m[3]])
		r := int64(-1)
		if len(esc) == 5 {
			r, _ = strconv.ParseInt(esc[1:], 16, 32)
		}
		isHigh, isLow := r >= 0xd800 && r < 0xdc00, r >= 0xdc00 && r < 0xe000
		switch {
		case high >= 0 && (!isLow || m[0] != high):
			return fmt.Errorf("unpaired high surrogate escape before offset %d", m[0])
		case high < 0 && isLow:
			return fmt.Errorf("unpaired low surrogate escape at offset %d", m[0])
		}
		high = -1
		if isHigh {
			high = m[1]
		}
	}
	if high >= 0 {
		return fmt.Errorf("unpaired high surrogate escape at the end")
	}
	return nil
}

// fuzzNow is the time as PostgreSQL keeps it (microseconds).
func fuzzNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// The actors of the fuzzed acts: a focal point of every CELAC country, an
// expert of every theme, two managers (four-eyes).
var (
	focal    = pipeline.Actor{ID: "2f1c6a52-8f0e-4f7e-9d7e-4b8f0e6a2c11", Name: "María Quispe", Role: pipeline.FocalPoint, Countries: pipeline.Lists.CountryCodes()}
	expert   = pipeline.Actor{ID: "3f1c6a52-8f0e-4f7e-9d7e-4b8f0e6a2c11", Name: "Carmen Díaz", Role: pipeline.Expert, Themes: pipeline.Lists.ThemeCodes()}
	manager  = pipeline.Actor{ID: "4f1c6a52-8f0e-4f7e-9d7e-4b8f0e6a2c11", Name: "Ana Ruiz", Role: pipeline.Manager}
	manager2 = pipeline.Actor{ID: "5f1c6a52-8f0e-4f7e-9d7e-4b8f0e6a2c11", Name: "Jean Dupont", Role: pipeline.Manager}
	actors   = []pipeline.Actor{focal, expert, manager, manager2}
	slas     = pipeline.DefaultSLAs()
)

// history is a priority as the engine left it and the events that led there.
type history struct {
	p      pipeline.Priority
	events []pipeline.Event
}

// submit is the engine's priority for a submission CheckSubmit admitted,
// with the ref the store reserves for it, as the service does.
func (b *fuzzBundle) submit(t *testing.T, in pipeline.Submission) *history {
	t.Helper()
	id, at := uuid.NewString(), fuzzNow()
	ref, err := b.st.ReserveRef(b.ctx, id, in.Countries[0], at.Year())
	if err != nil {
		t.Fatalf("reserve a ref: %v", err)
	}
	out := pipeline.Submit(pipeline.Submitted{Actor: focal, Submission: in, ID: id, Ref: ref, RequestHash: "fuzz", At: at}, slas)
	return &history{p: out.Priority, events: []pipeline.Event{out.Event}}
}

// act judges act as the service does — the first actor the table admits,
// the expert looked up — and applies it if the engine admits it. It
// reports whether it did; any refusal but the body's fails the target.
func (h *history) act(t *testing.T, act pipeline.Act) bool {
	t.Helper()
	a := actors[0]
	for _, x := range actors {
		if pipeline.Allowed(x, &h.p, act.Decision) {
			a = x
			break
		}
	}
	if id, _, ok := pipeline.ExpertWanted(&h.p, act); ok && (id == "" || id == expert.ID) {
		act.Expert = &expert
	}
	if err := pipeline.Check(a, &h.p, h.p.Version, act); err != nil {
		if k := pipeline.KindOfError(err); k != pipeline.KindInvalid {
			t.Fatalf("%s by %s in %s: %v (kind %v)", act.Decision, a.Role, h.p.Stage, err, k)
		}
		return false
	}
	out := pipeline.Apply(a, h.p, act, fuzzNow(), slas)
	h.p = out.Priority
	h.events = append(h.events, out.Event)
	return true
}

// must applies acts the engine must admit: the way to a stage.
func (h *history) must(t *testing.T, acts ...pipeline.Act) {
	t.Helper()
	for _, act := range acts {
		if !h.act(t, act) {
			t.Fatalf("%s in %s refused: %v", act.Decision, h.p.Stage, pipeline.Check(manager, &h.p, 0, act))
		}
	}
}

func decision(d pipeline.Decision, comment string) pipeline.Act {
	return pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: d, Comment: comment}}
}

// drive is a new priority taken by the engine to stage s.
func (b *fuzzBundle) drive(t *testing.T, s pipeline.Stage) *history {
	t.Helper()
	h := b.submit(t, pipeline.Submission{Title: "Equipos conjuntos de investigación", Description: "ECI con Colombia",
		Theme: "joint_investigation_teams", Pillar: "justice", Countries: []string{"PE", "CO"}, Institution: "Fiscalía",
		Urgency: "high", Sensitivity: pipeline.Public})
	plan := journey.Plan()
	path := map[pipeline.Stage][]pipeline.Act{
		pipeline.ExpertReview: {decision(pipeline.Accept, "")},
		pipeline.Revision:     {decision(pipeline.Accept, ""), decision(pipeline.RequestRevision, "más detalle")},
		pipeline.Planning:     {decision(pipeline.Accept, ""), decision(pipeline.Approve, "")},
		pipeline.Validation: {decision(pipeline.Accept, ""), decision(pipeline.Approve, ""),
			{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan}, decision(pipeline.SubmitPlan, "")},
		pipeline.Approval: {decision(pipeline.Accept, ""), decision(pipeline.Approve, ""),
			{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan}, decision(pipeline.SubmitPlan, ""),
			decision(pipeline.Endorse, "")},
	}
	h.must(t, path[s]...)
	return h
}

// record writes the history as the workflow's flush does — one change,
// every event — and reads it back through the store's read paths, which
// must give exactly what was written. An accepted input that PostgreSQL
// refuses fails the target.
func (b *fuzzBundle) record(t *testing.T, h *history) {
	t.Helper()
	want := h.p
	if _, err := b.st.Record(b.ctx, store.Change{Priority: &want, Events: h.events}); err != nil {
		t.Fatalf("accepted, but the store refused it: %v\npriority %+v\nevents %+v", err, want, h.events)
	}
	got, err := b.st.Priority(b.ctx, want.ID)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	got.RunID = ""
	got.StageEnteredAt, got.CreatedAt, got.UpdatedAt = got.StageEnteredAt.UTC(), got.CreatedAt.UTC(), got.UpdatedAt.UTC()
	if got.DueAt != nil {
		due := got.DueAt.UTC()
		got.DueAt = &due
	}
	if w, g := canonicalJSON(t, want), canonicalJSON(t, got); !bytes.Equal(w, g) {
		t.Fatalf("priority read back differs:\nwrote %s\nread  %s", w, g)
	}
	evs, err := b.st.Events(b.ctx, want.ID)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	if w, g := canonicalJSON(t, h.events), canonicalJSON(t, evs); !bytes.Equal(w, g) {
		t.Fatalf("events read back differ:\nwrote %s\nread  %s", w, g)
	}
	if want.Stage != pipeline.Approved {
		return
	}
	// Approved: the plan's actions are the programme's support actions now,
	// the latest approved (this one's among the first page, whatever other
	// fuzzing workers approve meanwhile).
	page, _, err := b.st.SupportActions(b.ctx, manager, store.ActionFilter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatalf("support actions: %v", err)
	}
	var got2 []pipeline.SupportAction
	for _, sa := range page {
		if sa.PriorityID == want.ID {
			got2 = append(got2, sa)
		}
	}
	if len(got2) != len(want.Plan.Actions) {
		t.Fatalf("%d support actions for %d actions", len(got2), len(want.Plan.Actions))
	}
	slices.SortFunc(got2, func(a, b pipeline.SupportAction) int { return a.Index - b.Index })
	for i, sa := range got2 {
		if w, g := canonicalJSON(t, filledLists(want.Plan.Actions[i])), canonicalJSON(t, filledLists(sa.Action)); !bytes.Equal(w, g) {
			t.Fatalf("support action %d read back differs:\nwrote %s\nread  %s", i, w, g)
		}
	}
}

// canonicalJSON is v as JSON with sorted keys, however v holds it: the
// events' data are structs when written and maps when read.
func canonicalJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(m)
	return b
}

func FuzzSubmission(f *testing.F) {
	b := fuzzSetup(f)
	f.Add("Equipos conjuntos de investigación", "Un ECI con Colombia\ncontra el lavado", "Fiscalía de la Nación", "PE,CO", false, "")
	f.Fuzz(func(t *testing.T, title, description, institution, countries string, raw bool, extra string) {
		body := fuzzObject(extra, `"title":`+fuzzQuote(title, raw), `"description":`+fuzzQuote(description, raw),
			`"theme":"joint_investigation_teams"`, `"pillar":"justice"`, `"institution":`+fuzzQuote(institution, raw),
			`"countries":`+jsonText(strings.Split(countries, ",")), `"urgency":"high"`)
		var in pipeline.Submission
		if !acceptBody(t, body, &in, in.Validate) {
			return
		}
		if err := pipeline.CheckSubmit(focal, in); err != nil {
			t.Fatalf("validated, yet refused: %v", err)
		}
		in.Normalize()
		b.record(t, b.submit(t, in))
	})
}

func FuzzChanges(f *testing.F) {
	b := fuzzSetup(f)
	f.Add("Nuevo título", "Nueva\ndescripción", "Policía Nacional", "high", uint8(0xff), false, "")
	f.Fuzz(func(t *testing.T, title, description, institution, urgency string, present uint8, raw bool, extra string) {
		var members []string
		for i, m := range []string{`"title":` + fuzzQuote(title, raw), `"description":` + fuzzQuote(description, raw),
			`"institution":` + fuzzQuote(institution, raw), `"urgency":` + fuzzQuote(urgency, raw)} {
			if present&(1<<i) != 0 {
				members = append(members, m)
			}
		}
		body := fuzzObject(extra, members...)
		var ch pipeline.Changes
		if !acceptBody(t, body, &ch, func() pipeline.Problems { return nil }) {
			return
		}
		h := b.drive(t, pipeline.Revision)
		if h.act(t, pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.Edit, Changes: &ch}}) {
			b.record(t, h)
		}
	})
}

func FuzzDecision(f *testing.F) {
	b := fuzzSetup(f)
	f.Add("reject", "", "Fuera del mandato del programa", false, "", uint8(2))
	f.Add("request_revision", "Precise las instituciones\r\nbeneficiarias", "", false, "", uint8(0))
	f.Fuzz(func(t *testing.T, decision, comment, reason string, raw bool, extra string, stage uint8) {
		body := fuzzObject(extra, `"decision":`+fuzzQuote(decision, raw), `"comment":`+fuzzQuote(comment, raw), `"reason":`+fuzzQuote(reason, raw))
		var in pipeline.DecisionInput
		if !acceptBody(t, body, &in, func() pipeline.Problems { return nil }) {
			return
		}
		var stages []pipeline.Stage
		for _, s := range pipeline.Stages {
			if _, ok := pipeline.Lookup(s, in.Decision); ok {
				stages = append(stages, s)
			}
		}
		if len(stages) == 0 {
			return // not a decision: the engine refuses it, as the unit tests show
		}
		h := b.drive(t, stages[int(stage)%len(stages)])
		if h.act(t, pipeline.Act{DecisionInput: in}) {
			b.record(t, h)
		}
	})
}

func FuzzPlan(f *testing.F) {
	b := fuzzSetup(f)
	f.Add("Fortalecer los ECI", "Taller ECI", "Formación de fiscales\nen Lima", "Fiscalía de la Nación", "2027-02-01", "2027-02-05", "45000", "0", "40", false, "")
	f.Fuzz(func(t *testing.T, objective, title, description, beneficiary, start, end, budget, baseline, target string, raw bool, extra string) {
		action := string(fuzzObject("", `"type":"training"`, `"title":`+fuzzQuote(title, raw), `"description":`+fuzzQuote(description, raw),
			`"beneficiaries":[`+fuzzQuote(beneficiary, raw)+`]`, `"countries":["PE","CO"]`,
			`"start_date":`+fuzzQuote(start, raw), `"end_date":`+fuzzQuote(end, raw), `"budget_eur":`+budget,
			`"eu_agencies":["eurojust"]`, `"partner":"fiiapp"`,
			`"indicators":[{"name":"Fiscales formados","unit":"personas","baseline":`+baseline+`,"target":`+target+`}]`))
		body := fuzzObject(extra, `"objective":`+fuzzQuote(objective, raw), `"expected_outcome":"Más casos conjuntos"`,
			`"gender_marker":1`, `"actions":[`+action+`]`)
		var plan pipeline.Plan
		if !acceptBody(t, body, &plan, func() pipeline.Problems { return nil }) {
			return
		}
		h := b.drive(t, pipeline.Planning)
		if !h.act(t, pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: pipeline.DraftPlan}, Plan: &plan}) {
			return
		}
		b.record(t, h)
		// A complete plan goes on to approval, where its actions become
		// support actions.
		if h.act(t, decision(pipeline.SubmitPlan, "")) {
			h.must(t, decision(pipeline.Endorse, ""), decision(pipeline.Approve, ""))
			b.record(t, h)
		}
	})
}

// handled is the actor as the @mention h finds them.
func handled(a pipeline.Actor, h string) pipeline.Actor {
	a.Handle = h
	return a
}

// FuzzComment: a comment the engine accepts, then its edit, are stored and
// read back as the thread exactly, the earlier text in its history; the
// search text the store keeps of the thread takes them too.
func FuzzComment(f *testing.F) {
	b := fuzzSetup(f)
	f.Add("@carmen.diaz ¿Pueden precisar\r\nlas fiscalías?", "Corrijo: sólo Lima 🌎", false, "")
	f.Fuzz(func(t *testing.T, text, edit string, raw bool, extra string) {
		var post, change struct {
			Text string `json:"text"`
		}
		if !acceptBody(t, fuzzObject(extra, `"text":`+fuzzQuote(text, raw)), &post, func() pipeline.Problems { return nil }) ||
			!acceptBody(t, fuzzObject("", `"text":`+fuzzQuote(edit, raw)), &change, func() pipeline.Problems { return nil }) {
			return
		}
		h := b.drive(t, pipeline.Planning)
		id := uuid.NewString()
		remark := func(d pipeline.Decision, text string) pipeline.Act {
			return pipeline.Act{DecisionInput: pipeline.DecisionInput{Decision: d}, Remark: &pipeline.CommentInput{ID: id, Text: text},
				Mentioned: []pipeline.Actor{handled(expert, "carmen.diaz"), handled(manager2, "ana.ruiz")}}
		}
		if !h.act(t, remark(pipeline.PostComment, post.Text)) {
			return
		}
		edited := h.act(t, remark(pipeline.EditComment, change.Text))
		b.record(t, h)
		thread, err := b.st.Thread(b.ctx, h.p.ID)
		if err != nil {
			t.Fatalf("thread: %v", err)
		}
		want := strings.TrimSpace(post.Text)
		if edited {
			want = strings.TrimSpace(change.Text)
		}
		if len(thread) != 1 || thread[0].ID != id || thread[0].Text != want || thread[0].Edited != edited || len(thread[0].Mentions) != 2 {
			t.Fatalf("thread read back %+v, want %q", thread, want)
		}
		if edited && (len(thread[0].History) != 1 || thread[0].History[0].Text != strings.TrimSpace(post.Text)) {
			t.Fatalf("history %+v, want the posted text", thread[0].History)
		}
	})
}

// filledLists is a with its absent lists empty, as the store's arrays read back.
func filledLists(a pipeline.Action) pipeline.Action {
	for _, l := range []*[]string{&a.Beneficiaries, &a.Countries, &a.EUAgencies} {
		if *l == nil {
			*l = []string{}
		}
	}
	if a.Indicators == nil {
		a.Indicators = []pipeline.Indicator{}
	}
	return a
}

func FuzzSession(f *testing.F) {
	b := fuzzSetup(f)
	f.Add("Reunión Anual 2025", "political_dialogue", "2025-06-20", "Lima", false, "")
	f.Fuzz(func(t *testing.T, title, kind, date, venue string, raw bool, extra string) {
		body := fuzzObject(extra, `"title":`+fuzzQuote(title, raw), `"kind":`+fuzzQuote(kind, raw), `"date":`+fuzzQuote(date, raw),
			`"venue":`+fuzzQuote(venue, raw), `"countries":["PE","CO"]`)
		var in pipeline.SessionInput
		if !acceptBody(t, body, &in, in.Validate) {
			return
		}
		ses, err := b.st.CreateSession(b.ctx, in, manager.ID)
		if err != nil {
			t.Fatalf("accepted %q, but the store refused it: %v", body, err)
		}
		got, err := b.st.Session(b.ctx, ses.ID)
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if got.Title != in.Title || got.Kind != in.Kind || got.Date != in.Date || got.Venue != in.Venue ||
			!slices.Equal(got.Countries, in.Countries) {
			t.Fatalf("session read back differs:\nwrote %+v\nread  %+v", in, got)
		}
	})
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// FuzzAbsence: whatever declaration of an absence the decoding and the
// engine accept, the store keeps and gives back as sent.
func FuzzAbsence(f *testing.F) {
	b := fuzzSetup(f)
	absent, delegate := addFuzzUser(f, b, "Jean Dupont"), addFuzzUser(f, b, "Ana Ruiz")
	f.Add("2027-03-01", "2027-03-15", delegate.ID, false, "")
	f.Fuzz(func(t *testing.T, from, to, delegateID string, raw bool, extra string) {
		body := fuzzObject(extra, `"from":`+fuzzQuote(from, raw), `"to":`+fuzzQuote(to, raw), `"delegate_id":`+fuzzQuote(delegateID, raw))
		var in pipeline.AbsenceInput
		found := &delegate
		judge := func(booked []pipeline.Absence) error {
			return pipeline.CheckAbsence(absent, absent, in, found, "1990-01-01", booked)
		}
		if !acceptBody(t, body, &in, func() pipeline.Problems {
			if in.DelegateID != delegate.ID {
				found = nil
			}
			var e *pipeline.Error
			if err := judge(nil); errors.As(err, &e) {
				return e.Problems
			}
			return nil
		}) {
			return
		}
		x, err := b.st.AddAbsence(b.ctx, pipeline.Absence{UserID: absent.ID, DelegateID: in.DelegateID, From: in.From, To: in.To,
			CreatedBy: absent.ID}, judge)
		if err != nil {
			t.Fatalf("accepted %q, but the store refused it: %v", body, err)
		}
		got, err := b.st.Absence(b.ctx, absent.ID, x.ID)
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if got.From != in.From || got.To != in.To || got.DelegateID != in.DelegateID {
			t.Fatalf("absence read back differs:\nwrote %+v\nread  %+v", in, got)
		}
		if err := b.st.CancelAbsence(b.ctx, x.ID, absent.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
}

// addFuzzUser stores an expert of one theme, for the absences' references.
func addFuzzUser(f *testing.F, b *fuzzBundle, name string) pipeline.Actor {
	f.Helper()
	_, hash := store.NewToken()
	u, err := b.st.AddUser(b.ctx, store.User{Actor: pipeline.Actor{Name: name, Role: pipeline.Expert, Themes: []string{"cybercrime"}},
		Email: uuid.NewString() + "@example.org", Language: "fr"}, hash, time.Now().Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	return u.Actor
}

// FuzzDeliveryReport fuzzes a delivery: the place an implementer confirms
// and every field of the report, decoded strictly as the API does. What
// the engine admits the store must write and read back unchanged — the
// delivery columns of the action's row included.
func FuzzDeliveryReport(f *testing.F) {
	b := fuzzSetup(f)
	f.Add("Lima", "Cinco días de taller", "Fiscalía de la Nación", 18, 14, 1, "43120.5", "35", "según la lista", false, "")
	f.Add("Puerto Príncipe", "", "x", 0, 0, 0, "0", "0", "", false, "")
	f.Fuzz(func(t *testing.T, place, summary, institution string, women, men, other int, cost, actual, note string, raw bool, extra string) {
		body := fuzzObject(extra, `"participants_women":`+strconv.Itoa(women), `"participants_men":`+strconv.Itoa(men),
			`"participants_other":`+strconv.Itoa(other),
			`"institutions":[{"name":`+fuzzQuote(institution, raw)+`,"participants":`+strconv.Itoa(women+men)+`}]`,
			`"countries":["PE","CO"]`, `"summary":`+fuzzQuote(summary, raw), `"actual_cost_eur":`+cost,
			`"indicators":[{"actual":`+actual+`,"note":`+fuzzQuote(note, raw)+`}]`)
		var r pipeline.DeliveryReport
		if !acceptBody(t, body, &r, func() pipeline.Problems { return nil }) {
			return
		}
		h := b.drive(t, pipeline.Approval)
		h.must(t, decision(pipeline.Approve, ""))
		out := pipeline.StartDelivery(h.p, fuzzNow())
		h.p, h.events = out.Priority, append(h.events, out.Event)
		if !h.deliver(t, pipeline.DeliveryInput{Act: pipeline.Confirm, StartDate: "2027-02-01", EndDate: "2027-02-05", Place: place}) {
			return
		}
		b.record(t, h)
		if h.deliver(t, pipeline.DeliveryInput{Act: pipeline.ReportDelivery, Report: &r}) {
			b.record(t, h)
		}
	})
}

// implementer delivers the journey plan's action.
var implementer = pipeline.Actor{ID: "6f1c6a52-8f0e-4f7e-9d7e-4b8f0e6a2c11", Name: "Laura Gómez", Role: pipeline.Implementer, Partner: "fiiapp"}

// deliver judges a delivery act on action 0 by its partner's implementer
// and applies it if the engine admits it; any refusal but the body's fails
// the target.
func (h *history) deliver(t *testing.T, in pipeline.DeliveryInput) bool {
	t.Helper()
	if err := pipeline.CheckDelivery(implementer, &h.p, h.p.Version, 0, in); err != nil {
		if k := pipeline.KindOfError(err); k != pipeline.KindInvalid {
			t.Fatalf("%s: %v (kind %v)", in.Act, err, k)
		}
		return false
	}
	out := pipeline.ApplyDelivery(implementer, h.p, 0, in, fuzzNow())
	h.p = out.Priority
	h.events = append(h.events, out.Event)
	return true
}
