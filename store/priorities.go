package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/puente-dev/puente/pipeline"
)

// Change is one write of a priority: its state as the workflow holds it
// durably, and the events that led there (possibly some the read model has
// already). Recording an approved priority approves its plan's actions.
type Change struct {
	Priority *pipeline.Priority
	Events   []pipeline.Event
	// RunID is the workflow run holding the state (see pipeline.Priority.RunID).
	RunID string
}

// The priority row moves only forward: a state older than the stored one —
// a flush arriving after its caller's own write — changes nothing.
const upsertPriority = `
INSERT INTO priorities (id, ref, session_id, title, description, theme, pillar, countries,
    institution, urgency, sensitivity, stage, assignee, triaged_by, plan_authors,
    stage_entered_at, due_at, overdue, version, submitted_by, created_at, updated_at, plan, request_hash, run_id, event_seq)
VALUES (@id, @ref, NULLIF(@session_id, '')::uuid, @title, @description, @theme, @pillar, @countries,
    @institution, @urgency, @sensitivity, @stage, NULLIF(@assignee, '')::uuid, NULLIF(@triaged_by, '')::uuid, @plan_authors,
    @stage_entered_at, @due_at, @overdue, @version, @submitted_by, @created_at, @updated_at, @plan, @request_hash, @run_id, @event_seq)
ON CONFLICT (id) DO UPDATE SET
    title = EXCLUDED.title, description = EXCLUDED.description, theme = EXCLUDED.theme,
    pillar = EXCLUDED.pillar, countries = EXCLUDED.countries, institution = EXCLUDED.institution,
    urgency = EXCLUDED.urgency, sensitivity = EXCLUDED.sensitivity, stage = EXCLUDED.stage,
    assignee = EXCLUDED.assignee, triaged_by = EXCLUDED.triaged_by, plan_authors = EXCLUDED.plan_authors,
    stage_entered_at = EXCLUDED.stage_entered_at, due_at = EXCLUDED.due_at, overdue = EXCLUDED.overdue,
    version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, plan = EXCLUDED.plan, run_id = EXCLUDED.run_id,
    event_seq = EXCLUDED.event_seq
WHERE (priorities.version, priorities.event_seq) < (EXCLUDED.version, EXCLUDED.event_seq)`

const insertEvent = `
INSERT INTO events (priority_id, seq, at, actor_id, actor_name, actor_role, kind, from_stage, to_stage, comment, data,
    on_behalf_id, on_behalf_name, on_behalf_role)
VALUES (@priority_id, @seq, @at, @actor_id, @actor_name, @actor_role, @kind, @from_stage, @to_stage, @comment, @data,
    @on_behalf_id, @on_behalf_name, @on_behalf_role)
ON CONFLICT (priority_id, seq) DO NOTHING`

const approveActions = `
INSERT INTO support_actions (priority_id, idx, type, title, description, beneficiaries, countries,
    start_date, end_date, budget_eur, eu_partners, eu_agencies, partner, indicators, approved_at)
SELECT p.id, a.ord - 1, a.v->>'type', a.v->>'title', a.v->>'description',
    ARRAY(SELECT jsonb_array_elements_text(coalesce(nullif(a.v->'beneficiaries', 'null'), '[]'))),
    ARRAY(SELECT jsonb_array_elements_text(coalesce(nullif(a.v->'countries', 'null'), '[]'))),
    (a.v->>'start_date')::date, (a.v->>'end_date')::date, (a.v->>'budget_eur')::numeric,
    '{}', ARRAY(SELECT jsonb_array_elements_text(coalesce(nullif(a.v->'eu_agencies', 'null'), '[]'))),
    coalesce(a.v->>'partner', ''),
    coalesce(nullif(a.v->'indicators', 'null'), '[]'), p.updated_at
FROM priorities p, jsonb_array_elements(p.plan->'actions') WITH ORDINALITY AS a(v, ord)
WHERE p.id = $1 AND p.stage = 'approved'
ON CONFLICT (priority_id, idx) DO NOTHING`

