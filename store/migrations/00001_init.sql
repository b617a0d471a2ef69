-- +goose Up
CREATE TABLE themes (
    code        text PRIMARY KEY,
    en          text NOT NULL,
    es          text NOT NULL,
    iati_sector text NOT NULL
);

CREATE TABLE countries (
    code text PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE users (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('focal_point', 'expert', 'manager')),
    countries  text[] NOT NULL DEFAULT '{}',
    themes     text[] NOT NULL DEFAULT '{}',
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    title      text NOT NULL,
    kind       text NOT NULL,
    date       date NOT NULL,
    venue      text NOT NULL,
    countries  text[] NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_date_idx ON sessions (date DESC, id DESC);

-- The read model of the priority workflows. No foreign keys to reference
-- data: the workflow validated it, and a write that the workflow has made
-- must never be refused.
CREATE TABLE priorities (
    id               uuid PRIMARY KEY,
    ref              text NOT NULL UNIQUE,
    session_id       uuid,
    title            text NOT NULL,
    description      text NOT NULL,
    theme            text NOT NULL,
    pillar           text NOT NULL,
    countries        text[] NOT NULL,
    institution      text NOT NULL,
    urgency          text NOT NULL,
    sensitivity      text NOT NULL,
    stage            text NOT NULL,
    assignee         uuid,
    triaged_by       uuid,
    plan_authors     text[] NOT NULL DEFAULT '{}',
    stage_entered_at timestamptz NOT NULL,
    due_at           timestamptz,
    overdue          boolean NOT NULL DEFAULT false,
    version          integer NOT NULL,
    submitted_by     uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    plan             jsonb,
    request_hash     text NOT NULL DEFAULT ''
);
CREATE INDEX priorities_created_idx ON priorities (created_at DESC, id DESC);

-- The per-prefix counters behind refs such as PE-2025-0007.
CREATE TABLE ref_counters (
    prefix text PRIMARY KEY,
    n      integer NOT NULL
);

-- The audit trail: append-only, seq without gaps per priority.
CREATE TABLE events (
    priority_id uuid NOT NULL REFERENCES priorities (id),
    seq         integer NOT NULL CHECK (seq > 0),
    at          timestamptz NOT NULL,
    actor_id    text NOT NULL,
    actor_name  text NOT NULL,
    actor_role  text NOT NULL,
    kind        text NOT NULL,
    from_stage  text NOT NULL DEFAULT '',
    to_stage    text NOT NULL DEFAULT '',
    comment     text NOT NULL DEFAULT '',
    data        jsonb,
    PRIMARY KEY (priority_id, seq)
);

-- Support actions of approved plans.
CREATE TABLE support_actions (
    priority_id   uuid NOT NULL REFERENCES priorities (id),
    idx           integer NOT NULL,
    type          text NOT NULL,
    title         text NOT NULL,
    description   text NOT NULL,
    beneficiaries text[] NOT NULL,
    countries     text[] NOT NULL,
    start_date    date NOT NULL,
    end_date      date NOT NULL,
    budget_eur    numeric(14, 2) NOT NULL,
    eu_partners   text[] NOT NULL,
    indicators    jsonb NOT NULL,
    approved_at   timestamptz NOT NULL,
    PRIMARY KEY (priority_id, idx)
);

-- +goose Down
DROP TABLE support_actions;
DROP TABLE events;
DROP TABLE ref_counters;
DROP TABLE priorities;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE countries;
DROP TABLE themes;
