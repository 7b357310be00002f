"""Devices (sync clients) and their sync health, for admins."""

from __future__ import annotations

import msgspec

from sync_server.core.access import Actor, require_admin
from sync_server.core.db import Database


class ClientInfo(msgspec.Struct, kw_only=True):
    client_id: str
    username: str | None
    app_version: str | None
    last_seq: int
    rejected_count: int
    last_push_at: str | None


def list_clients(db: Database, actor: Actor) -> list[ClientInfo]:
    require_admin(actor, "xem thiết bị", "list devices")
    with db.read() as tx:
        rows = tx.query(
            "SELECT client_id, username, app_version, last_seq, rejected_count, last_push_at FROM clients"
            " ORDER BY last_push_at DESC"
        )
    return [
        ClientInfo(
            client_id=r[0], username=r[1], app_version=r[2], last_seq=r[3], rejected_count=r[4], last_push_at=r[5]
        )
        for r in rows
    ]
