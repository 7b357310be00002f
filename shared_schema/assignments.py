"""Assignments of an inspection plan (đợt kiểm tra): the wire document and the status rules.

An assignment is one (plan, site, team) with a due date and a number of visits. Its stored
status follows from the inspections linked to it (``assignment_id`` on an inspection):
``planned`` (none yet) → ``in_progress`` (one was started) → ``done`` (as many submitted or
approved as visits) → ``verified`` (as many approved), or ``cancelled``. ``overdue`` is not
stored: it is what a planned or in-progress assignment *shows* once the Vietnamese calendar
day is past its due date (``effective_status``). Both sides use these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final, Literal

import msgspec

from shared_schema.text import LocalText

AssignmentStatus = Literal["planned", "in_progress", "done", "verified", "cancelled"]
STORED_STATUSES: Final = ("planned", "in_progress", "done", "verified", "cancelled")
SHOWN_STATUSES: Final = (*STORED_STATUSES, "overdue")
# Statuses that still wait for work: they become ``overdue`` after the due date.
OPEN_STATUSES: Final = frozenset({"planned", "in_progress"})

# Every move the derived status may make (from, to). ``done → in_progress`` happens when a
# submitted visit is returned, ``done → planned`` when it is rejected (the visit must be made
# again), ``verified → …`` when a record stops counting; ``cancelled`` is final.
TRANSITIONS: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        ("planned", "in_progress"),
        ("planned", "done"),
        ("planned", "verified"),
        ("in_progress", "done"),
        ("in_progress", "verified"),
        ("in_progress", "planned"),
        ("done", "verified"),
        ("done", "in_progress"),
        ("done", "planned"),
        ("verified", "done"),
        ("verified", "in_progress"),
        ("planned", "cancelled"),
        ("in_progress", "cancelled"),
        ("done", "cancelled"),
        ("verified", "cancelled"),
    }
)

# Inspection statuses that count as a visit made (its record was handed in) / verified.
VISITED_INSPECTION_STATUSES: Final = frozenset({"submitted", "approved"})
VERIFIED_INSPECTION_STATUSES: Final = frozenset({"approved"})
# A record that no longer counts as a visit at all (not accepted, or thrown away).
VOID_INSPECTION_STATUSES: Final = frozenset({"rejected", "discarded"})

STATUS_LABELS: Final[dict[str, LocalText]] = {
    "planned": LocalText("Chưa làm", "Planned"),
    "in_progress": LocalText("Đang làm", "In progress"),
    "done": LocalText("Đã kiểm tra", "Done"),
    "verified": LocalText("Đã duyệt", "Verified"),
    "overdue": LocalText("Quá hạn", "Overdue"),
    "cancelled": LocalText("Đã hủy", "Cancelled"),
}

# A follow-up visit without a corrective-action deadline is due this many days ahead.
DEFAULT_FOLLOW_UP_DAYS: Final = 14


class AssignmentDocument(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The value of field ``document`` of entity ``assignment`` in a pull page: everything a
    device shows offline in its to-do list. Only the server writes it."""

    id: str
    site_id: str
    site_code: str
    site_name: str
    district: str
    template_id: str
    team_id: str
    team_name: str
    due_date: str  # YYYY-MM-DD, a Vietnamese calendar day
    status: AssignmentStatus
    visits: int = 1
    plan_id: str | None = None
    plan_name: str | None = None
    follow_up_of: str | None = None  # the inspection this visit follows up


def derive_status(visits: int, inspection_statuses: Iterable[str | None], cancelled: bool = False) -> AssignmentStatus:
    """The stored status of an assignment from its linked inspections' statuses."""
    if cancelled:
        return "cancelled"
    statuses = list(inspection_statuses)
    needed = max(visits, 1)
    if sum(1 for s in statuses if s in VERIFIED_INSPECTION_STATUSES) >= needed:
        return "verified"
    if sum(1 for s in statuses if s in VISITED_INSPECTION_STATUSES) >= needed:
        return "done"
    if any(s not in VOID_INSPECTION_STATUSES for s in statuses):
        return "in_progress"
    return "planned"


def transition_allowed(current: str, new: str) -> bool:
    return current == new or (current, new) in TRANSITIONS


def effective_status(status: str, due_date: str, today: dt.date) -> str:
    """What people see: ``overdue`` for open work whose due day (a Vietnamese calendar day,
    ``YYYY-MM-DD``) is before ``today``; otherwise the stored status."""
    if status in OPEN_STATUSES and dt.date.fromisoformat(due_date) < today:
        return "overdue"
    return status


def todo_order_key(status: str, due_date: str, site_name: str, today: dt.date) -> tuple[int, str, str]:
    """Sort key of a to-do list: overdue first, then open work by due date, finished last."""
    shown = effective_status(status, due_date, today)
    rank = 0 if shown == "overdue" else 1 if shown in OPEN_STATUSES else 2
    return rank, due_date, site_name


def even_split(count: int, teams: int) -> list[int]:
    """How many of ``count`` items each of ``teams`` takes so that no two differ by more
    than one (the first teams take the extra ones)."""
    if teams < 1:
        raise ValueError("at least one team is needed")
    base, extra = divmod(count, teams)
    return [base + (1 if i < extra else 0) for i in range(teams)]
