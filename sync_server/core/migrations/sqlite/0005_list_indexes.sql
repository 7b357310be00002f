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
CREATE INDEX inspections_inspector ON inspections (inspector);
CREATE INDEX inspections_result ON inspections (result);

CREATE INDEX sites_district_name_code ON sites (district, name, code);
CREATE INDEX sites_kind ON sites (kind);
