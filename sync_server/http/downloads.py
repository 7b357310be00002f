"""The ``Content-Disposition`` of every download (RFC 6266): a plain-ASCII ``filename`` for
old clients and ``filename*`` (RFC 8187, UTF-8, percent-encoded) with the real name, so a
record number like ``Số 01/BB-ĐKT`` names the file in Vietnamese and never breaks the header."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema

# RFC 8187 attr-char, the characters ``filename*`` may carry unencoded.
_ATTR_CHARS = "!#$&+-.^_`|~"
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()+-]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def _readable(name: str) -> str:
    """The name a person should see: no path separators, no control characters (CR, LF)."""
    name = name.replace("/", "-").replace("\\", "-")
    return _CONTROLS.sub(" ", name).strip() or "download"


def ascii_fallback(name: str) -> str:
    """``name`` in plain ASCII: accents dropped (``Số`` → ``So``, ``Đ`` → ``D``), quotes,
    backslashes and anything else unsafe in a quoted header value replaced by ``_``."""
    text = _readable(name).replace("Đ", "D").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _UNSAFE_ASCII.sub("_", text).strip() or "download"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment`` (or ``inline``) with both forms of ``filename``."""
    readable = _readable(filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(readable)}\"; filename*=UTF-8''{quote(readable, safe=_ATTR_CHARS)}"


def base_url_of(request: Request[Any, Any, Any]) -> str:
    """The server's address as the browser reached it (``http://host:port``), for links in
    downloaded files."""
    return str(request.base_url).rstrip("/")


def file_chunks(name: str, write: Callable[[Path], None], piece: int = 1 << 20) -> Iterator[bytes]:
    """A file made for one download (an XLSX is a zip, complete only at its end): ``write``
    makes it in a temporary folder when the download starts, then it is sent in pieces and
    removed. Memory holds one piece, never the file."""
    with tempfile.TemporaryDirectory(prefix="download-") as tmp:
        path = Path(tmp) / name
        write(path)
        with path.open("rb") as handle:
            while chunk := handle.read(piece):
                yield chunk


def download_operation(*media_types: str) -> type[Operation]:
    """The ``operation_class`` of a handler whose 200 answer is a file of one of
    ``media_types``: Litestar documents a single media type per answer (``application/json``
    when the handler names none), so the schema's 200 lists each of them instead."""

    @dataclass
    class DownloadOperation(Operation):
        def __post_init__(self) -> None:
            answer = (self.responses or {}).get("200")
            if isinstance(answer, OpenAPIResponse):
                answer.content = {t: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)) for t in media_types}

    return DownloadOperation
