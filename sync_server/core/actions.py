"""Corrective actions on the server (PROTOCOL.md §3, entity ``action``): the index rows beside
the feed, their history, the supervisor's verify/reopen, the board's list and one action.

Field values live in the change feed like an inspection's (a device writes them by push,
``sync_service._apply_action``); the ``actions`` table is the index the board filters on
(inspection, site, district, deadline, status). Overdue is derived from the deadline in Viet
Nam days (``shared_schema.actions.is_overdue``) and an action closes only by verification, so
no later inspection hides one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from shared_schema import actions as rules
from shared_schema.actions import Action, ActionEvent
from shared_schema.errors import Code
from shared_schema.text import LocalText
from sync_server.core import audit, paging
from sync_server.core.access import Actor, district_filter, require_district, require_role
from sync_server.core.db import Database, Tx, equal_filters, select_list, to_record
from sync_server.core.errors import Conflict, Invalid, bi, review_comment
from sync_server.core.feed import FeedWriter
from sync_server.core.template_store import pinned_template
from sync_server.core.util import from_json, new_id, now_iso, to_json


class ActionRow(msgspec.Struct, kw_only=True):
    """One row of the ``actions`` index table."""

    id: str
    inspection_id: str
    question_id: str | None
    site_id: str
    district: str
    deadline: str | None
    status: str
    fixed_on: str | None
    created_by: str | None
    created_at: str
    updated_at: str
    verified_at: str | None


ROW_COLUMNS = select_list(ActionRow)


def row_of(tx: Tx, action_id: str) -> ActionRow | None:
    return tx.record(ActionRow, f"SELECT {ROW_COLUMNS} FROM actions WHERE id = ?", (action_id,))


def insert_row(tx: Tx, row: ActionRow) -> None:
    marks = ", ".join("?" for _ in ActionRow.__struct_fields__)
    tx.execute(f"INSERT INTO actions ({ROW_COLUMNS}) VALUES ({marks})", msgspec.structs.astuple(row))


def update_row(tx: Tx, row: ActionRow) -> None:
    row.updated_at = now_iso()
    tx.execute(
        "UPDATE actions SET question_id = ?, deadline = ?, status = ?, fixed_on = ?, updated_at = ?, verified_at = ?"
        " WHERE id = ?",
        (row.question_id, row.deadline, row.status, row.fixed_on, row.updated_at, row.verified_at, row.id),
    )


def add_event(tx: Tx, action_id: str, event: str, username: str | None, comment: str | None = None) -> list[Any]:
    """Append one step to the action's history; returns the whole history (the feed's
    ``history`` value)."""
    ordinal = int(tx.scalar("SELECT COALESCE(MAX(ordinal), 0) FROM action_events WHERE action_id = ?", (action_id,)))
    tx.execute(
        "INSERT INTO action_events (id, action_id, ordinal, at, event, username, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (new_id(), action_id, ordinal + 1, now_iso(), event, username, comment),
    )
    return [msgspec.to_builtins(e) for e in history(tx, action_id)]


def history(tx: Tx, action_id: str) -> list[ActionEvent]:
    columns = select_list(ActionEvent, sources={"by": "username"})
    return tx.records(
        ActionEvent, f"SELECT {columns} FROM action_events WHERE action_id = ? ORDER BY ordinal", (action_id,)
    )


def read_actions(tx: Tx, ids: list[str]) -> dict[str, Action]:
    """The actions ``ids`` from their feed fields."""
    fields: dict[str, dict[str, Any]] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for r in tx.query(
            f"SELECT entity_id, field, value FROM feed WHERE entity = 'action' AND entity_id IN ({marks})", chunk
        ):
            fields[r["entity_id"]][r["field"]] = from_json(r["value"]) if r["value"] is not None else None
    return {i: rules.action_from_fields(i, f) for i, f in fields.items()}


def inspection_actions(tx: Tx, inspection_id: str) -> list[Action]:
    """The actions an inspection gave (for its submission rules, its page and its PDF)."""
    ids: list[str] = tx.scalars("SELECT id FROM actions WHERE inspection_id = ? ORDER BY id", (inspection_id,))
    found = read_actions(tx, ids)
    return [found[i] for i in ids]


def latest_action_deadline(tx: Tx, inspection_id: str) -> str | None:
    """The latest deadline of an inspection's actions not yet verified (when a follow-up visit
    is due), or ``None``: the one rule a follow-up's due day comes from (``plans.create_follow_up``)."""
    value = tx.scalar(
        "SELECT MAX(deadline) FROM actions WHERE inspection_id = ? AND status <> 'verified'", (inspection_id,)
    )
    return str(value) if value is not None else None


