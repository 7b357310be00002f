-- Each feed row keeps its pull text after "seq" (the rest of the JSON object), written with
-- the row, so that a pull page is one concatenation per row (sync_server/core/feed.py).

ALTER TABLE feed ADD COLUMN tail TEXT;

UPDATE feed SET tail = ',"entity":"' || entity || '","entity_id":' || json_quote(entity_id)
    || ',"field":"' || field || '","value":' || COALESCE(value, 'null') || ',"hlc":"' || hlc || '"}';
