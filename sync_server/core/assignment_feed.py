"""Assignments in the change feed and their status (docs/PROTOCOL.md §3, §7).

An assignment travels to devices as entity ``assignment`` with one server-written field,
``document`` (a ``shared_schema.assignments.AssignmentDocument``). Its feed row's visibility
key (the ``district`` column every pull filters on) is ``team:{team_id}``, not a district:
pull adds the keys of the caller's teams (``team_keys``), so an assignment reaches exactly the
devices of its team's members (and admins, who see everything). When a member joins a team,
the team's assignments are written again (new sequence), so the new member's next pull
brings them whatever its cursor.

The stored status follows from the linked inspections (``shared_schema.assignments.
derive_status``); ``refresh`` recomputes it inside the transaction that changed an
inspection (push, review) and rewrites the document when it moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from shared_schema import assignments as rules
from shared_schema.protocol import ASSIGNMENT_ENTITY
from sync_server.core.db import Tx, select_list
from sync_server.core.feed import FeedWriter
from sync_server.core.util import now_iso, to_json

TEAM_KEY_PREFIX = "team:"

# An assignment's document, each column named as its field.
_DOCUMENT_COLUMNS = select_list(
    rules.AssignmentDocument,
    prefix="a.",
    sources={"site_code": "s.code", "site_name": "s.name", "team_name": "t.name", "plan_name": "p.name"},
)
_DOCUMENT_SELECT = (
    f"SELECT {_DOCUMENT_COLUMNS}"
    " FROM assignments a JOIN sites s ON s.id = a.site_id JOIN teams t ON t.id = a.team_id"
    " LEFT JOIN plans p ON p.id = a.plan_id"
)


def team_key(team_id: str) -> str:
    return TEAM_KEY_PREFIX + team_id


def team_keys(tx: Tx, user_id: str) -> list[str]:
    """The visibility keys of the teams ``user_id`` leads or belongs to."""
    team_ids = tx.scalars(
        "SELECT team_id FROM team_members WHERE user_id = ? UNION SELECT id FROM teams WHERE lead_id = ?",
        (user_id, user_id),
    )
    return sorted(team_key(team_id) for team_id in team_ids)


def documents(tx: Tx, where: str, params: Iterable[Any]) -> list[rules.AssignmentDocument]:
    return tx.records(rules.AssignmentDocument, f"{_DOCUMENT_SELECT} WHERE {where}", list(params))


def publish(tx: Tx, feed: FeedWriter, where: str, params: Iterable[Any]) -> int:
    """Write the current document of every assignment matching ``where`` to the feed."""
    docs = documents(tx, where, params)
    for doc in docs:
        feed.put_server(
            (ASSIGNMENT_ENTITY, doc.id, "document"),
            to_json(msgspec.to_builtins(doc)),
            district=team_key(doc.team_id),
            inspection_id=None,
        )
    return len(docs)


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def refresh(tx: Tx, feed: FeedWriter, inspection_ids: Iterable[str]) -> list[str]:
    """Recompute the status of every assignment linked to one of ``inspection_ids`` (whose
    rows in ``inspections`` are up to date) and publish those that moved; returns their ids."""
    ids = sorted(set(inspection_ids))
    assignment_ids: set[str] = set()
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        assignment_ids.update(
            tx.scalars(
                f"SELECT DISTINCT assignment_id FROM assignment_inspections WHERE inspection_id IN ({marks})", chunk
            )
        )
    return refresh_assignments(tx, feed, assignment_ids)


def refresh_assignments(tx: Tx, feed: FeedWriter, assignment_ids: Iterable[str]) -> list[str]:
    moved: list[str] = []
    for assignment_id in sorted(set(assignment_ids)):
        row = tx.one("SELECT status, visits FROM assignments WHERE id = ?", (assignment_id,))
        if row is None:
            continue
        statuses = tx.scalars(
            "SELECT i.status FROM assignment_inspections ai JOIN inspections i ON i.id = ai.inspection_id"
            " WHERE ai.assignment_id = ?",
            (assignment_id,),
        )
        new = rules.derive_status(row["visits"], statuses, cancelled=row["status"] == "cancelled")
        if new != row["status"]:
            tx.execute(
                "UPDATE assignments SET status = ?, updated_at = ? WHERE id = ?", (new, now_iso(), assignment_id)
            )
            moved.append(assignment_id)
    if moved:
        marks = ", ".join("?" for _ in moved)
        publish(tx, feed, f"a.id IN ({marks})", moved)
    return moved


def link(tx: Tx, assignment_id: str, inspection_id: str) -> None:
    """Record that ``inspection_id`` was started from ``assignment_id`` (idempotent)."""
    tx.execute(
        tx.dialect.insert_ignore.format(
            table="assignment_inspections",
            columns="assignment_id, inspection_id, linked_at",
            placeholders="?, ?, ?",
        ),
        (assignment_id, inspection_id, now_iso()),
    )
