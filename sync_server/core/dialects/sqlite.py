"""SQLite: the embedded default engine."""

from __future__ import annotations

from sync_server.core.dialects import Dialect, export_feed_sql, feed_upsert_sql

# The same text as ``pull_object_sql("json_quote({})")``, byte for byte, made by one printf instead of
# eleven concatenations (each of which copies the string so far): a full pull's SQL takes
# about a quarter less time. Every column it formats is NOT NULL but ``value``.
PULL_OBJECT = (
    """printf('{"seq":%d,"entity":"%s","entity_id":%s,"field":"%s","value":%s,"hlc":"%s"}',"""
    " seq, entity, json_quote(entity_id), field, COALESCE(value, 'null'), hlc)"
)

SQLITE = Dialect(
    name="sqlite",
    feed_upsert=feed_upsert_sql(),
    # A pull page is built inside SQLite and comes back as ONE string: each row's JSON text is
    # made from the row's columns by one printf (``PULL_OBJECT``), so a page costs one
    # formatted string per row and no Python object per row.
    # SQLite (3.40) has no ``group_concat(… ORDER BY …)``; it aggregates the ordered subquery
    # in its order, and the caller derives the cursor and has_more from MAX(seq) and
    # COUNT(*), which do not depend on that order.
    pull_page=(
        "SELECT COUNT(*) AS n, MAX(seq) AS last_seq, group_concat(obj, ',') AS body FROM ("
        f"SELECT seq, {PULL_OBJECT} AS obj FROM feed WHERE seq > ? {{where}} ORDER BY seq LIMIT ?)"
    ),
    max_seq="SELECT COALESCE(MAX(seq), 0) FROM feed",
    insert_ignore="INSERT OR IGNORE INTO {table} ({columns}) VALUES ({placeholders})",
    pull_object=PULL_OBJECT,
    # Every aggregate of a group steps through the group's rows in the same pass, so the
    # arrays line up without an ORDER BY (which SQLite's aggregates lack before 3.44); the
    # order itself does not matter (a row is one field of one entity).
    export_feed=export_feed_sql("json_group_array({expr})", "group_concat({expr}, {sep})"),
)
