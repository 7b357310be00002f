"""The summary report upward (báo cáo tổng hợp, issue 16 part 5): for a period and the
actor's districts (or one of them), what the Department reports to the province.

Everything comes from inspections handed in (drafts never count, like exports) whose
inspection started within the period (local days, ``SYNC_TIMEZONE``):

- per district and site kind: sites inspected, inspections, passed, not passed;
- corrective actions set (violations found), and of them overdue / within their deadline
  on the report's last day (``fixed`` needs the actions of a later issue; not reported);
- out-of-province workers: the sum over sites of the figure recorded at each site's latest
  inspection in the period (a site inspected twice is counted once);
- the market price table: the mean of each recorded retail price in the period and in the
  period of the same length just before it, and the change between them — computed from
  the recorded prices, never typed.

Which questions hold prices and worker counts is named here once (``PRICE_ITEMS``,
``OUT_OF_PROVINCE_WORKERS``), by checklist and question id of the shipped checklists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from shared_schema import actions as action_rules
from shared_schema import protocol
from shared_schema.errors import Code
from shared_schema.text import LocalText
from sync_server.core import actions as corrective_actions
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
    actions: int = 0
    overdue: int = 0
    out_of_province_workers: int = 0


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


def _inspections(tx: Tx, actor: Actor, district: str | None, start: dt.date, end: dt.date) -> list[Any]:
    cond, params = district_filter(actor, "i.district")
    sql = (
        "SELECT i.id, i.site_id, i.district, COALESCE(s.kind, ''), i.template_id, i.template_version, i.result,"
        " COALESCE(i.started_at, i.created_at) FROM inspections i LEFT JOIN sites s ON s.id = i.site_id"
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
    return tx.query(sql + " ORDER BY 8, i.id", args)


def _answers(tx: Tx, inspection_ids: list[str], fields: tuple[str, ...]) -> dict[tuple[str, str], dict[str, Any]]:
    """(inspection, question) → {field: value} for ``fields`` of the inspections' answers."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    field_marks = ", ".join("?" for _ in fields)
    for start in range(0, len(inspection_ids), 500):
        chunk = inspection_ids[start : start + 500]
        for r in tx.query(
            f"SELECT inspection_id, entity_id, field, value FROM feed WHERE inspection_id IN ({', '.join('?' for _ in chunk)})"
            f" AND entity = 'answer' AND field IN ({field_marks})",
            [*chunk, *fields],
        ):
            out.setdefault((r[0], protocol.question_of_answer(r[1])), {})[r[2]] = from_json(r[3])
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
    with db.read() as tx:
        current = _inspections(tx, actor, district, start, end)
        previous = _inspections(tx, actor, district, prev_start, prev_end)
        answers = _answers(tx, [r[0] for r in current], ("value",))
        given = corrective_actions.by_inspection(tx, [r[0] for r in current])
        prev_prices = _answers(
            tx, [r[0] for r in previous if any(r[4] == p.template_id for p in PRICE_ITEMS)], ("value",)
        )
        passing: dict[tuple[str, int], dict[str, bool]] = {}
        for r in current:
            key = (r[4], r[5])
            if r[4] and r[5] and key not in passing:
                template = pinned_template(tx, r[4], r[5])
                passing[key] = {b.id: b.passing for b in template.scoring.bands} if template else {}
    groups: dict[tuple[str, str], GroupRow] = {}
    sites: dict[tuple[str, str], set[str]] = {}
    workers_latest: dict[str, tuple[str, int]] = {}  # site → (started, workers) of its latest inspection
    for r in current:
        inspection_id, site_id, dist, kind, template_id, version, result, started = r[:8]
        group = groups.setdefault((dist, kind), GroupRow(district=dist, site_kind=kind))
        sites.setdefault((dist, kind), set()).add(site_id)
        group.inspections += 1
        passes = passing.get((template_id, version), {}).get(result) if result else None
        if passes is None:
            group.no_result += 1
        elif passes:
            group.passed += 1
        else:
            group.not_passed += 1
        for due, status in given.get(inspection_id, []):
            group.actions += 1
            if action_rules.is_overdue(status, due, report_day):
                group.overdue += 1
        for tid, qid in OUT_OF_PROVINCE_WORKERS:
            if template_id == tid:
                value = _number(answers.get((inspection_id, qid), {}).get("value"))
                if value is not None and (site_id not in workers_latest or workers_latest[site_id][0] <= started):
                    workers_latest[site_id] = (started, int(value))
    site_group = {site: key for key, members in sites.items() for site in members}
    for site_id, (_, workers) in workers_latest.items():
        groups[site_group[site_id]].out_of_province_workers += workers
    for key, group in groups.items():
        group.sites = len(sites[key])
    rows = sorted(groups.values(), key=lambda g: (g.district, g.site_kind))
    total = GroupRow(district="", site_kind="")
    for name in ("sites", "inspections", "passed", "not_passed", "no_result", "actions", "overdue"):
        setattr(total, name, sum(getattr(g, name) for g in rows))
    total.out_of_province_workers = sum(w for _, w in workers_latest.values())

    def prices_of(rows_: list[Any], values: dict[tuple[str, str], dict[str, Any]], item: PriceItem) -> list[float]:
        found = []
        for r in rows_:
            if r[4] == item.template_id:
                value = _number(values.get((r[0], item.question_id), {}).get("value"))
                if value is not None:
                    found.append(value)
        return found

    prices = []
    for item in PRICE_ITEMS:
        now_values = prices_of(current, answers, item)
        before_values = prices_of(previous, prev_prices, item)
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
