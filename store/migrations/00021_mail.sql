-- +goose Up
-- The notification emails: one row per (priority, event, recipient), written
-- before the message goes to the mail server and marked sent once the server
-- took it. A row still 'sending' after a crash means "may have been sent": it
-- is sent again with the same Message-ID, which receivers deduplicate.
CREATE TABLE mail_log (
    priority_id  uuid NOT NULL,
    seq          integer NOT NULL,
    recipient_id uuid NOT NULL REFERENCES users (id),
    message_id   text NOT NULL UNIQUE,
    kind         text NOT NULL,
    email        text NOT NULL,
    language     text NOT NULL,
    status       text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 1,
    error        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    PRIMARY KEY (priority_id, seq, recipient_id)
);

-- The daily digests: one per user and day, the same way.
CREATE TABLE digest_log (
    user_id    uuid NOT NULL REFERENCES users (id),
    day        date NOT NULL,
    message_id text NOT NULL UNIQUE,
    email      text NOT NULL,
    language   text NOT NULL,
    tasks      integer NOT NULL,
    status     text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'failed')),
    attempts   integer NOT NULL DEFAULT 1,
    error      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    PRIMARY KEY (user_id, day)
);

-- +goose Down
DROP TABLE digest_log;
DROP TABLE mail_log;
