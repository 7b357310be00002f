"""Signature values as the form saves them: an answer ``{sha256, signed_at, name?}`` or a header
signature ``{role, name, sha256, signed_at}``. Plain functions; the image is a kept blob."""

from __future__ import annotations

import datetime as dt
from typing import Any


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def plain(value: Any) -> Any:
    """A stored value as builtins (msgspec Structs become dicts)."""
    if hasattr(value, "__struct_fields__"):
        return {f: plain(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def signed_sha(value: Any) -> str | None:
    """The image SHA-256 of a signature (a saved answer value or a header signature), if any."""
    value = plain(value)
    sha = value.get("sha256") if isinstance(value, dict) else None
    return sha if isinstance(sha, str) and sha else None


def signer_name(value: Any) -> str:
    """The name saved with a signature answer; "" if none."""
    value = plain(value)
    name = value.get("name") if isinstance(value, dict) else None
    return name if isinstance(name, str) else ""


def new_signature(sha256: str, name: str, signed_at: str) -> dict[str, Any]:
    """A signature answer for a drawn image kept as ``sha256`` (the name only when given)."""
    value: dict[str, Any] = {"sha256": sha256, "signed_at": signed_at}
    name = name.strip()
    if name:
        value["name"] = name
    return value


def renamed(value: Any, name: str) -> dict[str, Any] | None:
    """The signature answer with the signer's name changed (the image and its time stay);
    None when there is nothing to save (not signed yet, or the name is the same)."""
    value = plain(value)
    if signed_sha(value) is None or value.get("name", "") == name:
        return None
    updated = {k: v for k, v in value.items() if k != "name"}
    if name:
        updated["name"] = name
    return updated


def with_header_signature(
    signatures: list[Any], role: str, name: str, sha256: str, signed_at: str
) -> list[dict[str, Any]]:
    """The record's signatures with ``role``'s replaced by a new one."""
    others = [plain(s) for s in signatures if plain(s).get("role") != role]
    return [*others, {"role": role, "name": name or role, "sha256": sha256, "signed_at": signed_at}]
