"""The supervisors' dashboard as pure functions over plain rows.

Rows are small Structs the server fills from its database (or tests build by hand):
``InspectionRow`` per inspection, ``SiteRow`` per site, ``ActionRow`` per corrective action
(a failed critical item with what the site must do and by when).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

import msgspec

from sync_server.core.dashboard_rows import COUNTED_STATUSES, ActionRow, DayCount, InspectionRow, SiteGap, SiteRow
from sync_server.reports.formatting import local_day

__all__ = ["COUNTED_STATUSES", "ActionRow", "DayCount", "InspectionRow", "SiteGap", "SiteRow"]


class ActionFigures(msgspec.Struct, kw_only=True):
    """Corrective actions of one district or site kind: open (not verified), overdue, and of
    the verified ones how many were fixed by their deadline."""

    key: str
    open: int = 0
    overdue: int = 0
    verified: int = 0
    on_time: int = 0

    @property
    def on_time_pct(self) -> float | None:
        return round(self.on_time / self.verified * 100, 1) if self.verified else None


def action_figures(actions: Iterable[ActionRow], by: str, today: dt.date) -> list[ActionFigures]:
    """``ActionFigures`` per ``district`` or ``site_kind`` (``by``), sorted by key."""
    groups: dict[str, ActionFigures] = {}
    for a in actions:
        key = getattr(a, by) or ""
        g = groups.setdefault(key, ActionFigures(key=key))
        if a.status == "verified":
            g.verified += 1
            due, fixed = _day(a.due_date), _day(a.fixed_on)
            if due is not None and fixed is not None and fixed <= due:
                g.on_time += 1
            continue
        g.open += 1
        due = _day(a.due_date)
        if due is not None and due < today:
            g.overdue += 1
    return [groups[k] for k in sorted(groups)]


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return None


class OverdueAction(msgspec.Struct, frozen=True):
    action: ActionRow
    due: dt.date
    days_overdue: int


def inspections_per_day(rows: Iterable[InspectionRow], start: dt.date, end: dt.date) -> list[DayCount]:
    """How many inspections were carried out on each day from ``start`` to ``end`` (inclusive,
    local days, ``SYNC_TIMEZONE``), zero days included. Drafts are not counted."""
    counts: Counter[dt.date] = Counter()
    for row in rows:
        day = local_day(row.started_at)
        if row.status in COUNTED_STATUSES and day is not None and start <= day <= end:
            counts[day] += 1
    days = (end - start).days + 1
    return [DayCount(start + dt.timedelta(days=i), counts[start + dt.timedelta(days=i)]) for i in range(max(days, 0))]


def results_by(rows: Iterable[InspectionRow], key: str) -> dict[str, dict[str, int]]:
    """Result counts grouped by ``key`` ("district" or "site_kind"): group → result id → count.

    Inspections without a result yet count under ``"none"``; drafts are left out.
    """
    if key not in ("district", "site_kind"):
        raise ValueError(f"results can be grouped by district or site_kind, not {key!r}")
    table: dict[str, Counter[str]] = {}
    for row in rows:
        if row.status not in COUNTED_STATUSES:
            continue
        group = getattr(row, key)
        table.setdefault(group, Counter())[row.result or "none"] += 1
    return {group: dict(counts) for group, counts in sorted(table.items())}


def status_counts(rows: Iterable[InspectionRow]) -> dict[str, int]:
    return dict(Counter(row.status for row in rows))


def sites_not_inspected(
    sites: Sequence[SiteRow], rows: Iterable[InspectionRow], days: int, today: dt.date
) -> list[SiteGap]:
    """Active sites with no inspection (other than a draft) in the last ``days`` days,
    never-inspected sites first, then the longest gap first."""
    last: dict[str, dt.date] = {}
    for row in rows:
        day = local_day(row.started_at)
        if row.status in COUNTED_STATUSES and day is not None and (row.site_id not in last or day > last[row.site_id]):
            last[row.site_id] = day
    cutoff = today - dt.timedelta(days=days)
    gaps: list[SiteGap] = []
    for site in sites:
        if not site.active:
            continue
        seen = last.get(site.id)
        if seen is None or seen <= cutoff:
            gaps.append(SiteGap(site, seen, (today - seen).days if seen else None))
    gaps.sort(key=lambda g: (g.last_inspected is not None, g.last_inspected or dt.date.min, g.site.name))
    return gaps


def overdue_actions(
    actions: Iterable[ActionRow], today: dt.date, resolved_sites: dict[str, dt.date] | None = None
) -> list[OverdueAction]:
    """Corrective actions whose deadline has passed, most overdue first.

    ``resolved_sites`` maps a site to the day of its latest approved inspection; an action
    of an inspection made before that day counts as followed up and is not overdue.
    """
    resolved_sites = resolved_sites or {}
    overdue: list[OverdueAction] = []
    for action in actions:
        if action.status == "verified":
            continue  # closed: only verification takes an action off the list
        try:
            due = dt.date.fromisoformat(action.due_date or "")
        except ValueError:
            continue
        inspected = local_day(action.inspected_at)
        followed = resolved_sites.get(action.site_id)
        if followed is not None and inspected is not None and followed > inspected:
            continue
        if due < today:
            overdue.append(OverdueAction(action, due, (today - due).days))
    overdue.sort(key=lambda o: (-o.days_overdue, o.action.site_name))
    return overdue