def unclosed_by_site(tx: Tx, site_ids: list[str]) -> dict[str, list[str | None]]:
    """Site → the deadlines of its actions not yet verified (whatever inspection gave them):
    what the map colours a site by."""
    out: dict[str, list[str | None]] = {}
    for start in range(0, len(site_ids), 500):
        chunk = site_ids[start : start + 500]
        for r in tx.query(
            f"SELECT a.site_id, a.deadline FROM actions a LEFT JOIN inspections i ON i.id = a.inspection_id"
            f" WHERE a.site_id IN ({', '.join('?' for _ in chunk)}) AND a.status <> 'verified'"
            " AND COALESCE(i.status, '') <> 'discarded'",
            chunk,
        ):
            out.setdefault(r["site_id"], []).append(r["deadline"])
    return out


# --- the board ----------------------------------------------------------------------------


class ActionItem(msgspec.Struct, kw_only=True):
    id: str
    inspection_id: str
    question_id: str | None
    site_id: str
    site_name: str | None
    site_kind: str | None
    district: str
    description: str | None
    deadline: str | None
    status: str
    overdue: bool
    responsible_name: str | None = None
    responsible_phone: str | None = None
    fixed_on: str | None = None
    record_number: str | None = None
    created_by: str | None = None
    created_at: str
    updated_at: str
    finding_photos: list[str] = msgspec.field(default_factory=list)


class ActionPage(msgspec.Struct, kw_only=True):
    items: list[ActionItem]
    total: int
    limit: int
    offset: int


class ActionDetail(msgspec.Struct, kw_only=True):
    item: ActionItem
    finding_photos: list[str]
    fix_photos: list[str]
    fix_note: str | None
    history: list[ActionEvent]
    # the last follow-up visit that found it not yet fixed (Viet Nam day) and what was seen
    checked_on: str | None = None
    check_note: str | None = None
    # the label of the checklist item the action comes from (its checklist version's words)
    question_label: LocalText | None = None


# the board's columns of an action; the others come from its feed fields or are computed
_LIST_SELECT = (
    "SELECT "
    + select_list(
        ActionItem,
        prefix="a.",
        sources={"site_name": "s.name", "site_kind": "s.kind", "record_number": "i.record_number"},
        skip=("description", "overdue", "responsible_name", "responsible_phone", "finding_photos"),
    )
    + " FROM actions a LEFT JOIN sites s ON s.id = a.site_id LEFT JOIN inspections i ON i.id = a.inspection_id"
)
SORTS = {"deadline": "a.deadline IS NULL, a.deadline, a.id", "updated": "a.updated_at DESC, a.id"}


def _items(tx: Tx, rows: list[Any], today: dt.date) -> list[ActionItem]:
    found = read_actions(tx, [r["id"] for r in rows])
    out = []
    for r in rows:
        a = found[r["id"]]
        out.append(
            to_record(
                ActionItem,
                r,
                description=a.description,
                overdue=rules.is_overdue(r["status"], r["deadline"], today),
                responsible_name=a.responsible_name,
                responsible_phone=a.responsible_phone,
                finding_photos=a.finding_photos,
            )
        )
    return out


def list_actions(
    db: Database,
    actor: Actor,
    *,
    district: str | None = None,
    site_id: str | None = None,
    inspection_id: str | None = None,
    plan_id: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    sort: str = "deadline",
    limit: int = 50,
    offset: int = 0,
    today: dt.date | None = None,
) -> ActionPage:
    """Actions in the actor's districts, filtered, sorted by deadline (or last change) and
    paged. ``overdue`` keeps actions not verified whose deadline day is past in Viet Nam;
    ``plan_id`` those whose inspection is linked to an assignment of that plan."""
    if status is not None and status not in rules.ACTION_STATUSES:
        raise Invalid(
            bi(
                f"Trạng thái '{status}' không có; dùng: {', '.join(rules.ACTION_STATUSES)}.",
                f"Unknown status '{status}'; use one of: {', '.join(rules.ACTION_STATUSES)}.",
            ),
            code=Code.INVALID_STATUS,
        )
    paging.require_sort(sort, SORTS)
    day = today or rules.viet_nam_today()
    cond, params = district_filter(actor, "a.district")
    filters, filter_args = equal_filters(
        ("a.district", district), ("a.site_id", site_id), ("a.inspection_id", inspection_id), ("a.status", status)
    )
    sql = " WHERE COALESCE(i.status, '') <> 'discarded'" + cond + filters
    args: list[Any] = [*params, *filter_args]
    if plan_id:
        sql += (
            " AND a.inspection_id IN (SELECT ai.inspection_id FROM assignment_inspections ai"
            " JOIN assignments asg ON asg.id = ai.assignment_id WHERE asg.plan_id = ?)"
        )
        args.append(plan_id)
    if overdue is True:
        sql += " AND a.status <> 'verified' AND a.deadline IS NOT NULL AND a.deadline < ?"
        args.append(day.isoformat())
    elif overdue is False:
        sql += " AND NOT (a.status <> 'verified' AND a.deadline IS NOT NULL AND a.deadline < ?)"
        args.append(day.isoformat())
    limit = min(max(limit, 1), 500)
    offset = max(offset, 0)
    with db.read() as tx:
        total = int(
            tx.scalar("SELECT COUNT(*) FROM actions a LEFT JOIN inspections i ON i.id = a.inspection_id" + sql, args)
        )
        rows = tx.query(_LIST_SELECT + sql + f" ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?", [*args, limit, offset])
        items = _items(tx, rows, day)
    return ActionPage(items=items, total=total, limit=limit, offset=offset)


