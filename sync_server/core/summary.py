"""The summary report upward (báo cáo tổng hợp, issue 16 part 5): for a period and the
actor's districts (or one of them), what the Department reports to the province.

Everything comes from inspections handed in (drafts never count, like exports) whose
inspection started within the period (local days, ``SYNC_TIMEZONE``):

- per district and site kind: sites inspected, inspections, passed, not passed;
- violations found and fixed, from the corrective actions (entity ``action``,
  ``core.actions``; ``open → reported_fixed → verified | reopened``, and an action closes only
  by a supervisor's verification):

  * *found*: the actions given by the inspections of the period; of them, those *overdue* on
    the report's last day (not verified, deadline day past) and those *reported fixed* by the
    site and awaiting the supervisor's check;
  * *fixed*: the actions verified (closed) within the period, whenever they were found; of
    them, those *fixed on time* (the day the site fixed it is not after the deadline,
    ``shared_schema.actions.fixed_on_time``).

  Actions are counted under their own district and their site's kind, in SQL (one grouped
  query, ``_action_counts``); actions of discarded inspections never count;
- out-of-province workers: the sum over sites of the figure recorded at each site's latest
  inspection in the period (a site inspected twice is counted once);
- the market price table: the mean of each recorded retail price in the period and in the
  period of the same length just before it, and the change between them — computed from
  the recorded prices, never typed.

The counts per district and kind are made by the database (grouped queries over the
inspections and the actions); only the answers that hold prices and worker counts are read
row by row, and only those.

Which questions hold prices and worker counts is named here once (``PRICE_ITEMS``,
``OUT_OF_PROVINCE_WORKERS``), by checklist and question id of the shipped checklists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from shared_schema.errors import Code
from shared_schema.protocol import answer_entity_id, split_answer_entity_id
from shared_schema.text import LocalText
from sync_server.core import local_time
from sync_server.core.access import Actor, district_filter, require_reviewer
from sync_server.core.db import Database, Tx
from sync_server.core.errors import Invalid, bi
from sync_server.core.inspection_export import EXCLUDED_UNLESS_ASKED
from sync_server.core.inspections import _filter_day
from sync_server.core.template_store import pinned_template
from sync_server.core.util import from_json


class PriceItem(msgspec.Struct, frozen=True):
    id: str
    label: LocalText
    unit: LocalText
    template_id: str
    question_id: str


PRICE_ITEMS: tuple[PriceItem, ...] = (
    PriceItem(
        "rice",
        LocalText("Gạo tẻ thường", "Ordinary white rice"),
        LocalText("đ/kg", "VND/kg"),
        "covid19-market",
        "B4.6a",
    ),
    PriceItem("pork", LocalText("Thịt lợn nạc", "Lean pork"), LocalText("đ/kg", "VND/kg"), "covid19-market", "B4.6b"),
    PriceItem(
        "eggs", LocalText("Trứng gà", "Hen's eggs"), LocalText("đ/chục", "VND per 10"), "covid19-market", "B4.6c"
    ),
    PriceItem(
        "vegetables",
        LocalText("Rau xanh (rau muống)", "Green vegetables (water spinach)"),
        LocalText("đ/kg", "VND/kg"),
        "covid19-market",
        "B4.6d",
    ),
)
# (checklist, question) pairs that record the number of out-of-province workers at a site.
OUT_OF_PROVINCE_WORKERS: tuple[tuple[str, str], ...] = (("covid19-industrial", "A0.3"),)
MAX_DAYS = 366


class GroupRow(msgspec.Struct, kw_only=True):
    district: str
    site_kind: str
    sites: int = 0
    inspections: int = 0
    passed: int = 0
    not_passed: int = 0
    no_result: int = 0
    actions: int = 0  # violations found: corrective actions given in the period
    overdue: int = 0  # of them, overdue on the report's last day
    awaiting: int = 0  # of them, reported fixed and awaiting the supervisor's verification
    fixed: int = 0  # actions verified (closed) in the period, whenever found
    fixed_on_time: int = 0  # of them, fixed by their deadline
    out_of_province_workers: int = 0


# The counted columns of a ``GroupRow``, in the order the report shows them.
COUNTS: tuple[str, ...] = (
    "sites",
    "inspections",
    "passed",
    "not_passed",
    "no_result",
    "actions",
    "overdue",
    "awaiting",
    "fixed",
    "fixed_on_time",
    "out_of_province_workers",
)


class PriceRow(msgspec.Struct, kw_only=True):
    item: PriceItem
    current: float | None  # mean price in the period
    current_count: int
    previous: float | None  # mean price in the period before
    previous_count: int
    change: float | None  # current - previous
    change_pct: float | None


class Summary(msgspec.Struct, kw_only=True):
    date_from: dt.date
    date_to: dt.date
    previous_from: dt.date
    previous_to: dt.date
    districts: list[str]  # the districts reported on
    rows: list[GroupRow]  # per district and site kind
    total: GroupRow
    prices: list[PriceRow]


def _period(date_from: str | None, date_to: str | None) -> tuple[dt.date, dt.date]:
    if not date_from or not date_to:
        raise Invalid(
            bi("Hãy chọn cả ngày bắt đầu và ngày kết thúc của kỳ báo cáo.", "Choose both the first and the last day."),
            code=Code.PERIOD_REQUIRED,
        )
    start, end = _filter_day("from", date_from), _filter_day("to", date_to)
    if end < start:
        raise Invalid(
            bi("Ngày kết thúc phải sau ngày bắt đầu.", "The last day must not be before the first."),
            code=Code.INVALID_PERIOD,
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid(
            bi(f"Kỳ báo cáo dài tối đa {MAX_DAYS} ngày.", f"A period is at most {MAX_DAYS} days."),
            code=Code.INVALID_PERIOD,
        )
    return start, end


def _handed_in(actor: Actor, district: str | None, start: dt.date, end: dt.date) -> tuple[str, list[Any]]:
    """``FROM … WHERE …`` of the inspections handed in whose inspection started in the period,
    in the actor's districts (or ``district``), with its arguments."""
    cond, params = district_filter(actor, "i.district")
    sql = (
        " FROM inspections i LEFT JOIN sites s ON s.id = i.site_id"
        f" WHERE COALESCE(i.status, 'draft') NOT IN ({', '.join('?' for _ in EXCLUDED_UNLESS_ASKED)})"
        " AND COALESCE(i.started_at, i.created_at) >= ? AND COALESCE(i.started_at, i.created_at) < ?" + cond
    )
    args: list[Any] = [
        *EXCLUDED_UNLESS_ASKED,
        local_time.day_start_utc(start),
        local_time.day_start_utc(end + dt.timedelta(days=1)),
        *params,
    ]
    if district:
        sql += " AND i.district = ?"
        args.append(district)
    return sql, args


