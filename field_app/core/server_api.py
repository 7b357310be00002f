"""The HTTP calls the app makes to the sync server (docs/PROTOCOL.md), with errors in words.

Every failure is a ``ServerError`` subclass carrying a bilingual message; nothing here
touches the local store.
"""

from __future__ import annotations

import httpx
import msgspec

from field_app.core import messages
from shared_schema import protocol
from shared_schema.errors import Code, Problem
from shared_schema.protocol import PROTOCOL_VERSION
from shared_schema.records import UserInfo
from shared_schema.sync import PullPage, PushReply, PushRequest, RecordsPage, TokenReply, TokenRequest
from shared_schema.text import LocalText


class ServerError(Exception):
    code: str = "server_error"

    def __init__(self, message: LocalText, status: int | None = None, problem: Problem | None = None):
        super().__init__(f"{message.vi} / {message.en}")
        self.message = message
        self.status = status
        self.problem = problem


class Offline(ServerError):
    code = "offline"


class Unauthorized(ServerError):
    code = "needs_password"


class ProtocolUnsupported(ServerError):
    code = Code.PROTOCOL_UNSUPPORTED


class SequenceGap(ServerError):
    code = Code.SEQUENCE_GAP

    def __init__(self, expected_seq: int, problem: Problem):
        super().__init__(messages.SEQUENCE_LOST, 409, problem)
        self.expected_seq = expected_seq


class ClientReregister(ServerError):
    """A second install is using this device's client id (PROTOCOL.md §4): take a new one."""

    code = protocol.CLIENT_REREGISTER


class ClientNotYours(ServerError):
    """The server holds this client id for another user (PROTOCOL.md §1): take a new one."""

    code = protocol.CLIENT_NOT_YOURS


class UploadOffsetMismatch(ServerError):
    code = "offset_mismatch"

    def __init__(self, offset: int):
        super().__init__(LocalText("Lệch vị trí tải lên.", "Upload offset mismatch."), 409)
        self.offset = offset


def _problem(response: httpx.Response) -> Problem | None:
    try:
        return msgspec.json.decode(response.content, type=Problem)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    problem = _problem(response)
    if response.status_code == 401:
        raise Unauthorized(messages.NEEDS_PASSWORD, 401, problem)
    if problem is not None and problem.code == Code.PROTOCOL_UNSUPPORTED:
        raise ProtocolUnsupported(messages.PROTOCOL_UNSUPPORTED, response.status_code, problem)
    if response.status_code == 409 and problem is not None and problem.code == protocol.SEQUENCE_GAP:
        raise SequenceGap(problem.expected_seq or 1, problem)
    if response.status_code == 409 and problem is not None and problem.code == protocol.CLIENT_REREGISTER:
        raise ClientReregister(messages.CLIENT_REREGISTER, 409, problem)
    if response.status_code == 403 and problem is not None and problem.code == protocol.CLIENT_NOT_YOURS:
        raise ClientNotYours(messages.CLIENT_NOT_YOURS, 403, problem)
    detail = messages.problem_text(problem, response.status_code)
    if response.status_code < 500 and problem is not None and problem.detail:
        raise ServerError(detail, response.status_code, problem)
    message = LocalText(
        messages.SERVER_ERROR.vi.format(detail=detail.vi), messages.SERVER_ERROR.en.format(detail=detail.en)
    )
    raise ServerError(message, response.status_code, problem)


class ServerApi:
    """One server, one token. ``transport`` lets tests route through a proxy or an ASGI app."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ServerApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise Offline(messages.OFFLINE) from exc

    def healthz(self) -> bool:
        try:
            return self._send("GET", "/healthz").status_code == 200
        except Offline:
            return False

    def token(self, username: str, password: str, device_key: str | None = None) -> TokenReply:
        """Sign in; ``device_key`` is the key the server gave this device at an earlier sign-in."""
        response = self._send(
            "POST",
            "/api/v1/auth/token",
            content=msgspec.json.encode(TokenRequest(username=username, password=password, device_key=device_key)),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code in (400, 401, 403):
            problem = _problem(response)
            raise Unauthorized(messages.LOGIN_FAILED, response.status_code, problem)
        _raise_for(response)
        return msgspec.json.decode(response.content, type=TokenReply)

    def me(self) -> UserInfo:
        """The signed-in user as the server knows them now (role and districts)."""
        response = self._send("GET", "/api/v1/me")
        _raise_for(response)
        return msgspec.json.decode(response.content, type=UserInfo)

    def push(self, request: PushRequest) -> PushReply:
        response = self._send(
            "POST",
            "/api/v1/sync/push",
            content=msgspec.json.encode(request),
            headers={"Content-Type": "application/json"},
        )
        _raise_for(response)
        return msgspec.json.decode(response.content, type=PushReply)

    def pull(
        self,
        cursor: int,
        limit: int,
        client_id: str | None = None,
        *,
        bounded: bool = False,
        horizon: int | None = None,
    ) -> PullPage:
        """One page of the change feed above ``cursor``; ``client_id`` lets the server record
        when this device last pulled (shown to admins as the device's sync health). ``bounded``
        asks for a bounded pull below ``horizon`` (PROTOCOL.md §7)."""
        params: dict[str, str | int] = {"cursor": cursor, "limit": limit, "protocol": PROTOCOL_VERSION}
        if client_id:
            params["client_id"] = client_id
        if bounded:
            params["bounded"] = "true"
            if horizon is not None:
                params["horizon"] = horizon
        response = self._send("GET", "/api/v1/sync/pull", params=params)
        _raise_for(response)
        return msgspec.json.decode(response.content, type=PullPage)

    def records(self, *, site_id: str | None = None, inspection_ids: list[str] | None = None) -> RecordsPage:
        """Whole inspections: a site's (newest first) or the ones named (PROTOCOL.md §7)."""
        params: dict[str, str | int | list[str]] = {"protocol": PROTOCOL_VERSION}
        if site_id is not None:
            params["site_id"] = site_id
        if inspection_ids:
            params["inspection_id"] = inspection_ids
        response = self._send("GET", "/api/v1/sync/records", params=params)
        _raise_for(response)
        return msgspec.json.decode(response.content, type=RecordsPage)

    def blob_offset(self, sha256: str) -> tuple[int, bool]:
        """(bytes the server holds, whether the blob is complete and verified)."""
        response = self._send("HEAD", f"/api/v1/blobs/{sha256}")
        if response.status_code == 404:
            return 0, False
        _raise_for(response)
        offset = int(response.headers.get("Upload-Offset", "0"))
        complete = response.headers.get("Upload-Complete") == "1"
        return offset, complete

    def blob_append(self, sha256: str, offset: int, total: int, chunk: bytes) -> int:
        """Append ``chunk`` at ``offset``; returns the server's new offset."""
        response = self._send(
            "PATCH",
            f"/api/v1/blobs/{sha256}",
            content=chunk,
            headers={
                "Upload-Offset": str(offset),
                "Upload-Length": str(total),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        if response.status_code == 409:
            held = response.headers.get("Upload-Offset")
            if held is not None:
                raise UploadOffsetMismatch(int(held))
        _raise_for(response)
        return int(response.headers.get("Upload-Offset", str(offset + len(chunk))))

    def blob_get(self, sha256: str) -> bytes | None:
        response = self._send("GET", f"/api/v1/blobs/{sha256}")
        if response.status_code == 404:
            return None
        _raise_for(response)
        return response.content
