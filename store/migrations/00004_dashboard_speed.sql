-- +goose Up
-- Time in stage of the open stages, narrow: the unfiltered dashboard reads
-- its median and p90 by offset here, over fewer pages than through
-- priorities_stage_idx, whose included columns serve the filtered dashboards.
CREATE INDEX priorities_open_age_idx ON priorities (stage, stage_entered_at)
    WHERE stage IN ('triage', 'expert_review', 'revision', 'planning', 'validation', 'approval');

-- Counter rows are rewritten on every move: leave room on each page for
-- HOT updates, and vacuum them often.
ALTER TABLE pipeline_counts SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

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
CREATE OR REPLACE FUNCTION puente_count_priority() RETURNS trigger LANGUAGE plpgsql AS $$
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

DROP TRIGGER priorities_count ON priorities;
CREATE TRIGGER priorities_count
    AFTER INSERT OR DELETE OR UPDATE OF stage, theme, countries, overdue, stage_entered_at ON priorities
    FOR EACH ROW EXECUTE FUNCTION puente_count_priority();

INSERT INTO approvals_weekly (week, theme, country, n)
SELECT date_trunc('week', stage_entered_at AT TIME ZONE 'UTC')::date, theme, c, count(*)
FROM priorities, unnest(countries || '{*}'::text[]) AS c
WHERE stage = 'approved'
GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER priorities_count ON priorities;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION puente_count_priority() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER priorities_count
    AFTER INSERT OR DELETE OR UPDATE OF stage, theme, countries, overdue ON priorities
    FOR EACH ROW EXECUTE FUNCTION puente_count_priority();
DROP TABLE approvals_weekly;
ALTER TABLE pipeline_counts RESET (fillfactor, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold);
DROP INDEX priorities_open_age_idx;
