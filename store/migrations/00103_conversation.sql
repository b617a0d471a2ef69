-- +goose Up
-- The conversation on each priority (docs/architecture.md, The conversation).
-- The thread is a view of the audit trail: each comment is a `commented`
-- event and each edit a `comment_edited` event naming it in
-- data->>'comment_id', so the earlier texts stay where every change is kept.
-- This index reads one priority's thread without the rest of its trail.
CREATE INDEX events_thread_idx ON events (priority_id, (data->>'comment_id'), seq)
    WHERE kind IN ('commented', 'comment_edited');

-- The list's free-text search finds a priority by the words of its
-- comments too: comments_text holds the current text of each comment,
-- oldest first, cut to 100,000 characters so the search vector stays far
-- below PostgreSQL's 1 MB limit however long the thread grows. Recording a
-- thread event rewrites it in the same transaction.
ALTER TABLE priorities ADD COLUMN comments_text text NOT NULL DEFAULT '';
ALTER TABLE priorities DROP COLUMN search;
ALTER TABLE priorities ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', puente_unaccent(title || ' ' || description || ' ' || comments_text))) STORED;
CREATE INDEX priorities_search_idx ON priorities USING gin (search);

-- +goose Down
ALTER TABLE priorities DROP COLUMN search;
ALTER TABLE priorities DROP COLUMN comments_text;
ALTER TABLE priorities ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', puente_unaccent(title || ' ' || description))) STORED;
CREATE INDEX priorities_search_idx ON priorities USING gin (search);
DROP INDEX events_thread_idx;
