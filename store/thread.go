package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/puente-dev/puente/pipeline"
)

// The thread of a priority is a view of its audit trail
// (docs/architecture.md, The conversation): a comment is its `commented`
// event, each edit a `comment_edited` event naming it; nothing else holds it.

// threadEvents reads a priority's thread events, oldest first.
const threadEvents = `SELECT seq, at, actor_id, actor_name, actor_role, kind, comment, data
FROM events WHERE priority_id = $1 AND kind IN ('commented', 'comment_edited') ORDER BY seq`

// refreshCommentsText rewrites what the list's search reads of a
// priority's thread: each comment's current text, oldest comment first, cut
// to 100,000 characters (the search vector must stay below
// PostgreSQL's 1 MB).
const refreshCommentsText = `
UPDATE priorities SET comments_text = coalesce((
    SELECT left(string_agg(c.comment, ' ' ORDER BY c.first), 100000)
    FROM (SELECT DISTINCT ON (data->>'comment_id') comment,
                 min(seq) OVER (PARTITION BY data->>'comment_id') AS first
          FROM events WHERE priority_id = $1 AND kind IN ('commented', 'comment_edited')
          ORDER BY data->>'comment_id', seq DESC) c), '')
WHERE id = $1`

// hasThreadEvent reports whether a change records a comment or an edit of one.
func hasThreadEvent(evs []pipeline.Event) bool {
	return slices.ContainsFunc(evs, func(e pipeline.Event) bool {
		return e.Kind == pipeline.EventCommented || e.Kind == pipeline.EventCommentEdited
	})
}

// Thread returns the comments of a priority, oldest first, each with its
// earlier texts; unscoped: callers check visibility.
func (s *Store) Thread(ctx context.Context, priorityID string) ([]pipeline.Comment, error) {
	rows, _ := s.pool.Query(ctx, threadEvents, priorityID)
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pipeline.Event, error) {
		var e pipeline.Event
		var data []byte
		if err := r.Scan(&e.Seq, &e.At, &e.Actor.ID, &e.Actor.Name, &e.Actor.Role, &e.Kind, &e.Comment, &data); err != nil {
			return e, err
		}
		if len(data) > 0 {
			if err := json.Unmarshal(data, &e.Data); err != nil {
				return e, fmt.Errorf("event %d data: %w", e.Seq, err)
			}
		}
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("thread of %s: %w", priorityID, err)
	}
	return threadOf(priorityID, evs), nil
}

// threadOf folds a priority's thread events, oldest first, into its
// comments: an edit replaces a comment's text and pushes the text it
// replaces, with when and by whom it was written, into its history.
func threadOf(priorityID string, evs []pipeline.Event) []pipeline.Comment {
	out := []pipeline.Comment{}
	at := map[string]int{}
	current := map[string]pipeline.Version{}
	for _, e := range evs {
		id, _ := e.Data["comment_id"].(string)
		i, ok := at[id]
		switch {
		case e.Kind == pipeline.EventCommented && !ok:
			at[id] = len(out)
			out = append(out, pipeline.Comment{ID: id, PriorityID: priorityID, Seq: e.Seq, Author: e.Actor,
				Text: e.Comment, PostedAt: e.At, Mentions: mentionRefs(e), History: []pipeline.Version{}})
		case e.Kind == pipeline.EventCommentEdited && ok:
			c := &out[i]
			before, edited := current[id], e.At
			if before.Seq == 0 {
				before = pipeline.Version{Seq: c.Seq, Text: c.Text, At: c.PostedAt, By: c.Author}
			}
			c.History = append(c.History, before)
			c.Text, c.Edited, c.EditedAt = e.Comment, true, &edited
			c.Mentions = append(c.Mentions, mentionRefs(e)...)
		default:
			continue
		}
		current[id] = pipeline.Version{Seq: e.Seq, Text: e.Comment, At: e.At, By: e.Actor}
	}
	return out
}

// mentionRefs are the people a thread event told.
func mentionRefs(e pipeline.Event) []pipeline.Ref {
	out := []pipeline.Ref{}
	ms, _ := e.Data["mentions"].([]any)
	for _, m := range ms {
		o, _ := m.(map[string]any)
		id, _ := o["id"].(string)
		name, _ := o["name"].(string)
		role, _ := o["role"].(string)
		if id != "" {
			out = append(out, pipeline.Ref{ID: id, Name: name, Role: pipeline.Role(role)})
		}
	}
	return out
}

// UsersByHandle are the active users whose email address's local part is
// one of handles (lowercase): whom a comment's @mentions name.
func (s *Store) UsersByHandle(ctx context.Context, handles []string) ([]pipeline.Actor, error) {
	if len(handles) == 0 {
		return nil, nil
	}
	us, err := all[User](s.pool.Query(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.active AND u.email IS NOT NULL AND split_part(u.email, '@', 1) = ANY($1) ORDER BY u.id`, handles))
	if err != nil {
		return nil, fmt.Errorf("users by handle: %w", err)
	}
	out := make([]pipeline.Actor, len(us))
	for i, u := range us {
		out[i] = u.Actor
		out[i].Handle, _, _ = strings.Cut(u.Email, "@")
	}
	return out, nil
}
