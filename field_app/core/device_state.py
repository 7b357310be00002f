"""The device's sync state row (client id, session, cursor, sequences, clock) and its clock."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from field_app.core.store import Store
from shared_schema import clock as hlc_clock
from shared_schema.clock import HybridClock
from shared_schema.text import LocalText


@dataclass(frozen=True)
class SyncState:
    client_id: str
    server_url: str | None
    user_json: str | None
    token: str | None
    token_expires_at: str | None
    needs_password: bool
    cursor: int
    next_seq: int
    acked_seq: int
    last_sync_at: str | None
    last_error_code: str | None
    last_error: LocalText | None
    clock_last: str | None
    clock_offset_ms: int
    first_sync_done: bool
    pull_scope: str | None


# The columns of the state row: SyncState's fields, with its last error in each language.
_STATE_COLUMNS = ", ".join(
    [f.name for f in dataclasses.fields(SyncState) if f.name != "last_error"] + ["last_error_vi", "last_error_en"]
)


def read_state(conn: sqlite3.Connection) -> SyncState:
    cur = conn.execute(f"SELECT {_STATE_COLUMNS} FROM sync_state WHERE id = 1")
    row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    err_vi, err_en = row.pop("last_error_vi"), row.pop("last_error_en")
    row["last_error"] = LocalText(err_vi, err_en or "") if err_vi else None
    row["needs_password"] = bool(row["needs_password"])
    row["first_sync_done"] = bool(row["first_sync_done"])
    return SyncState(**row)


def update_state(conn: sqlite3.Connection, **fields: Any) -> None:
    if not fields:
        return
    sets = ", ".join(f"{name} = ?" for name in fields)
    conn.execute(f"UPDATE sync_state SET {sets} WHERE id = 1", list(fields.values()))


def set_error(conn: sqlite3.Connection, code: str | None, message: LocalText | None) -> None:
    update_state(
        conn,
        last_error_code=code,
        last_error_vi=message.vi if message else None,
        last_error_en=message.en if message else None,
    )


class DeviceClock:
    """The persisted hybrid logical clock of this device.

    ``tick``/``observe`` must be called inside a store write transaction; they save the new
    last clock in it. ``offset_ms`` corrects a phone whose wall clock runs ahead of the server
    (set when the server refuses a change as ``clock_ahead``, protocol §5).
    """

    def __init__(self, store: Store):
        self._store = store
        self._lock = threading.RLock()
        with store.read() as conn:
            state = read_state(conn)
        self.node = state.client_id
        self._offset = state.clock_offset_ms
        self._clock = HybridClock(state.client_id, state.clock_last, now_ms=self._now)

    def _now(self) -> int:
        return hlc_clock.wall_clock_ms() - self._offset

    @property
    def last(self) -> str | None:
        return self._clock.last

    def tick(self, conn: sqlite3.Connection) -> str:
        with self._lock:
            value = self._clock.tick()
            update_state(conn, clock_last=value)
            return value

    def observe(self, conn: sqlite3.Connection, remote: str) -> None:
        with self._lock:
            before = self._clock.last
            self._clock.observe(remote)
            if self._clock.last != before:
                update_state(conn, clock_last=self._clock.last)

    def renode(self, conn: sqlite3.Connection, client_id: str) -> None:
        """Stamp later edits with a new client id (the install re-registered), continuing from
        the last clock so that every later clock is greater than every earlier one."""
        with self._lock:
            last = self._clock.last
            if last is not None:
                held = hlc_clock.decode(last)
                last = hlc_clock.encode(hlc_clock.Hlc(held.wall_ms, held.counter, client_id))
            self.node = client_id
            self._clock = HybridClock(client_id, last, now_ms=self._now)
            update_state(conn, clock_last=last)

    def rebase(self, conn: sqlite3.Connection, server_time_ms: int) -> None:
        """Follow the server's time: the clocks this device issued ahead of it were refused
        everywhere, so restarting from the server's time breaks no causality."""
        with self._lock:
            offset = max(0, hlc_clock.wall_clock_ms() - server_time_ms)
            self._offset = offset
            last = hlc_clock.encode(hlc_clock.Hlc(server_time_ms, 0, self.node))
            self._clock = HybridClock(self.node, last, now_ms=self._now)
            update_state(conn, clock_last=last, clock_offset_ms=offset)
