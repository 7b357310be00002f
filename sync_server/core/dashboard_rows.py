"""The rows the supervisors' dashboard is computed from (``sync_server.reports.dashboard``)
and the figures the database groups for it (``sync_server.core.dashboard_query``): small
Structs the server fills from its database, or tests build by hand.

``InspectionRow`` per inspection, ``SiteRow`` per site, ``ActionRow`` per corrective action
(a failed critical item with what the site must do and by when).
"""

from __future__ import annotations

import datetime as dt

import msgspec

COUNTED_STATUSES = frozenset({"submitted", "approved", "returned", "rejected"})


class InspectionRow(msgspec.Struct, kw_only=True):
    id: str
    site_id: str
    district: str
    site_kind: str
    status: str
    started_at: str | None = None
    result: str | None = None
    passing: bool | None = None
    score: float | None = None


class SiteRow(msgspec.Struct, kw_only=True):
    id: str
    code: str
    name: str
    kind: str
    district: str
    active: bool = True


class ActionRow(msgspec.Struct, kw_only=True):
    """A corrective action asked for a failed critical item of an inspection."""

    inspection_id: str
    site_id: str
    site_name: str
    question_id: str
    question_label: str
    corrective_action: str | None
    due_date: str | None
    inspected_at: str | None = None
    template_id: str | None = None
    # the action record (``shared_schema.actions``): it closes only when verified
    action_id: str | None = None
    status: str = "open"
    district: str | None = None
    site_kind: str | None = None
    fixed_on: str | None = None


class DayCount(msgspec.Struct, frozen=True):
    day: dt.date
    count: int


class SiteGap(msgspec.Struct, frozen=True):
    site: SiteRow
    last_inspected: dt.date | None
    days_since: int | None
