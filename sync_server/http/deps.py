"""The bearer-token guard and the dependencies handlers declare (``server``, ``actor``).

Authentication runs as a Litestar guard, before the request body is read, so an anonymous
caller gets 401 whatever it sends.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias, cast

from anyio import to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Parameter, PathParameter, QueryParameter

from shared_schema.protocol import MAX_INT
from sync_server.core import auth
from sync_server.core.access import Actor
from sync_server.core.inspections import InspectionFilter
from sync_server.core.server import Server


def server_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Server:
    return cast(Server, connection.app.state.server)


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def require_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: a valid, unexpired bearer token of an active user, else 401."""
    server = server_of(connection)
    actor = await to_thread.run_sync(auth.authenticate, server.db, server.auth, bearer_token(connection))
    connection.state.actor = actor


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor = getattr(request.state, "actor", None)
    if actor is None:  # a handler declared ``actor`` without the guard
        server = server_of(request)
        actor = auth.authenticate(server.db, server.auth, bearer_token(request))
    return actor


def provide_server(request: Request[Any, Any, Any]) -> Server:
    return server_of(request)


def provide_inspection_filter(
    status: str | None = None,
    district: str | None = None,
    site_id: str | None = None,
    site_kind: str | None = None,
    template_id: str | None = None,
    inspector: str | None = None,
    result: str | None = None,
    date_from: str | None = Parameter(default=None, description="YYYY-MM-DD, inclusive"),
    date_to: str | None = Parameter(default=None, description="YYYY-MM-DD, inclusive"),
) -> InspectionFilter:
    """The inspection filters of a list or an export, read from the query string once for both."""
    return InspectionFilter(
        status=status,
        district=district,
        site_id=site_id,
        site_kind=site_kind,
        template_id=template_id,
        inspector=inspector,
        result=result,
        date_from=date_from,
        date_to=date_to,
    )


GUARDS = [require_token]
DEPENDENCIES = {
    "actor": Provide(provide_actor, sync_to_thread=False),
    "server": Provide(provide_server, sync_to_thread=False),
    "filters": Provide(provide_inspection_filter, sync_to_thread=False),
}

ActorDep: TypeAlias = NamedDependency[Actor]
ServerDep: TypeAlias = NamedDependency[Server]
FiltersDep: TypeAlias = NamedDependency[InspectionFilter]

# A checklist version in a path: 1 up to a 64-bit integer (larger ones get 400, not a database error).
Version: TypeAlias = Annotated[int, PathParameter(ge=1, le=MAX_INT, description="The checklist version (1, 2, …)")]
# A list's paging: by offset (old callers) or by the opaque cursor of a page (``paging``).
Offset: TypeAlias = Annotated[
    int,
    QueryParameter(ge=0, le=MAX_INT, description="deprecated, slow when deep: rows to skip; use cursor (next_cursor)"),
]
Cursor: TypeAlias = Annotated[
    str | None, QueryParameter(description="next_cursor or prev_cursor of a page of the same list (opaque)")
]
__all__ = ["GUARDS", "MAX_INT", "ActorDep", "Cursor", "FiltersDep", "Offset", "ServerDep", "Version"]
