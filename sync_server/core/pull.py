"""Pull (docs/PROTOCOL.md §7): the changes a caller may see above a cursor, oldest first,
one page at a time, never skipping a change that commits late.

A device may ask for a **bounded** pull (``bounded=True``): rows at or below the ``horizon``
(the top of the feed when its first sync began) of inspections that were already settled then
are left out, except the latest few per site and the user's own latest (``needed_sql``). The
rule only ever lets more inspections in as the walk goes on (an inspection changed after the
horizon is always in, and the ranking is over inspections unchanged since), and every page
names the inspections it touches that also have rows below its cursor (``older``), so a device
that holds nothing of one fetches it whole (``records``) and never keeps part of a record."""

from typing import Any

import msgspec

from shared_schema import protocol
from shared_schema.errors import Code
from sync_server.core import assignment_feed
from sync_server.core.access import Actor, district_filter, pull_scope, require_district, visible_districts
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
    *,
    bounded: bool = False,
    horizon: int | None = None,
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
    if horizon is not None and horizon < 0:
        raise Invalid(bi("horizon phải từ 0 trở lên.", "horizon must be 0 or more."), code=Code.INVALID_CURSOR)
    limit = min(limit, protocol.MAX_PULL_LIMIT)
    districts = visible_districts(actor)
    params: list[Any] = [cursor]
    with db.read() as tx:
        if client_id is not None:  # another user's device learns nothing, not even its cursor
            owner = tx.one("SELECT user_id FROM clients WHERE client_id = ?", (client_id,))
            if owner is not None:
                check_owner(owner["user_id"], actor)
        # Visibility keys: the caller's districts and their teams (assignments, ``assignment_feed``).
        keys = None if districts is None else [*sorted(districts), *assignment_feed.team_keys(tx, actor.user_id)]
        if keys is None:
            where = ""
        elif not keys:
            where = "AND district IS NULL"
        else:
            where = f"AND (district IS NULL OR district IN ({', '.join('?' for _ in keys)}))"
            params.extend(keys)
        if bounded:
            if horizon is None:  # a first sync leaves out what is settled now; a later one nothing it held
                horizon = tx.scalar(tx.dialect.max_seq) if cursor == 0 else cursor
            if cursor < horizon:  # above the horizon every row goes: no need to work out which
                needed, needed_params = needed_sql(actor, horizon)
                where += f" AND (seq > ? OR inspection_id IS NULL OR inspection_id IN ({needed}))"
                params.extend([horizon, *needed_params])
        filter_params = params[1:]
        params.append(limit)
        page = tx.one(tx.dialect.pull_page.replace("{where}", where), params)
        count, last, body = page["n"], page["last_seq"], page["body"]
        # same snapshot: every sequence up to ``top`` is committed, so the cursor never skips one
        top = tx.scalar(tx.dialect.max_seq)
        has_more = (
            count == limit
            and tx.one(f"SELECT 1 FROM feed WHERE seq > ? {where} LIMIT 1", [last, *filter_params]) is not None
        )
        older: list[str] = []
        if bounded and count and cursor > 0:
            older = tx.scalars(
                "SELECT DISTINCT inspection_id FROM (SELECT inspection_id FROM feed WHERE seq > ? AND seq <= ? "
                f"{where} AND inspection_id IS NOT NULL) AS p WHERE EXISTS "
                "(SELECT 1 FROM feed o WHERE o.inspection_id = p.inspection_id AND o.seq <= ?)",
                [cursor, last, *filter_params, cursor],
            )
    next_cursor = last if has_more else max(top, last or 0)
    if client_id is not None and not has_more:
        record_pull(db, actor, client_id, next_cursor)
    extra = f',"horizon":{horizon},"older":{_json(sorted(older)).decode()}' if bounded else ""
    return (
        f'{{"changes":[{body or ""}],"cursor":{next_cursor},"has_more":{"true" if has_more else "false"},'
        f'"server_time_ms":{now_ms()},"scope":"{pull_scope(actor)}"{extra}}}'
    ).encode()


_json = msgspec.json.Encoder().encode


