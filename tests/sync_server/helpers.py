"""Helpers for the sync server tests: a scripted device, complete answers for the sample
checklist, and a database dump to prove that refused input changed nothing."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from shared_schema.clock import HybridClock
from shared_schema.protocol import PROTOCOL_VERSION, answer_entity_id
from shared_schema.sync import Change, PushRequest, new_change

_UNSET: Any = object()


class Device:
    """A device as the protocol sees it: a client id, a clock, a gap-free client_seq and the
    clock of every value it has seen (its ``base_hlc`` for the next edit)."""

    def __init__(self, client_id: str | None = None, now_ms: Any = None):
        self.client_id = client_id or f"dev-{uuid.uuid4().hex[:12]}"
        self.clock = HybridClock(self.client_id, now_ms=now_ms) if now_ms else HybridClock(self.client_id)
        self.seq = 0
        self.seen: dict[tuple[str, str, str], str] = {}
        self.values: dict[tuple[str, str, str], Any] = {}
        self.cursor = 0

    def change(
        self, entity: str, entity_id: str, field: str, value: Any, base_hlc: Any = _UNSET, hlc: str | None = None
    ) -> Change:
        key = (entity, entity_id, field)
        self.seq += 1
        stamp = hlc or self.clock.tick()
        base = self.seen.get(key) if base_hlc is _UNSET else base_hlc
        self.seen[key] = stamp
        self.values[key] = value
        return new_change(self.seq, entity, entity_id, field, value, stamp, base)

    def answer(self, inspection_id: str, question_id: str, value: Any, field: str = "value") -> Change:
        return self.change("answer", answer_entity_id(inspection_id, question_id), field, value)

    def start_inspection(
        self, site_id: str, template_id: str = "sample-factory", version: int = 1, inspection_id: str | None = None
    ) -> tuple[str, list[Change]]:
        iid = inspection_id or str(uuid.uuid4())
        return iid, [
            self.change("inspection", iid, "site_id", site_id),
            self.change("inspection", iid, "template_id", template_id),
            self.change("inspection", iid, "template_version", version),
            self.change("inspection", iid, "status", "draft"),
        ]

    def request(self, changes: list[Change]) -> PushRequest:
        return PushRequest(protocol=PROTOCOL_VERSION, client_id=self.client_id, app_version="test-1", changes=changes)

    def body(self, changes: list[Change]) -> dict[str, Any]:
        return msgspec.to_builtins(self.request(changes))

    def apply_pull(self, page: dict[str, Any]) -> None:
        for c in page["changes"]:
            key = (c["entity"], c["entity_id"], c["field"])
            self.seen[key] = c["hlc"]
            self.values[key] = c["value"]
            self.clock.observe(c["hlc"])
        self.cursor = page["cursor"]


def png_bytes(size: int = 3000, seed: int = 1) -> bytes:
    """Bytes that pass the PNG magic check (the server checks magic bytes, not the whole file)."""
    body = hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1)
    return b"\x89PNG\r\n\x1a\n" + body[: size - 8]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def complete_answers(device: Device, inspection_id: str, signature_sha: str) -> list[Change]:
    """Answers that make an inspection of the sample checklist submittable (score 100)."""
    return [
        device.answer(inspection_id, "workers", 120),
        device.answer(inspection_id, "manager", "Nguyễn Văn An"),
        device.answer(inspection_id, "team", "yes"),
        device.answer(inspection_id, "temp_check", "yes"),
        device.answer(inspection_id, "masks", "all"),
        device.answer(inspection_id, "hoarding", "no"),
        device.answer(inspection_id, "dorm", "no"),
        device.answer(inspection_id, "sig_rep", {"sha256": signature_sha, "name": "Trần Thị Bình"}),
    ]


def dump_database(path: Path | str) -> list[str]:
    """Every row of every table (a text dump) of the SQLite file at ``path``, or of the
    PostgreSQL database when ``path`` is a ``postgresql://`` URL."""
    if str(path).startswith("postgresql://"):
        from tests.support.postgres import dump_database as dump_postgres

        return dump_postgres(str(path))
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def sqlite_file(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


def fresh_id() -> str:
    return os.urandom(8).hex()


# The first migration's tables as an older server left them: one feed row, written before the
# pull text was built on read (migration 0016), and the migrations table naming only 0001.
OLD_SCHEMA_MIGRATIONS = (
    "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    "INSERT INTO schema_migrations VALUES ('0001_initial', 'then')",
)
OLD_FEED_ROW = (
    "INSERT INTO feed (seq, entity, entity_id, field, value, hlc) VALUES"
    " (7, 'answer', 'i-1/q \"x\" ở', 'value', '{\"a\":[1,2]}', '000000000000001-00000-dev')"
)


def assert_old_feed_row_pulls_as_written_now(db: Any) -> None:
    """The row of ``OLD_FEED_ROW`` is pulled from ``db`` with the very pull text and change the
    server writes for such a row today."""
    from sync_server.core import sync_service
    from sync_server.core.access import SYSTEM
    from sync_server.core.feed import pull_tail

    key = ("answer", 'i-1/q "x" ở', "value")
    body = sync_service.pull(db, SYSTEM, 0, 10, 1)
    text = '{"changes":[{"seq":7' + pull_tail(key, '{"a":[1,2]}', "000000000000001-00000-dev") + "]"
    assert body.startswith(text.encode())
    page = msgspec.json.decode(body)
    assert page["changes"] == [
        {
            "seq": 7,
            "entity": "answer",
            "entity_id": 'i-1/q "x" ở',
            "field": "value",
            "value": {"a": [1, 2]},
            "hlc": "000000000000001-00000-dev",
        }
    ]


@contextlib.contextmanager
def unchanged(path: Path | str) -> Iterator[None]:
    """Asserts that the block leaves the database at ``path`` (``dump_database``) as it found it,
    row for row: refused input changes nothing."""
    before = dump_database(path)
    yield
    assert dump_database(path) == before
