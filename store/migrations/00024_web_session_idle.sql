-- +goose Up
-- A web session also ends after a while without a request: last_seen_at is
-- when its person last used it (written at most once a minute), beside the
-- absolute end in expires_at.
ALTER TABLE web_sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();

-- +goose Down
ALTER TABLE web_sessions DROP COLUMN last_seen_at;
