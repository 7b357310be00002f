-- Twin of migrations/sqlite/0002_feed_tail.sql: each feed row keeps its pull text after
-- "seq" (the rest of the JSON object), written with the row, so that a pull page is one
-- concatenation per row (sync_server/core/feed.py). to_json quotes the entity id.

ALTER TABLE feed ADD COLUMN tail TEXT;

UPDATE feed SET tail = ',"entity":"' || entity || '","entity_id":' || to_json(entity_id)::text
    || ',"field":"' || field || '","value":' || COALESCE(value, 'null') || ',"hlc":"' || hlc || '"}';
