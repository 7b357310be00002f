"""The remembered outcome of rejected and conflicting changes (docs/PROTOCOL.md §4).

A push whose reply was lost is retried; every change of the retry is then ``duplicate``.
So that the device still learns that one of them was rejected (and why), the server keeps,
per client, the outcome of each change it answered ``rejected`` or with ``conflict: true``,
and answers a duplicate of it with ``original_status`` and the original code, reason and
conflict flag. Applied and superseded changes without a conflict get no row: a plain
``duplicate`` tells the device all there is to know, and the common push writes nothing here.

Pruning: a device always resends from its oldest unacknowledged outbox row, and it pushes at
most ``MAX_CHANGES_PER_PUSH`` changes at a time, so a retry never reaches further back than
one batch below the client's ``last_seq``. Rows at or below ``last_seq - KEEP_WINDOW`` (two
batches, for margin) can never be asked for again and are deleted whenever the client writes
new rows; a client thus holds at most ``KEEP_WINDOW`` rows, and a push with no rejection or
conflict pays nothing.
"""

from __future__ import annotations

import msgspec

from shared_schema.protocol import MAX_CHANGES_PER_PUSH
from shared_schema.sync import Change, ChangeResult, ChangeStatus
from shared_schema.text import BiText
from sync_server.core.db import Tx, select_list

KEEP_WINDOW = 2 * MAX_CHANGES_PER_PUSH


class RememberedResult(msgspec.Struct, frozen=True):
    """One row of ``push_results``: a change's first outcome. ``reason_vi``/``reason_en`` are
    ``reason`` in each language (migration 0017; None in rows written before it)."""

    client_seq: int
    status: ChangeStatus
    code: str | None
    reason: str | None
    reason_vi: str | None
    reason_en: str | None
    conflict: bool

    def as_duplicate(self, change_id: str) -> ChangeResult:
        reason: str | None = self.reason
        if self.reason_vi is not None:
            reason = BiText(self.reason_vi, self.reason_en or "")
        return ChangeResult(
            change_id=change_id,
            status="duplicate",
            original_status=self.status,
            code=self.code,
            reason=reason,
            conflict=self.conflict,
        )


def save(tx: Tx, client_id: str, acked_seq: int, outcomes: list[tuple[int, ChangeResult]]) -> None:
    """Store the (client_seq, result) pairs worth remembering and prune the client's old rows."""
    if not outcomes:
        return
    tx.execute("DELETE FROM push_results WHERE client_id = ? AND client_seq <= ?", (client_id, acked_seq - KEEP_WINDOW))
    tx.executemany(
        "INSERT INTO push_results (client_id, client_seq, status, code, reason, reason_vi, reason_en, conflict)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                client_id,
                seq,
                r.status,
                r.code,
                r.reason,
                r.messages.vi if r.messages is not None else None,
                r.messages.en if r.messages is not None else None,
                int(r.conflict),
            )
            for seq, r in outcomes
        ],
    )


def duplicates(tx: Tx, client_id: str, changes: list[Change]) -> list[ChangeResult]:
    """``duplicate`` results for already-applied changes, with the original outcome where one
    was remembered (one range query for the whole run of duplicates)."""
    if not changes:
        return []
    rows = tx.records(
        RememberedResult,
        f"SELECT {select_list(RememberedResult)} FROM push_results WHERE client_id = ? AND client_seq BETWEEN ? AND ?",
        (client_id, changes[0].client_seq, changes[-1].client_seq),
    )
    held = {int(r.client_seq): r for r in rows}
    out: list[ChangeResult] = []
    for c in changes:
        row = held.get(c.client_seq)
        out.append(
            ChangeResult(change_id=c.change_id, status="duplicate") if row is None else row.as_duplicate(c.change_id)
        )
    return out
