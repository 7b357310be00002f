"""Corrective actions (biện pháp khắc phục, PROTOCOL.md §3 entity ``action``): a state machine
and the rules both sides apply, as pure functions.

``open → reported_fixed → verified | reopened`` and ``reopened → reported_fixed``. A device
(the inspector on a follow-up visit) reports an action fixed; only a supervisor or an admin
verifies it (it closes) or reopens it, on the server (``POST /api/v1/actions/{id}/verify`` and
``…/reopen``). *Overdue* is not stored: it is derived from the deadline in Viet Nam days — an
action not yet verified whose deadline is before today's date in Viet Nam. An action closes
only by verification: no later inspection hides it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec

from shared_schema.checklist import ChecklistTemplate, Question
from shared_schema.relevance import is_given
from shared_schema.scoring import is_failed as is_failed  # failed items are what actions are for
from shared_schema.text import LocalText

ActionStatus = Literal["open", "reported_fixed", "verified", "reopened"]
ACTION_STATUSES: tuple[str, ...] = ("open", "reported_fixed", "verified", "reopened")
# Statuses in which the site still has something to do or the supervisor something to check.
UNCLOSED_STATUSES = frozenset({"open", "reported_fixed", "reopened"})
# Statuses in which a follow-up visit finds the site still has to fix it ("Chưa khắc phục" is
# recorded then as ``checked_on``/``check_note``, the status unchanged).
TO_FIX_STATUSES = frozenset({"open", "reopened"})
# Statuses a device may put an action in (by push); the others are the server's, by review.
DEVICE_STATUSES = frozenset({"open", "reported_fixed"})

DEVICE_ROLES = frozenset({"inspector", "supervisor", "admin"})
REVIEW_ROLES = frozenset({"supervisor", "admin"})

# (from, to) → roles allowed to make that transition.
TRANSITIONS: dict[tuple[str | None, str], frozenset[str]] = {
    (None, "open"): DEVICE_ROLES,
    ("open", "reported_fixed"): DEVICE_ROLES,
    ("reopened", "reported_fixed"): DEVICE_ROLES,
    ("reported_fixed", "verified"): REVIEW_ROLES,
    ("reported_fixed", "reopened"): REVIEW_ROLES,
}

# The review endpoints and the status each one sets.
REVIEW_STATUS: dict[str, str] = {"verify": "verified", "reopen": "reopened"}

STATUS_LABELS: dict[str, LocalText] = {
    "open": LocalText("Chưa khắc phục", "Open"),
    "reported_fixed": LocalText("Báo đã khắc phục", "Reported fixed"),
    "verified": LocalText("Đã xác minh (đóng)", "Verified (closed)"),
    "reopened": LocalText("Mở lại", "Reopened"),
}
OVERDUE_LABEL = LocalText("Quá hạn", "Overdue")

# Viet Nam keeps UTC+7 all year (no daylight saving), so a day there needs no zone database.
VIET_NAM = dt.timezone(dt.timedelta(hours=7), "ICT")

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ActionEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One step of an action's history (kept by the server, travels in the field ``history``)."""

    event: str  # created | reported_fixed | not_yet_fixed | verified | reopened | migrated
    at: str
    by: str | None = None
    comment: str | None = None


class ActionReviewRequest(msgspec.Struct, kw_only=True):
    """The body of ``POST /api/v1/actions/{id}/verify`` and ``…/reopen``."""

    comment: str | None = None


class Action(msgspec.Struct, kw_only=True):
    """A corrective action as both sides read it from its merged fields."""

    id: str
    inspection_id: str | None = None
    question_id: str | None = None
    site_id: str | None = None
    description: str | None = None
    deadline: str | None = None
    responsible_name: str | None = None
    responsible_phone: str | None = None
    finding_photos: list[str] = msgspec.field(default_factory=list)
    fix_photos: list[str] = msgspec.field(default_factory=list)
    fix_note: str | None = None
    fixed_on: str | None = None
    # the last follow-up visit that found it not yet fixed: its Viet Nam day and what was seen
    checked_on: str | None = None
    check_note: str | None = None
    status: str = "open"
    history: list[ActionEvent] = msgspec.field(default_factory=list)


def action_from_fields(action_id: str, fields: Mapping[str, Any]) -> Action:
    """An ``Action`` from the merged fields of its entity; unknown or malformed history items
    are left out rather than failing the whole record."""
    history: list[ActionEvent] = []
    for item in fields.get("history") or []:
        try:
            history.append(msgspec.convert(item, ActionEvent))
        except (msgspec.ValidationError, TypeError):
            continue
    return Action(
        id=action_id,
        inspection_id=fields.get("inspection_id"),
        question_id=fields.get("question_id"),
        site_id=fields.get("site_id"),
        description=fields.get("description"),
        deadline=fields.get("deadline"),
        responsible_name=fields.get("responsible_name"),
        responsible_phone=fields.get("responsible_phone"),
        finding_photos=list(fields.get("finding_photos") or []),
        fix_photos=list(fields.get("fix_photos") or []),
        fix_note=fields.get("fix_note"),
        fixed_on=fields.get("fixed_on"),
        checked_on=fields.get("checked_on"),
        check_note=fields.get("check_note"),
        status=fields.get("status") or "open",
        history=history,
    )


