"""The inspector's to-do list ("Việc cần làm"): the assignments of their teams' inspection
plans, pulled from the server (entity ``assignment``) and read offline.

An assignment's status comes from the server; until the next sync, an inspection started or
submitted on this device from the assignment moves it locally too (the same
``shared_schema.assignments.derive_status`` the server uses), so the list is right offline.
Overdue is counted in Viet Nam days (UTC+7, no daylight saving).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec

from field_app.core import replica
from field_app.core.models import AppError
from field_app.core.queries import Queries
from field_app.core.store import Store
from shared_schema import assignments as rules
from shared_schema.text import LocalText

VIET_NAM = dt.timezone(dt.timedelta(hours=7), "ICT")
ORDER = {"planned": 0, "in_progress": 1, "done": 2, "verified": 3}

NOT_FOUND_ASSIGNMENT = LocalText(
    "Không tìm thấy việc được giao này trên máy: hãy đồng bộ.",
    "This assignment is not on this device: sync first.",
)
WRONG_ASSIGNMENT = LocalText(
    "Việc được giao này là cho cơ sở hoặc bảng kiểm khác.",
    "This assignment is for another site or checklist.",
)
CANCELLED = LocalText("Việc được giao này đã bị hủy.", "This assignment was cancelled.")


def today_in_viet_nam(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(VIET_NAM).date()


@dataclass(frozen=True)
class TodoItem:
    """One assignment as the to-do list shows it."""

    id: str
    site_id: str
    site_name: str
    site_code: str
    district: str
    template_id: str
    template_title: LocalText | None
    team_name: str
    plan_name: str | None
    due_date: str
    status: str  # shown: planned | in_progress | done | verified | overdue | cancelled
    follow_up: bool
    inspection_ids: tuple[str, ...]  # inspections started from it on this device


def _document(data: dict[str, Any]) -> rules.AssignmentDocument | None:
    doc = data.get("document")
    if not isinstance(doc, dict):
        return None
    try:
        return msgspec.convert(doc, rules.AssignmentDocument)
    except msgspec.ValidationError:
        return None  # a document this app cannot read is left out, not guessed


def assignment(store: Store, assignment_id: str) -> rules.AssignmentDocument | None:
    with store.read() as conn:
        row = replica.load_row(conn, "assignment", assignment_id)
    return None if row is None else _document(row[0])


def check_start(store: Store, assignment_id: str, site_id: str, template_id: str) -> None:
    """``AppError`` unless an inspection of ``site_id`` on ``template_id`` may start from it."""
    doc = assignment(store, assignment_id)
    if doc is None:
        raise AppError("not_found", NOT_FOUND_ASSIGNMENT)
    if doc.site_id != site_id or doc.template_id != template_id:
        raise AppError("invalid_value", WRONG_ASSIGNMENT)
    if doc.status == "cancelled":
        raise AppError("cancelled", CANCELLED)


def _local_links(store: Store) -> dict[str, list[tuple[str, str | None]]]:
    """assignment id → [(inspection id, status)] of the inspections on this device."""
    links: dict[str, list[tuple[str, str | None]]] = {}
    for row in store.query(
        "SELECT key, json_extract(data, '$.assignment_id') AS aid, status FROM inspections"
        " WHERE json_extract(data, '$.assignment_id') IS NOT NULL ORDER BY started_at"
    ):
        links.setdefault(row["aid"], []).append((row["key"], row["status"]))
    return links


def todo_items(
    store: Store, queries: Queries, today: dt.date | None = None, *, open_only: bool = True
) -> list[TodoItem]:
    """The assignments on this device, overdue first, then by due day; finished and cancelled
    ones only when ``open_only`` is false."""
    today = today or today_in_viet_nam()
    links = _local_links(store)
    latest = queries.latest_published()
    items: list[TodoItem] = []
    for row in store.query("SELECT key, data FROM assignments"):
        doc = _document(replica.loads(row["data"]))
        if doc is None:
            continue
        status: str = doc.status
        linked = links.get(doc.id, [])
        if status != "cancelled" and linked:
            local = rules.derive_status(doc.visits, [s for _i, s in linked])
            if ORDER.get(local, 0) > ORDER.get(status, 0):
                status = local
        shown = rules.effective_status(status, doc.due_date, today)
        if open_only and shown not in ("planned", "in_progress", "overdue"):
            continue
        version = latest.get(doc.template_id)
        items.append(
            TodoItem(
                id=doc.id,
                site_id=doc.site_id,
                site_name=doc.site_name,
                site_code=doc.site_code,
                district=doc.district,
                template_id=doc.template_id,
                template_title=queries.template_title(doc.template_id, version) if version is not None else None,
                team_name=doc.team_name,
                plan_name=doc.plan_name,
                due_date=doc.due_date,
                status=shown,
                follow_up=doc.follow_up_of is not None,
                inspection_ids=tuple(i for i, _s in linked),
            )
        )
    items.sort(key=lambda i: rules.todo_order_key(i.status, i.due_date, i.site_name, today))
    return items
