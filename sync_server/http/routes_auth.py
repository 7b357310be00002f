"""Sign-in and the current user."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from shared_schema.records import UserInfo
from shared_schema.sync import TokenReply, TokenRequest
from sync_server.core import auth
from sync_server.http.deps import GUARDS, ActorDep, ServerDep


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post("/auth/token", status_code=200, sync_to_thread=True, summary="Sign in: a bearer token with its expiry")
    def token(self, data: JSONBody[TokenRequest], server: ServerDep) -> TokenReply:
        return auth.login(server.db, server.auth, data.username, data.password)

    @get("/me", guards=GUARDS, sync_to_thread=False, summary="The signed-in user")
    def me(self, actor: ActorDep) -> UserInfo:
        return auth.user_info(actor)
