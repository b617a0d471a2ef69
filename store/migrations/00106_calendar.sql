-- +goose Up
-- The delivery views: counters of the delivery dashboard, and the private
-- calendar feeds.

-- Each person's calendar feed: one secret URL token at a time, stored only
-- as its SHA-256. Revoking deletes the row, so the old URL stops at once.
CREATE TABLE calendar_tokens (
    user_id    uuid PRIMARY KEY REFERENCES users (id),
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The delivery dashboard's figures of the approved support actions, summed
-- by partner, the priority's pillar and theme, country ('*' counts each
-- action once), delivery stage and overdue, kept by a trigger in the same
-- transaction as each write of an action: the dashboard sums a few hundred
-- rows however many actions there are. An action's report counts once it
-- is delivered or closed (reported_*): its actual cost, its participants
-- and its indicators, met when the actual reaches the target.
CREATE TABLE delivery_counts (
    partner         text NOT NULL,
    pillar          text NOT NULL,
    theme           text NOT NULL,
    country         text NOT NULL,
    stage           text NOT NULL,
    overdue         boolean NOT NULL,
    n               integer NOT NULL,
    budget_eur      numeric(16, 2) NOT NULL,
    reported        integer NOT NULL,
    reported_budget numeric(16, 2) NOT NULL,
    actual_cost_eur numeric(16, 2) NOT NULL,
    indicators      integer NOT NULL,
    indicators_met  integer NOT NULL,
    women           integer NOT NULL,
    men             integer NOT NULL,
    other           integer NOT NULL,
    PRIMARY KEY (partner, pillar, theme, country, stage, overdue)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- +goose StatementBegin
-- puente_delivery_row is one action's contribution to delivery_counts, once
-- per country and once under '*', signed by d.
CREATE FUNCTION puente_delivery_row(sa support_actions, d integer)
RETURNS TABLE (partner text, pillar text, theme text, country text, stage text, overdue boolean, n integer,
    budget_eur numeric, reported integer, reported_budget numeric, actual_cost_eur numeric,
    indicators integer, indicators_met integer, women integer, men integer, other integer)
LANGUAGE sql STABLE AS $$
    SELECT sa.partner, p.pillar, p.theme, c, sa.delivery_stage, sa.overdue, d, d * sa.budget_eur,
        d * r.rep, d * r.rep * sa.budget_eur, d * r.rep * coalesce(sa.actual_cost_eur, 0),
        d * r.rep * i.total, d * r.rep * i.met,
        d * r.rep * coalesce(sa.participants_women, 0), d * r.rep * coalesce(sa.participants_men, 0),
        d * r.rep * coalesce(sa.participants_other, 0)
    FROM priorities p,
        LATERAL (SELECT CASE WHEN sa.report IS NOT NULL AND sa.delivery_stage IN ('delivered', 'closed')
            THEN 1 ELSE 0 END) AS r (rep),
        LATERAL (SELECT count(*)::integer,
                count(*) FILTER (WHERE (a.v->>'actual')::numeric >= (t.v->>'target')::numeric)::integer
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(sa.indicators) = 'array' THEN sa.indicators ELSE '[]' END)
                WITH ORDINALITY AS t (v, k)
            JOIN jsonb_array_elements(CASE WHEN jsonb_typeof(sa.report->'indicators') = 'array'
                THEN sa.report->'indicators' ELSE '[]' END) WITH ORDINALITY AS a (v, k) USING (k)) AS i (total, met),
        unnest(sa.countries || '{*}'::text[]) AS c
    WHERE p.id = sa.priority_id
$$;

CREATE FUNCTION puente_count_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- As for pipeline_counts: deltas summed per key, applied in key order.
    INSERT INTO delivery_counts AS dc
    SELECT x.partner, x.pillar, x.theme, x.country, x.stage, x.overdue, sum(x.n), sum(x.budget_eur), sum(x.reported),
        sum(x.reported_budget), sum(x.actual_cost_eur), sum(x.indicators), sum(x.indicators_met),
        sum(x.women), sum(x.men), sum(x.other)
    FROM (
        SELECT * FROM puente_delivery_row(OLD, -1) WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT * FROM puente_delivery_row(NEW, 1) WHERE TG_OP <> 'DELETE'
    ) AS x
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(x.n) <> 0 OR sum(x.budget_eur) <> 0 OR sum(x.reported) <> 0 OR sum(x.actual_cost_eur) <> 0
        OR sum(x.indicators) <> 0 OR sum(x.indicators_met) <> 0 OR sum(x.women) <> 0 OR sum(x.men) <> 0
        OR sum(x.other) <> 0 OR sum(x.reported_budget) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (partner, pillar, theme, country, stage, overdue) DO UPDATE SET
        n = dc.n + EXCLUDED.n, budget_eur = dc.budget_eur + EXCLUDED.budget_eur,
        reported = dc.reported + EXCLUDED.reported, reported_budget = dc.reported_budget + EXCLUDED.reported_budget,
        actual_cost_eur = dc.actual_cost_eur + EXCLUDED.actual_cost_eur, indicators = dc.indicators + EXCLUDED.indicators,
        indicators_met = dc.indicators_met + EXCLUDED.indicators_met, women = dc.women + EXCLUDED.women,
        men = dc.men + EXCLUDED.men, other = dc.other + EXCLUDED.other;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER support_actions_count
    AFTER INSERT OR DELETE OR UPDATE ON support_actions
    FOR EACH ROW EXECUTE FUNCTION puente_count_delivery();

INSERT INTO delivery_counts
SELECT x.partner, x.pillar, x.theme, x.country, x.stage, x.overdue, sum(x.n), sum(x.budget_eur), sum(x.reported),
    sum(x.reported_budget), sum(x.actual_cost_eur), sum(x.indicators), sum(x.indicators_met),
    sum(x.women), sum(x.men), sum(x.other)
FROM support_actions sa, puente_delivery_row(sa, 1) AS x
GROUP BY 1, 2, 3, 4, 5, 6;

-- The implementer's inbox and the calendar feed read a partner's open
-- actions in date order.
CREATE INDEX support_actions_partner_open ON support_actions (partner, start_date)
    WHERE delivery_stage NOT IN ('closed', 'cancelled');

-- A calendar feed reads the actions in the order of their (confirmed, else
-- planned) start, up to store.MaxCalendar of them: from this index, it
-- stops there instead of sorting every action a manager may see.
CREATE INDEX support_actions_calendar ON support_actions ((coalesce(confirmed_start, start_date)), priority_id, idx);

-- +goose Down
DROP INDEX support_actions_calendar;
DROP INDEX support_actions_partner_open;
DROP TRIGGER support_actions_count ON support_actions;
DROP FUNCTION puente_count_delivery();
DROP FUNCTION puente_delivery_row(support_actions, integer);
DROP TABLE delivery_counts, calendar_tokens;
