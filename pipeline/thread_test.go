package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestThreadRefusals(t *testing.T) {
	t.Parallel()
	post := func(id, text string) Act {
		return Act{DecisionInput: DecisionInput{Decision: PostComment}, Remark: &CommentInput{ID: id, Text: text}}
	}
	edit := func(id, text string) Act {
		return Act{DecisionInput: DecisionInput{Decision: EditComment}, Remark: &CommentInput{ID: id, Text: text}}
	}
	fresh := "20000000-0000-4000-8000-000000000002"
	cases := []struct {
		name  string
		stage Stage
		a     Actor
		act   Act
		kind  Kind
		want  string // the problem of a KindInvalid refusal
	}{
		{"a stranger to the priority", Planning, fpOut, post(fresh, "hola"), KindNotFound, ""},
		{"a closed priority's thread is read-only", Approved, fpIn, post(fresh, "hola"), KindConflict, ""},
		{"a withdrawn one's too", Withdrawn, mFree, edit(commentOf(mFree), "hola"), KindConflict, ""},
		{"an id already in the thread", Planning, fpIn, post(commentOf(eTheme), "hola"), KindConflict, ""},
		{"an id that is no id", Planning, fpIn, post("c1", "hola"), KindConflict, ""},
		{"an unknown comment", Planning, fpIn, edit(fresh, "hola"), KindNotFound, ""},
		{"someone else's comment", Planning, fpIn, edit(commentOf(eAssigned), "hola"), KindForbidden, ""},
		{"a manager edits someone else's comment too", Planning, mFree, edit(commentOf(fpIn), "hola"), KindForbidden, ""},
		{"no remark at all", Planning, fpIn, Act{DecisionInput: DecisionInput{Decision: PostComment}}, KindInvalid, "text: required"},
		{"an empty comment", Planning, fpIn, post(fresh, " \n\t "), KindInvalid, "text: required"},
		{"an oversized comment", Planning, fpIn, post(fresh, strings.Repeat("é", MaxComment+1)), KindInvalid, "text: too_long count=4000"},
		{"a NUL", Planning, fpIn, post(fresh, "a\x00b"), KindInvalid, "text: control_character char=U+0000"},
		{"an escape sequence", Planning, fpIn, edit(commentOf(fpIn), "\x1b[2J"), KindInvalid, "text: control_character char=U+001B"},
		{"a right-to-left override", Planning, fpIn, post(fresh, "factura\u202Efdp.exe"), KindInvalid, "text: bidi_control char=U+202E"},
		{"an isolate", Planning, fpIn, edit(commentOf(fpIn), "a\u2066b"), KindInvalid, "text: bidi_control char=U+2066"},
		{"invalid UTF-8", Planning, fpIn, post(fresh, "a\xffb"), KindInvalid, "text: invalid_utf8"},
		{"a decision's reason smuggled in", Planning, fpIn, Act{DecisionInput: DecisionInput{Decision: PostComment, Reason: "a\x00"},
			Remark: &CommentInput{ID: fresh, Text: "hola"}}, KindInvalid, "reason: not_used decision=post_comment"},
	}
	for _, c := range cases {
		p := testPriority(c.stage)
		err := Check(c.a, &p, 0, c.act)
		if got := KindOfError(err); got != c.kind {
			t.Errorf("%s: %v (kind %v), want kind %v", c.name, err, got, c.kind)
			continue
		}
		if c.kind != KindInvalid {
			continue
		}
		var e *Error
		if !asError(err, &e) || len(e.Problems) != 1 || e.Problems[0].Field+": "+describe(e.Problems[0]) != c.want {
			t.Errorf("%s: %+v, want %s", c.name, e, c.want)
		}
	}
	p := testPriority(Revision)
	ok := post(fresh, "Línea 1\r\nLínea 2\twith a tab, 🌎 and فريق")
	if err := Check(fpIn, &p, 0, ok); err != nil {
		t.Errorf("a multi-line comment in three scripts: %v", err)
	}
	if err := Check(fpIn, &p, 3, ok); KindOfError(err) != KindStale {
		t.Errorf("a comment at another version: %v, want stale (If-Match holds as for every act)", err)
	}
}

// handled is the actors as found by the @mention h.
func handled(h string, as ...Actor) []Actor {
	out := slices.Clone(as)
	for i := range out {
		out[i].Handle = h
	}
	return out
}

