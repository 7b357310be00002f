-- The signed record as evidence (PROTOCOL.md §6): the "Số biên bản" the server gives an
-- inspection on its first submission, and the append-only history of every change made to
-- an inspection after that (never compacted, never updated or deleted).

-- The last sequence number given per calendar year (local time); a number is never reused.
CREATE TABLE record_counters (
    year INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

ALTER TABLE inspections ADD COLUMN record_number TEXT;
ALTER TABLE inspections ADD COLUMN record_year INTEGER;
ALTER TABLE inspections ADD COLUMN record_seq INTEGER;
ALTER TABLE inspections ADD COLUMN first_submitted_at TEXT;
CREATE UNIQUE INDEX inspections_record_seq ON inspections (record_year, record_seq);

CREATE TABLE revisions (
    id TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL,
    at TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    username TEXT,
    client_id TEXT,
    reason TEXT NOT NULL
);
-- ordinal: 1, 2, 3 … over the whole table in commit order (given inside the write transaction)
CREATE UNIQUE INDEX revisions_ordinal ON revisions (ordinal);
CREATE INDEX revisions_inspection ON revisions (inspection_id, ordinal);
