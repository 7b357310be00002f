-- Administrative units as data (PROTOCOL.md, "Administrative units"): the districts (and,
-- where used, communes) that sites, inspections and users' scopes name. A unit in force has
-- valid_to NULL; a merged or renamed unit is retired (valid_to set, replaced_by naming the
-- unit that took its sites, inspections and scopes) and is never deleted.
CREATE TABLE units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT,
    valid_from TEXT,
    valid_to TEXT,
    replaced_by TEXT,
    created_at TEXT NOT NULL
);
-- Two units in force never share a name (retired ones may: a name can come back).
CREATE UNIQUE INDEX units_name_in_force ON units (name) WHERE valid_to IS NULL;

-- Thái Nguyên's nine district-level units as of 2021, named as the shipped site list names them.
INSERT INTO units (id, name, kind, parent_id, valid_from, valid_to, replaced_by, created_at) VALUES
    ('tn-tp-thai-nguyen', 'TP Thái Nguyên', 'city', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-tp-song-cong', 'TP Sông Công', 'city', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-tx-pho-yen', 'TX Phổ Yên', 'town', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-h-dai-tu', 'H. Đại Từ', 'district', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-h-dinh-hoa', 'H. Định Hóa', 'district', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-h-dong-hy', 'H. Đồng Hỷ', 'district', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-h-phu-binh', 'H. Phú Bình', 'district', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-h-phu-luong', 'H. Phú Lương', 'district', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z'),
    ('tn-h-vo-nhai', 'H. Võ Nhai', 'district', NULL, '2021-01-01', NULL, NULL, '2021-01-01T00:00:00Z');

-- A database made before this migration keeps working: every district its sites, inspections
-- and users already name becomes a unit in force, which an admin can then merge into the
-- right one.
INSERT INTO units (id, name, kind, parent_id, valid_from, valid_to, replaced_by, created_at)
SELECT 'legacy:' || d.district, d.district, 'district', NULL, NULL, NULL, NULL, '2021-01-01T00:00:00Z'
FROM (
    SELECT district FROM sites
    UNION SELECT district FROM inspections
    UNION SELECT district FROM user_districts
) AS d
WHERE d.district NOT IN (SELECT name FROM units);

-- Where a site's coordinates came from: {"source": "import"|"admin"|"device", "by": user, "at": time}.
ALTER TABLE sites ADD COLUMN location_source TEXT;
