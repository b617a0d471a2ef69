-- +goose Up
-- The workflow run that last recorded the priority. The API sends updates to
-- this run, which spares Temporal a lookup of the current run on every
-- decision; an empty or outdated run id only costs that lookup back.
ALTER TABLE priorities ADD COLUMN run_id text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE priorities DROP COLUMN run_id;
