-- +goose Up
-- Single sign-on attempts in flight: one row per redirect to the identity
-- provider, keyed by the SHA-256 of its state, taken (deleted) by the
-- callback that completes it — so a state is good for one callback only —
-- and useless after its expiry. The nonce and the PKCE verifier are
-- worthless without the code the provider sends to the browser.
CREATE TABLE sso_logins (
    state_hash bytea PRIMARY KEY,
    nonce      text NOT NULL,
    verifier   text NOT NULL,
    next       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sso_logins_expires_idx ON sso_logins (expires_at);

-- +goose Down
DROP TABLE sso_logins;
