-- +goose Up
-- Full-text search over title and description, for Spanish and English
-- alike: accents folded (unaccent), no stemming ('simple'), prefix matching
-- done by the query. unaccent() is only STABLE because its dictionary could
-- change; pinning the dictionary makes the wrapper safe to index.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION puente_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

ALTER TABLE priorities ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', puente_unaccent(title || ' ' || description))) STORED;

CREATE INDEX priorities_search_idx ON priorities USING gin (search);

-- +goose Down
ALTER TABLE priorities DROP COLUMN search;
DROP FUNCTION puente_unaccent(text);
