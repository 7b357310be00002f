"""Users, devices and the audit log (admin)."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from sync_server.core import audit, auth, devices
from sync_server.http.deps import GUARDS, MAX_INT, ActorDep, ServerDep
from sync_server.http.strict import strict_body


class NewUser(msgspec.Struct, kw_only=True):
    username: str
    password: str
    role: str
    districts: list[str] = msgspec.field(default_factory=list)
    full_name: FromQuery[str | None] = None


class UserChange(msgspec.Struct, kw_only=True):
    role: FromQuery[str | None] = None
    districts: list[str] | None = None
    active: FromQuery[bool | None] = None
    password: FromQuery[str | None] = None
    full_name: FromQuery[str | None] = None


class AdminController(Controller):
    path = "/api/v1"
    guards = GUARDS
    tags = ["admin"]

    @get("/users", sync_to_thread=True, summary="Users (admin)")
    def list_users(self, actor: ActorDep, server: ServerDep) -> list[auth.UserRecord]:
        return auth.list_users(server.db, actor)

    @post("/users", sync_to_thread=True, summary="Create a user (admin)", dto=strict_body(NewUser), return_dto=None)
    def create_user(self, data: JSONBody[NewUser], actor: ActorDep, server: ServerDep) -> auth.UserRecord:
        return auth.create_user(
            server.db, actor, data.username, data.password, data.role, data.districts, data.full_name
        )

    @patch(
        "/users/{user_id:str}",
        sync_to_thread=True,
        summary="Change role, districts, active, password (admin)",
        dto=strict_body(UserChange),
        return_dto=None,
    )
    def update_user(
        self, user_id: FromPath[str], data: JSONBody[UserChange], actor: ActorDep, server: ServerDep
    ) -> auth.UserRecord:
        return auth.update_user(
            server.db,
            actor,
            user_id,
            role=data.role,
            districts=data.districts,
            active=data.active,
            password=data.password,
            full_name=data.full_name,
        )

    @get("/clients", sync_to_thread=True, summary="Devices and their sync health (admin)")
    def list_clients(self, actor: ActorDep, server: ServerDep) -> list[devices.ClientInfo]:
        return devices.list_clients(server.db, actor)

    @get("/audit", sync_to_thread=True, summary="The audit log, newest first (admin)")
    def list_audit(
        self,
        actor: ActorDep,
        server: ServerDep,
        username: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
        limit: int = Parameter(default=100, ge=1, le=1000),
        offset: int = Parameter(default=0, ge=0, le=MAX_INT),
    ) -> list[audit.AuditEntry]:
        return audit.list_entries(server.db, actor, username=username, action=action, limit=limit, offset=offset)