// TestMentionsNameOnlyWhoMaySee: an @mention must name someone who may see
// the priority; one of anyone else, or of no one, is refused alike (422,
// mention_unseen on text), naming the handle, whoever else is named.
func TestMentionsNameOnlyWhoMaySee(t *testing.T) {
	t.Parallel()
	p := testPriority(Revision)
	p.Sensitivity = Restricted // seen by managers, fpIn and eAssigned only
	post := func(text string, mentioned ...Actor) Act {
		return Act{DecisionInput: DecisionInput{Decision: PostComment},
			Remark: &CommentInput{ID: "20000000-0000-4000-8000-000000000009", Text: text}, Mentioned: mentioned}
	}
	for _, c := range []struct {
		name string
		act  Act
		want []string // the refused handles; none: accepted
	}{
		{"the assigned expert", post("@ana ¿y esto?", handled("ana", eAssigned)...), nil},
		{"one of two namesakes may see", post("@ana ¿y esto?", handled("ana", eTheme, mFree)...), nil},
		{"the theme's expert, who may not see it", post("@luis ¿y esto?", handled("luis", eTheme)...), []string{"@luis"}},
		{"nobody goes by that name", post("@nadie ¿y esto?"), []string{"@nadie"}},
		{"one of two", post("@ana @luis", append(handled("ana", eAssigned), handled("luis", fpOut)...)...), []string{"@luis"}},
		{"a found actor not named in the text", post("sin mención", handled("ana", eAssigned)...), nil},
	} {
		err := Check(fpIn, &p, 0, c.act)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalid {
			t.Errorf("%s: %v, want invalid", c.name, err)
			continue
		}
		var got []string
		for _, pr := range e.Problems {
			if pr.Field == "text" && pr.Code == MentionUnseen {
				got = append(got, fmt.Sprint(pr.Params["handle"]))
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: refused %v, want %v (%v)", c.name, got, c.want, e.Problems)
		}
	}
}

func TestThreadApply(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 4, 1, 10, 0, 0, 0, time.UTC)
	p := testPriority(Revision)
	p.Sensitivity = Restricted // seen by managers, fpIn and eAssigned only
	id := "20000000-0000-4000-8000-000000000003"
	act := Act{DecisionInput: DecisionInput{Decision: PostComment},
		Remark: &CommentInput{ID: id, Text: "  @juan ¿y el presupuesto?  "},
		// Six people go by "juan" (the local part of their addresses).
		Mentioned: handled("juan", eAssigned, eTheme, fpOut, fpIn, eAssigned, mFree)}
	if err := Check(fpIn, &p, 0, act); err != nil {
		t.Fatal(err)
	}
	out := Apply(fpIn, p, act, at, DefaultSLAs())
	if out.Priority.Stage != Revision || out.Priority.Version != p.Version || !out.Priority.UpdatedAt.Equal(p.UpdatedAt) ||
		!out.Priority.StageEnteredAt.Equal(p.StageEnteredAt) || !out.Priority.DueAt.Equal(*p.DueAt) {
		t.Errorf("a comment changed the priority: %+v", out.Priority)
	}
	ev := out.Event
	if ev.Kind != EventCommented || ev.Seq != p.EventSeq+1 || ev.Comment != "@juan ¿y el presupuesto?" ||
		ev.FromStage != Revision || ev.ToStage != Revision || ev.Actor.ID != fpIn.ID || ev.Data["comment_id"] != id {
		t.Errorf("event %+v", ev)
	}
	// Told: the assigned expert and a manager, once each; not the author,
	// not the theme's expert nor the other country's focal point, who may
	// not see this restricted priority.
	if got, want := MentionIDs(ev), []string{eAssigned.ID, mFree.ID}; !slices.Equal(got, want) {
		t.Errorf("mentions %v, want %v", got, want)
	}
	if len(p.Thread) != len(cast) {
		t.Error("Apply changed its input's thread")
	}
	e := out.Priority.entry(id)
	if e == nil || e.Author != fpIn.ID {
		t.Fatalf("thread %+v", out.Priority.Thread)
	}

	again := Act{DecisionInput: DecisionInput{Decision: EditComment},
		Remark: &CommentInput{ID: id, Text: "@juan @ana"}, Mentioned: append(handled("juan", eAssigned), handled("ana", mTriager)...)}
	if err := Check(fpIn, &out.Priority, 0, again); err != nil {
		t.Fatal(err)
	}
	if err := Check(eAssigned, &out.Priority, 0, again); KindOfError(err) != KindForbidden {
		t.Errorf("a mentioned person edits the comment: %v", err)
	}
	edited := Apply(fpIn, out.Priority, again, at.Add(time.Minute), DefaultSLAs())
	if edited.Event.Kind != EventCommentEdited || edited.Event.Comment != "@juan @ana" || edited.Priority.Version != p.Version {
		t.Errorf("edit event %+v", edited.Event)
	}
	if got := MentionIDs(edited.Event); !slices.Equal(got, []string{mTriager.ID}) {
		t.Errorf("an edit tells %v, want only the newly mentioned %s", got, mTriager.ID)
	}
	if e := edited.Priority.entry(id); !slices.Equal(e.Mentioned, []string{eAssigned.ID, mFree.ID, mTriager.ID}) {
		t.Errorf("mentioned so far %v", e.Mentioned)
	}
	if len(out.Priority.entry(id).Mentioned) != 2 {
		t.Error("Apply changed its input's mentions")
	}
}

func TestHandles(t *testing.T) {
	t.Parallel()
	for text, want := range map[string][]string{
		"@maria.quispe ¿puede revisar?":           {"maria.quispe"},
		"Merci @Jean-Baptiste, et @marie_louise.": {"jean-baptiste", "marie_louise"},
		"write to maria@example.org, not @ her":   nil,
		"(@ana) y @ana otra vez, @ANA":            {"ana"},
		"@josé.pérez\n@x":                         {"josé.pérez", "x"},
		"trailing dots end it: @a.b.":             {"a.b"},
		"no mention in e@mail or @@double":        nil,
		"@first@second":                           {"first"},
		"":                                        nil,
	} {
		if got := Handles(text); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
	many := "@a " + strings.Repeat("@b @c @d @e @f @g @h @i @j @k @l @m @n @o @p @q @r @s @t @u @v @w ", 2)
	if got := Handles(many); len(got) != MaxMentions || got[0] != "a" {
		t.Errorf("%d handles %v, want the first %d", len(got), got, MaxMentions)
	}
	ev := Event{Data: map[string]any{"mentions": []any{map[string]any{"id": "u1", "name": "Ana"}, "junk"}}}
	if got := MentionIDs(ev); !slices.Equal(got, []string{"u1"}) {
		t.Errorf("mentions read back from JSON: %v", got)
	}
}
