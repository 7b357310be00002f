"""SQLite: the embedded default engine."""

from __future__ import annotations

from sync_server.core.dialects import Dialect

SQLITE = Dialect(
    name="sqlite",
    feed_upsert=(
        "INSERT INTO feed (seq, entity, entity_id, field, value, hlc, writer_client, writer_user, district,"
        " inspection_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (entity, entity_id, field) DO UPDATE SET seq = excluded.seq, value = excluded.value,"
        " hlc = excluded.hlc, writer_client = excluded.writer_client, writer_user = excluded.writer_user,"
        " district = excluded.district, inspection_id = excluded.inspection_id"
    ),
    # json(value) embeds the stored JSON text as JSON; SQLite builds the object in C, so a pull
    # page is one string join away from the response body (no per-row Python objects).
    pull_rows=(
        "SELECT seq, json_object('seq', seq, 'entity', entity, 'entity_id', entity_id, 'field', field,"
        " 'value', json(value), 'hlc', hlc) FROM feed WHERE seq > ? {where} ORDER BY seq LIMIT ?"
    ),
    max_seq="SELECT COALESCE(MAX(seq), 0) FROM feed",
    insert_ignore="INSERT OR IGNORE INTO {table} ({columns}) VALUES ({placeholders})",
)
