-- Keyset pages (sync_server/core/paging.py): an index for every sort of the inspections list
-- (the sort key, then the id that breaks ties) and for every filter, so a page, first or deep,
-- reads about `limit` index entries instead of sorting the scope. Sites page by district,
-- name and code.

DROP INDEX IF EXISTS inspections_updated;
CREATE INDEX inspections_updated_id ON inspections (updated_at, id);
CREATE INDEX inspections_created_id ON inspections (created_at, id);
CREATE INDEX inspections_started_id ON inspections (COALESCE(started_at, created_at), id);
CREATE INDEX inspections_score_id ON inspections (COALESCE(score, -1), id);
CREATE INDEX inspections_status_updated ON inspections (status, updated_at, id);
CREATE INDEX inspections_template ON inspections (template_id, template_version);

CREATE INDEX sites_district_name_code ON sites (district, name, code);
CREATE INDEX sites_kind ON sites (kind);

-- The dashboard (sync_server/reports/dashboard_query.py) groups and ranges over when each
-- inspection started, in UTC, as digits: started_key = YYYYMMDDHHMMSS of
-- COALESCE(started_at, created_at), written with every index row (derived.py). Here it is
-- filled for the times SQL can read by position (UTC, with or without a fraction, Z or a zero
-- offset); any other form stays NULL and the dashboard reads those few rows in Python.
ALTER TABLE inspections ADD COLUMN started_key TEXT;
UPDATE inspections SET started_key =
    substr(COALESCE(started_at, created_at), 1, 4) || substr(COALESCE(started_at, created_at), 6, 2)
    || substr(COALESCE(started_at, created_at), 9, 2) || substr(COALESCE(started_at, created_at), 12, 2)
    || substr(COALESCE(started_at, created_at), 15, 2) || substr(COALESCE(started_at, created_at), 18, 2)
WHERE length(COALESCE(started_at, created_at)) >= 19
    AND substr(COALESCE(started_at, created_at), 5, 1) = '-' AND substr(COALESCE(started_at, created_at), 8, 1) = '-'
    AND substr(COALESCE(started_at, created_at), 14, 1) = ':' AND substr(COALESCE(started_at, created_at), 17, 1) = ':'
    AND ((substr(COALESCE(started_at, created_at), 20) NOT LIKE '%+%'
          AND substr(COALESCE(started_at, created_at), 20) NOT LIKE '%-%')
        OR substr(COALESCE(started_at, created_at), 20) LIKE '%+00:00'
        OR substr(COALESCE(started_at, created_at), 20) LIKE '%-00:00');
CREATE INDEX inspections_started_key ON inspections (started_key, status, district);
CREATE INDEX inspections_dashboard ON inspections (district, site_id, status, result, started_key);

-- The dashboard's corrective actions: answers that carry a correction deadline, without
-- reading the whole feed.
CREATE INDEX feed_due_dates ON feed (inspection_id) WHERE entity = 'answer' AND field = 'due_date';
-- The inspections list's filter choices (inspectors, results in scope), one index step per value.
CREATE INDEX inspections_inspector_district ON inspections (inspector, district);
CREATE INDEX inspections_result_district ON inspections (result, district);
