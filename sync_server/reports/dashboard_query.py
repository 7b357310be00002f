"""The supervisors' dashboard computed by the database: a few grouped queries whose results
are a handful of rows, never one row per inspection.

The figures are the same as the pure functions of ``sync_server.reports.dashboard`` give over
every inspection row (``tests/reports/test_dashboard.py`` proves it on generated data, on
SQLite and PostgreSQL):

- per-day counts: the database groups the window's inspections by the UTC hour (or minute,
  or second, when the zone's midnights do not fall on whole hours) they started in; Python
  turns those few buckets into local days (``SYNC_TIMEZONE``), so the Viet Nam day boundary
  (17:00 UTC) and any daylight-saving zone are exact;
- results by district and by site kind and the status counts: one ``GROUP BY`` of the scope;
- sites not inspected lately: the latest start per site (``MAX`` in the database).

Times are stored in UTC (``sync_server.core.local_time``). A stored time the database cannot
read as UTC by position (a non-UTC offset, no seconds, a plain date — valid ISO 8601 that a
device may send) is left to Python: those rows, and only those, are fetched and read with the
same ``local_day`` the pure functions use.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence

import msgspec

from sync_server.core import local_time
from sync_server.core.access import Actor, district_filter
from sync_server.core.db import Database
from sync_server.reports.dashboard import COUNTED_STATUSES, DayCount, SiteGap, SiteRow
from sync_server.reports.formatting import local_day

STATUS_ORDER = ("draft", "submitted", "returned", "approved", "rejected")

_T = "COALESCE(i.started_at, i.created_at)"
_REST = f"substr({_T}, 20)"
# True only when the first 19 characters are the UTC wall time: YYYY-MM-DD?HH:MM:SS followed by
# nothing, a fraction, Z, or a zero offset. Anything else (other offsets, no seconds, a date)
# is read in Python.
CANONICAL_UTC = (
    f"(length({_T}) >= 19 AND substr({_T}, 5, 1) = '-' AND substr({_T}, 8, 1) = '-'"
    f" AND substr({_T}, 14, 1) = ':' AND substr({_T}, 17, 1) = ':'"
    f" AND (({_REST} NOT LIKE '%+%' AND {_REST} NOT LIKE '%-%')"
    f" OR {_REST} LIKE '%+00:00' OR {_REST} LIKE '%-00:00'))"
)
_DIGITS = (
    f"substr({_T}, 1, 4) || substr({_T}, 6, 2) || substr({_T}, 9, 2)",  # YYYYMMDD
    f"substr({_T}, 12, 2)",  # HH
    f"substr({_T}, 15, 2)",  # MM
    f"substr({_T}, 18, 2)",  # SS
)
_COUNTED_SQL = ", ".join(f"'{s}'" for s in sorted(COUNTED_STATUSES))


def _key(parts: int) -> str:
    """The start time truncated to ``parts`` of (day, hour, minute, second), as digits."""
    return " || ".join(_DIGITS[:parts])


def _bucket_start(key: str) -> dt.datetime:
    padded = (key + "000000")[:14]
    return dt.datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)


class DashboardFigures(msgspec.Struct, frozen=True):
    per_day: list[DayCount]
    by_district: dict[str, dict[str, int]]
    by_kind: dict[str, dict[str, int]]
    status_counts: dict[str, int]
    gaps: list[SiteGap]


def _day_starts(start: dt.date, end: dt.date) -> list[dt.datetime]:
    """The UTC instant each local day from ``start`` to ``end + 1`` begins."""
    zone = local_time.zone()
    return [
        dt.datetime.combine(start + dt.timedelta(days=i), dt.time(), tzinfo=zone).astimezone(dt.UTC)
        for i in range((end - start).days + 2)
    ]


def inspections_per_day(db: Database, actor: Actor, start: dt.date, end: dt.date) -> list[DayCount]:
    """Inspections (not drafts) started on each local day from ``start`` to ``end``."""
    days = (end - start).days + 1
    if days <= 0:
        return []
    starts = _day_starts(start, end)
    parts = (
        2 if all(s.minute == 0 and s.second == 0 for s in starts) else 3 if all(s.second == 0 for s in starts) else 4
    )
    lo = (starts[0] - dt.timedelta(days=1)).date().isoformat()
    hi = (starts[-1] + dt.timedelta(days=1)).date().isoformat()
    cond, params = district_filter(actor, "i.district")
    counts: Counter[dt.date] = Counter()
    with db.read() as tx:
        buckets = tx.query(
            f"SELECT {_key(parts)} AS k, COUNT(*) FROM inspections i"
            f" WHERE i.status IN ({_COUNTED_SQL}) AND {_T} >= ? AND {_T} < ? AND {CANONICAL_UTC}{cond} GROUP BY k",
            [lo, hi, *params],
        )
        odd = tx.query(
            f"SELECT {_T} FROM inspections i WHERE i.status IN ({_COUNTED_SQL}) AND NOT {CANONICAL_UTC}{cond}",
            params,
        )
    for key, n in buckets:
        moment = _bucket_start(key)
        slot = bisect_right(starts, moment) - 1
        if 0 <= slot < days:
            counts[start + dt.timedelta(days=slot)] += n
    for (when,) in odd:
        day = local_day(when)
        if day is not None and start <= day <= end:
            counts[day] += 1
    return [DayCount(start + dt.timedelta(days=i), counts[start + dt.timedelta(days=i)]) for i in range(days)]


def _groups(db: Database, actor: Actor) -> list[tuple[str, str, str, str | None, int]]:
    """(district, site kind, status, result, count) of the scope's inspections."""
    cond, params = district_filter(actor, "i.district")
    with db.read() as tx:
        rows = tx.query(
            "SELECT g.district, COALESCE(s.kind, ''), g.status, g.result, g.n FROM ("
            "SELECT i.district, i.site_id, COALESCE(i.status, 'draft') AS status, i.result, COUNT(*) AS n"
            " FROM inspections i WHERE 1 = 1" + cond + " GROUP BY i.district, i.site_id, COALESCE(i.status, 'draft'),"
            " i.result) g LEFT JOIN sites s ON s.id = g.site_id",
            params,
        )
    return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]


