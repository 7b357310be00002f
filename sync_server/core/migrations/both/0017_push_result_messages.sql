-- A remembered push result keeps its reason in each language (PROTOCOL.md §4, §10), so that a
-- duplicate of a rejected or conflicting change is answered with `messages` as the first answer
-- was. Rows from before this migration have neither: their duplicates carry `reason` alone.

ALTER TABLE push_results ADD COLUMN reason_vi TEXT;
ALTER TABLE push_results ADD COLUMN reason_en TEXT;
