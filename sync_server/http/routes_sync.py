"""Push and pull (docs/PROTOCOL.md §4, §7)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import JSONBody, Parameter, QueryParameter

from shared_schema import protocol
from shared_schema.sync import PullPage, PushReply, PushRequest
from sync_server.core import sync_service
from sync_server.http.deps import GUARDS, ActorDep, ServerDep


class SyncController(Controller):
    path = "/api/v1/sync"
    guards = GUARDS
    tags = ["sync"]

    @post("/push", status_code=200, sync_to_thread=True, summary="Push device changes (exactly once)")
    def push(self, data: JSONBody[PushRequest], actor: ActorDep, server: ServerDep) -> PushReply:
        return sync_service.push(server.db, actor, data)

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
        cursor: int = Parameter(default=0, ge=0, description="The last sequence the device has applied"),
        limit: int = Parameter(default=protocol.DEFAULT_PULL_LIMIT, ge=1, description="At most 5000"),
        protocol_version: int | None = QueryParameter(name="protocol", default=None, description="Protocol version"),
        client_id: str | None = QueryParameter(
            default=None,
            description="The pulling device's client_id (optional): the server records the device's last pull",
        ),
    ) -> Response[bytes]:
        body = sync_service.pull(server.db, actor, cursor, limit, protocol_version, client_id)
        return Response(content=body, media_type="application/json")