def viet_nam_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Viet Nam (``now`` defaults to the current time; a naive ``now`` is UTC)."""
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIET_NAM).date()


def parse_deadline(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def is_overdue(status: str | None, deadline: str | None, today: dt.date) -> bool:
    """An action is overdue when it is not verified and its deadline (a Viet Nam day) is past:
    the site had until the end of the deadline day."""
    if status == "verified":
        return False
    day = parse_deadline(deadline)
    return day is not None and day < today


def fixed_on_time(action: Action) -> bool | None:
    """Whether a verified action was fixed by its deadline (``None`` while it is not verified or
    lacks a date)."""
    if action.status != "verified":
        return None
    deadline = parse_deadline(action.deadline)
    fixed = parse_deadline(action.fixed_on)
    if deadline is None or fixed is None:
        return None
    return fixed <= deadline


def deadline_problem(value: Any, today: dt.date) -> LocalText | None:
    """Why ``value`` cannot be a new deadline (not a date, or a day already past in Viet Nam)."""
    day = parse_deadline(value)
    if day is None:
        return LocalText(
            f"Thời hạn khắc phục phải là ngày dạng YYYY-MM-DD (nhận {str(value)[:40]!r}).",
            f"The deadline must be a date as YYYY-MM-DD (got {str(value)[:40]!r}).",
        )
    if day < today:
        return LocalText(
            f"Thời hạn khắc phục {day.strftime('%d/%m/%Y')} đã qua (hôm nay {today.strftime('%d/%m/%Y')}); "
            "hãy chọn từ hôm nay trở đi.",
            f"The deadline {day.isoformat()} is already past (today is {today.isoformat()}); "
            "choose today or a later day.",
        )
    return None


def transition_problem(current: str | None, new: str, role: str) -> LocalText | None:
    """Why an action cannot go from ``current`` to ``new`` for ``role``, or ``None`` when it may
    (staying in the same status is always allowed: it changes nothing)."""
    if current == new:
        return None
    nxt = STATUS_LABELS.get(new)
    if nxt is None:
        return LocalText(f"Trạng thái '{new}' không có.", f"There is no status '{new}'.")
    allowed = TRANSITIONS.get((current, new))
    cur = STATUS_LABELS.get(current or "", LocalText("chưa có", "none"))
    if allowed is None:
        return LocalText(
            f"Không thể chuyển biện pháp khắc phục từ '{cur.vi}' sang '{nxt.vi}'.",
            f"A corrective action cannot go from '{cur.en}' to '{nxt.en}'.",
        )
    if role not in allowed:
        return LocalText(
            f"Chỉ giám sát viên hoặc quản trị viên được chuyển biện pháp khắc phục sang '{nxt.vi}'.",
            f"Only a supervisor or an admin may move a corrective action to '{nxt.en}'.",
        )
    return None


def next_status(current: str | None, new: str, role: str) -> str:
    """The status after asking for ``new``: ``new`` when allowed, else ``ValueError``."""
    problem = transition_problem(current, new, role)
    if problem is not None:
        raise ValueError(problem.en)
    return new


def latest_deadline(actions: Iterable[Action], inspection_id: str | None = None) -> str | None:
    """The latest deadline of the actions (of one inspection when ``inspection_id`` is given)
    that are not yet verified: when a follow-up visit is due."""
    days = [
        a.deadline
        for a in actions
        if a.deadline is not None
        and (inspection_id is None or a.inspection_id == inspection_id)
        and a.status != "verified"
        and parse_deadline(a.deadline) is not None
    ]
    return max(days) if days else None  # ISO dates sort as days


def migrated_action_id(inspection_id: str, question_id: str) -> str:
    """The id of the action made from an answer's corrective action and deadline by the
    migration (the same on the server and on every device, so they converge on one record)."""
    return f"{inspection_id}:{question_id}"


def action_required(template: ChecklistTemplate, question: Question) -> bool:
    """Whether a failed answer to ``question`` needs a corrective action before submission:
    asked by the question (``action_on_fail``) or the whole checklist."""
    return template.action_on_fail or question.action_on_fail


def is_complete(action: Action) -> bool:
    """An action says what must be done and by when (what a submission needs of it)."""
    return is_given(action.description) and parse_deadline(action.deadline) is not None
