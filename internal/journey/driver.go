package journey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/puente-dev/puente/pipeline"
)

// User is a person the driver acts as: an id and a bearer token.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

// Cast are the people of the journeys. OtherFocalPoint defaults to
// FocalPoint, and an expert is looked up by the priority's theme.
type Cast struct {
	FocalPoint, OtherFocalPoint, Manager, SecondManager User
	Experts                                             map[string]User // by theme
}

// As is who plays role r in a journey on theme.
func (c *Cast) As(r Role, theme string) User {
	switch {
	case r == Expert:
		return c.Experts[theme]
	case r == Manager:
		return c.Manager
	case r == SecondManager:
		return c.SecondManager
	case r == OtherFocalPoint && c.OtherFocalPoint.Token != "":
		return c.OtherFocalPoint
	}
	return c.FocalPoint
}

// Journey is one priority taken through a scenario, and what happened on
// the way.
type Journey struct {
	N        int // numbers the journey: its idempotency key, and the API it starts on
	Scenario Scenario
	Theme    string // the submission's; Submission's theme if empty
	// Took, if set, is told how long each request took: step 0 is the
	// submission, step k the scenario's step k-1.
	Took func(k int, took time.Duration)

	ID, Ref  string
	Version  int
	Events   []string // the audit events it must end with, in order
	Retries  int      // requests answered 5xx or not at all, then sent again
	Answers  []string // what those requests got
	Resolved int      // unanswered requests found applied on re-read
}

// Priority is the part of a priority the driver reads.
type Priority struct {
	ID      string         `json:"id"`
	Ref     string         `json:"ref"`
	Stage   pipeline.Stage `json:"stage"`
	Version int            `json:"version"`
}

// Response is an answer with its body read.
type Response struct {
	Status int
	Body   []byte
}

// Driver takes journeys through one API or several: the APIs take turns
// along each journey, and neighbouring journeys start on different ones.
type Driver struct {
	APIs []string // base URLs
	Cast Cast
	HTTP *http.Client
	// Attempts is how many times a request answered 5xx or not at all is
	// sent; with If-Match on the version last seen a retry never applies a
	// step twice. Zero means once.
	Attempts int
	// KeyPrefix, if set, starts each submission's Idempotency-Key (the
	// journey's number ends it), for a retried submission to land on the
	// priority the first one created.
	KeyPrefix string

	// What the driver did so far, for reports: requests sent to each API,
	// requests that moved a priority, requests awaiting an answer.
	Requests        []atomic.Int64
	Steps, InFlight atomic.Int64
	active          sync.Map // ids of the priorities whose journeys are under way
}

// New is a driver of the APIs at apis (base URLs) acting as cast.
func New(cast Cast, apis ...string) *Driver {
	return &Driver{APIs: apis, Cast: cast, HTTP: &http.Client{Timeout: 90 * time.Second}, Requests: make([]atomic.Int64, len(apis))}
}

// Active are the ids of the priorities whose journeys are under way.
func (d *Driver) Active() []string {
	var ids []string
	d.active.Range(func(id, _ any) bool { ids = append(ids, id.(string)); return true })
	return ids
}

// NewRequest is a request to url as the holder of token (none if empty)
// with body, if not nil, as JSON, or as it is if []byte or a string;
// headers are name, value pairs.
func NewRequest(ctx context.Context, method, url, token string, body any, headers ...string) (*http.Request, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for j := 0; j+1 < len(headers); j += 2 {
		req.Header.Set(headers[j], headers[j+1])
	}
	return req, nil
}

// Do sends one request to API i as the holder of token, with body (if not
// nil) as JSON; headers are name, value pairs.
func (d *Driver) Do(ctx context.Context, i int, method, path, token string, body any, headers ...string) (Response, error) {
	req, err := NewRequest(ctx, method, d.APIs[i]+path, token, body, headers...)
	if err != nil {
		return Response{}, err
	}
	d.Requests[i].Add(1)
	d.InFlight.Add(1)
	defer d.InFlight.Add(-1)
	resp, err := d.HTTP.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return Response{resp.StatusCode, b}, err
}

// Fetch fetches url with c — as the holder of token, if one is given — and
// returns the body of a 200 answer: for what the driver does not drive, such
// as /metrics or the web app's pages.
func Fetch(ctx context.Context, c *http.Client, url, token string) ([]byte, error) {
	req, err := NewRequest(ctx, "GET", url, token, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s %.200s", url, resp.Status, body)
	}
	return body, err
}

// Get reads priority id through API i as u.
func (d *Driver) Get(ctx context.Context, i int, id string, u User) (Priority, error) {
	var p Priority
	return p, d.read(ctx, i, "/v1/priorities/"+id, u, &p)
}

// Events reads priority id's audit trail through API i as u.
func (d *Driver) Events(ctx context.Context, i int, id string, u User) ([]pipeline.Event, error) {
	var trail struct{ Items []pipeline.Event }
	return trail.Items, d.read(ctx, i, "/v1/priorities/"+id+"/events?limit=200", u, &trail)
}

func (d *Driver) read(ctx context.Context, i int, path string, u User, v any) error {
	r, err := d.Do(ctx, i, "GET", path, u.Token, nil)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return json.Unmarshal(r.Body, v)
}

