-- Counts kept as inspections change (sync_server/core/tallies.py), so that a list's status
-- counts and the dashboard read a few summary rows instead of scanning the history, and the
-- feed's pull text built on read instead of stored twice.
--
-- Three tables, kept by triggers in the same transaction as every insert, update and delete
-- of an inspection (push, review, conflict resolution, site move, unit merge: whatever writes
-- the row) and every change of a site's kind:
-- - inspection_tally: inspections per district, status, site kind, result and checklist;
-- - inspection_hours: inspections handed in (status submitted, returned, approved or
--   rejected: reports/dashboard.py COUNTED_STATUSES) per district and UTC hour they started
--   (the first 10 digits of started_key);
-- - site_latest: per site and district, the latest started_key of its inspections handed in.
-- A missing value is '' in the keys (status, result, checklist; the kind of a site that is not
-- in the registry).

CREATE TABLE inspection_tally (
    district TEXT NOT NULL,
    status TEXT NOT NULL,
    site_kind TEXT NOT NULL,
    result TEXT NOT NULL,
    template_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (district, status, site_kind, result, template_id)
);

CREATE TABLE inspection_hours (
    hour TEXT NOT NULL,
    district TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hour, district)
);

CREATE TABLE site_latest (
    site_id TEXT NOT NULL,
    district TEXT NOT NULL,
    latest TEXT,
    PRIMARY KEY (site_id, district)
);

INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
SELECT i.district, COALESCE(i.status, ''), COALESCE(s.kind, ''), COALESCE(i.result, ''), COALESCE(i.template_id, ''),
    COUNT(*)
FROM inspections i LEFT JOIN sites s ON s.id = i.site_id
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO inspection_hours (hour, district, n)
SELECT substr(started_key, 1, 10), district, COUNT(*) FROM inspections
WHERE started_key IS NOT NULL AND status IN ('submitted', 'returned', 'approved', 'rejected')
GROUP BY 1, 2;

INSERT INTO site_latest (site_id, district, latest)
SELECT site_id, district, MAX(started_key) FROM inspections
WHERE started_key IS NOT NULL AND status IN ('submitted', 'returned', 'approved', 'rejected')
GROUP BY 1, 2;

CREATE TRIGGER inspections_tally_insert AFTER INSERT ON inspections
BEGIN
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    VALUES (NEW.district, COALESCE(NEW.status, ''), COALESCE((SELECT kind FROM sites WHERE id = NEW.site_id), ''),
        COALESCE(NEW.result, ''), COALESCE(NEW.template_id, ''), 1)
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + 1;
    INSERT INTO inspection_hours (hour, district, n)
    SELECT substr(NEW.started_key, 1, 10), NEW.district, 1
    WHERE NEW.started_key IS NOT NULL AND NEW.status IN ('submitted', 'returned', 'approved', 'rejected')
    ON CONFLICT (hour, district) DO UPDATE SET n = n + 1;
    INSERT INTO site_latest (site_id, district, latest)
    SELECT NEW.site_id, NEW.district, NEW.started_key
    WHERE NEW.started_key IS NOT NULL AND NEW.status IN ('submitted', 'returned', 'approved', 'rejected')
    ON CONFLICT (site_id, district) DO UPDATE
    SET latest = CASE WHEN latest IS NULL OR excluded.latest > latest THEN excluded.latest ELSE latest END;
END;

CREATE TRIGGER inspections_tally_update AFTER UPDATE ON inspections
WHEN OLD.district IS NOT NEW.district OR OLD.status IS NOT NEW.status OR OLD.result IS NOT NEW.result
    OR OLD.template_id IS NOT NEW.template_id OR OLD.site_id IS NOT NEW.site_id
    OR OLD.started_key IS NOT NEW.started_key
