-- +goose Up
-- Puente 1.0's schema, whole. Later changes come as migrations numbered
-- after it. It is numbered above every migration before 1.0 (00001–00024)
-- so that a database they made is told apart by its goose_db_version:
-- Migrate refuses it with ErrBeforeBaseline, and `puente dev` recreates it.

-- Codelists, refreshed from the embedded reference data after every migration.
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

-- People: how to reach a user (email, language), how they want to hear of
-- their tasks, and whether they may still sign in. Emails are stored in lower
-- case, so the unique index also refuses two spellings of one address.
CREATE TABLE users (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    role           text NOT NULL CHECK (role IN ('focal_point', 'expert', 'manager')),
    countries      text[] NOT NULL DEFAULT '{}',
    themes         text[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    email          text,
    language       text NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'pt', 'en')),
    notify         text NOT NULL DEFAULT 'immediate' CHECK (notify IN ('immediate', 'digest', 'both')),
    active         boolean NOT NULL DEFAULT true,
    deactivated_at timestamptz,
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);
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

-- Sign-in sessions of the web app (not the dialogue sessions of the
-- "sessions" table). The browser holds only an opaque random ID; the table
-- holds its SHA-256 hash, so a read of this table cannot be replayed as a
-- cookie. Sign-out deletes the row; expired rows are ignored and purged. A
-- session also ends after a while without a request: last_seen_at is when
-- its person last used it (written at most once a minute), beside the
-- absolute end in expires_at.
CREATE TABLE web_sessions (
    id_hash      bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    -- A session opened with single sign-on keeps the provider's ID token, for
    -- sign-out to hand back as id_token_hint (RP-Initiated Logout).
    id_token     text
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);

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

-- Dialogue sessions, at which priorities are raised.
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

-- Full-text search over title and description, for Spanish and English
-- alike: accents folded (unaccent), no stemming ('simple'), prefix matching
-- done by the query. unaccent() is only STABLE because its dictionary could
-- change; pinning the dictionary makes the wrapper safe to index.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION puente_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- The read model of the priority workflows. No foreign keys to reference
-- data: the workflow validated it, and a write that the workflow has made
-- must never be refused. run_id is the workflow run that last recorded the
-- priority: the API sends updates to it, which spares Temporal a lookup of
-- the current run (an empty or outdated one only costs that lookup back).
-- event_seq is the seq of the priority's latest audit-trail event: callers
-- send it with an update so the workflow answers with exactly the events
-- they lack.
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
    request_hash     text NOT NULL DEFAULT '',
    search           tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', puente_unaccent(title || ' ' || description))) STORED,
    run_id           text NOT NULL DEFAULT '',
    event_seq        integer NOT NULL DEFAULT 0
);
CREATE INDEX priorities_created_idx ON priorities (created_at DESC, id DESC);
CREATE INDEX priorities_search_idx ON priorities USING gin (search);
-- Time in stage (dashboard percentiles by offset, approvals per week) and the
-- stage filter; the included columns let filtered percentiles skip the heap.
CREATE INDEX priorities_stage_idx ON priorities (stage, stage_entered_at DESC)
    INCLUDE (theme, countries, session_id);
-- Time in stage of the open stages, narrow: the unfiltered dashboard reads
-- its median and p90 by offset here, over fewer pages than through
-- priorities_stage_idx, whose included columns serve the filtered dashboards.
CREATE INDEX priorities_open_age_idx ON priorities (stage, stage_entered_at)
    WHERE stage IN ('triage', 'expert_review', 'revision', 'planning', 'validation', 'approval');
-- The country and theme filters of lists, combined with search by bitmap AND.
CREATE INDEX priorities_countries_idx ON priorities USING gin (countries);
CREATE INDEX priorities_theme_idx ON priorities (theme, created_at DESC, id DESC);
CREATE INDEX priorities_session_idx ON priorities (session_id) WHERE session_id IS NOT NULL;
-- An expert's assigned priorities (scope, tasks, least-loaded choice).
CREATE INDEX priorities_assignee_idx ON priorities (assignee, stage) WHERE assignee IS NOT NULL;
-- The inboxes: a role's tasks are the priorities in the stages where it
-- decides, soonest due first. With this index each stage is read in due
-- order and the stages merged (one index scan per stage under a Merge
-- Append), instead of every open priority of those stages sorted: a
-- manager's inbox reads its first page, not every triage and approval row.
CREATE INDEX priorities_due_idx ON priorities (stage, due_at, id);

