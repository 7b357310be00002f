"""Small helpers shared by the services: time, ids, JSON text."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_from_ms(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())


def to_json(value: Any) -> str:
    return _encoder.encode(value).decode()


def from_json(text: str | bytes | None) -> Any:
    if text is None:
        return None
    return _decoder.decode(text)
