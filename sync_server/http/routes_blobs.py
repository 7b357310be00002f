"""Resumable, content-addressed uploads of photos and signatures (protocol §9)."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, Request, Response, get, head, patch
from litestar.params import FromPath
from litestar.response import Stream

from shared_schema.errors import Code
from shared_schema.protocol import IMAGE_MEDIA_TYPES
from sync_server.core import blobs
from sync_server.core.errors import BadRequest, TooLarge, bi
from sync_server.http.deps import GUARDS, ActorDep, ServerDep
from sync_server.http.downloads import download_operation

# a blob's recorded media type, or this one for a blob that has none
UNKNOWN_MEDIA_TYPE = "application/octet-stream"


def _int_header(request: Request[Any, Any, Any], name: str) -> int:
    raw = request.headers.get(name)
    if raw is None or not raw.strip().isdigit():
        raise BadRequest(
            bi(f"Thiếu hoặc sai tiêu đề {name} (số byte).", f"Header {name} (a byte count) is missing or invalid."),
            code=Code.INVALID_HEADER,
        )
    return int(raw)


def _status_headers(st: blobs.BlobStatus) -> dict[str, str]:
    headers = {"Upload-Offset": str(st.offset), "Tus-Resumable": "1.0.0", "Cache-Control": "no-store"}
    if st.length is not None:
        headers["Upload-Length"] = str(st.length)
    if st.complete:
        headers["Upload-Complete"] = "1"
    return headers


class BlobController(Controller):
    path = "/api/v1/blobs"
    guards = GUARDS
    tags = ["blobs"]

    @head("/{sha256:str}", sync_to_thread=True, summary="What the server holds of a blob")
    def status(self, sha256: FromPath[str], actor: ActorDep, server: ServerDep) -> Response[None]:
        st = blobs.status(server.db, server.blobs, actor, sha256)
        return Response(content=None, status_code=200, headers=_status_headers(st))

    @patch("/{sha256:str}", request_max_body_size=None, summary="Append a chunk at Upload-Offset")
    async def append(
        self, request: Request[Any, Any, Any], sha256: FromPath[str], actor: ActorDep, server: ServerDep
    ) -> Response[Any]:
        offset = _int_header(request, "Upload-Offset")
        length = _int_header(request, "Upload-Length")
        limit = server.config.max_blob_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise TooLarge(bi("Phần gửi quá lớn.", "The chunk is too large."), code=Code.TOO_LARGE)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge(bi("Phần gửi quá lớn.", "The chunk is too large."), code=Code.TOO_LARGE)
            chunks.append(chunk)
        data = b"".join(chunks)
        st = await to_thread.run_sync(blobs.append, server.db, server.blobs, actor, sha256, offset, length, data, limit)
        return Response(content=st, status_code=200, headers=_status_headers(st))

    @get(
        "/{sha256:str}",
        sync_to_thread=True,
        summary="The bytes of a blob, to users who may see it",
        operation_class=download_operation(*IMAGE_MEDIA_TYPES, UNKNOWN_MEDIA_TYPE),
    )
    def read(self, sha256: FromPath[str], actor: ActorDep, server: ServerDep) -> Stream:
        st = blobs.readable(server.db, server.blobs, actor, sha256)
        return Stream(
            server.blobs.read_chunks(sha256),
            media_type=st.media_type or UNKNOWN_MEDIA_TYPE,
            headers={"Content-Length": str(st.length), "Cache-Control": "private, max-age=31536000, immutable"},
        )