def plan_choices(db: Database, actor: Actor) -> list[tuple[str, str]]:
    """(id, name) of the plans touching the actor's districts, newest first: what the board's
    plan filter offers."""
    cond, params = district_filter(actor, "pd.district")
    with db.read() as tx:
        rows = tx.query(
            "SELECT p.id, p.name, p.created_at FROM plans p WHERE EXISTS (SELECT 1 FROM plan_districts pd"
            f" WHERE pd.plan_id = p.id{cond}) ORDER BY p.created_at DESC, p.name",
            params,
        )
    return [(r["id"], r["name"]) for r in rows]


def get_action(db: Database, actor: Actor, action_id: str, today: dt.date | None = None) -> ActionDetail:
    """One action with its evidence and history; 404 outside the actor's districts."""
    with db.read() as tx:
        return _detail(tx, actor, action_id, today or rules.viet_nam_today())


def _detail(tx: Tx, actor: Actor, action_id: str, today: dt.date) -> ActionDetail:
    rows = tx.query(_LIST_SELECT + " WHERE a.id = ?", (action_id,))
    require_district(
        actor, rows[0]["district"] if rows else None, "biện pháp khắc phục", "corrective action", found=bool(rows)
    )
    item = _items(tx, rows, today)[0]
    a = read_actions(tx, [action_id])[action_id]
    label = None
    pinned = tx.one("SELECT template_id, template_version FROM inspections WHERE id = ?", (item.inspection_id,))
    if pinned is not None and pinned["template_id"] and pinned["template_version"] and item.question_id:
        template = pinned_template(tx, pinned["template_id"], pinned["template_version"])
        question = template.question_map().get(item.question_id) if template is not None else None
        label = question.label if question is not None else None
    return ActionDetail(
        question_label=label,
        item=item,
        finding_photos=a.finding_photos,
        fix_photos=a.fix_photos,
        fix_note=a.fix_note,
        history=history(tx, action_id),
        checked_on=a.checked_on,
        check_note=a.check_note,
    )


def review(db: Database, actor: Actor, action_id: str, decision: str, comment: str | None = None) -> ActionDetail:
    """A supervisor or admin verifies (closes) or reopens an action reported fixed, with a
    comment kept in the action's history; reopening needs one (what is still wrong)."""
    require_role(actor, rules.REVIEW_ROLES, "xác minh biện pháp khắc phục", "verify corrective actions")
    target = rules.REVIEW_STATUS.get(decision)
    if target is None:
        raise Invalid(
            bi("Quyết định phải là verify hoặc reopen.", "The decision must be verify or reopen."),
            code=Code.INVALID_DECISION,
        )
    needed = bi(
        "Mở lại biện pháp khắc phục cần ghi rõ còn thiếu gì (comment).",
        "Reopening a corrective action needs a comment saying what is still wrong.",
    )
    comment = review_comment(comment, needed if target == "reopened" else None)
    with db.write() as tx:
        row = row_of(tx, action_id)
        require_district(
            actor, row.district if row else None, "biện pháp khắc phục", "corrective action", found=row is not None
        )
        assert row is not None
        problem = rules.transition_problem(row.status, target, actor.role)
        if row.status == target or problem is not None:
            label = rules.STATUS_LABELS[row.status]
            raise Conflict(
                bi(
                    f"Chỉ xác minh hoặc mở lại được biện pháp đã báo khắc phục; biện pháp này đang '{label.vi}'.",
                    f"Only an action reported fixed can be verified or reopened; this one is '{label.en}'.",
                ),
                code=Code.INVALID_TRANSITION,
            )
        row.status = target
        row.verified_at = now_iso() if target == "verified" else None
        update_row(tx, row)
        events = add_event(tx, action_id, target, actor.username, comment)
        feed = FeedWriter(tx)
        for name, value in (("status", target), ("history", events)):
            feed.put_server(
                ("action", action_id, name),
                to_json(value),
                district=row.district,
                inspection_id=None,
                writer_user=actor.username,
            )
        feed.flush()
        audit.record(tx, actor, f"action.{decision}", "action", action_id, {"comment": comment})
        return _detail(tx, actor, action_id, rules.viet_nam_today())


def backdate(db: Database, action_id: str, deadline: str) -> None:
    """Set a deadline as the server (no device rule applies): for the seeded demo, whose
    overdue action must have a deadline already past. Devices get it by pull."""
    with db.write() as tx:
        row = row_of(tx, action_id)
        if row is None:
            return
        row.deadline = deadline
        update_row(tx, row)
        feed = FeedWriter(tx)
        feed.put_server(("action", action_id, "deadline"), to_json(deadline), district=row.district, inspection_id=None)
        feed.flush()
