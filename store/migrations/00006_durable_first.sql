-- +goose Up
-- The seq of each priority's latest audit-trail event: callers send it with
-- an update so the workflow answers with exactly the events they lack.
ALTER TABLE priorities ADD COLUMN event_seq integer NOT NULL DEFAULT 0;
UPDATE priorities p SET event_seq = coalesce((SELECT max(seq) FROM events e WHERE e.priority_id = p.id), 0);

-- References are reserved by the submitter before the priority's workflow
-- starts (the workflow's state includes its reference), keyed by the
-- priority's id so that a retried submission gets the same one.
CREATE TABLE priority_refs (
    priority_id uuid PRIMARY KEY,
    ref         text NOT NULL UNIQUE
);
INSERT INTO priority_refs (priority_id, ref) SELECT id, ref FROM priorities;

-- Priorities whose latest change PostgreSQL refused for its data (a bug the
-- validation missed): the read model lags their workflow until a later write
-- succeeds, and managers see them on the dashboard meanwhile.
CREATE TABLE attention (
    priority_id uuid PRIMARY KEY,
    error       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE attention;
DROP TABLE priority_refs;
ALTER TABLE priorities DROP COLUMN event_seq;
