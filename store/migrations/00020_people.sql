-- +goose Up
-- People: how to reach a user (email, language), how they want to hear of
-- their tasks, and whether they may still sign in. Emails are stored in lower
-- case, so the unique index also refuses two spellings of one address; rows
-- from before this migration have none until a manager sets it.
ALTER TABLE users
    ADD COLUMN email          text,
    ADD COLUMN language       text NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'pt', 'en')),
    ADD COLUMN notify         text NOT NULL DEFAULT 'immediate' CHECK (notify IN ('immediate', 'digest', 'both')),
    ADD COLUMN active         boolean NOT NULL DEFAULT true,
    ADD COLUMN deactivated_at timestamptz,
    ADD CONSTRAINT users_email_lower CHECK (email = lower(email));
CREATE UNIQUE INDEX users_email_key ON users (email);

-- API tokens: several per user over time (rotation keeps the old row,
-- revoked, for the record), each with an expiry and a last-used time. Only
-- the SHA-256 of a token is stored.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Tokens issued before expiry existed keep working for the default lifetime.
INSERT INTO api_tokens (id, user_id, token_hash, created_at, expires_at)
SELECT gen_random_uuid(), id, token_hash, created_at, now() + interval '90 days' FROM users;
ALTER TABLE users DROP COLUMN token_hash;

-- +goose Down
ALTER TABLE users ADD COLUMN token_hash bytea;
UPDATE users u SET token_hash = (
    SELECT t.token_hash FROM api_tokens t WHERE t.user_id = u.id ORDER BY t.created_at DESC LIMIT 1);
UPDATE users SET token_hash = sha256(id::text::bytea) WHERE token_hash IS NULL;
ALTER TABLE users ALTER COLUMN token_hash SET NOT NULL, ADD CONSTRAINT users_token_hash_key UNIQUE (token_hash);
DROP TABLE api_tokens;
DROP INDEX users_email_key;
ALTER TABLE users DROP CONSTRAINT users_email_lower, DROP COLUMN email, DROP COLUMN language,
    DROP COLUMN notify, DROP COLUMN active, DROP COLUMN deactivated_at;
