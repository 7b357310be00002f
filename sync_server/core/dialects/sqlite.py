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
    # The page is built inside SQLite and comes back as one string: no Python object per row.
    # ``value`` is stored as JSON text written by the server, ``entity``/``field`` are known
    # identifiers and ``hlc`` is checked against the clock pattern on the way in, so only
    # ``entity_id`` needs quoting. SQLite (3.40) has no ``group_concat(… ORDER BY …)``; it
    # aggregates the ordered subquery in its order, and the caller derives the cursor and
    # has_more from MAX(seq) and COUNT(*), which do not depend on that order.
    pull_page=(
        "SELECT COUNT(*), MAX(seq), group_concat(obj, ',') FROM ("
        "SELECT seq, '{\"seq\":' || seq || ',\"entity\":\"' || entity || '\",\"entity_id\":'"
        " || json_quote(entity_id) || ',\"field\":\"' || field || '\",\"value\":' || COALESCE(value, 'null')"
        " || ',\"hlc\":\"' || hlc || '\"}' AS obj"
        " FROM feed WHERE seq > ? {where} ORDER BY seq LIMIT ?)"
    ),
    max_seq="SELECT COALESCE(MAX(seq), 0) FROM feed",
    insert_ignore="INSERT OR IGNORE INTO {table} ({columns}) VALUES ({placeholders})",
)
