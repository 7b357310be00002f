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
    "tail",
)
_FEED_KEY = ("entity", "entity_id", "field")


@lru_cache(maxsize=2)
def feed_upsert_sql(tail: bool = True) -> str:
    """Upsert one feed row (``INSERT … ON CONFLICT (entity, entity_id, field) DO UPDATE``),
    standard SQL that SQLite and PostgreSQL both run; parameters in ``FEED_COLUMNS`` order
    (without ``tail`` when ``tail`` is False)."""
    columns = FEED_COLUMNS if tail else FEED_COLUMNS[:-1]
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
    # district, inspection_id (and tail: see ``feed_tail``); built by ``feed_upsert_sql``.
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
    # Whether ``feed`` keeps each row's pull text (``tail``: the JSON object after ``seq``),
    # written with the row so that a pull page is a plain concatenation. When True,
    # ``feed_upsert`` takes an 11th parameter, the tail.
    feed_tail: bool = False