// recordDeliveries writes the delivery of each action (and its partner,
// which a manager may change) as the workflow holds it, unless the
// priority's row is already at a later version: a stale flush never
// overwrites a newer delivery.
const recordDeliveries = `
UPDATE support_actions sa SET partner = d.partner, delivery_stage = d.stage, confirmed_start = d.confirmed_start,
    confirmed_end = d.confirmed_end, place = d.place, report = d.report, report_validated = d.report_validated,
    actual_cost_eur = d.actual_cost_eur, participants_women = d.participants_women, participants_men = d.participants_men,
    participants_other = d.participants_other, stage_entered_at = d.stage_entered_at, report_due_at = d.report_due_at,
    overdue = d.overdue, closed_at = d.closed_at
FROM jsonb_to_recordset(@deliveries::jsonb) AS d(idx int, partner text, stage text, confirmed_start date, confirmed_end date,
    place text, report jsonb, report_validated boolean, actual_cost_eur numeric, participants_women int,
    participants_men int, participants_other int, stage_entered_at timestamptz, report_due_at timestamptz,
    overdue boolean, closed_at timestamptz)
WHERE sa.priority_id = @id AND sa.idx = d.idx
    AND EXISTS (SELECT 1 FROM priorities p WHERE p.id = @id AND p.version = @version)`

const clearAttention = `DELETE FROM attention WHERE priority_id = $1`

// ErrRefused wraps an error PostgreSQL gives for the data of a write
// (invalid text, a value out of range, a violated constraint): retrying the
// same write cannot succeed.
var ErrRefused = errors.New("refused by PostgreSQL")

// Record writes a Change atomically and returns the priority's ref. Every
// statement is idempotent, so a retried or repeated Record changes nothing
// more. One round trip: a batch is one implicit transaction (PostgreSQL
// runs what comes before the protocol's Sync as one, and rolls it all back
// on an error), so no BEGIN and COMMIT of its own.
func (s *Store) Record(ctx context.Context, c Change) (string, error) {
	if c.Priority.Ref == "" {
		return "", fmt.Errorf("record priority %s: no reference (ReserveRef gives one before the workflow starts)", c.Priority.ID)
	}
	if err := s.sendChange(ctx, c); err != nil {
		return "", refused(err)
	}
	return c.Priority.Ref, nil
}

// ReserveRef returns the human reference of the priority with this id,
// taking the next number of its prefix (first country and year) the first
// time it is asked: a retried submission gets the same reference.
func (s *Store) ReserveRef(ctx context.Context, id, country string, year int) (string, error) {
	var ref string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		ref, err = reserveRef(ctx, tx, id, country, year)
		return err
	})
	return ref, err
}

func reserveRef(ctx context.Context, tx pgx.Tx, id, country string, year int) (string, error) {
	// Two requests reserving for one priority (a retried submission) take
	// turns: the second finds the first one's ref instead of a violation.
	if _, err := tx.Exec(ctx, lockPriority, id); err != nil {
		return "", fmt.Errorf("lock priority: %w", err)
	}
	var ref string
	err := tx.QueryRow(ctx, `SELECT ref FROM priority_refs WHERE priority_id = $1`, id).Scan(&ref)
	if err == nil {
		return ref, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("look up ref: %w", err)
	}
	prefix := fmt.Sprintf("%s-%d", country, year)
	var n int
	err = tx.QueryRow(ctx, `INSERT INTO ref_counters (prefix, n) VALUES ($1, 1)
		ON CONFLICT (prefix) DO UPDATE SET n = ref_counters.n + 1 RETURNING n`, prefix).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("allocate ref: %w", err)
	}
	ref = fmt.Sprintf("%s-%04d", prefix, n)
	if _, err := tx.Exec(ctx, `INSERT INTO priority_refs (priority_id, ref) VALUES ($1, $2)`, id, ref); err != nil {
		return "", fmt.Errorf("reserve ref: %w", err)
	}
	return ref, nil
}

