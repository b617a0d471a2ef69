package strictjson_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/puente-dev/puente/internal/i18n"
	"github.com/puente-dev/puente/internal/strictjson"
	"github.com/puente-dev/puente/pipeline"
)

func problems(t *testing.T, body string, dst any) []string {
	t.Helper()
	ps, err := strictjson.Decode([]byte(body), dst)
	if err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Field+": "+i18n.English().Problem(p))
	}
	return out
}

// TestWhatEncodingJSONLetsThrough: a key given twice, invalid UTF-8 and
// unpaired surrogate escapes are refused at any depth, naming the field,
// where encoding/json keeps the last key and substitutes U+FFFD.
func TestWhatEncodingJSONLetsThrough(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{`{"decision":"accept","decision":"reject"}`, "decision: is given more than once"},
		{`{"decision":"accept","\u0064ecision":"reject"}`, "decision: is given more than once"},
		{`{"actions":[{"title":"a"},{"indicators":[{"name":"x","name":"y"}]}]}`, "actions[1].indicators[0].name: is given more than once"},
		{"{\"objective\":\"caf\xe9\"}", "objective: must be valid UTF-8 text"},
		{"{\"actions\":[{\"beneficiaries\":[\"ok\",\"\xff\"]}]}", "actions[0].beneficiaries[1]: must be valid UTF-8 text"},
		{"{\"ob\xffjective\":\"x\"}", "\"ob\ufffdjective\": has a name that is not valid text (UTF-8)"},
		{`{"objective":"\ud800"}`, "objective: must not contain an unpaired UTF-16 surrogate escape"},
		{`{"objective":"\udc00\ud800"}`, "objective: must not contain an unpaired UTF-16 surrogate escape"},
		{`{"objective":"\ud800x"}`, "objective: must not contain an unpaired UTF-16 surrogate escape"},
		{`{"objective":"\ud800\n"}`, "objective: must not contain an unpaired UTF-16 surrogate escape"},
		{`{"objective":"\ud800\ud800"}`, "objective: must not contain an unpaired UTF-16 surrogate escape"},
		{`{"actions":[{"title":"\udfff"}]}`, "actions[0].title: must not contain an unpaired UTF-16 surrogate escape"},
	} {
		var plan pipeline.Plan
		var d pipeline.DecisionInput
		var dst any = &plan
		if strings.Contains(tc.body, "decision") {
			dst = &d
		}
		if got := problems(t, tc.body, dst); !slices.Contains(got, tc.want) {
			t.Errorf("%q: %v, want %q", tc.body, got, tc.want)
		}
	}
	// Paired surrogates, an escaped backslash before a u, and U+FFFD typed on
	// purpose are text.
	var plan pipeline.Plan
	if got := problems(t, `{"objective":"\ud83c\udf0e \\ud800 \ufffd �","expected_outcome":"e"}`, &plan); len(got) != 0 {
		t.Errorf("valid text refused: %v", got)
	}
	if plan.Objective != `🌎 \ud800 � �` {
		t.Errorf("objective %q", plan.Objective)
	}
}

func TestUnknownNamesAreQuotedAndBounded(t *testing.T) {
	t.Parallel()
	var s pipeline.Submission
	long := strings.Repeat("k", 1000)
	got := problems(t, `{"<script>":1,"a\u0000b":2,"`+long+`":3,"plain_name":4}`, &s)
	for _, want := range []string{`"<script>": is not a known field`, `"a\x00b": is not a known field`,
		`"` + strings.Repeat("k", 40) + `…": is not a known field`, "plain_name: is not a known field"} {
		if !slices.Contains(got, want) {
			t.Errorf("%q not in %q", want, got)
		}
	}
	var many strings.Builder
	many.WriteString(`{"x":[`)
	for i := range 1000 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString("\"\xff\"")
	}
	many.WriteString(`]}`)
	if got := problems(t, many.String(), &s); len(got) != 20 {
		t.Errorf("1,000 bad strings gave %d problems, want the first 20", len(got))
	}
}

func TestBudgetsAreWholeCents(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"actions":[{"budget_eur":45000}]}`:     "",
		`{"actions":[{"budget_eur":4.5e4}]}`:     "",
		`{"actions":[{"budget_eur":1234.50}]}`:   "",
		`{"actions":[{"budget_eur":-0}]}`:        "",
		`{"actions":[{"budget_eur":null}]}`:      "",
		`{"actions":[{"budget_eur":0.005}]}`:     "actions[0].budget_eur: must have at most two decimals (whole cents)",
		`{"actions":[{"budget_eur":1e400}]}`:     "actions[0].budget_eur: must be at most 1,000,000,000",
		`{"actions":[{"budget_eur":"45000"}]}`:   "actions[0].budget_eur: must be a number",
		`{"actions":[{"budget_eur":[1]}]}`:       "actions[0].budget_eur: must be a number",
		`{"actions":[{"budget_eur":1e-2}]}`:      "",
		`{"actions":[{"budget_eur":12.3456e1}]}`: "actions[0].budget_eur: must have at most two decimals (whole cents)",
		`{"actions":[{"budget_eur":12.345e1}]}`:  "",
	} {
		var plan pipeline.Plan
		got := problems(t, body, &plan)
		if (want == "" && len(got) != 0) || (want != "" && !slices.Equal(got, []string{want})) {
			t.Errorf("%s: %v, want %q", body, got, want)
		}
	}
	var plan pipeline.Plan
	problems(t, `{"actions":[{"budget_eur":1234.5}]}`, &plan)
	if plan.Actions[0].BudgetEUR != pipeline.Cents(123450) {
		t.Errorf("1234.5 decoded as %v", plan.Actions[0].BudgetEUR)
	}
}

func TestNotJSON(t *testing.T) {
	t.Parallel()
	var s pipeline.Submission
	for body, want := range map[string]error{"": strictjson.ErrEmpty, " \n": strictjson.ErrEmpty, "{": strictjson.ErrNotJSON,
		`{"a":1}x`: strictjson.ErrNotJSON, strings.Repeat("[", 20000) + strings.Repeat("]", 20000): strictjson.ErrNotJSON,
		`{"title":"\x"}`: strictjson.ErrNotJSON, "{\"title\":\"a\x00b\"}": strictjson.ErrNotJSON} {
		if _, err := strictjson.Decode([]byte(body), &s); !errors.Is(err, want) {
			t.Errorf("%.20q: %v, want %v", body, err, want)
		}
	}
}