-- References are reserved by the submitter before the priority's workflow
-- starts (the workflow's state includes its reference), keyed by the
-- priority's id so that a retried submission gets the same one.
CREATE TABLE priority_refs (
    priority_id uuid PRIMARY KEY,
    ref         text NOT NULL UNIQUE
);

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

-- Priorities whose latest change PostgreSQL refused for its data (a bug the
-- validation missed): the read model lags their workflow until a later write
-- succeeds, and managers see them on the dashboard meanwhile.
CREATE TABLE attention (
    priority_id uuid PRIMARY KEY,
    error       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);

-- Counts of priorities by stage, theme, country and overdue, kept by a
-- trigger so the pipeline dashboard reads a few hundred rows instead of
-- scanning every priority. Country '*' counts each priority once. Counter
-- rows are rewritten on every move: room is left on each page for HOT
-- updates, and they are vacuumed often.
CREATE TABLE pipeline_counts (
    stage   text NOT NULL,
    theme   text NOT NULL,
    country text NOT NULL,
    overdue boolean NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (stage, theme, country, overdue)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- Approvals per ISO week (UTC), by theme and country ('*': each priority
-- once), kept by the same trigger: the dashboard's last 12 weeks are a few
-- dozen rows, however many priorities were approved.
CREATE TABLE approvals_weekly (
    week    date NOT NULL,
    theme   text NOT NULL,
    country text NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (week, theme, country)
);

-- +goose StatementBegin
CREATE FUNCTION puente_count_priority() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Deltas are summed per key and applied in key order, so two
    -- transactions never take the same counter rows in opposite orders.
    INSERT INTO pipeline_counts AS pc (stage, theme, country, overdue, n)
    SELECT x.stage, x.theme, x.country, x.overdue, sum(x.d)
    FROM (
        SELECT OLD.stage, OLD.theme, c, OLD.overdue, -1
        FROM unnest(OLD.countries || '{*}'::text[]) AS c WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT NEW.stage, NEW.theme, c, NEW.overdue, 1
        FROM unnest(NEW.countries || '{*}'::text[]) AS c WHERE TG_OP <> 'DELETE'
    ) AS x (stage, theme, country, overdue, d)
    GROUP BY 1, 2, 3, 4
    HAVING sum(x.d) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (stage, theme, country, overdue) DO UPDATE SET n = pc.n + EXCLUDED.n;

    INSERT INTO approvals_weekly AS aw (week, theme, country, n)
    SELECT x.week, x.theme, x.country, sum(x.d)
    FROM (
        SELECT date_trunc('week', OLD.stage_entered_at AT TIME ZONE 'UTC')::date, OLD.theme, c, -1
        FROM unnest(OLD.countries || '{*}'::text[]) AS c WHERE TG_OP <> 'INSERT' AND OLD.stage = 'approved'
        UNION ALL
        SELECT date_trunc('week', NEW.stage_entered_at AT TIME ZONE 'UTC')::date, NEW.theme, c, 1
        FROM unnest(NEW.countries || '{*}'::text[]) AS c WHERE TG_OP <> 'DELETE' AND NEW.stage = 'approved'
    ) AS x (week, theme, country, d)
    GROUP BY 1, 2, 3
    HAVING sum(x.d) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (week, theme, country) DO UPDATE SET n = aw.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER priorities_count
    AFTER INSERT OR DELETE OR UPDATE OF stage, theme, countries, overdue, stage_entered_at ON priorities
    FOR EACH ROW EXECUTE FUNCTION puente_count_priority();

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
DROP TABLE digest_log, mail_log, approvals_weekly, pipeline_counts, attention, support_actions, events,
    ref_counters, priority_refs, priorities, sessions, sso_logins, web_sessions, api_tokens, users, countries, themes;
DROP FUNCTION puente_count_priority(), puente_unaccent(text);
