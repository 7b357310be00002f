"""The record as evidence: its number ("Số biên bản") and its revision history.

**Record numbers.** The server gives an inspection its number on its first submission:
``record_settings.format_record_number(seq, year)`` with ``seq`` 1, 2, 3 … per calendar year in
local time (``local_time``), counted in ``record_counters``. The counter is read and raised
inside the write transaction, which on SQLite holds the single writer and on PostgreSQL the
cluster-wide write lock, so two submissions never get the same number, and a number once
given is never given again (a unique index on ``(record_year, record_seq)`` backs this).

**Revision history.** Every change applied to an inspection after its first submission (by a
device after a return, by a supervisor's review, by a conflict resolution) is appended to
``revisions``: field, old value, new value, who, which device, when and why. The change feed
stays compacted; this table is never updated or compacted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

from shared_schema.errors import Code
from sync_server.core import local_time, record_settings
from sync_server.core.access import Actor, require_district
from sync_server.core.db import Database, Tx
from sync_server.core.errors import NotFound, bi
from sync_server.core.util import from_json, new_id, now_iso

RevisionReason = Literal["push", "review", "resolution"]
REASONS: tuple[str, ...] = ("push", "review", "resolution")


def next_record_number(tx: Tx, moment: dt.datetime | None = None) -> tuple[str, int, int]:
    """``(number, year, seq)`` for a submission at ``moment`` (now by default); call inside a
    write transaction."""
    year = local_time.local_day_of(moment or dt.datetime.now(dt.UTC)).year
    last = tx.scalar("SELECT last_seq FROM record_counters WHERE year = ?", (year,))
    seq = (last or 0) + 1
    if last is None:
        tx.execute("INSERT INTO record_counters (year, last_seq) VALUES (?, ?)", (year, seq))
    else:
        tx.execute("UPDATE record_counters SET last_seq = ? WHERE year = ?", (seq, year))
    return record_settings.format_record_number(seq, year), year, seq


class Revision(msgspec.Struct, kw_only=True):
    """One change made to an inspection after its first submission."""

    at: str
    entity: str
    entity_id: str
    field: str
    old_value: Any = None
    new_value: Any = None
    user: str | None = None
    user_full_name: str | None = None
    client_id: str | None = None
    reason: str  # push | review | resolution


class PendingRevision(msgspec.Struct):
    inspection_id: str
    entity: str
    entity_id: str
    field: str
    old_json: str | None
    new_json: str | None
    username: str | None
    client_id: str | None
    reason: str


def save(tx: Tx, pending: list[PendingRevision]) -> None:
    """Append ``pending`` (in order) to the history."""
    if not pending:
        return
    at = now_iso()
    last = tx.scalar("SELECT MAX(ordinal) FROM revisions") or 0  # writes are serialised: see the module doc
    tx.executemany(
        "INSERT INTO revisions (id, inspection_id, at, ordinal, entity, entity_id, field, old_value, new_value,"
        " username, client_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                new_id(),
                p.inspection_id,
                at,
                last + 1 + i,
                p.entity,
                p.entity_id,
                p.field,
                p.old_json,
                p.new_json,
                p.username,
                p.client_id,
                p.reason,
            )
            for i, p in enumerate(pending)
        ],
    )


def read(tx: Tx, inspection_id: str) -> list[Revision]:
    rows = tx.query(
        "SELECT r.at, r.entity, r.entity_id, r.field, r.old_value, r.new_value, r.username, u.full_name,"
        " r.client_id, r.reason FROM revisions r LEFT JOIN users u ON u.username = r.username"
        " WHERE r.inspection_id = ? ORDER BY r.ordinal",
        (inspection_id,),
    )
    return [
        Revision(
            at=r["at"],
            entity=r["entity"],
            entity_id=r["entity_id"],
            field=r["field"],
            old_value=from_json(r["old_value"]) if r["old_value"] is not None else None,
            new_value=from_json(r["new_value"]) if r["new_value"] is not None else None,
            user=r["username"],
            user_full_name=r["full_name"],
            client_id=r["client_id"],
            reason=r["reason"],
        )
        for r in rows
    ]


def history(db: Database, actor: Actor, inspection_id: str) -> list[Revision]:
    """The revision history of an inspection the actor may see (``NotFound`` otherwise), oldest first."""
    with db.read() as tx:
        row = tx.one("SELECT district FROM inspections WHERE id = ?", (inspection_id,))
        if row is None:
            raise NotFound(bi("Không có biên bản này.", "There is no such inspection."), code=Code.NOT_FOUND)
        require_district(actor, row["district"], "biên bản", "inspection")
        return read(tx, inspection_id)
