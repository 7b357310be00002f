"""Read queries the console's pages need, over the database layer and with the caller's
district scope (``district_filter``):

- filter choices for the inspections list (districts, inspectors, results in scope);
- dashboard rows (inspections, sites, corrective actions, latest approval per site);
- the audit log's actions, a checklist's versions, a site's code, the industrial parks.
"""

from __future__ import annotations

from typing import Any

from sync_server.core import actions as core_actions
from sync_server.core.access import Actor, district_filter, require_admin
from sync_server.core.dashboard_rows import ActionRow, InspectionRow, SiteRow
from sync_server.core.db import Database, select_list, to_record


def districts_in_scope(db: Database, actor: Actor) -> list[str]:
    if not actor.is_admin:
        return sorted(actor.districts)
    with db.read() as tx:
        rows = tx.query("SELECT DISTINCT district FROM sites UNION SELECT DISTINCT district FROM inspections")
    return sorted({r["district"] for r in rows if r["district"]})


def _distinct_in_scope(db: Database, actor: Actor, column: str) -> list[str]:
    """The values of ``column`` in the actor's scope, one index step per value (``MIN`` above
    the last one, over the ``(column, district)`` index) instead of reading every inspection."""
    cond, params = district_filter(actor, "district || ''")  # || '': not the district index
    values: list[str] = []
    with db.read() as tx:
        while True:
            after = [values[-1]] if values else []
            following = " AND " + column + " > ?" if values else ""
            value = tx.scalar(
                f"SELECT MIN({column}) FROM inspections WHERE {column} IS NOT NULL" + following + cond,
                [*after, *params],
            )
            if value is None:
                return sorted(values)
            values.append(value)


def inspectors_in_scope(db: Database, actor: Actor) -> list[str]:
    return _distinct_in_scope(db, actor, "inspector")


def results_in_scope(db: Database, actor: Actor) -> list[str]:
    return _distinct_in_scope(db, actor, "result")


_DASHBOARD_INSPECTION = select_list(
    InspectionRow,
    prefix="i.",
    sources={
        "site_kind": "COALESCE(s.kind, '')",
        "status": "COALESCE(i.status, 'draft')",
        "started_at": "COALESCE(i.started_at, i.created_at)",
    },
    skip=("passing",),
)


def dashboard_inspections(db: Database, actor: Actor) -> list[InspectionRow]:
    cond, params = district_filter(actor, "i.district")
    with db.read() as tx:
        found: list[InspectionRow] = tx.records(
            InspectionRow,
            f"SELECT {_DASHBOARD_INSPECTION}"
            " FROM inspections i LEFT JOIN sites s ON s.id = i.site_id"
            " WHERE COALESCE(i.status, '') <> 'discarded'" + cond,  # a discarded draft leaves the dashboard
            params,
        )
    return found


def dashboard_sites(db: Database, actor: Actor) -> list[SiteRow]:
    cond, params = district_filter(actor, "district")
    with db.read() as tx:
        found: list[SiteRow] = tx.records(
            SiteRow, f"SELECT {select_list(SiteRow)} FROM sites WHERE 1 = 1" + cond, params
        )
    return found


_DASHBOARD_ACTION = select_list(
    ActionRow,
    prefix="a.",
    sources={
        "site_name": "COALESCE(s.name, a.site_id)",
        "question_id": "COALESCE(a.question_id, '')",
        "question_label": "COALESCE(a.question_id, '')",
        "due_date": "a.deadline",
        "inspected_at": "COALESCE(i.started_at, i.created_at)",
        "template_id": "i.template_id",
        "action_id": "a.id",
        "site_kind": "s.kind",
    },
    skip=("corrective_action",),
)


def corrective_actions(db: Database, actor: Actor) -> list[ActionRow]:
    """The corrective-action records in the actor's districts (any status; discarded drafts'
    left out), with what must be done read from their feed fields."""
    cond, params = district_filter(actor, "a.district")
    with db.read() as tx:
        rows = tx.query(
            f"SELECT {_DASHBOARD_ACTION}"
            " FROM actions a LEFT JOIN inspections i ON i.id = a.inspection_id LEFT JOIN sites s ON s.id = a.site_id"
            " WHERE COALESCE(i.status, '') <> 'discarded'" + cond,
            params,
        )
        found = core_actions.read_actions(tx, [r["action_id"] for r in rows])
    return [to_record(ActionRow, r, corrective_action=found[r["action_id"]].description) for r in rows]


def latest_approval_per_site(db: Database, actor: Actor) -> dict[str, str]:
    """Site id → the start time of its latest approved inspection."""
    cond, params = district_filter(actor, "district")
    with db.read() as tx:
        rows = tx.query(
            "SELECT site_id, MAX(COALESCE(started_at, created_at)) AS started FROM inspections WHERE status = 'approved'"
            + cond
            + " GROUP BY site_id",
            params,
        )
    return {r["site_id"]: r["started"] for r in rows}


def audit_actions(db: Database, actor: Actor) -> list[str]:
    require_admin(actor, "xem nhật ký thao tác", "read the audit log")
    with db.read() as tx:
        actions: list[str] = tx.scalars("SELECT DISTINCT action FROM audit ORDER BY action")
    return actions


def template_versions(db: Database, actor: Actor, template_id: str) -> list[int]:
    where = "" if actor.is_admin else " AND status IN ('published', 'retired')"
    with db.read() as tx:
        versions: list[int] = tx.scalars(
            "SELECT version FROM templates WHERE template_id = ?" + where + " ORDER BY version", (template_id,)
        )
    return versions


def next_free_version(db: Database, template_id: str, version: int) -> int:
    """``version`` when it is free or still a draft; otherwise one past the newest version."""
    with db.read() as tx:
        status = tx.scalar("SELECT status FROM templates WHERE template_id = ? AND version = ?", (template_id, version))
        newest: Any = tx.scalar("SELECT MAX(version) FROM templates WHERE template_id = ?", (template_id,))
    if status is None or status == "draft":
        return version
    return int(newest or 0) + 1


def site_code_and_id(db: Database, code_or_id: str) -> tuple[str, str] | None:
    """``(code, id)`` of the site with this code (or id), for the parent field of the site form."""
    with db.read() as tx:
        row = tx.one("SELECT code, id FROM sites WHERE code = ? OR id = ?", (code_or_id, code_or_id))
    return (row["code"], row["id"]) if row is not None else None


def industrial_parks(db: Database, actor: Actor) -> list[tuple[str, str]]:
    """``(id, "name (code)")`` of the industrial parks and clusters (KCN, CCN) in the actor's
    districts, by name: the parents a plan can select sites under."""
    with db.read() as tx:
        rows = tx.query("SELECT id, code, name, district FROM sites WHERE kind IN ('KCN', 'CCN') ORDER BY name")
    return [(r["id"], f"{r['name']} ({r['code']})") for r in rows if actor.is_admin or r["district"] in actor.districts]
