"""Sign-in and the current user."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from shared_schema.records import UserInfo
from shared_schema.sync import TokenReply, TokenRequest
from sync_server.core import auth
from sync_server.http.deps import GUARDS, ActorDep, ServerDep


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post("/auth/token", status_code=200, sync_to_thread=True, summary="Sign in: a bearer token with its expiry")
    def token(self, data: JSONBody[TokenRequest], server: ServerDep, request: Request[Any, Any, Any]) -> TokenReply:
        return auth.login(
            server.db,
            server.auth,
            data.username,
            data.password,
            address=request.client.host if request.client else None,
            device_key=data.device_key,
        )

    @get("/me", guards=GUARDS, sync_to_thread=False, summary="The signed-in user")
    def me(self, actor: ActorDep) -> UserInfo:
        return auth.user_info(actor)
