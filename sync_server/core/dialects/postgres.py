"""PostgreSQL: the engine for several server processes on one shared database (issue 8).

Same attributes as ``sqlite.py``. The upsert is the same SQL as SQLite's without the ``tail``
column (PostgreSQL also spells it ``ON CONFLICT … DO UPDATE`` with ``excluded``); a pull page
is concatenated inside the database into one string, as on SQLite.

How writers are serialised across processes (so that sequence numbers are handed out in
commit order) is the database's business, not the dialect's: see ``sync_server.core.pg_db``
and docs/POSTGRES.md.
"""

from __future__ import annotations

from sync_server.core.dialects import Dialect

POSTGRES = Dialect(
    name="postgres",
    feed_upsert=(
        "INSERT INTO feed (seq, entity, entity_id, field, value, hlc, writer_client, writer_user, district,"
        " inspection_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (entity, entity_id, field) DO UPDATE SET seq = excluded.seq, value = excluded.value,"
        " hlc = excluded.hlc, writer_client = excluded.writer_client, writer_user = excluded.writer_user,"
        " district = excluded.district, inspection_id = excluded.inspection_id"
    ),
    # The page as one row (count, last seq, the JSON objects joined), built by string
    # concatenation exactly as on SQLite; ``to_json`` quotes the entity id.
    pull_page=(
        "SELECT COUNT(*), MAX(seq), string_agg(obj, ',' ORDER BY seq) FROM ("
        "SELECT seq, '{\"seq\":' || seq || ',\"entity\":\"' || entity"
        " || '\",\"entity_id\":' || to_json(entity_id)::text || ',\"field\":\"' || field"
        " || '\",\"value\":' || COALESCE(value, 'null') || ',\"hlc\":\"' || hlc || '\"}' AS obj"
        " FROM feed WHERE seq > ? {where} ORDER BY seq LIMIT ?) AS page"
    ),
    max_seq="SELECT COALESCE(MAX(seq), 0) FROM feed",
    insert_ignore="INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
)
