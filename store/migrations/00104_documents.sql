-- +goose Up
-- Documents attached to priorities (docs/documents.md). A row is written
-- 'pending' before its content is stored; the audit event of its attach
-- marks it 'attached', that of its removal 'removed'. Pending rows past
-- expires_at and removed rows are swept with their content.
CREATE TABLE documents (
    id            uuid PRIMARY KEY,
    priority_id   uuid NOT NULL REFERENCES priorities (id),
    name          text NOT NULL,
    kind          text NOT NULL,
    target        text NOT NULL,
    media_type    text NOT NULL,
    size          bigint NOT NULL CHECK (size > 0),
    sha256        text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'attached', 'removed')),
    uploader_id   text NOT NULL,
    uploader_name text NOT NULL,
    uploader_role text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX documents_priority_idx ON documents (priority_id, created_at, id) WHERE status = 'attached';
CREATE INDEX documents_sweep_idx ON documents (expires_at) WHERE status <> 'attached';

-- The embedded blob store: a document's content in chunks of at most
-- 256 KiB, written in one transaction, read one chunk at a time. Content is
-- mostly compressed already (PDF, ZIP, JPEG, PNG): no second compression.
CREATE TABLE blob_chunks (
    key  text NOT NULL,
    n    integer NOT NULL CHECK (n >= 0),
    data bytea NOT NULL,
    PRIMARY KEY (key, n)
);
ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- +goose Down
DROP TABLE blob_chunks;
DROP TABLE documents;
