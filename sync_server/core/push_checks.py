"""Checks of a push request before any transaction: protocol version, size, and the shape
of every change. A malformed push is refused whole (docs/PROTOCOL.md §4)."""

import re
from functools import lru_cache

from shared_schema import clock as hlc_clock
from shared_schema import protocol
from shared_schema.errors import Code, FieldProblem
from shared_schema.sync import PushRequest
from sync_server.core.errors import BadRequest, Invalid, TooLarge, bi

SITE_SERVER_FIELDS = protocol.SITE_SERVER_FIELDS
SERVER_ONLY = {
    "inspection": protocol.INSPECTION_SERVER_FIELDS,
    "answer": frozenset(),
    "site": SITE_SERVER_FIELDS,
    "action": protocol.ACTION_SERVER_FIELDS,
}
_NODE_OK = hlc_clock.is_valid  # a clock string names its node; the client id must be a valid node


# --- request checks (before any transaction) ----------------------------------------------


@lru_cache(maxsize=256)
def _device_clocks(client_id: str) -> re.Pattern[str]:
    """Clocks of one device, one per line: ``<15 digits>-<5 digits>-<client_id>`` (the form
    ``shared_schema.clock`` accepts, with this device as the node)."""
    one = rf"\d{{15}}-\d{{5}}-{re.escape(client_id)}"
    return re.compile(rf"(?:{one}\n)*{one}")


def check_protocol(version: int | None) -> None:
    if version not in protocol.SUPPORTED_PROTOCOLS:
        supported = sorted(protocol.SUPPORTED_PROTOCOLS)
        raise BadRequest(
            bi(
                f"Phiên bản giao thức {version} không được hỗ trợ (máy chủ hỗ trợ {supported}). "
                "Hãy cập nhật ứng dụng; các thay đổi chưa gửi vẫn được giữ trên máy.",
                f"Protocol version {version} is not supported (the server supports {supported}). "
                "Update the app; unsent changes stay on the device.",
            ),
            code=Code.PROTOCOL_UNSUPPORTED,
            supported_protocols=supported,
        )


def _problem(i: int, what: str, message: str, code: str) -> FieldProblem:
    return FieldProblem(field=f"changes[{i}].{what}", message=message, code=code)


def check_request(req: PushRequest) -> dict[str, list[int]]:
    """Refuse a malformed push whole (nothing is applied): 400/413/422 with every problem.

    Returns the clock nodes other than ``client_id`` (with the indexes of their changes): a
    device that re-registered sends its unsent changes with the clocks they were made with,
    under its earlier client id (PROTOCOL.md §4). ``inherited_clock_problems`` accepts such a
    node only when it is a client of the same user."""
    foreign: dict[str, list[int]] = {}
    check_protocol(req.protocol)
    if len(req.changes) > protocol.MAX_CHANGES_PER_PUSH:
        raise TooLarge(
            bi(
                f"Một lần gửi tối đa {protocol.MAX_CHANGES_PER_PUSH} thay đổi; lần này có {len(req.changes)}. "
                "Hãy chia nhỏ lần gửi.",
                f"A push holds at most {protocol.MAX_CHANGES_PER_PUSH} changes; this one has {len(req.changes)}. "
                "Send them in smaller batches.",
            ),
            code=Code.TOO_MANY_CHANGES,
        )
    if not _NODE_OK(f"{0:015d}-{0:05d}-{req.client_id}") or req.client_id == protocol.SERVER_NODE:
        raise Invalid(
            bi(
                "Mã thiết bị (client_id) không hợp lệ: 1–64 ký tự chữ, số, '_', '.', ':' hoặc '-'.",
                "The client_id is invalid: 1–64 letters, digits, '_', '.', ':' or '-'.",
            ),
            code=Code.INVALID_CLIENT_ID,
            errors=[FieldProblem(field="client_id", message="invalid client id", code=Code.INVALID_CLIENT_ID)],
        )
    problems: list[FieldProblem] = []
    # Every clock well-formed and made by this device: one match over all of them; only when
    # that fails is each clock checked on its own, to name the bad ones.
    clocks_ok = (
        bool(req.changes) and _device_clocks(req.client_id).fullmatch("\n".join(c.hlc for c in req.changes)) is not None
    )
    for i, c in enumerate(req.changes):
        writable = protocol.DEVICE_WRITABLE.get(c.entity)
        if writable is None:
            problems.append(
                _problem(
                    i,
                    "entity",
                    f"Unknown entity '{c.entity}'; a device writes {', '.join(sorted(protocol.DEVICE_WRITABLE))}.",
                    Code.UNKNOWN_ENTITY,
                )
            )
            continue
        if c.field not in writable and c.field not in SERVER_ONLY[c.entity]:
            problems.append(
                _problem(
                    i,
                    "field",
                    f"The entity '{c.entity}' has no field '{c.field}'; known fields: {', '.join(sorted(writable))}.",
                    Code.UNKNOWN_FIELD,
                )
            )
        if not c.entity_id or len(c.entity_id) > 200:
            problems.append(_problem(i, "entity_id", "entity_id must have 1–200 characters.", Code.INVALID_ID))
        elif c.entity == "answer":
            try:
                protocol.split_answer_entity_id(c.entity_id)
            except ValueError as exc:
                problems.append(_problem(i, "entity_id", str(exc), Code.INVALID_ID))
        if clocks_ok:
            pass
        elif not hlc_clock.is_valid(c.hlc):
            problems.append(
                _problem(
                    i,
                    "hlc",
                    f"Clock {c.hlc[:80]!r} is not of the form '<15-digit ms>-<5-digit counter>-<client_id>'.",
                    Code.INVALID_CLOCK,
                )
            )
        elif c.hlc[22:] != req.client_id:  # the node part of '<15 digits>-<5 digits>-<node>'
            if c.hlc[22:] == protocol.SERVER_NODE:
                problems.append(_problem(i, "hlc", NODE_MESSAGE, Code.INVALID_CLOCK))
            else:
                foreign.setdefault(c.hlc[22:], []).append(i)
        if c.base_hlc is not None and not hlc_clock.is_valid(c.base_hlc):
            problems.append(_problem(i, "base_hlc", "base_hlc is not a valid clock.", Code.INVALID_CLOCK))
        if c.client_seq < 1:
            problems.append(_problem(i, "client_seq", "client_seq starts at 1.", Code.INVALID_SEQ))
    if problems:
        raise malformed(problems)
    return foreign


NODE_MESSAGE = "The clock's node must be this device's client_id (or an earlier client_id of the same user)."


def malformed(problems: list[FieldProblem]) -> Invalid:
    return Invalid(
        bi(
            f"Gói đồng bộ có {len(problems)} lỗi và không được áp dụng; hãy cập nhật ứng dụng.",
            f"The push has {len(problems)} problem(s) and was not applied; update the app.",
        ),
        code=Code.MALFORMED_PUSH,
        errors=problems,
    )


def inherited_clock_problems(foreign: dict[str, list[int]], owned: set[str]) -> list[FieldProblem]:
    """A problem for every change whose clock names a node that is not a client of the pusher."""
    return [
        _problem(i, "hlc", NODE_MESSAGE, Code.INVALID_CLOCK)
        for node, indexes in foreign.items()
        if node not in owned
        for i in indexes
    ]
