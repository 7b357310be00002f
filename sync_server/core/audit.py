"""The audit log: who did what, when. Written in the same transaction as the action."""

from __future__ import annotations

from typing import Any

import msgspec

from sync_server.core.access import Actor, require_admin
from sync_server.core.db import Database, Tx, equal_filters, select_list, to_record
from sync_server.core.util import from_json, new_id, now_iso, to_json


class AuditEntry(msgspec.Struct, kw_only=True):
    id: str
    at: str
    username: str | None
    action: str
    entity: str | None = None
    entity_id: str | None = None
    detail: Any = None


def record(
    tx: Tx, actor: Actor, action: str, entity: str | None = None, entity_id: str | None = None, detail: Any = None
) -> None:
    tx.execute(
        "INSERT INTO audit (id, at, user_id, username, action, entity, entity_id, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new_id(),
            now_iso(),
            actor.user_id,
            actor.username,
            action,
            entity,
            entity_id,
            None if detail is None else to_json(detail),
        ),
    )


def list_entries(
    db: Database,
    actor: Actor,
    *,
    username: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    require_admin(actor, "xem nhật ký thao tác", "read the audit log")
    filters, params = equal_filters(("username", username), ("action", action))
    sql = f"SELECT {select_list(AuditEntry, skip=('detail',))}, detail AS detail_json FROM audit WHERE 1 = 1" + filters
    sql += " ORDER BY at DESC, id LIMIT ? OFFSET ?"
    params += [min(max(limit, 1), 1000), max(offset, 0)]
    with db.read() as tx:
        rows = tx.query(sql, params)
    return [to_record(AuditEntry, r, detail=from_json(r["detail_json"])) for r in rows]
