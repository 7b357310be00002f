"""Pull (docs/PROTOCOL.md §7): the changes a caller may see above a cursor, oldest first,
one page at a time, never skipping a change that commits late."""

from typing import Any

from shared_schema import protocol
from shared_schema.errors import Code
from sync_server.core import assignment_feed
from sync_server.core.access import Actor, pull_scope, visible_districts
from sync_server.core.db import Database
from sync_server.core.devices import check_client_id, check_owner, record_pull
from sync_server.core.errors import Invalid, bi
from sync_server.core.push_checks import check_protocol
from sync_server.core.util import now_ms


def pull(
    db: Database,
    actor: Actor,
    cursor: int,
    limit: int,
    protocol_version: int | None,
    client_id: str | None = None,
) -> bytes:
    """One pull page as JSON bytes (``PullPage`` shape). Rows come out of the database as JSON
    text already (the dialect builds them), so a page is joined, not re-encoded. When the
    device names itself (``client_id``), the last page of a pull records when it pulled and
    the cursor it reached (``devices.record_pull``: at most one small write per pull). Every
    page names the caller's ``scope`` (``access.pull_scope``)."""
    check_protocol(protocol_version)
    if client_id is not None:
        check_client_id(client_id)
    if cursor < 0:
        raise Invalid(bi("cursor phải từ 0 trở lên.", "cursor must be 0 or more."), code=Code.INVALID_CURSOR)
    if limit < 1:
        raise Invalid(bi("limit phải từ 1 trở lên.", "limit must be 1 or more."), code=Code.INVALID_LIMIT)
    limit = min(limit, protocol.MAX_PULL_LIMIT)
    districts = visible_districts(actor)
    params: list[Any] = [cursor]
    with db.read() as tx:
        if client_id is not None:  # another user's device learns nothing, not even its cursor
            owner = tx.one("SELECT user_id FROM clients WHERE client_id = ?", (client_id,))
            if owner is not None:
                check_owner(owner[0], actor)
        # Visibility keys: the caller's districts and their teams (assignments, ``assignment_feed``).
        keys = None if districts is None else [*sorted(districts), *assignment_feed.team_keys(tx, actor.user_id)]
        if keys is None:
            where = ""
        elif not keys:
            where = "AND district IS NULL"
        else:
            where = f"AND (district IS NULL OR district IN ({', '.join('?' for _ in keys)}))"
            params.extend(keys)
        filter_params = params[1:]
        params.append(limit)
        count, last, body = tx.one(tx.dialect.pull_page.replace("{where}", where), params)
        # same snapshot: every sequence up to ``top`` is committed, so the cursor never skips one
        top = tx.scalar(tx.dialect.max_seq)
        has_more = (
            count == limit
            and tx.one(f"SELECT 1 FROM feed WHERE seq > ? {where} LIMIT 1", [last, *filter_params]) is not None
        )
    next_cursor = last if has_more else max(top, last or 0)
    if client_id is not None and not has_more:
        record_pull(db, actor, client_id, next_cursor)
    return (
        f'{{"changes":[{body or ""}],"cursor":{next_cursor},"has_more":{"true" if has_more else "false"},'
        f'"server_time_ms":{now_ms()},"scope":"{pull_scope(actor)}"}}'
    ).encode()
