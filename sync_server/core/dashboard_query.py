"""The supervisors' dashboard computed by the database: a few summary rows, never one row
per inspection.

The figures are the same as the pure functions of ``sync_server.reports.dashboard`` give over
every inspection row (``tests/reports/test_dashboard.py`` proves it on generated data, on
SQLite and PostgreSQL). They come from the counts kept as inspections change
(``sync_server.core.tallies``, migration 0016), so the dashboard does not grow with history:

- results by district and by site kind and the status counts: ``inspection_tally``;
- the latest start per site: ``site_latest``;
- per-day counts: inspections handed in per UTC hour (``inspection_hours``) when the zone's
  midnights fall on whole hours (Viet Nam: 17:00 UTC), else the window's inspections found by
  range on ``started_key`` (when each started, UTC, ``YYYYMMDDHHMMSS``; ``derived.started_key``)
  grouped by minute or second; Python turns those few buckets into local days
  (``SYNC_TIMEZONE``), so the day boundary of any zone, daylight saving included, is exact.

An inspection whose start has no ``started_key`` (a plain date, read as a local day, or a form
migration 0010 could not read in SQL) is read in Python with the same ``local_day`` the pure
functions use; those rows are few or none.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence

import msgspec

from record_pdf.formatting import local_day as _local_day
from sync_server.core import local_time, tallies
from sync_server.core.access import Actor, district_filter
from sync_server.core.dashboard_rows import COUNTED_STATUSES, DayCount, SiteGap, SiteRow
from sync_server.core.db import Database, Tx

STATUS_ORDER = ("draft", "submitted", "returned", "approved", "rejected")

_T = "COALESCE(i.started_at, i.created_at)"
_COUNTED_SQL = ", ".join(f"'{s}'" for s in sorted(COUNTED_STATUSES))


def local_day(value: str | None) -> dt.date | None:
    """The local calendar day (``SYNC_TIMEZONE``) of an ISO time, as ``reports.formatting`` reads it."""
    return _local_day(value, local_time.zone())


def _digits(moment: dt.datetime) -> str:
    return f"{moment.year:04d}{moment.month:02d}{moment.day:02d}{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


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
    width = 10 if parts == 2 else 12 if parts == 3 else 14
    cond, params = district_filter(actor, "i.district")
    counts: Counter[dt.date] = Counter()
    with db.read() as tx:
        if width == 10:  # midnights on whole hours: the hours kept by ``tallies``
            buckets = tallies.hours(tx, actor, _digits(starts[0])[:10], _digits(starts[-1])[:10])
        else:
            buckets = [
                (r["k"], r["n"])
                for r in tx.query(
                    f"SELECT substr(i.started_key, 1, {width}) AS k, COUNT(*) AS n FROM inspections i"
                    f" WHERE i.started_key >= ? AND i.started_key < ? AND i.status IN ({_COUNTED_SQL}){cond}"
                    " GROUP BY k",
                    [_digits(starts[0]), _digits(starts[-1]), *params],
                )
            ]
        odd = [(when,) for _, when in _odd_rows(tx, actor)]
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


Group = tallies.TallyGroup  # with a status always (a missing one counts as a draft)


def _odd_rows(tx: Tx, actor: Actor) -> list[tuple[str, str]]:
    """(site id, start time) of the inspections (not drafts) whose start has no ``started_key``:
    a plain date or a form SQL does not read; few or none."""
    cond, params = district_filter(actor, "i.district")
    return [
        (r["site_id"], r["started"])
        for r in tx.query(
            f"SELECT i.site_id, {_T} AS started FROM inspections i WHERE i.started_key IS NULL"
            f" AND i.status IN ({_COUNTED_SQL}){cond}",
            params,
        )
    ]


def _groups(db: Database, actor: Actor) -> list[Group]:
    """(district, site kind, status, result, count) of the scope's inspections, from the
    counts kept as they change (``tallies``)."""
    with db.read() as tx:
        rows = tallies.groups(tx, actor)
    # a discarded draft leaves the dashboard (``workflow.HIDDEN_STATUSES``); an inspection
    # without a status counts as a draft
    return [g._replace(status=g.status or "draft") for g in rows if g.status != "discarded"]


def _results(groups: Sequence[Group], index: int) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for g in groups:
        if g.status in COUNTED_STATUSES:
            table.setdefault(g.site_kind if index else g.district, Counter())[g.result or "none"] += g.inspections
    return {group: dict(counts) for group, counts in sorted(table.items())}


def _status_counts(groups: Sequence[Group]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for g in groups:
        counts[g.status or "draft"] += g.inspections
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return dict(sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def last_inspected_per_site(db: Database, actor: Actor) -> dict[str, dt.date]:
    """Site id → the local day of its latest inspection that is not a draft."""
    with db.read() as tx:
        latest = tallies.latest_per_site(tx, actor)
        odd = _odd_rows(tx, actor)
    last = {site: local_time.local_day_of(_bucket_start(key)) for site, key in latest.items()}
    for site, when in odd:
        day = local_day(when)
        if day is not None and (site not in last or day > last[site]):
            last[site] = day
    return last


def sites_not_inspected(
    db: Database,
    actor: Actor,
    sites: Sequence[SiteRow],
    days: int,
    today: dt.date,
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
