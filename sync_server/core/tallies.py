"""Counts of inspections kept as they change (migration 0016): read a few summary rows
instead of counting the history.

Triggers keep three tables in the same transaction as every write of an inspection row
(insert, status, result, district, site, start) and of a site's kind, on SQLite and
PostgreSQL alike:

- ``inspection_tally``: inspections per district, status, site kind, result and checklist
  (``''`` stands for a missing value);
- ``inspection_hours``: inspections handed in (``COUNTED``) per district and UTC hour they
  started (the first 10 digits of ``started_key``);
- ``site_latest``: per site and district, the latest ``started_key`` handed in.

``tests/sync_server/test_tallies.py`` checks them against a fresh count after random
pushes, reviews, site moves and kind changes, and unit merges, on both engines.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sync_server.core.access import Actor, district_filter
from sync_server.core.db import Tx

# Statuses of an inspection handed in (the dashboard's COUNTED_STATUSES); migration 0016
# names the same four in its triggers.
COUNTED = ("approved", "rejected", "returned", "submitted")
# The list filters the tally can answer; any other filter is counted from the rows.
TALLIED_FILTERS = frozenset({"district", "site_kind", "template_id", "result"})


def status_counts(
    tx: Tx,
    actor: Actor,
    filters: dict[str, str],
    hidden: tuple[str, ...] = (),
) -> dict[str | None, int]:
    """Status → inspections in the actor's scope matching ``filters`` (keys of
    ``TALLIED_FILTERS``, equal values), leaving out the ``hidden`` statuses; ``None`` keys
    the inspections without a status."""
    cond, params = district_filter(actor, "district")
    sql = "SELECT status, SUM(n) AS total FROM inspection_tally WHERE 1 = 1" + cond
    args: list[Any] = list(params)
    if hidden:
        sql += f" AND status NOT IN ({', '.join('?' for _ in hidden)})"
        args += hidden
    for name, value in sorted(filters.items()):
        if name not in TALLIED_FILTERS:
            raise ValueError(f"the tally has no {name!r}")
        sql += f" AND {name} = ?"
        args.append(value)
    rows = tx.query(sql + " GROUP BY status HAVING SUM(n) <> 0", args)
    return {(r["status"] or None): int(r["total"]) for r in rows}


class TallyGroup(NamedTuple):
    """Inspections of one district, site kind, status and result (``groups``)."""

    district: str
    site_kind: str
    status: str | None
    result: str | None
    inspections: int


def groups(tx: Tx, actor: Actor) -> list[TallyGroup]:
    """The actor's scope counted per district, site kind, status and result, one per non-empty
    group (``None`` for a missing status or result, ``''`` for a missing kind)."""
    cond, params = district_filter(actor, "district")
    rows = tx.query(
        "SELECT district, site_kind, status, result, SUM(n) AS total FROM inspection_tally WHERE 1 = 1"
        + cond
        + " GROUP BY district, site_kind, status, result HAVING SUM(n) <> 0",
        params,
    )
    return [
        TallyGroup(r["district"], r["site_kind"], r["status"] or None, r["result"] or None, int(r["total"]))
        for r in rows
    ]


def latest_per_site(tx: Tx, actor: Actor) -> dict[str, str]:
    """Site id → the latest ``started_key`` of its inspections handed in, in the scope."""
    cond, params = district_filter(actor, "district")
    rows = tx.query(
        "SELECT site_id, MAX(latest) AS newest FROM site_latest WHERE latest IS NOT NULL" + cond + " GROUP BY site_id",
        params,
    )
    return {r["site_id"]: r["newest"] for r in rows}


def hours(tx: Tx, actor: Actor, first: str, end: str) -> list[tuple[str, int]]:
    """(UTC hour ``YYYYMMDDHH``, inspections handed in that started in it) for the hours from
    ``first`` up to (not including) ``end``, in the scope."""
    cond, params = district_filter(actor, "district")
    rows = tx.query(
        "SELECT hour, SUM(n) AS total FROM inspection_hours WHERE hour >= ? AND hour < ?" + cond + " GROUP BY hour",
        [first, end, *params],
    )
    return [(r["hour"], int(r["total"])) for r in rows]
