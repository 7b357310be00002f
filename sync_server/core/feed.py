"""Writing the compacted change feed inside one write transaction.

Every value a device can pull lives in ``feed``: one row per ``(entity, entity_id, field)``
holding the latest value (JSON text), its clock, its writer and the sequence of its last
write. ``FeedWriter`` hands out sequence numbers ``max + 1, max + 2, …`` inside the write
transaction; because every write transaction on SQLite holds the single writer lock, the
numbers are in commit order and a pull can never skip a change that commits late.

The server's hybrid logical clock (node ``server``) is kept in ``meta`` and saved in the
same transaction, so it stays monotonic across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from shared_schema.clock import HybridClock
from shared_schema.protocol import SERVER_NODE
from sync_server.core.db import Tx

FeedKey = tuple[str, str, str]  # (entity, entity_id, field)
UNDECODED: Any = object()
_quote = msgspec.json.Encoder().encode

CLOCK_KEY = "server_clock"


@dataclass(slots=True)
class Held:
    """A field's current state in the feed."""

    value: str | None  # JSON text
    hlc: str
    writer_client: str | None
    writer_user: str | None
    # The value as Python data when the writer had it at hand (saves decoding it again).
    data: Any = UNDECODED

    def decoded(self) -> Any:
        if self.data is UNDECODED:
            self.data = None if self.value is None else msgspec.json.decode(self.value)
        return self.data


def pull_tail(key: FeedKey, value_json: str | None, hlc: str) -> str:
    """A row's pull text after ``seq``: ``,"entity":…,"entity_id":…,"field":…,"value":…,"hlc":…}``.
    ``entity`` and ``field`` are known identifiers and ``hlc`` matches the clock pattern (checked
    on the way in), so only the entity id needs JSON quoting; ``value_json`` is JSON already."""
    entity_id = _quote(key[1]).decode()
    return (
        f',"entity":"{key[0]}","entity_id":{entity_id},"field":"{key[2]}",'
        f'"value":{value_json if value_json is not None else "null"},"hlc":"{hlc}"}}'
    )


def load_clock(tx: Tx) -> HybridClock:
    return HybridClock(SERVER_NODE, last=tx.scalar("SELECT value FROM meta WHERE key = ?", (CLOCK_KEY,)))


def save_clock(tx: Tx, clock: HybridClock) -> None:
    if clock.last is None:
        return
    if tx.execute("UPDATE meta SET value = ? WHERE key = ?", (clock.last, CLOCK_KEY)) == 0:
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (CLOCK_KEY, clock.last))


class FeedWriter:
    """Stages feed rows during a write transaction and writes them with ``flush``."""

    def __init__(self, tx: Tx):
        self.tx = tx
        self.last_seq: int = tx.scalar(tx.dialect.max_seq)
        self.clock = load_clock(tx)
        self._pending: dict[FeedKey, tuple[Any, ...]] = {}

    def stamp(self) -> str:
        """A fresh server clock, after every clock this server has accepted."""
        return self.clock.tick()

    def observe(self, hlc: str) -> None:
        self.clock.observe(hlc)

    def put(
        self,
        key: FeedKey,
        value_json: str | None,
        hlc: str,
        writer_client: str | None,
        writer_user: str | None,
        district: str | None,
        inspection_id: str | None,
    ) -> int:
        """Stage a row with the next sequence number (a field staged twice keeps its last
        value and the later sequence)."""
        seq = self.last_seq = self.last_seq + 1
        pending = self._pending
        if key in pending:
            del pending[key]  # re-inserted below, so the rows stay in sequence order
        entity, entity_id, field = key
        pending[key] = (
            seq,
            entity,
            entity_id,
            field,
            value_json,
            hlc,
            writer_client,
            writer_user,
            district,
            inspection_id,
        )
        return seq

    def put_server(
        self,
        key: FeedKey,
        value_json: str | None,
        *,
        district: str | None,
        inspection_id: str | None,
        writer_user: str | None = None,
    ) -> str:
        """Write a server-made value with a fresh server clock; returns the clock."""
        hlc = self.stamp()
        self.put(
            key,
            value_json,
            hlc,
            writer_client=SERVER_NODE,
            writer_user=writer_user,
            district=district,
            inspection_id=inspection_id,
        )
        return hlc

    def flush(self) -> int:
        """Write the staged rows (in sequence order) and the clock; returns the feed cursor."""
        if self._pending:
            self.tx.insert_rows(self.tx.dialect.feed_upsert, list(self._pending.values()))  # one row a key
            self._pending.clear()
        save_clock(self.tx, self.clock)
        return self.last_seq


def read_held(tx: Tx, key: FeedKey) -> Held | None:
    row = tx.one(
        "SELECT value, hlc, writer_client, writer_user FROM feed WHERE entity = ? AND entity_id = ? AND field = ?", key
    )
    return None if row is None else Held(row["value"], row["hlc"], row["writer_client"], row["writer_user"])
