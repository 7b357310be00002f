-- Corrective actions as records (PROTOCOL.md §3, entity "action"): an index beside the feed
-- (the feed holds every field value, like it does for inspections), and the append-only
-- history of each action (created, reported fixed, verified, reopened, with comments).
-- Existing answers with a corrective action or a deadline become open actions whose id is
-- "<inspection_id>:<question_id>" (shared_schema.actions.migrated_action_id), the id the
-- field app's migration gives them too; the answer fields are kept as they were.

CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    inspection_id TEXT NOT NULL,
    question_id TEXT,
    site_id TEXT NOT NULL,
    district TEXT NOT NULL,
    deadline TEXT,
    status TEXT NOT NULL,
    fixed_on TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    verified_at TEXT
);
CREATE INDEX actions_district ON actions (district, deadline);
CREATE INDEX actions_site ON actions (site_id, deadline);
CREATE INDEX actions_inspection ON actions (inspection_id);

CREATE TABLE action_events (
    id TEXT PRIMARY KEY,
    action_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    username TEXT,
    comment TEXT
);
CREATE UNIQUE INDEX action_events_ordinal ON action_events (action_id, ordinal);

-- The answers to migrate: one row per answer with a corrective action or a deadline.
CREATE TEMP TABLE migrating AS
SELECT DISTINCT f.entity_id AS answer_id, f.inspection_id AS inspection_id,
       substr(f.entity_id, length(f.inspection_id) + 2) AS question_id
FROM feed f
WHERE f.entity = 'answer' AND f.field IN ('corrective_action', 'due_date')
  AND f.value IS NOT NULL AND f.value NOT IN ('null', '""') AND f.inspection_id IS NOT NULL;

CREATE TEMP TABLE migrated AS
SELECT m.inspection_id || ':' || m.question_id AS id, m.inspection_id, m.question_id,
       i.site_id, i.district,
       ca.value AS description_json, dd.value AS deadline_json,
       COALESCE(ca.hlc, dd.hlc) AS hlc,
       COALESCE(ca.writer_client, dd.writer_client) AS writer_client,
       COALESCE(ca.writer_user, dd.writer_user) AS writer_user,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS at
FROM migrating m
JOIN inspections i ON i.id = m.inspection_id
LEFT JOIN feed ca ON ca.entity = 'answer' AND ca.entity_id = m.answer_id AND ca.field = 'corrective_action'
LEFT JOIN feed dd ON dd.entity = 'answer' AND dd.entity_id = m.answer_id AND dd.field = 'due_date'
WHERE NOT EXISTS (SELECT 1 FROM actions a WHERE a.id = m.inspection_id || ':' || m.question_id);

INSERT INTO actions (id, inspection_id, question_id, site_id, district, deadline, status, created_by, created_at,
                     updated_at)
SELECT id, inspection_id, question_id, site_id, district,
       CASE WHEN deadline_json IS NULL OR deadline_json = 'null' THEN NULL ELSE json_extract(deadline_json, '$') END,
       'open', writer_user, at, at
FROM migrated;

INSERT INTO action_events (id, action_id, ordinal, at, event, username, comment)
SELECT 'mig-' || id, id, 1, at, 'migrated', writer_user, NULL FROM migrated;

CREATE TEMP TABLE migrated_fields AS
SELECT id, 'inspection_id' AS field, json_quote(inspection_id) AS value, hlc, writer_client, writer_user, district
FROM migrated
UNION ALL SELECT id, 'question_id', json_quote(question_id), hlc, writer_client, writer_user, district FROM migrated
UNION ALL SELECT id, 'site_id', json_quote(site_id), hlc, writer_client, writer_user, district FROM migrated
UNION ALL SELECT id, 'description', COALESCE(description_json, 'null'), hlc, writer_client, writer_user, district
FROM migrated
UNION ALL SELECT id, 'deadline', COALESCE(deadline_json, 'null'), hlc, writer_client, writer_user, district
FROM migrated
UNION ALL SELECT id, 'status', '"open"', hlc, writer_client, writer_user, district FROM migrated
UNION ALL SELECT id, 'history',
       '[{"event":"migrated","at":"' || at || '","by":' || COALESCE(json_quote(writer_user), 'null') || '}]',
       hlc, writer_client, writer_user, district
FROM migrated;

INSERT INTO feed (seq, entity, entity_id, field, value, hlc, writer_client, writer_user, district, inspection_id, tail)
SELECT (SELECT COALESCE(MAX(seq), 0) FROM feed) + ROW_NUMBER() OVER (ORDER BY id, field),
       'action', id, field, value, hlc, writer_client, writer_user, district, NULL,
       ',"entity":"action","entity_id":' || json_quote(id) || ',"field":"' || field || '","value":' || value
       || ',"hlc":"' || hlc || '"}'
FROM migrated_fields;

DROP TABLE migrated_fields;
DROP TABLE migrated;
DROP TABLE migrating;
