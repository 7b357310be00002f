"""Push and pull (docs/PROTOCOL.md §4, §7)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.dto import MsgspecDTO
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import JSONBody, Parameter, QueryParameter

from shared_schema import protocol
from shared_schema.sync import PullPage, PushReply, PushRequest, RecordsPage
from sync_server.core import pull as pull_core
from sync_server.core import sync_service
from sync_server.http.deps import GUARDS, ActorDep, ServerDep
from sync_server.http.openapi_errors import problem_spec
from sync_server.http.strict import decode_strictly

_push_decoder = msgspec.json.Decoder(PushRequest)
_encode = msgspec.json.Encoder().encode


def decode_push(body: bytes) -> PushRequest:
    """The push body as a ``PushRequest``; 400 ``malformed_request`` when it is not JSON,
    400 ``invalid_request`` (naming the field) when a value has the wrong type or nests more
    than ``protocol.MAX_VALUE_DEPTH`` levels. (Nested beyond the decoder's limit or not UTF-8:
    ``problems.undecodable_handler``.)"""
    request: PushRequest = decode_strictly(_push_decoder, body)
    for i, change in enumerate(request.changes):
        value = change.value  # most values are scalars: no call for them
        if (type(value) is list or type(value) is dict) and not protocol.within_depth(value):
            raise ValidationException(
                detail="nested too deeply",
                extra=[
                    {
                        "message": f"nested more than {protocol.MAX_VALUE_DEPTH} levels deep",
                        "key": f"changes[{i}].value",
                    }
                ],
            )
    return request


class PushRequestDTO(MsgspecDTO[PushRequest]):
    """The push body straight into the Structs with one typed decoder (no dict per change
    and no second conversion); OpenAPI still documents it as a ``PushRequest``."""

    def decode_bytes(self, value: bytes) -> PushRequest:
        return decode_push(value)


class SyncController(Controller):
    path = "/api/v1/sync"
    guards = GUARDS
    tags = ["sync"]

    @post(
        "/push",
        status_code=200,
        sync_to_thread=True,
        summary="Push device changes (exactly once)",
        description=(
            "The body is a PushRequest (shared_schema.sync): {protocol, client_id, app_version, changes[]}."
            " Every change is answered applied, superseded, duplicate or rejected; acked_seq is the last"
            " client_seq the server has kept."
        ),
        dto=PushRequestDTO,
        return_dto=None,
        responses={200: ResponseSpec(PushReply, description="One result per change, in order")},
    )
    def push(
        self,
        data: JSONBody[PushRequest],
        actor: ActorDep,
        server: ServerDep,
    ) -> Response[bytes]:
        reply = sync_service.push(server.db, actor, data)
        return Response(content=_encode(reply), media_type="application/json")

    @get(
        "/pull",
        sync_to_thread=True,
        summary="Pull the changes visible to the caller, oldest first",
        responses={
            200: ResponseSpec(
                PullPage,
                description="A page of the change feed",
                examples=[Example(value={"changes": [], "cursor": 0, "has_more": False})],
            )
        },
    )
    def pull(
        self,
        actor: ActorDep,
        server: ServerDep,
        cursor: int = Parameter(
            default=0, ge=0, le=protocol.MAX_INT, description="The last sequence the device has applied"
        ),
        limit: int = Parameter(
            default=protocol.DEFAULT_PULL_LIMIT, ge=1, le=protocol.MAX_INT, description="At most 5000 are sent"
        ),
        protocol_version: Annotated[int | None, QueryParameter(name="protocol", description="Protocol version")] = None,
        client_id: Annotated[
            str | None,
            QueryParameter(
                description="The pulling device's client_id (optional): the server records the device's last pull"
            ),
        ] = None,
        bounded: Annotated[
            bool,
            QueryParameter(
                description="A bounded pull (PROTOCOL.md §7): settled inspections at or below the horizon are left "
                "out, except the latest few per site and the user's own; the page names its horizon and `older`"
            ),
        ] = False,
        horizon: Annotated[
            int | None,
            QueryParameter(
                ge=0, le=protocol.MAX_INT, description="Bounded pulls: the horizon the first page of the sync named"
            ),
        ] = None,
    ) -> Response[bytes]:
        body = sync_service.pull(
            server.db, actor, cursor, limit, protocol_version, client_id, bounded=bounded, horizon=horizon
        )
        return Response(content=body, media_type="application/json")

    @get(
        "/records",
        sync_to_thread=True,
        summary="Whole inspections: a site's history, or records a bounded device lacks",
        responses={
            200: ResponseSpec(RecordsPage, description="Every feed row of each inspection"),
            404: problem_spec(404),  # the site named in the query is unknown or outside the caller's districts
        },
    )
    def records(
        self,
        actor: ActorDep,
        server: ServerDep,
        protocol_version: Annotated[int | None, QueryParameter(name="protocol", description="Protocol version")] = None,
        site_id: Annotated[
            str | None, QueryParameter(description="A site: its inspections, newest first (at most 100)")
        ] = None,
        inspection_id: Annotated[
            list[str] | None, QueryParameter(description="Inspections by id (repeat the parameter; at most 100)")
        ] = None,
    ) -> Response[bytes]:
        body = pull_core.records(server.db, actor, protocol_version, site_id=site_id, inspection_ids=inspection_id)
        return Response(content=body, media_type="application/json")