class ResultCount(msgspec.Struct, frozen=True):
    """Inspections of one district and site kind with one result of one checklist version."""

    district: str
    site_kind: str
    template_id: str | None
    template_version: int | None
    result: str | None
    inspections: int


class PeriodInspection(msgspec.Struct, frozen=True):
    """An inspection of the period whose answers the summary reads (prices, workers)."""

    id: str
    site_id: str
    district: str
    site_kind: str
    template_id: str | None
    started: str


def _inspection_counts(
    tx: Tx, actor: Actor, district: str | None, start: dt.date, end: dt.date
) -> tuple[dict[tuple[str, str], tuple[int, int]], list[ResultCount]]:
    """Counted by the database: (district, site kind) → (sites, inspections), and the number of
    inspections per (district, kind, checklist, version, result) (whether a result passes is
    the pinned checklist's, read once per version)."""
    where, args = _handed_in(actor, district, start, end)
    group = " GROUP BY i.district, COALESCE(s.kind, '')"
    sizes = {
        (str(r["district"]), str(r["site_kind"])): (int(r["sites"]), int(r["inspections"]))
        for r in tx.query(
            "SELECT i.district, COALESCE(s.kind, '') AS site_kind, COUNT(DISTINCT i.site_id) AS sites,"
            f" COUNT(*) AS inspections{where}{group}",
            args,
        )
    }
    results = tx.records(
        ResultCount,
        "SELECT i.district, COALESCE(s.kind, '') AS site_kind, i.template_id, i.template_version, i.result,"
        f" COUNT(*) AS inspections{where}{group}, i.template_id, i.template_version, i.result",
        args,
    )
    return sizes, results


