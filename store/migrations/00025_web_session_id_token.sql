-- +goose Up
-- A web session opened with single sign-on keeps the identity provider's
-- ID token, so that sign-out can hand it back to the provider as
-- id_token_hint when it ends its own session too (RP-Initiated Logout).
-- Sessions opened otherwise have none.
ALTER TABLE web_sessions ADD COLUMN id_token text;

-- +goose Down
ALTER TABLE web_sessions DROP COLUMN id_token;