// transient says whether an answer may be retried: the API could not tell
// whether the change applied (504), a backend was unavailable (503, 502,
// 500), or no answer came at all.
func transient(r Response, err error) bool {
	return err != nil || r.Status == http.StatusServiceUnavailable || r.Status == http.StatusGatewayTimeout ||
		r.Status == http.StatusBadGateway || r.Status == http.StatusInternalServerError
}

// answer says what a retried request got.
func answer(r Response, err error) string {
	if err != nil {
		return err.Error()
	}
	var pb struct{ Title string }
	_ = json.Unmarshal(r.Body, &pb)
	return fmt.Sprintf("%d %s", r.Status, pb.Title)
}

// api picks the API for request k of journey j.
func (d *Driver) api(j *Journey, k int) int { return (j.N + k) % len(d.APIs) }

func (d *Driver) took(j *Journey, k int, t0 time.Time) {
	if j.Took != nil {
		j.Took(k, time.Since(t0))
	}
}

// submit creates the priority with an Idempotency-Key, so that a retry
// after an unanswered request lands on the same priority.
func (d *Driver) submit(ctx context.Context, j *Journey) error {
	body := Submission()
	body.Theme = j.Theme
	body.Description += ", " + j.Scenario.Name
	var key []string
	if d.KeyPrefix != "" {
		key = []string{"Idempotency-Key", fmt.Sprintf("%s%d", d.KeyPrefix, j.N)}
	}
	for attempt := 1; ; attempt++ {
		t0 := time.Now()
		i := d.api(j, 0)
		r, err := d.Do(ctx, i, "POST", "/v1/priorities", d.Cast.FocalPoint.Token, body, key...)
		if transient(r, err) && attempt < d.Attempts {
			j.Retries++
			j.Answers = append(j.Answers, "submit: "+answer(r, err))
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			return fmt.Errorf("submit %d: %w", j.N, err)
		}
		if r.Status != http.StatusCreated {
			return fmt.Errorf("submit %d: %d %s", j.N, r.Status, r.Body)
		}
		var got Priority
		if err := json.Unmarshal(r.Body, &got); err != nil {
			return err
		}
		d.took(j, 0, t0)
		j.ID, j.Ref, j.Version = got.ID, got.Ref, got.Version
		d.moved(j, string(pipeline.EventSubmitted))
		return nil
	}
}

func (d *Driver) moved(j *Journey, event string) {
	j.Events = append(j.Events, event)
	d.Steps.Add(1)
}

// take sends step k with If-Match on the version last seen. After an
// unanswered or 5xx request it re-reads the priority and counts the step as
// done if its version moved on to the step's stage.
func (d *Driver) take(ctx context.Context, j *Journey, k int, s Step) error {
	u := d.Cast.As(s.Who, j.Theme)
	method, path, body := "POST", "/v1/priorities/"+j.ID+"/decisions", map[string]any{"decision": s.Decision}
	if s.Plan {
		method, path, body = "PUT", "/v1/priorities/"+j.ID+"/plan", PlanBody()
	}
	maps.Copy(body, s.Body)
	if s.AssignExpert {
		body["expert_id"] = d.Cast.As(Expert, j.Theme).ID
	}
	for attempt := 1; ; attempt++ {
		t0 := time.Now()
		i := d.api(j, k+attempt-1)
		r, err := d.Do(ctx, i, method, path, u.Token, body, "If-Match", fmt.Sprintf(`"%d"`, j.Version))
		switch {
		case err == nil && r.Status == http.StatusOK:
			var got Priority
			if err := json.Unmarshal(r.Body, &got); err != nil {
				return err
			}
			if got.Stage != s.After || got.Version <= j.Version {
				return fmt.Errorf("%s %s: answered stage %s v%d, want %s after v%d", j.Ref, s.Event(), got.Stage, got.Version, s.After, j.Version)
			}
			d.took(j, k, t0)
			j.Version = got.Version
		case (transient(r, err) || r.Status == http.StatusPreconditionFailed) && attempt < d.Attempts:
			if r.Status != http.StatusPreconditionFailed {
				j.Retries++
				j.Answers = append(j.Answers, s.Event()+": "+answer(r, err))
			}
			time.Sleep(time.Second)
			cur, gerr := d.Get(ctx, i, j.ID, u)
			if gerr != nil || cur.Version <= j.Version || cur.Stage != s.After {
				continue
			}
			j.Resolved++
			j.Version = cur.Version
		case err != nil:
			return fmt.Errorf("%s %s: %w", j.Ref, s.Event(), err)
		default:
			return fmt.Errorf("%s %s by %s: %d %s", j.Ref, s.Event(), u.Name, r.Status, r.Body)
		}
		d.moved(j, s.Event())
		return nil
	}
}

// Run takes one journey from submission to its scenario's last stage.
func (d *Driver) Run(ctx context.Context, j *Journey) error {
	if j.Theme == "" {
		j.Theme = Submission().Theme
	}
	if err := d.submit(ctx, j); err != nil {
		return err
	}
	d.active.Store(j.ID, true)
	defer d.active.Delete(j.ID)
	for k, s := range j.Scenario.Steps {
		if err := d.take(ctx, j, k+1, s); err != nil {
			return err
		}
	}
	return nil
}

// RunAll runs the journeys, conc at a time, and returns every error.
func (d *Driver) RunAll(ctx context.Context, js []*Journey, conc int) error {
	sem := make(chan struct{}, conc)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, j := range js {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.Run(ctx, j); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
