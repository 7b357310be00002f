"""Helpers for the field app core tests: a device seeded the way a pull would seed it."""

from __future__ import annotations

import contextlib
import io
import itertools
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from field_app.core import replica
from field_app.core.device_state import update_state
from field_app.core.services import AppServices
from shared_schema import protocol
from shared_schema.checklist import ChecklistTemplate
from shared_schema.records import UserInfo
from shared_schema.sync import PulledChange
from tests.support.sample_checklist import sample_template

_server_ms = itertools.count(1_700_000_000_000)


def server_hlc() -> str:
    return f"{next(_server_ms):015d}-00000-server"


def pulled(entity: str, entity_id: str, fields: dict[str, Any], hlc: str | None = None) -> list[PulledChange]:
    stamp = hlc or server_hlc()
    return [
        PulledChange(seq=0, entity=entity, entity_id=entity_id, field=f, value=v, hlc=stamp) for f, v in fields.items()
    ]


def apply_pulled(app: AppServices, changes: list[PulledChange]) -> dict[str, set[str]]:
    with app.store.write() as conn:
        return replica.merge_pulled(conn, changes)


def site_fields(code: str, name: str, kind: str = "DN_SX", district: str = "TX Phổ Yên") -> dict[str, Any]:
    return {"code": code, "name": name, "kind": kind, "district": district, "address": None, "active": True}


def template_fields(template: ChecklistTemplate, status: str = "published") -> dict[str, Any]:
    return {"document": msgspec.to_builtins(template), "status": status}


def seed(app: AppServices, templates: list[ChecklistTemplate], sites: dict[str, dict[str, Any]]) -> None:
    changes: list[PulledChange] = []
    for t in templates:
        changes += pulled("template", protocol.template_entity_id(t.template_id, t.version), template_fields(t))
    for site_id, fields in sites.items():
        changes += pulled("site", site_id, fields)
    apply_pulled(app, changes)


def fake_session(
    app: AppServices, username: str = "an", role: str = "inspector", server_url: str = "http://127.0.0.1:9"
) -> None:
    """A saved session as a login would leave it (for tests that never reach a server)."""
    user = UserInfo(id=f"u-{username}", username=username, role=role, districts=["TX Phổ Yên"])  # type: ignore[arg-type]
    with app.store.write() as conn:
        update_state(
            conn,
            server_url=server_url,
            user_json=msgspec.json.encode(user).decode(),
            token="t",
            token_expires_at="2999-01-01T00:00:00+00:00",
        )


@contextlib.contextmanager
def signed_in_device(path: Path, sites: dict[str, dict[str, Any]]) -> Iterator[AppServices]:
    """A device at ``path`` with a saved session (``fake_session``), version 1 of the sample
    checklist and ``sites`` as a pull leaves them; closed at the end."""
    app = AppServices.open(path)
    try:
        fake_session(app)
        seed(app, [sample_template(1)], sites)
        yield app
    finally:
        app.close()


def png_bytes(seed: int = 0, width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG whose pixels depend on ``seed`` (so hashes differ)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes([(seed * 7 + x + y) % 256, (seed >> 8) % 256, 0]) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", ihdr))
    out.write(chunk(b"IDAT", zlib.compress(rows)))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()


def big_png(size: int, seed: int = 0) -> bytes:
    """A PNG of about ``size`` bytes (a private ancillary chunk of pseudo-random bytes)."""
    import random

    base = png_bytes(seed)
    filler = random.Random(seed).randbytes(max(0, size - len(base) - 12))
    body = b"ruSt" + filler
    extra = struct.pack(">I", len(filler)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    iend = base.rindex(b"\x00\x00\x00\x00IEND")
    return base[:iend] + extra + base[iend:]


def complete_answers(app: AppServices, inspection_id: str) -> None:
    """Answer the sample checklist so that it can be submitted."""
    sig = app.store_blob(png_bytes(99))
    for qid, value in [
        ("workers", 120),
        ("team", "yes"),
        ("temp_check", "yes"),
        ("masks", "all"),
        ("dorm", "no"),
        ("sig_rep", {"sha256": sig, "name": "Ông B"}),
    ]:
        assert app.set_answer_value(inspection_id, qid, value) is None, qid


class AtStep:
    """An ``on_step`` hook of the sync engine (``field_app.core.engine``): counts the steps
    named ``step`` in ``seen`` and calls ``action`` the ``nth`` time one is reached."""

    def __init__(self, step: str, nth: int, action: Callable[[], object]) -> None:
        self.step = step
        self.nth = nth
        self.action = action
        self.seen = 0

    def __call__(self, name: str) -> None:
        if name == self.step:
            self.seen += 1
            if self.seen == self.nth:
                self.action()
