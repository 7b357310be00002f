-- The registry, the compacted change feed and the bookkeeping of sync, auth and review.
-- PostgreSQL twin of migrations/sqlite/0001_initial.sql: the same tables, columns and
-- indexes, so every service runs the same SQL on both. Differences: BIGINT where values
-- pass 2^31 (sequence numbers, millisecond times, byte lengths), DOUBLE PRECISION for REAL.
-- Times stay ISO-8601 TEXT as on SQLite, so they compare and sort the same way.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('inspector', 'supervisor', 'admin')),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE user_districts (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    district TEXT NOT NULL,
    PRIMARY KEY (user_id, district)
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at_ms BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at_ms);

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    user_id TEXT,
    username TEXT,
    app_version TEXT,
    last_seq BIGINT NOT NULL DEFAULT 0,
    rejected_count INTEGER NOT NULL DEFAULT 0,
    last_push_at TEXT,
    last_pull_at TEXT
);

-- The compacted change feed: the latest value of every (entity, entity_id, field) with the
-- sequence of its last write. seq is the primary key, so a pull is an index range scan in commit
-- order; it is handed out under the cluster-wide write lock (see sync_server/core/pg_db.py).
CREATE TABLE feed (
    seq BIGINT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    hlc TEXT NOT NULL,
    writer_client TEXT,
    writer_user TEXT,
    district TEXT,
    inspection_id TEXT,
    UNIQUE (entity, entity_id, field)
);
CREATE INDEX feed_inspection ON feed (inspection_id) WHERE inspection_id IS NOT NULL;

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    district TEXT NOT NULL,
    address TEXT,
    parent_id TEXT,
    workers INTEGER,
    contact TEXT,
    location TEXT,
    notes TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX sites_district ON sites (district);

CREATE TABLE templates (
    template_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    document TEXT NOT NULL,
    title_vi TEXT,
    title_en TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    published_at TEXT,
    retired_at TEXT,
    PRIMARY KEY (template_id, version)
);

CREATE TABLE inspections (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    district TEXT NOT NULL,
    template_id TEXT,
    template_version INTEGER,
    status TEXT,
    kind TEXT,
    score DOUBLE PRECISION,
    result TEXT,
    inspector TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    submitted_at TEXT
);
CREATE INDEX inspections_district ON inspections (district, status);
CREATE INDEX inspections_site ON inspections (site_id);
CREATE INDEX inspections_updated ON inspections (updated_at);

CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    inspection_id TEXT,
    district TEXT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    entry TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0,
    recorded_at TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at TEXT
);
CREATE INDEX conflicts_inspection ON conflicts (inspection_id);

CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT,
    reviewer TEXT NOT NULL,
    reviewer_id TEXT,
    from_status TEXT,
    to_status TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX reviews_inspection ON reviews (inspection_id);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    length BIGINT,
    complete INTEGER NOT NULL DEFAULT 0,
    media_type TEXT,
    uploaded_by TEXT,
    created_at TEXT NOT NULL,
    completed_at TEXT
);

CREATE TABLE blob_refs (
    sha256 TEXT NOT NULL,
    inspection_id TEXT NOT NULL,
    PRIMARY KEY (sha256, inspection_id)
);
CREATE INDEX blob_refs_inspection ON blob_refs (inspection_id);

CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    user_id TEXT,
    username TEXT,
    action TEXT NOT NULL,
    entity TEXT,
    entity_id TEXT,
    detail TEXT
);
CREATE INDEX audit_at ON audit (at);
