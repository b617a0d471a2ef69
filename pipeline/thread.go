package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The thread's acts: rows of the table in every open stage, open to whoever
// may see the priority, taken through their own routes (the thread's),
// never listed as decisions and never moving the stage
// (docs/architecture.md, The conversation).
const (
	// PostComment adds a comment to the priority's thread.
	PostComment Decision = "post_comment"
	// EditComment replaces the text of one's own comment; the earlier texts
	// stay in the audit trail.
	EditComment Decision = "edit_comment"
)

// Viewer admits whoever may see the priority (Actor.CanSee).
const Viewer Rule = "viewer"

// The events of the thread.
const (
	EventCommented     EventKind = "commented"
	EventCommentEdited EventKind = "comment_edited"
)

// MaxMentions bounds the people one comment can mention: more names are
// kept as text and tell nobody.
const MaxMentions = 20

// CommentInput is what a thread act carries: the comment's id (chosen by
// the caller for a new comment, the path's for an edit) and its text.
type CommentInput struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// ThreadEntry is what the engine knows of a comment of the thread: who wrote
// it and whom it has mentioned so far (each is told once).
type ThreadEntry struct {
	ID        string   `json:"id"`
	Author    string   `json:"author"`
	Mentioned []string `json:"mentioned,omitempty"`
}

// Comment is a comment of a priority's thread as people read it: its
// current text and, oldest first, the texts it had before.
type Comment struct {
	ID         string     `json:"id"`
	PriorityID string     `json:"priority_id"`
	Seq        int        `json:"seq"`
	Author     Ref        `json:"author"`
	Text       string     `json:"text"`
	PostedAt   time.Time  `json:"posted_at"`
	Edited     bool       `json:"edited"`
	EditedAt   *time.Time `json:"edited_at,omitempty"`
	Mentions   []Ref      `json:"mentions"`
	History    []Version  `json:"history"`
}

// Version is an earlier text of a comment: what it said from At, written by By.
type Version struct {
	Seq  int       `json:"seq"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	By   Ref       `json:"by"`
}

// Entries is what the engine knows of a thread read back from the audit
// trail: each comment's author and whom it has mentioned.
func Entries(cs []Comment) []ThreadEntry {
	out := make([]ThreadEntry, len(cs))
	for i, c := range cs {
		out[i] = ThreadEntry{ID: c.ID, Author: c.Author.ID}
		for _, m := range c.Mentions {
			out[i].Mentioned = append(out[i].Mentioned, m.ID)
		}
	}
	return out
}

// Thread reports whether d is one of the thread's acts.
func (d Decision) Thread() bool { return d == PostComment || d == EditComment }

// Remark checks a comment of the thread: multi-line text like Multiline,
// and, as in one-line fields, no bidirectional controls: a comment is read
// beside other people's words and quoted in emails, where an override would
// reorder what they see.
func (ps *Problems) Remark(field, v string, required bool, max int) {
	n := len(*ps)
	ps.Multiline(field, v, required, max)
	if len(*ps) > n {
		return
	}
	if r, ok := bidiControl(v); ok {
		ps.Add(field, BidiControl, "char", fmt.Sprintf("%U", r))
	}
}

// handleRE finds @mentions: an @ that does not follow a letter, digit or
// dot (so an email address is no mention), then an email address's local
// part.
var handleRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}._%+@-])@([\p{L}\p{N}_%+-]+(?:\.[\p{L}\p{N}_%+-]+)*)`)

// Handles lists the people a text mentions, by the local part of their
// email address (@maria.quispe for maria.quispe@…), lowercased, each once,
// in order, at most MaxMentions.
func Handles(text string) []string {
	var out []string
	for _, m := range handleRE.FindAllStringSubmatch(text, -1) {
		h := strings.ToLower(m[1])
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
		if len(out) == MaxMentions {
			break
		}
	}
	return out
}

// entry is the thread's comment with this id, or nil.
func (p *Priority) entry(id string) *ThreadEntry {
	for i := range p.Thread {
		if p.Thread[i].ID == id {
			return &p.Thread[i]
		}
	}
	return nil
}

// checkThread runs the thread's own checks after Authorize: a new comment's
// id is unused (409), an edited comment exists (404) and is the actor's
// (403). Then the text (422).
func checkThread(a Actor, p *Priority, act Act) error {
	in := act.Remark
	if in == nil {
		return Invalid("the comment is not valid", Problems{Problem("text", Required)})
	}
	switch act.Decision {
	case PostComment:
		if !IsID(in.ID) || p.entry(in.ID) != nil {
			return Errorf(KindConflict, "a new comment needs an unused id, not %s", QuoteShort(in.ID))
		}
	case EditComment:
		e := p.entry(in.ID)
		if e == nil {
			return Errorf(KindNotFound, "no comment %s on this priority", in.ID)
		}
		if e.Author != a.ID {
			return Errorf(KindForbidden, "only its author edits a comment")
		}
	}
	var ps Problems
	ps.Remark("text", in.Text, true, MaxComment)
	// Every @mention names someone who may see the priority: a mention of
	// anyone else — or of no one — is refused alike, so the refusal tells
	// the author nothing about who exists, and nobody outside learns of
	// the priority.
	for _, h := range Handles(in.Text) {
		if !slices.ContainsFunc(act.Mentioned, func(m Actor) bool { return m.Handle == h && m.CanSee(p) }) {
			ps.Add("text", MentionUnseen, "handle", "@"+h)
		}
	}
	// A thread act carries its remark only: nothing else of a decision's body.
	for _, f := range []struct {
		field string
		used  bool
	}{{"comment", act.DecisionInput.Comment != ""}, {"reason", act.Reason != ""}, {"theme", act.Theme != ""},
		{"expert_id", act.ExpertID != ""}, {"changes", act.Changes != nil}, {"plan", act.Plan != nil}} {
		if f.used {
			ps.Add(f.field, NotUsed, "decision", string(act.Decision))
		}
	}
	if len(ps) > 0 {
		return Invalid("the comment is not valid", ps)
	}
	return nil
}

// applyThread performs a thread act on p: the comment joins the thread, or
// its entry learns whom the new text mentions. It returns the event's data:
// the comment's id and the people the text mentions for the first time
// among those who may see p — nobody else is told, or named.
func applyThread(a Actor, p *Priority, act Act) map[string]any {
	in := act.Remark
	e := p.entry(in.ID)
	if e == nil {
		p.Thread = append(p.Thread, ThreadEntry{ID: in.ID, Author: a.ID})
		e = &p.Thread[len(p.Thread)-1]
	}
	data := map[string]any{"comment_id": in.ID}
	var told []Ref
	for _, m := range act.Mentioned {
		if m.ID == a.ID || !m.CanSee(p) || slices.Contains(e.Mentioned, m.ID) || len(told) == MaxMentions {
			continue
		}
		e.Mentioned = append(e.Mentioned, m.ID)
		told = append(told, m.Ref())
	}
	if len(told) > 0 {
		data["mentions"] = told
	}
	return data
}

// MentionIDs are the ids of the people a thread event tells: its data's
// mentions, as Apply wrote them or as they read back from JSON.
func MentionIDs(ev Event) []string {
	var ids []string
	switch ms := ev.Data["mentions"].(type) {
	case []Ref:
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
	case []any:
		for _, m := range ms {
			if o, ok := m.(map[string]any); ok {
				if id, ok := o["id"].(string); ok {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}
