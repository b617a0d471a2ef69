-- +goose Up
-- Sign-in sessions of the web app (not the dialogue sessions of the
-- "sessions" table). The browser holds only an opaque random ID; the table
-- holds its SHA-256 hash, so a read of this table cannot be replayed as a
-- cookie. Sign-out deletes the row; expired rows are ignored and purged.
CREATE TABLE web_sessions (
    id_hash    bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);

-- +goose Down
DROP TABLE web_sessions;
