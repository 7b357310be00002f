"""What differs between database engines, in one place per engine.

A dialect holds the engine-specific SQL the services need; everything else is portable SQL
with ``?`` placeholders. ``sqlite.py`` is the default engine; ``postgres.py`` (issue 8)
provides the same attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

FEED_COLUMNS = (
    "seq",
    "entity",
    "entity_id",
    "field",
    "value",
    "hlc",
    "writer_client",
    "writer_user",
    "district",
    "inspection_id",
)
_FEED_KEY = ("entity", "entity_id", "field")


@lru_cache(maxsize=2)
def feed_upsert_sql() -> str:
    """Upsert one feed row (``INSERT … ON CONFLICT (entity, entity_id, field) DO UPDATE``),
    standard SQL that SQLite and PostgreSQL both run; parameters in ``FEED_COLUMNS`` order."""
    columns = FEED_COLUMNS
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in _FEED_KEY)
    return (
        f"INSERT INTO feed ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        f" ON CONFLICT ({', '.join(_FEED_KEY)}) DO UPDATE SET {updates}"
    )


@dataclass(frozen=True)
class Dialect:
    name: str
    # Upsert one field into the compacted change feed, keyed by (entity, entity_id, field).
    # Parameters: seq, entity, entity_id, field, value, hlc, writer_client, writer_user,
    # district, inspection_id; built by ``feed_upsert_sql``.
    feed_upsert: str
    # One pull page in ONE row: (row count, last seq, the rows as JSON objects
    # {seq, entity, entity_id, field, value, hlc} joined by commas, oldest first).
    # ``{where}`` is replaced by the visibility filter; parameters: cursor, *filter, limit.
    pull_page: str
    # The highest sequence number handed out so far.
    max_seq: str
    # Insert-or-ignore for simple link tables: ``{table}``, ``{columns}``, ``{placeholders}``.
    insert_ignore: str
    # Text aggregate over a group: ``{expr}`` joined by ``{sep}`` (SQLite ``group_concat``,
    # PostgreSQL ``string_agg``).
    string_agg: str = "group_concat({expr}, {sep})"
    # A feed row's JSON object in a pull page (``{"seq":…,"hlc":…}``), built from the row's
    # columns: byte for byte ``'{"seq":' + seq`` and the text ``feed.pull_tail`` makes.
    # (Migrations 0002–0015 stored that text in a column, ``tail``, a second copy of the row's
    # values; migration 0016 dropped it.) ``pull_object_sql`` builds it by concatenation.
    pull_object: str = ""
    # The feed rows of the inspections ``{marks}`` (their ids), one result row per inspection:
    # (inspection_id, ONE JSON text ``[[entity_id, …], [field, …], [value, …], "kinds"]``),
    # the n-th entry of each array (and character of ``kinds``: ``a`` answer, ``i``
    # inspection, ``-`` another entity) from the same feed row; built by ``export_feed_sql``.
    export_feed: str = ""


def export_feed_sql(json_array: str, text_agg: str) -> str:
    """``Dialect.export_feed`` from the engine's aggregates: ``json_array`` (a JSON array text
    of ``{expr}``) and ``text_agg`` (``{expr}`` joined by ``{sep}``), which must see the group's
    rows in one order (plain aggregates of one query do: each row goes through all of them).
    The columns as they are, no JSON object per row: the cheapest text the database can build
    for the export's hottest read (issue 19)."""
    kind = "CASE entity WHEN 'answer' THEN 'a' WHEN 'inspection' THEN 'i' ELSE '-' END"
    return (
        "SELECT inspection_id, '[' || "
        + json_array.format(expr="entity_id")
        + " || ',' || "
        + json_array.format(expr="field")
        + " || ',[' || "
        + text_agg.format(expr="COALESCE(value, 'null')", sep="','")
        + " || '],\"' || "
        + text_agg.format(expr=kind, sep="''")
        + " || '\"]' AS feed_columns FROM feed WHERE inspection_id IN ({marks}) GROUP BY inspection_id"
    )


def pull_object_sql(quote_id: str) -> str:
    """``Dialect.pull_object`` by concatenation, with the engine's JSON string quoting of the
    entity id (``quote_id``, with ``{}`` for the column)."""
    return (
        '\'{"seq":\' || seq || \',"entity":"\' || entity || \'","entity_id":\' || '
        + quote_id.format("entity_id")
        + " || ',\"field\":\"' || field || '\",\"value\":' || COALESCE(value, 'null')"
        " || ',\"hlc\":\"' || hlc || '\"}'"
    )
