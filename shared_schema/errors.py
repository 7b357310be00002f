"""RFC 9457 problem details: the body of every error the server sends."""

from __future__ import annotations

import msgspec


class FieldProblem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One thing wrong with the input: where, and what to do about it."""

    message: str
    field: str | None = None
    row: int | None = None
    code: str | None = None


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    # Machine-readable kind of problem, e.g. "sequence_gap", "protocol_unsupported".
    code: str | None = None
    errors: list[FieldProblem] = msgspec.field(default_factory=list)
    # Extension members used by the sync protocol.
    expected_seq: int | None = None
    supported_protocols: list[int] | None = None
    # An unknown administrative unit (code "unknown_unit"): each name given → the closest names.
    suggestions: dict[str, list[str]] | None = None
