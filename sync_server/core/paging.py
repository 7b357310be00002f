"""Keyset pagination for the lists (inspections, sites): opaque cursor tokens.

A page is read with ``WHERE (sort key, id) < (key, id) of the edge row ORDER BY sort key, id
LIMIT n + 1`` on an index of the sort key, so a deep page costs what the first one does, and
rows added while someone pages never make a page skip or repeat another row (with ``offset``
every row added in front shifts the rest: one row is read twice). A row whose own sort key
changes meanwhile (e.g. ``updated`` after a review) is shown where it is when its page is read.

A cursor token is base64url of ``[version, fingerprint, before, key..., id]``: ``fingerprint``
binds it to the list's sort, filters and the caller's districts, so a token used with other
filters is refused (``invalid_cursor``) instead of returning a wrong page. ``before`` marks a
"previous page" token. Clients treat tokens as opaque.

Every parameter of a paged list (``limit``, ``offset``, ``cursor``) is read here, in one place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from shared_schema.errors import Code
from sync_server.core.errors import Invalid, bi

CURSOR_VERSION = 1
Key = str | int | float | None


def fingerprint(*parts: Any) -> str:
    """A short digest of what a cursor belongs to (sort, filters, scope)."""
    return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()[:16]


def encode_cursor(finger: str, before: bool, key: Sequence[Key]) -> str:
    raw = msgspec.json.encode([CURSOR_VERSION, finger, before, *key])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def require_sort(sort: str, sorts: Iterable[str]) -> None:
    """``Invalid`` (``invalid_sort``) naming the sorts there are when ``sort`` is not one."""
    names = list(sorts)
    if sort not in names:
        raise Invalid(
            bi(
                f"Cách sắp xếp '{sort}' không có; dùng: {', '.join(names)}.",
                f"Unknown sort '{sort}'; use one of: {', '.join(names)}.",
            ),
            code=Code.INVALID_SORT,
        )


def _bad_cursor() -> Invalid:
    return Invalid(
        bi(
            "Con trỏ trang (cursor) không hợp lệ hoặc thuộc về bộ lọc khác; hãy mở lại trang đầu.",
            "The page cursor is not valid or belongs to other filters; open the first page again.",
        ),
        code=Code.INVALID_CURSOR,
    )


def decode_cursor(token: str, finger: str, width: int) -> tuple[bool, list[Key]]:
    """``(before, key)`` of a token made by ``encode_cursor`` for the same ``finger``;
    ``Invalid`` (``invalid_cursor``) for anything else."""
    if len(token) > 2048:
        raise _bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = msgspec.json.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise _bad_cursor() from None
    if (
        not isinstance(value, list)
        or len(value) != 3 + width
        or value[0] != CURSOR_VERSION
        or value[1] != finger
        or not isinstance(value[2], bool)
        or not all(k is None or (isinstance(k, str | int | float) and not isinstance(k, bool)) for k in value[3:])
    ):
        raise _bad_cursor()
    return value[2], value[3:]


class PageArgs(msgspec.Struct, frozen=True):
    """``limit`` (clamped to 1..``max_limit``), ``offset`` (old clients; slow when deep) and
    ``cursor`` of a list request."""

    limit: int
    offset: int
    cursor: str | None


def page_args(limit: int, offset: int, cursor: str | None, max_limit: int) -> PageArgs:
    return PageArgs(limit=min(max(limit, 1), max_limit), offset=max(offset, 0), cursor=cursor or None)


class Keyset(msgspec.Struct, frozen=True):
    """The ordering of a list: SQL expressions (the last one unique) and one direction."""

    columns: tuple[str, ...]
    descending: bool

    def where(self, before: bool) -> str:
        """``(columns) < (?, …)`` (or ``>``): the rows after (or before) the cursor's row."""
        forward_less = self.descending != before
        marks = ", ".join("?" for _ in self.columns)
        return f" AND ({', '.join(self.columns)}) {'<' if forward_less else '>'} ({marks})"

    def order_by(self, before: bool) -> str:
        direction = "DESC" if self.descending != before else "ASC"
        return " ORDER BY " + ", ".join(f"{c} {direction}" for c in self.columns)


class Window(msgspec.Struct, frozen=True):
    rows: list[Any]
    next_cursor: str | None
    prev_cursor: str | None


def window(rows: list[Any], args: PageArgs, before: bool, finger: str, key_of: Any, from_cursor: bool) -> Window:
    """The page from ``limit + 1`` rows read in the keyset's order (reversed for ``before``),
    with the tokens of the pages after and before it."""
    more = len(rows) > args.limit
    rows = rows[: args.limit]
    if before:
        rows.reverse()
    if not rows:
        return Window(rows, None, None)
    has_next = more if not before else True
    has_prev = (more if before else from_cursor) or (args.offset > 0 and not from_cursor)
    return Window(
        rows,
        encode_cursor(finger, False, key_of(rows[-1])) if has_next else None,
        encode_cursor(finger, True, key_of(rows[0])) if has_prev else None,
    )