def _inspections(
    tx: Tx, actor: Actor, district: str | None, start: dt.date, end: dt.date, template_ids: set[str]
) -> list[PeriodInspection]:
    """The period's inspections of the checklists ``template_ids`` (those that record prices or
    workers): id, site, district, site kind, checklist, start, in order of start."""
    where, args = _handed_in(actor, district, start, end)
    marks = ", ".join("?" for _ in template_ids)
    return tx.records(
        PeriodInspection,
        "SELECT i.id, i.site_id, i.district, COALESCE(s.kind, '') AS site_kind, i.template_id,"
        f" COALESCE(i.started_at, i.created_at) AS started{where} AND i.template_id IN ({marks}) ORDER BY 6, i.id",
        [*args, *sorted(template_ids)],
    )


_ACTION_FOUND = "COALESCE(i.started_at, i.created_at) >= ? AND COALESCE(i.started_at, i.created_at) < ?"
_ACTION_FIXED = "a.status = 'verified' AND a.verified_at >= ? AND a.verified_at < ?"


def _action_counts(
    tx: Tx, actor: Actor, district: str | None, start: dt.date, end: dt.date, report_day: dt.date
) -> dict[tuple[str, str], tuple[int, int, int, int, int]]:
    """(district, site kind) → (found, overdue, awaiting verification, fixed, fixed on time),
    counted by the database in one grouped query (see the module's docstring)."""
    period = [local_time.day_start_utc(start), local_time.day_start_utc(end + dt.timedelta(days=1))]
    cond, params = district_filter(actor, "a.district")
    excluded = ", ".join("?" for _ in EXCLUDED_UNLESS_ASKED)
    sql = (
        "SELECT a.district, COALESCE(s.kind, '') AS site_kind,"
        f" SUM(CASE WHEN {_ACTION_FOUND} THEN 1 ELSE 0 END) AS found,"
        f" SUM(CASE WHEN {_ACTION_FOUND} AND a.status <> 'verified' AND a.deadline IS NOT NULL AND a.deadline < ?"
        " THEN 1 ELSE 0 END) AS overdue,"
        f" SUM(CASE WHEN {_ACTION_FOUND} AND a.status = 'reported_fixed' THEN 1 ELSE 0 END) AS awaiting,"
        f" SUM(CASE WHEN {_ACTION_FIXED} THEN 1 ELSE 0 END) AS fixed,"
        f" SUM(CASE WHEN {_ACTION_FIXED} AND a.fixed_on IS NOT NULL AND a.deadline IS NOT NULL"
        " AND a.fixed_on <= a.deadline THEN 1 ELSE 0 END) AS on_time"
        " FROM actions a JOIN inspections i ON i.id = a.inspection_id LEFT JOIN sites s ON s.id = a.site_id"
        f" WHERE COALESCE(i.status, 'draft') NOT IN ({excluded}) AND (({_ACTION_FOUND}) OR ({_ACTION_FIXED}))" + cond
    )
    args: list[Any] = [
        *period,
        *period,
        report_day.isoformat(),
        *period,
        *period,
        *period,
        *EXCLUDED_UNLESS_ASKED,
        *period,
        *period,
        *params,
    ]
    if district:
        sql += " AND a.district = ?"
        args.append(district)
    rows = tx.query(sql + " GROUP BY a.district, COALESCE(s.kind, '')", args)
    return {
        (str(r["district"]), str(r["site_kind"])): (
            int(r["found"]),
            int(r["overdue"]),
            int(r["awaiting"]),
            int(r["fixed"]),
            int(r["on_time"]),
        )
        for r in rows
    }