// lockPriority serialises the writers of one priority until their
// transaction ends. Two processes write a priority's row — an API recording
// the decision it answered and the workflow's flush — and when neither has
// seen the row yet, both insert: the upsert's ON CONFLICT (id) arbitrates
// only the id, so the loser would meet the unique index on ref as a
// violation instead of taking the update path. Under the lock the second
// writer's insert sees the first one's row. The two-key form keeps these
// locks apart from the single-key ones of migrations and leases.
const lockPriority = `SELECT pg_advisory_xact_lock(1886546287, hashtext($1))` // 1886546287 is "prio"

func (s *Store) sendChange(ctx context.Context, c Change) error {
	p := c.Priority
	b := &pgx.Batch{}
	b.Queue(lockPriority, p.ID)
	b.Queue(upsertPriority, priorityArgs(p, c.RunID))
	for _, e := range c.Events {
		data, err := nullJSON(e.Data)
		if err != nil {
			return fmt.Errorf("event %d data: %w", e.Seq, err)
		}
		args := pgx.NamedArgs{"priority_id": e.PriorityID, "seq": e.Seq, "at": e.At,
			"actor_id": e.Actor.ID, "actor_name": e.Actor.Name, "actor_role": string(e.Actor.Role), "kind": string(e.Kind),
			"from_stage": string(e.FromStage), "to_stage": string(e.ToStage), "comment": e.Comment, "data": data,
			"on_behalf_id": nil, "on_behalf_name": nil, "on_behalf_role": nil}
		if behalf := e.Actor.OnBehalfOf; behalf != nil {
			args["on_behalf_id"], args["on_behalf_name"], args["on_behalf_role"] = behalf.ID, behalf.Name, string(behalf.Role)
		}
		b.Queue(insertEvent, args)
	}
	markDocuments(b, c.Events)
	if p.Stage == pipeline.Approved {
		b.Queue(approveActions, p.ID)
		if p.Delivering() {
			rows, err := json.Marshal(deliveryRows(p))
			if err != nil {
				return fmt.Errorf("deliveries: %w", err)
			}
			b.Queue(recordDeliveries, pgx.NamedArgs{"id": p.ID, "version": p.Version, "deliveries": rows})
		}
	}
	if hasThreadEvent(c.Events) {
		b.Queue(refreshCommentsText, p.ID)
	}
	b.Queue(clearAttention, p.ID)
	return s.pool.SendBatch(ctx, b).Close()
}

// refused marks the errors of PostgreSQL's data checks as ErrRefused:
// classes 22 (data exception), 23 (integrity constraint) and 54 (a program
// limit, such as an index row too large).
func refused(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && len(pgErr.Code) == 5 {
		switch pgErr.Code[:2] {
		case "22", "23", "54":
			return fmt.Errorf("%w: %w", ErrRefused, err)
		}
	}
	return err
}

// MarkAttention records that a priority's latest change was refused, with
// why, for the managers' dashboard; the next successful Record clears it.
func (s *Store) MarkAttention(ctx context.Context, priorityID, reason string) error {
	reason = strings.ToValidUTF8(strings.ReplaceAll(reason, "\x00", ""), "?")
	_, err := s.pool.Exec(ctx, `INSERT INTO attention (priority_id, error) VALUES ($1, $2)
		ON CONFLICT (priority_id) DO UPDATE SET error = EXCLUDED.error, at = now()`, priorityID, reason)
	return err
}

// priorityArgs names the columns of a priority's row for upsertPriority.
func priorityArgs(p *pipeline.Priority, runID string) pgx.NamedArgs {
	return pgx.NamedArgs{
		"id": p.ID, "ref": p.Ref, "session_id": p.SessionID, "title": p.Title, "description": p.Description,
		"theme": p.Theme, "pillar": p.Pillar, "countries": p.Countries, "institution": p.Institution,
		"urgency": p.Urgency, "sensitivity": p.Sensitivity, "stage": string(p.Stage), "assignee": p.Assignee,
		"triaged_by": p.TriagedBy, "plan_authors": nonNil(p.PlanAuthors), "stage_entered_at": p.StageEnteredAt, "due_at": p.DueAt,
		"overdue": p.Overdue, "version": p.Version, "submitted_by": p.SubmittedBy, "created_at": p.CreatedAt,
		"updated_at": p.UpdatedAt, "plan": p.Plan, "request_hash": p.RequestHash, "run_id": runID, "event_seq": p.EventSeq,
	}
}