BEGIN
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    VALUES (OLD.district, COALESCE(OLD.status, ''), COALESCE((SELECT kind FROM sites WHERE id = OLD.site_id), ''),
        COALESCE(OLD.result, ''), COALESCE(OLD.template_id, ''), -1)
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n - 1;
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    VALUES (NEW.district, COALESCE(NEW.status, ''), COALESCE((SELECT kind FROM sites WHERE id = NEW.site_id), ''),
        COALESCE(NEW.result, ''), COALESCE(NEW.template_id, ''), 1)
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + 1;
    INSERT INTO inspection_hours (hour, district, n)
    SELECT substr(OLD.started_key, 1, 10), OLD.district, -1
    WHERE OLD.started_key IS NOT NULL AND OLD.status IN ('submitted', 'returned', 'approved', 'rejected')
    ON CONFLICT (hour, district) DO UPDATE SET n = n - 1;
    INSERT INTO inspection_hours (hour, district, n)
    SELECT substr(NEW.started_key, 1, 10), NEW.district, 1
    WHERE NEW.started_key IS NOT NULL AND NEW.status IN ('submitted', 'returned', 'approved', 'rejected')
    ON CONFLICT (hour, district) DO UPDATE SET n = n + 1;
    -- the old row's site loses its latest only when that row was it: read it again (index
    -- inspections_dashboard), after the row changed
    UPDATE site_latest SET latest = (
        SELECT MAX(started_key) FROM inspections
        WHERE district = OLD.district AND site_id = OLD.site_id
            AND status IN ('submitted', 'returned', 'approved', 'rejected'))
    WHERE site_id = OLD.site_id AND district = OLD.district AND latest = OLD.started_key
        AND OLD.status IN ('submitted', 'returned', 'approved', 'rejected');
    INSERT INTO site_latest (site_id, district, latest)
    SELECT NEW.site_id, NEW.district, NEW.started_key
    WHERE NEW.started_key IS NOT NULL AND NEW.status IN ('submitted', 'returned', 'approved', 'rejected')
    ON CONFLICT (site_id, district) DO UPDATE
    SET latest = CASE WHEN latest IS NULL OR excluded.latest > latest THEN excluded.latest ELSE latest END;
END;

CREATE TRIGGER inspections_tally_delete AFTER DELETE ON inspections
BEGIN
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    VALUES (OLD.district, COALESCE(OLD.status, ''), COALESCE((SELECT kind FROM sites WHERE id = OLD.site_id), ''),
        COALESCE(OLD.result, ''), COALESCE(OLD.template_id, ''), -1)
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n - 1;
    INSERT INTO inspection_hours (hour, district, n)
    SELECT substr(OLD.started_key, 1, 10), OLD.district, -1
    WHERE OLD.started_key IS NOT NULL AND OLD.status IN ('submitted', 'returned', 'approved', 'rejected')
    ON CONFLICT (hour, district) DO UPDATE SET n = n - 1;
    UPDATE site_latest SET latest = (
        SELECT MAX(started_key) FROM inspections
        WHERE district = OLD.district AND site_id = OLD.site_id
            AND status IN ('submitted', 'returned', 'approved', 'rejected'))
    WHERE site_id = OLD.site_id AND district = OLD.district AND latest = OLD.started_key;
END;

-- A site's inspections move between kinds when the site appears, changes kind or goes.
CREATE TRIGGER sites_tally_insert AFTER INSERT ON sites
BEGIN
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    SELECT district, COALESCE(status, ''), '', COALESCE(result, ''), COALESCE(template_id, ''), -COUNT(*)
    FROM inspections WHERE site_id = NEW.id GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    SELECT district, COALESCE(status, ''), NEW.kind, COALESCE(result, ''), COALESCE(template_id, ''), COUNT(*)
    FROM inspections WHERE site_id = NEW.id GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER sites_tally_kind AFTER UPDATE OF kind ON sites WHEN OLD.kind IS NOT NEW.kind
BEGIN
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    SELECT district, COALESCE(status, ''), OLD.kind, COALESCE(result, ''), COALESCE(template_id, ''), -COUNT(*)
    FROM inspections WHERE site_id = OLD.id GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    SELECT district, COALESCE(status, ''), NEW.kind, COALESCE(result, ''), COALESCE(template_id, ''), COUNT(*)
    FROM inspections WHERE site_id = NEW.id GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER sites_tally_delete AFTER DELETE ON sites
BEGIN
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    SELECT district, COALESCE(status, ''), OLD.kind, COALESCE(result, ''), COALESCE(template_id, ''), -COUNT(*)
    FROM inspections WHERE site_id = OLD.id GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + excluded.n;
    INSERT INTO inspection_tally (district, status, site_kind, result, template_id, n)
    SELECT district, COALESCE(status, ''), '', COALESCE(result, ''), COALESCE(template_id, ''), COUNT(*)
    FROM inspections WHERE site_id = OLD.id GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = n + excluded.n;
END;

-- The feed kept each row's pull text (tail, migration 0002) next to the same values in their
-- own columns; the pull text is now built on read from the columns (Dialect.pull_tail).
-- The rows are copied out without it and back in sequence order: DELETE without WHERE frees
-- every page at once, so the copy refills them packed (DROP COLUMN alone would rewrite each
-- row in place and leave its pages part empty); the table keeps its indexes. A column added
-- to feed after migration 0012 would make the INSERT fail, not vanish.
CREATE TABLE feed_rewrite AS
SELECT seq, entity, entity_id, field, value, hlc, writer_client, writer_user, district, inspection_id FROM feed;
DELETE FROM feed;
ALTER TABLE feed DROP COLUMN tail;
INSERT INTO feed SELECT * FROM feed_rewrite ORDER BY seq;
DROP TABLE feed_rewrite;
