-- +goose Up
-- Counts of priorities by stage, theme, country and overdue, kept by a
-- trigger so the pipeline dashboard reads a few hundred rows instead of
-- scanning every priority. Country '*' counts each priority once.
CREATE TABLE pipeline_counts (
    stage   text NOT NULL,
    theme   text NOT NULL,
    country text NOT NULL,
    overdue boolean NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (stage, theme, country, overdue)
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
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER priorities_count
    AFTER INSERT OR DELETE OR UPDATE OF stage, theme, countries, overdue ON priorities
    FOR EACH ROW EXECUTE FUNCTION puente_count_priority();

INSERT INTO pipeline_counts (stage, theme, country, overdue, n)
SELECT stage, theme, c, overdue, count(*)
FROM priorities, unnest(countries || '{*}'::text[]) AS c
GROUP BY 1, 2, 3, 4;

-- Time in stage (dashboard percentiles by offset, approvals per week) and the
-- stage filter; the included columns let filtered percentiles skip the heap.
CREATE INDEX priorities_stage_idx ON priorities (stage, stage_entered_at DESC)
    INCLUDE (theme, countries, session_id);
-- The country and theme filters of lists, combined with search by bitmap AND.
CREATE INDEX priorities_countries_idx ON priorities USING gin (countries);
CREATE INDEX priorities_theme_idx ON priorities (theme, created_at DESC, id DESC);
CREATE INDEX priorities_session_idx ON priorities (session_id) WHERE session_id IS NOT NULL;
-- An expert's assigned priorities (scope, tasks, least-loaded choice).
CREATE INDEX priorities_assignee_idx ON priorities (assignee, stage) WHERE assignee IS NOT NULL;

-- +goose Down
DROP INDEX priorities_assignee_idx;
DROP INDEX priorities_session_idx;
DROP INDEX priorities_theme_idx;
DROP INDEX priorities_countries_idx;
DROP INDEX priorities_stage_idx;
DROP TRIGGER priorities_count ON priorities;
DROP FUNCTION puente_count_priority();
DROP TABLE pipeline_counts;