def needed_sql(actor: Actor, horizon: int) -> tuple[str, list[Any]]:
    """The ids of the inspections a bounded pull sends whole below ``horizon`` (a subquery and
    its parameters): every inspection changed above the horizon; every one not settled
    (``protocol.BOUNDED_SETTLED_STATUSES``); and, among the approved and rejected ones unchanged
    since the horizon, the latest ``BOUNDED_LATEST_PER_SITE`` of each site and the user's own latest
    ``BOUNDED_OWN_RECENT`` (by creation). Only the first clause can change while a device
    walks the feed, and only by letting an inspection in."""
    scope, scope_params = district_filter(actor, "district")
    settled = ", ".join(f"'{s}'" for s in sorted(protocol.BOUNDED_SETTLED_STATUSES))
    changed = "SELECT inspection_id FROM feed WHERE seq > ? AND inspection_id IS NOT NULL"
    decided = ", ".join(f"'{s}'" for s in sorted(protocol.BOUNDED_SETTLED_STATUSES - {"discarded"}))
    unchanged = f"status IN ({decided}) AND id NOT IN ({changed}){scope}"
    sql = (
        f"SELECT id FROM inspections WHERE (status IS NULL OR status NOT IN ({settled})){scope}"
        f" UNION {changed}"
        " UNION SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY site_id ORDER BY created_at DESC, id DESC)"
        f" AS n FROM inspections WHERE {unchanged}) AS per_site WHERE n <= ?"
        " UNION SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at DESC, id DESC)"
        f" AS n FROM inspections WHERE created_by = ? AND {unchanged}) AS own WHERE n <= ?"
    )
    params: list[Any] = [
        *scope_params,
        horizon,
        horizon,
        *scope_params,
        protocol.BOUNDED_LATEST_PER_SITE,
        actor.user_id,
        horizon,
        *scope_params,
        protocol.BOUNDED_OWN_RECENT,
    ]
    return sql, params


def records(
    db: Database,
    actor: Actor,
    protocol_version: int | None,
    *,
    site_id: str | None = None,
    inspection_ids: list[str] | None = None,
) -> bytes:
    """Whole inspections as JSON bytes (``RecordsPage`` shape): every feed row of each (header,
    answers, conflicts), oldest first. Either a site's inspections, newest first, at most
    ``protocol.MAX_RECORDS_PER_FETCH`` (``more`` when it has others: its older history, asked
    for when an inspector opens it), or the inspections named by id (a bounded device fetching
    a record it lacks); ids unknown or outside the caller's districts are left out."""
    check_protocol(protocol_version)
    ids = list(dict.fromkeys(inspection_ids or []))
    if (site_id is None) == (not ids):
        raise Invalid(
            bi("Hãy nêu site_id hoặc inspection_id (một trong hai).", "Give site_id or inspection_id (one of them)."),
            code=Code.INVALID_REQUEST,
        )
    if len(ids) > protocol.MAX_RECORDS_PER_FETCH:
        raise Invalid(
            bi(
                f"Mỗi lần lấy tối đa {protocol.MAX_RECORDS_PER_FETCH} biên bản; hãy chia nhỏ.",
                f"At most {protocol.MAX_RECORDS_PER_FETCH} inspections at a time; split the request.",
            ),
            code=Code.INVALID_REQUEST,
        )
    scope, scope_params = district_filter(actor, "district")
    more = False
    with db.read() as tx:
        if site_id is not None:
            site = tx.one("SELECT district FROM sites WHERE id = ?", (site_id,))
            require_district(actor, site["district"] if site else None, "cơ sở", "site", found=site is not None)
            found = tx.scalars(
                f"SELECT id FROM inspections WHERE site_id = ? AND status <> 'discarded'{scope}"
                " ORDER BY created_at DESC, id DESC LIMIT ?",
                [site_id, *scope_params, protocol.MAX_RECORDS_PER_FETCH + 1],
            )
            more = len(found) > protocol.MAX_RECORDS_PER_FETCH
            found = found[: protocol.MAX_RECORDS_PER_FETCH]
        else:
            marks = ", ".join("?" for _ in ids)
            found = tx.scalars(f"SELECT id FROM inspections WHERE id IN ({marks}){scope}", [*ids, *scope_params])
        body = ""
        if found:
            marks = ", ".join("?" for _ in found)
            body = ",".join(
                tx.scalars(
                    f"SELECT {tx.dialect.pull_object} FROM feed WHERE inspection_id IN ({marks}) ORDER BY seq",
                    found,
                )
            )
    return (
        f'{{"changes":[{body}],"inspections":{_json(sorted(found)).decode()},"more":{"true" if more else "false"}}}'
    ).encode()