func nullJSON(m map[string]any) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	return json.Marshal(m)
}

// priorityColumns are a priority's columns named as pipeline.Priority's
// fields, for pgx.RowToAddrOfStructByName (absent ids read as "", no plan
// authors as nil).
const priorityColumns = `id::text AS id, ref, coalesce(session_id::text, '') AS session_id, title, description, theme, pillar,
    countries, institution, urgency, sensitivity, stage, coalesce(assignee::text, '') AS assignee,
    coalesce(triaged_by::text, '') AS triaged_by, nullif(plan_authors, '{}') AS plan_authors, stage_entered_at,
    due_at, overdue, version, submitted_by::text AS submitted_by, created_at, updated_at, plan, request_hash, run_id,
    event_seq, CASE WHEN stage = 'approved' THEN (` + deliveriesOf + `) END AS deliveries`

// deliveriesOf reads the deliveries of the priority in the row at hand
// (its actions' rows the workflow started delivering) as
// pipeline.Delivery's JSON, in plan order.
const deliveriesOf = `SELECT jsonb_agg(` + deliveryOf + ` ORDER BY sa.idx)
    FROM support_actions sa WHERE sa.priority_id = priorities.id AND sa.stage_entered_at IS NOT NULL`

// deliveryOf is the delivery of the support_actions row sa as
// pipeline.Delivery's JSON; a row not yet delivering reads as scheduled.
const deliveryOf = `jsonb_strip_nulls(jsonb_build_object('stage', sa.delivery_stage,
        'confirmed_start', to_char(sa.confirmed_start, 'YYYY-MM-DD'), 'confirmed_end', to_char(sa.confirmed_end, 'YYYY-MM-DD'),
        'place', nullif(sa.place, ''), 'report', sa.report, 'report_validated', sa.report_validated,
        'stage_entered_at', to_char(coalesce(sa.stage_entered_at, sa.approved_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'due_at', to_char(sa.report_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'overdue', sa.overdue))`

var scanPriority = pgx.RowToAddrOfStructByName[pipeline.Priority]