def _results(groups: Sequence[tuple[str, str, str, str | None, int]], index: int) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for row in groups:
        if row[2] in COUNTED_STATUSES:
            table.setdefault(row[index], Counter())[row[3] or "none"] += row[4]
    return {group: dict(counts) for group, counts in sorted(table.items())}


def _status_counts(groups: Sequence[tuple[str, str, str, str | None, int]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for row in groups:
        counts[row[2]] += row[4]
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return dict(sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def last_inspected_per_site(db: Database, actor: Actor) -> dict[str, dt.date]:
    """Site id → the local day of its latest inspection that is not a draft."""
    cond, params = district_filter(actor, "i.district")
    with db.read() as tx:
        latest = tx.query(
            f"SELECT i.site_id, MAX({_key(4)}) FROM inspections i"
            f" WHERE i.status IN ({_COUNTED_SQL}) AND {CANONICAL_UTC}{cond} GROUP BY i.site_id",
            params,
        )
        odd = tx.query(
            f"SELECT i.site_id, {_T} FROM inspections i WHERE i.status IN ({_COUNTED_SQL})"
            f" AND NOT {CANONICAL_UTC}{cond}",
            params,
        )
    last = {site: local_time.local_day_of(_bucket_start(key)) for site, key in latest if key}
    for site, when in odd:
        day = local_day(when)
        if day is not None and (site not in last or day > last[site]):
            last[site] = day
    return last


def sites_not_inspected(
    db: Database, actor: Actor, sites: Sequence[SiteRow], days: int, today: dt.date
) -> list[SiteGap]:
    """Active sites with no inspection (other than a draft) in the last ``days`` days,
    never-inspected sites first, then the longest gap first."""
    last = last_inspected_per_site(db, actor)
    cutoff = today - dt.timedelta(days=days)
    gaps = [
        SiteGap(site, seen, (today - seen).days if seen else None)
        for site in sites
        if site.active and ((seen := last.get(site.id)) is None or seen <= cutoff)
    ]
    gaps.sort(key=lambda g: (g.last_inspected is not None, g.last_inspected or dt.date.min, g.site.name))
    return gaps


def figures(db: Database, actor: Actor, sites: Sequence[SiteRow], days: int, today: dt.date) -> DashboardFigures:
    """Everything the dashboard shows except the corrective actions, for the last ``days`` days."""
    groups = _groups(db, actor)
    return DashboardFigures(
        per_day=inspections_per_day(db, actor, today - dt.timedelta(days=days - 1), today),
        by_district=_results(groups, 0),
        by_kind=_results(groups, 1),
        status_counts=_status_counts(groups),
        gaps=sites_not_inspected(db, actor, sites, days, today),
    )
