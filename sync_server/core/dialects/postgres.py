"""PostgreSQL: the engine for several server processes on one shared database (issue 8).

Same attributes as ``sqlite.py``, and the same SQL where PostgreSQL spells it the same way:
the upsert (``ON CONFLICT … DO UPDATE`` with ``excluded``) and the pull page built inside the
database as ONE string from each row's columns (``pull_object``). PostgreSQL has
``string_agg(… ORDER BY …)``, so the page's order does not rest on the subquery's.

How writers are serialised across processes (so that sequence numbers are handed out in
commit order) is the database's business, not the dialect's: see ``sync_server.core.pg_db``
and docs/POSTGRES.md.
"""

from __future__ import annotations

from sync_server.core.dialects import Dialect, export_feed_sql, pull_object_sql
from sync_server.core.dialects.sqlite import SQLITE

PULL_OBJECT = pull_object_sql("to_json({})::text")

POSTGRES = Dialect(
    name="postgres",
    feed_upsert=SQLITE.feed_upsert,
    pull_page=(
        "SELECT COUNT(*) AS n, MAX(seq) AS last_seq, string_agg(obj, ',' ORDER BY seq) AS body FROM ("
        f"SELECT seq, {PULL_OBJECT} AS obj FROM feed WHERE seq > ? {{where}} ORDER BY seq LIMIT ?)"
        " AS page"
    ),
    max_seq=SQLITE.max_seq,
    insert_ignore="INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
    pull_object=PULL_OBJECT,
    string_agg="string_agg({expr}, {sep})",
    # As on SQLite, the aggregates of one group step through its rows in one pass, so the
    # arrays line up; an ORDER BY in each would sort the group once per aggregate (PostgreSQL
    # 15), which took two thirds more of the database's time (measured, 500 inspections).
    export_feed=export_feed_sql("json_agg({expr})::text", "string_agg({expr}, {sep})"),
)