// Priority returns one priority, unscoped: callers check visibility.
func (s *Store) Priority(ctx context.Context, id string) (*pipeline.Priority, error) {
	p, err := one[pipeline.Priority](s.pool.Query(ctx, `SELECT `+priorityColumns+` FROM priorities WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("priority %s: %w", id, err)
	}
	return &p, nil
}

// Filter narrows a list of priorities. Zero values do not filter.
type Filter struct {
	Stage     pipeline.Stage
	Theme     string
	Country   string
	SessionID string
	Assignee  string
	Overdue   *bool
	Q         string
	// PublicOnly leaves restricted priorities out whoever asks: for publication.
	PublicOnly bool
}

// Page is a keyset page request: Cursor is the opaque next_cursor of the previous page.
type Page struct {
	Limit  int
	Cursor string
}

// cut ends a list that read up to pg.Limit+1 rows: the page, and the
// cursor of the next one after its last row ("" when this is the last page).
func cut[T any](items []T, pg Page, cursor func(T) string) ([]T, string, error) {
	if len(items) <= pg.Limit {
		return items, "", nil
	}
	return items[:pg.Limit], cursor(items[pg.Limit-1]), nil
}

// ErrBadCursor is returned for a cursor this store did not issue.
var ErrBadCursor = errors.New("bad cursor")

// where builds SQL conditions; args are numbered from $1 in the order added.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// opt adds cond with v, unless v is empty: a zero value does not filter.
func (w *where) opt(cond, v string) {
	if v != "" {
		w.add(cond, v)
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// scope limits rows to what the actor may see
// (docs/architecture.md, Roles and scope); col qualifies the
// priorities table's columns ("" or an alias with its dot, such as "p.").
func (w *where) scope(a pipeline.Actor, col string) {
	switch a.Role {
	case pipeline.Manager:
	case pipeline.FocalPoint:
		w.add(col+"countries && ?", a.Countries)
	case pipeline.Expert:
		w.add("("+col+"assignee = ?::uuid OR ("+col+"sensitivity <> 'restricted' AND "+col+"theme = ANY(?)))", a.ID, a.Themes)
	case pipeline.Implementer:
		w.add(col+"stage = 'approved' AND EXISTS (SELECT 1 FROM support_actions x WHERE x.priority_id = "+col+
			"id AND x.partner = ? AND x.partner <> '')", a.Partner)
	default:
		w.add("false")
	}
}

// actionScope limits support_actions rows (alias sa) to the actor's: an
// implementer's are their partner's; everyone else's are those of the
// priorities scope admits, which the caller adds too.
func (w *where) actionScope(a pipeline.Actor) {
	if a.Role == pipeline.Implementer {
		w.add("sa.partner = ? AND sa.partner <> ''", a.Partner)
	}
}

func (w *where) filter(f Filter) {
	w.opt("stage = ?", string(f.Stage))
	w.opt("theme = ?", f.Theme)
	w.opt("countries @> ARRAY[?]", f.Country)
	w.opt("session_id = ?::uuid", f.SessionID)
	w.opt("assignee = ?::uuid", f.Assignee)
	if f.Overdue != nil {
		w.add("overdue = ?", *f.Overdue)
	}
	if f.PublicOnly {
		w.add("sensitivity <> 'restricted'")
	}
	if q := searchQuery(f.Q); q != "" {
		w.add("search @@ to_tsquery('simple', puente_unaccent(?))", q)
	}
}

// searchQuery turns free text into a tsquery that finds every word as a
// prefix ("investig" finds "investigación"); accents are folded in SQL. Only
// letters and digits pass, so the text cannot inject tsquery syntax.
func searchQuery(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range words {
		words[i] = strings.ToLower(w) + ":*"
	}
	return strings.Join(words, " & ")
}

// Priorities lists the priorities the actor may see, newest first, one keyset
// page at a time. The returned cursor is empty on the last page.
func (s *Store) Priorities(ctx context.Context, a pipeline.Actor, f Filter, pg Page) ([]*pipeline.Priority, string, error) {
	var w where
	w.scope(a, "")
	w.filter(f)
	if pg.Cursor != "" {
		at, key, err := decodeCursor(pg.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		w.add("(created_at, id) < (?, ?::uuid)", at, key[0])
	}
	q := `SELECT ` + priorityColumns + ` FROM priorities WHERE ` + w.sql() +
		` ORDER BY created_at DESC, id DESC LIMIT ` + strconv.Itoa(pg.Limit+1)
	rows, _ := s.pool.Query(ctx, q, w.args...)
	items, err := pgx.CollectRows(rows, scanPriority)
	if err != nil {
		return nil, "", fmt.Errorf("list priorities: %w", err)
	}
	return cut(items, pg, func(p *pipeline.Priority) string { return encodeCursor(p.CreatedAt, p.ID) })
}

// encodeCursor makes an opaque keyset cursor of the last row's sort key.
func encodeCursor(at time.Time, id string, more ...string) string {
	parts := append([]string{at.UTC().Format(time.RFC3339Nano), id}, more...)
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
}

// decodeCursor reads a cursor of encodeCursor with n parts after the time:
// an id, then small non-negative integers. Anything else, however it was
// forged, is ErrBadCursor before it reaches SQL.
func decodeCursor(c string, n int) (time.Time, []string, error) {
	if len(c) > 200 {
		return time.Time{}, nil, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, nil, ErrBadCursor
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != n+1 {
		return time.Time{}, nil, ErrBadCursor
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil || !pipeline.IsID(parts[1]) {
		return time.Time{}, nil, ErrBadCursor
	}
	for _, p := range parts[2:] {
		if i, err := strconv.ParseInt(p, 10, 32); err != nil || i < 0 || strconv.FormatInt(i, 10) != p {
			return time.Time{}, nil, ErrBadCursor
		}
	}
	return at, parts[1:], nil
}

// exportPage is how many priorities EachPriority reads per statement.
const exportPage = 500

// EachPriority streams every priority the actor may see that passes f, oldest
// first, to fn, without holding them all in memory: for exports. It reads
// them a keyset page at a time, so that each statement is as short as a
// list's, however long fn takes over the whole export.
func (s *Store) EachPriority(ctx context.Context, a pipeline.Actor, f Filter, fn func(*pipeline.Priority) error) error {
	return s.EachPriorityPage(ctx, a, f, func(page []*pipeline.Priority) error {
		for _, p := range page {
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// Events returns a priority's audit trail, oldest first.
func (s *Store) Events(ctx context.Context, priorityID string) ([]pipeline.Event, error) {
	rows, _ := s.pool.Query(ctx, `SELECT priority_id::text, seq, at, actor_id, actor_name, actor_role,
		kind, from_stage, to_stage, comment, data, on_behalf_id, on_behalf_name, on_behalf_role
		FROM events WHERE priority_id = $1 ORDER BY seq`, priorityID)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (pipeline.Event, error) {
		var e pipeline.Event
		var data []byte
		var behalfID, behalfName, behalfRole *string
		if err := r.Scan(&e.PriorityID, &e.Seq, &e.At, &e.Actor.ID, &e.Actor.Name, &e.Actor.Role,
			&e.Kind, &e.FromStage, &e.ToStage, &e.Comment, &data, &behalfID, &behalfName, &behalfRole); err != nil {
			return e, err
		}
		if behalfID != nil {
			e.Actor.OnBehalfOf = &pipeline.Ref{ID: *behalfID, Name: deref(behalfName), Role: pipeline.Role(deref(behalfRole))}
		}
		if len(data) > 0 {
			if err := json.Unmarshal(data, &e.Data); err != nil {
				return e, fmt.Errorf("event %d data: %w", e.Seq, err)
			}
		}
		return e, nil
	})
}

// deliveryRow is one action's delivery as recordDeliveries reads it.
type deliveryRow struct {
	Idx               int                      `json:"idx"`
	Partner           string                   `json:"partner"`
	Stage             pipeline.DeliveryStage   `json:"stage"`
	ConfirmedStart    *string                  `json:"confirmed_start"`
	ConfirmedEnd      *string                  `json:"confirmed_end"`
	Place             string                   `json:"place"`
	Report            *pipeline.DeliveryReport `json:"report"`
	ReportValidated   bool                     `json:"report_validated"`
	ActualCostEUR     *pipeline.EUR            `json:"actual_cost_eur"`
	ParticipantsWomen *int                     `json:"participants_women"`
	ParticipantsMen   *int                     `json:"participants_men"`
	ParticipantsOther *int                     `json:"participants_other"`
	StageEnteredAt    time.Time                `json:"stage_entered_at"`
	ReportDueAt       *time.Time               `json:"report_due_at"`
	Overdue           bool                     `json:"overdue"`
	ClosedAt          *time.Time               `json:"closed_at"`
}

func deliveryRows(p *pipeline.Priority) []deliveryRow {
	rows := make([]deliveryRow, len(p.Deliveries))
	for i, d := range p.Deliveries {
		r := deliveryRow{Idx: i, Partner: p.Plan.Actions[i].Partner, Stage: d.Stage,
			ConfirmedStart: nilIfEmpty(d.ConfirmedStart), ConfirmedEnd: nilIfEmpty(d.ConfirmedEnd), Place: d.Place,
			Report: d.Report, ReportValidated: d.ReportValidated, StageEnteredAt: d.StageEnteredAt,
			ReportDueAt: d.DueAt, Overdue: d.Overdue}
		if d.Report != nil {
			cost := d.Report.ActualCostEUR
			r.ActualCostEUR = &cost
			r.ParticipantsWomen, r.ParticipantsMen, r.ParticipantsOther =
				&d.Report.ParticipantsWomen, &d.Report.ParticipantsMen, &d.Report.ParticipantsOther
		}
		if d.Stage == pipeline.Closed {
			r.ClosedAt = &d.StageEnteredAt
		}
		rows[i] = r
	}
	return rows
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
