"""Input refused before any handler or database sees it (docs/PROTOCOL.md §10):

- a NUL character anywhere in the path, the query or a text body (PostgreSQL cannot store
  it, and no person types it): 400 ``nul_character``;
- a form body that is not UTF-8: 400 ``invalid_utf8`` (a JSON one fails in the decoder,
  answered the same way by ``problems.undecodable_handler``);
- a JSON integer beyond a signed 64-bit integer (``protocol.MAX_INT``): 400 ``number_out_of_range``.

Blob uploads (``/api/v1/blobs/…``) carry bytes, not text, and are left alone. The body read
here is kept on the connection, so the handler reads it again for free.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from shared_schema.errors import Code
from shared_schema.protocol import MAX_INT
from sync_server.core.errors import BadRequest, bi

BINARY_PATHS = ("/api/v1/blobs/",)
# A run of 19 digits where a JSON number can start (after ``:``, ``[`` or ``,`` and blanks, or
# at the very start), found with every digit mapped to "0" and one search, both in C; only
# then is the body tokenized to compare its numbers with MAX_INT. Digits inside strings (a
# change id is 32 hex characters and holds 19 digits in a row in about half of all 500-change
# pushes) never start after those characters unless the text itself holds one, and then the
# tokenizer decides, as before.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19
_BLANKS = frozenset(b" \t\r\n")
_BEFORE_A_VALUE = frozenset(b":[,")


def _may_hold_a_big_number(body: bytes) -> bool:
    """True when a run of 19 or more digits starts where a JSON number could."""
    text = body.translate(_DIGITS_AS_ZERO)
    at = text.find(_NINETEEN_DIGITS)
    while at != -1:
        before = at - 1
        if before >= 0 and text[before] == 0x2D:  # "-"
            before -= 1
        while before >= 0 and text[before] in _BLANKS:
            before -= 1
        if before < 0 or text[before] in _BEFORE_A_VALUE:
            return True
        end = at + 19
        while end < len(text) and text[end] == 0x30:  # the rest of this run
            end += 1
        at = text.find(_NINETEEN_DIGITS, end)
    return False


_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')

NUL_REFUSED = bi(
    "Dữ liệu có ký tự NUL (mã 0), không lưu được. Hãy xóa ký tự đó rồi gửi lại.",
    "The request contains a NUL character (code 0), which cannot be stored. Remove it and send again.",
)


def nul_refused() -> BadRequest:
    return BadRequest(NUL_REFUSED, code=Code.NUL_CHARACTER)


def _text_body(content_type: str) -> str | None:
    """``json``, ``form`` or ``text`` for a body whose content is text, else None."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json") or not kind:
        return "json"
    if kind == "application/x-www-form-urlencoded":
        return "form"
    if kind == "multipart/form-data":
        return "multipart"
    if kind.startswith("text/"):
        return "text"
    return None


def multipart_fields(body: bytes) -> list[bytes]:
    """The parts of a multipart body that are form fields, not uploaded files (a file, such as
    an XLSForm workbook, is binary and may hold any byte)."""
    first_line = body.split(b"\r\n", 1)[0]
    if not first_line.startswith(b"--"):
        return [body]
    fields: list[bytes] = []
    for part in body.split(first_line)[1:]:
        head, _, content = part.partition(b"\r\n\r\n")
        if b"filename=" not in head.lower():
            fields.append(head + content)
    return fields


def check_url(scope: Scope) -> None:
    path = scope.get("path", "")
    query = scope.get("query_string", b"")
    if "\x00" in path or b"%00" in query or b"\x00" in query or b"%00" in scope.get("raw_path", b""):
        raise nul_refused()


def json_has_nul(body: bytes) -> bool:
    """True when the JSON text escapes a NUL (``\\u0000`` after an even number of backslashes)."""
    if b"\\" not in body:  # one memchr: most bodies escape nothing at all
        return False
    at = body.find(b"\\u0000")
    while at != -1:
        before = at - 1
        while before >= 0 and body[before] == 0x5C:  # backslash
            before -= 1
        if (at - 1 - before) % 2 == 0:
            return True
        at = body.find(b"\\u0000", at + 1)
    return False


def json_integers_in_range(body: bytes) -> bool:
    """False when a JSON number outside strings is an integer beyond ``MAX_INT``."""
    if not _may_hold_a_big_number(body):
        return True
    for match in _JSON_TOKEN.finditer(body):
        token = match.group()
        if token[:1] == b'"' or b"." in token or b"e" in token or b"E" in token:
            continue
        if len(token.lstrip(b"-")) >= 19 and abs(int(token)) > MAX_INT:
            return False
    return True


def check_body(kind: str, body: bytes) -> None:
    if kind == "multipart":
        for field in multipart_fields(body):
            check_body("text", field)
        return
    if b"\x00" in body or (kind == "json" and json_has_nul(body)) or (kind == "form" and b"%00" in body):
        raise nul_refused()
    if kind == "form":  # (a JSON body that is not UTF-8 fails in the decoder: problems.undecodable_handler)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(
                bi(
                    "Nội dung gửi lên không phải văn bản UTF-8 hợp lệ.",
                    "The request body is not valid UTF-8 text.",
                ),
                code=Code.INVALID_UTF8,
            ) from None
    if kind == "json" and not json_integers_in_range(body):
        raise BadRequest(
            bi(
                f"Có số nguyên quá lớn (tối đa {MAX_INT}).",
                f"A whole number is too large (at most {MAX_INT}).",
            ),
            code=Code.NUMBER_OUT_OF_RANGE,
        )


def input_guard(app: ASGIApp) -> ASGIApp:
    """The ASGI middleware that applies the checks above to every HTTP request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            check_url(scope)
            if not scope.get("path", "").startswith(BINARY_PATHS) and scope.get("method") not in ("GET", "HEAD"):
                request: Request[Any, Any, Any] = Request(scope, receive, send)
                kind = _text_body(request.headers.get("content-type", ""))
                if kind is not None:
                    check_body(kind, await request.body())
        await app(scope, receive, send)

    return middleware
