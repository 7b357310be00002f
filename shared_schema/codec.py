"""Encoding and decoding of everything on the wire, with errors a person can act on."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from shared_schema.checklist import CONDITION_OPS, QUESTION_KINDS, ChecklistTemplate

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


class WireError(ValueError):
    """Input that cannot be read as the expected message; the text says what is wrong."""

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path


def encode(obj: Any) -> bytes:
    return _encoder.encode(obj)


def to_builtins(obj: Any) -> Any:
    return msgspec.to_builtins(obj)


_PATH_RE = re.compile(r"at `\$(?P<path>[^`]*)`")
_TAG_RE = re.compile(r"Invalid value '(?P<tag>[^']*)' - at `\$(?P<path>[^`]*)\.(?P<field>kind|op)`")


def _path(exc: Exception) -> str | None:
    m = _PATH_RE.search(str(exc))
    return m.group("path").lstrip(".") or "(the whole message)" if m else None


def explain(exc: msgspec.MsgspecError, what: str) -> WireError:
    """Turn a msgspec error into a ``WireError`` that says where and what."""
    text = str(exc)
    if isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError):
        return WireError(f"The {what} is not valid JSON: {text}.")
    m = _TAG_RE.search(text)
    if m:
        path = m.group("path").lstrip(".")
        if m.group("field") == "kind":
            known = ", ".join(QUESTION_KINDS)
            return WireError(
                f"Unknown question kind '{m.group('tag')}' at {path}. This version knows: {known}. "
                "The checklist was probably made for a newer version: update the app or server.",
                path,
            )
        known = ", ".join(CONDITION_OPS)
        return WireError(
            f"Unknown relevance condition '{m.group('tag')}' at {path}. This version knows: {known}.",
            path,
        )
    path = _path(exc)
    where = f" at {path}" if path else ""
    detail = _PATH_RE.sub("", text).rstrip(" -")
    return WireError(f"The {what} is not valid{where}: {detail}.", path)


def decode(data: bytes | str, typ: type[T], what: str = "message") -> T:
    """Decode JSON ``data`` as ``typ``; raises ``WireError`` with a readable reason."""
    try:
        return msgspec.json.decode(data, type=typ)
    except msgspec.MsgspecError as exc:
        raise explain(exc, what) from None


def convert(obj: Any, typ: type[T], what: str = "message") -> T:
    """Convert already-parsed data (e.g. from YAML) to ``typ``, with readable errors."""
    try:
        return msgspec.convert(obj, typ)
    except msgspec.MsgspecError as exc:
        raise explain(exc, what) from None


def decode_template(data: bytes | str) -> ChecklistTemplate:
    return decode(data, ChecklistTemplate, "checklist")