def _answers(tx: Tx, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """(inspection, question) → the answer's value, for the ``wanted`` pairs only."""
    out: dict[tuple[str, str], Any] = {}
    ids = [answer_entity_id(i, q) for i, q in wanted]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in tx.query(
            f"SELECT entity_id, value FROM feed WHERE entity = 'answer' AND field = 'value'"
            f" AND entity_id IN ({', '.join('?' for _ in chunk)})",
            chunk,
        ):
            out[split_answer_entity_id(str(r["entity_id"]))] = from_json(r["value"]) if r["value"] is not None else None
    return out


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def summary(
    db: Database,
    actor: Actor,
    *,
    date_from: str | None,
    date_to: str | None,
    district: str | None = None,
    today: dt.date | None = None,
) -> Summary:
    """The summary of ``date_from``..``date_to`` (inclusive) for supervisors and admins."""
    require_reviewer(actor)
    start, end = _period(date_from, date_to)
    length = end - start + dt.timedelta(days=1)
    prev_start, prev_end = start - length, start - dt.timedelta(days=1)
    report_day = min(today or local_time.today(), end)
    price_templates = {p.template_id for p in PRICE_ITEMS}
    worker_templates = {t for t, _ in OUT_OF_PROVINCE_WORKERS}
    with db.read() as tx:
        sizes, results = _inspection_counts(tx, actor, district, start, end)
        action_counts = _action_counts(tx, actor, district, start, end, report_day)
        current = _inspections(tx, actor, district, start, end, price_templates | worker_templates)
        previous = _inspections(tx, actor, district, prev_start, prev_end, price_templates)
        answers = _answers(
            tx,
            [(r.id, p.question_id) for r in current for p in PRICE_ITEMS if r.template_id == p.template_id]
            + [(r.id, q) for r in current for t, q in OUT_OF_PROVINCE_WORKERS if r.template_id == t],
        )
        before = _answers(
            tx, [(r.id, p.question_id) for r in previous for p in PRICE_ITEMS if r.template_id == p.template_id]
        )
        passing: dict[tuple[str | None, int | None], dict[str, bool]] = {}
        for c in results:
            pinned = (c.template_id, c.template_version)
            if c.template_id and c.template_version and pinned not in passing:
                template = pinned_template(tx, c.template_id, c.template_version)
                passing[(c.template_id, c.template_version)] = (
                    {b.id: b.passing for b in template.scoring.bands} if template else {}
                )
    groups: dict[tuple[str, str], GroupRow] = {}
    for (dist, kind), (site_count, inspection_count) in sizes.items():
        groups[(dist, kind)] = GroupRow(district=dist, site_kind=kind, sites=site_count, inspections=inspection_count)
    for c in results:
        group = groups[(str(c.district), str(c.site_kind))]
        passes = passing.get((c.template_id, c.template_version), {}).get(c.result) if c.result else None
        if passes is None:
            group.no_result += int(c.inspections)
        elif passes:
            group.passed += int(c.inspections)
        else:
            group.not_passed += int(c.inspections)
    for key, (found, overdue, awaiting, fixed, on_time) in action_counts.items():
        group = groups.setdefault(key, GroupRow(district=key[0], site_kind=key[1]))
        group.actions, group.overdue, group.awaiting, group.fixed, group.fixed_on_time = (
            found,
            overdue,
            awaiting,
            fixed,
            on_time,
        )
    # A site's workers are those recorded at its latest inspection in the period (rows come in
    # order of start, so a later one replaces an earlier one).
    workers_latest: dict[str, tuple[tuple[str, str], int]] = {}  # site → (its group, workers)
    for r in current:
        for tid, qid in OUT_OF_PROVINCE_WORKERS:
            value = _number(answers.get((r.id, qid))) if r.template_id == tid else None
            if value is not None:
                workers_latest[r.site_id] = ((r.district, r.site_kind), int(value))
    for key, workers in workers_latest.values():
        groups[key].out_of_province_workers += workers
    rows = sorted(groups.values(), key=lambda g: (g.district, g.site_kind))
    total = GroupRow(district="", site_kind="")
    for name in COUNTS:
        setattr(total, name, sum(getattr(g, name) for g in rows))

    def prices_of(rows_: list[PeriodInspection], values: dict[tuple[str, str], Any], item: PriceItem) -> list[float]:
        found = []
        for r in rows_:
            if r.template_id == item.template_id:
                value = _number(values.get((r.id, item.question_id)))
                if value is not None:
                    found.append(value)
        return found

    prices = []
    for item in PRICE_ITEMS:
        now_values = prices_of(current, answers, item)
        before_values = prices_of(previous, before, item)
        now_mean, before_mean = _mean(now_values), _mean(before_values)
        change = round(now_mean - before_mean, 2) if now_mean is not None and before_mean is not None else None
        pct = round(change / before_mean * 100, 1) if change is not None and before_mean else None
        prices.append(
            PriceRow(
                item=item,
                current=now_mean,
                current_count=len(now_values),
                previous=before_mean,
                previous_count=len(before_values),
                change=change,
                change_pct=pct,
            )
        )
    reported = sorted({g.district for g in rows} | ({district} if district else set()))
    return Summary(
        date_from=start,
        date_to=end,
        previous_from=prev_start,
        previous_to=prev_end,
        districts=reported,
        rows=rows,
        total=total,
        prices=prices,
    )
