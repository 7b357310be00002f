-- Twin of migrations/sqlite/0016_tallies_feed_text.sql: counts kept as inspections change
-- (sync_server/core/tallies.py) and the feed's pull text built on read instead of stored twice.
--
-- inspection_tally (per district, status, site kind, result, checklist), inspection_hours
-- (inspections handed in per district and UTC hour they started) and site_latest (per site
-- and district, the latest started_key handed in) are kept by triggers in the same
-- transaction as every write of an inspection or of a site's kind. Every change is an upsert
-- of a delta (INSERT … ON CONFLICT DO UPDATE SET n = n + delta), which PostgreSQL applies
-- under the row's lock, so concurrent writers never lose a count; writers are serialised by
-- the cluster-wide write lock anyway (sync_server/core/pg_db.py), which also keeps
-- site_latest's re-read of a site exact. A missing value is '' in the keys.

CREATE TABLE inspection_tally (
    district TEXT NOT NULL,
    status TEXT NOT NULL,
    site_kind TEXT NOT NULL,
    result TEXT NOT NULL,
    template_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (district, status, site_kind, result, template_id)
);

CREATE TABLE inspection_hours (
    hour TEXT NOT NULL,
    district TEXT NOT NULL,
    n BIGINT NOT NULL,
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

-- One inspection row counted (delta 1) or uncounted (delta -1) in the three tables; an
-- uncounted row that was its site's latest makes the site's latest be read again.
CREATE FUNCTION inspection_tally_apply(r inspections, delta INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inspection_tally AS t (district, status, site_kind, result, template_id, n)
    VALUES (r.district, COALESCE(r.status, ''), COALESCE((SELECT kind FROM sites WHERE id = r.site_id), ''),
        COALESCE(r.result, ''), COALESCE(r.template_id, ''), delta)
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = t.n + EXCLUDED.n;
    IF r.started_key IS NULL OR r.status IS NULL OR r.status NOT IN ('submitted', 'returned', 'approved', 'rejected') THEN
        RETURN;
    END IF;
    INSERT INTO inspection_hours AS h (hour, district, n) VALUES (substr(r.started_key, 1, 10), r.district, delta)
    ON CONFLICT (hour, district) DO UPDATE SET n = h.n + EXCLUDED.n;
    IF delta > 0 THEN
        INSERT INTO site_latest AS l (site_id, district, latest) VALUES (r.site_id, r.district, r.started_key)
        ON CONFLICT (site_id, district) DO UPDATE
        SET latest = CASE WHEN l.latest IS NULL OR EXCLUDED.latest > l.latest THEN EXCLUDED.latest ELSE l.latest END;
    ELSE
        UPDATE site_latest SET latest = (
            SELECT MAX(started_key) FROM inspections
            WHERE district = r.district AND site_id = r.site_id
                AND status IN ('submitted', 'returned', 'approved', 'rejected'))
        WHERE site_id = r.site_id AND district = r.district AND latest = r.started_key;
    END IF;
END
$$;

CREATE FUNCTION inspections_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM inspection_tally_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM inspection_tally_apply(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER inspections_tally_insert AFTER INSERT OR DELETE ON inspections
FOR EACH ROW EXECUTE FUNCTION inspections_tally();
CREATE TRIGGER inspections_tally_update AFTER UPDATE ON inspections
FOR EACH ROW WHEN (OLD.district IS DISTINCT FROM NEW.district OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.result IS DISTINCT FROM NEW.result OR OLD.template_id IS DISTINCT FROM NEW.template_id
    OR OLD.site_id IS DISTINCT FROM NEW.site_id OR OLD.started_key IS DISTINCT FROM NEW.started_key)
EXECUTE FUNCTION inspections_tally();

-- A site's inspections move between kinds when the site appears, changes kind or goes.
CREATE FUNCTION sites_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    site TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    was TEXT := CASE WHEN TG_OP = 'INSERT' THEN '' ELSE OLD.kind END;
    now_kind TEXT := CASE WHEN TG_OP = 'DELETE' THEN '' ELSE NEW.kind END;
BEGIN
    INSERT INTO inspection_tally AS t (district, status, site_kind, result, template_id, n)
    SELECT district, COALESCE(status, ''), kinds.kind, COALESCE(result, ''), COALESCE(template_id, ''),
        SUM(kinds.sign)
    FROM inspections CROSS JOIN (VALUES (was, -1), (now_kind, 1)) AS kinds (kind, sign)
    WHERE site_id = site
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (district, status, site_kind, result, template_id) DO UPDATE SET n = t.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER sites_tally_insert AFTER INSERT OR DELETE ON sites FOR EACH ROW EXECUTE FUNCTION sites_tally();
CREATE TRIGGER sites_tally_kind AFTER UPDATE OF kind ON sites
FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION sites_tally();

-- The feed kept each row's pull text (tail, migration 0002) next to the same values in their
-- own columns; the pull text is now built on read from the columns (Dialect.pull_tail).
-- CLUSTER rewrites the table in sequence order, without the dropped column's text.
ALTER TABLE feed DROP COLUMN tail;
CLUSTER feed USING feed_pkey;
