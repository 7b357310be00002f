"""What an export of inspections reads, in a few set-based queries instead of one inspection
at a time (issue 19 part 3).

``select_for_export`` fixes the export before its first byte: the ids of every matching
inspection in the list's order, and the checklist versions they pinned (which give the
columns) — one query. ``export_records`` then yields the inspections in that order, loading
``BATCH`` of them per read transaction with two queries (the index rows with their site and
inspector, and every header and answer field of the feed). Memory holds the id list and one
batch, never the whole export; on PostgreSQL the round trips are per batch, not per
inspection.

Drafts are left out unless asked (``include_drafts``) or filtered for by status: an export
is what inspectors handed in. ``EXCLUDED_UNLESS_ASKED`` is the one list of such statuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from shared_schema.records import Answer, Site, answer_from_fields
from sync_server.core import local_time
from sync_server.core.access import Actor, district_filter
from sync_server.core.db import Database
from sync_server.core.errors import Invalid, bi
from sync_server.core.inspections import SORTS, InspectionSummary, _filter_day
from sync_server.core.sites import site_from_row
from sync_server.core.util import from_json

# Statuses an export leaves out unless the caller asks for them (or filters for one of them).
EXCLUDED_UNLESS_ASKED: tuple[str, ...] = ("draft",)
BATCH = 500  # inspections loaded per read transaction

FILTER_NAMES = (
    "status",
    "district",
    "site_id",
    "site_kind",
    "template_id",
    "inspector",
    "result",
    "date_from",
    "date_to",
)


class ExportSelection(msgspec.Struct, kw_only=True):
    """The inspections of an export, in order, and the checklist versions they pinned (in
    the order they first appear)."""

    inspection_ids: list[str]
    template_keys: list[tuple[str, int]]


class ExportRecord(msgspec.Struct, kw_only=True):
    """One inspection as an export row needs it: its index row, site, header fields (as
    stored in the feed), answers and the inspector's display name."""

    summary: InspectionSummary
    site: Site | None
    header: dict[str, Any]
    answers: dict[str, Answer]
    inspector_name: str | None


def filter_sql(actor: Actor, filters: dict[str, Any], include_drafts: bool = False) -> tuple[str, list[Any]]:
    """`` WHERE …`` over ``inspections i LEFT JOIN sites s``: the actor's districts and the
    list's filters (the same meaning as ``inspections.list_inspections``)."""
    unknown = set(filters) - {*FILTER_NAMES, "sort"}
    if unknown:
        raise ValueError(f"unknown export filters: {sorted(unknown)}")
    cond, params = district_filter(actor, "i.district")
    sql = " WHERE i.template_id IS NOT NULL AND i.template_version IS NOT NULL" + cond
    for column, name in (
        ("i.status", "status"),
        ("i.district", "district"),
        ("i.site_id", "site_id"),
        ("s.kind", "site_kind"),
        ("i.template_id", "template_id"),
        ("i.inspector", "inspector"),
        ("i.result", "result"),
    ):
        if filters.get(name):
            sql += f" AND {column} = ?"
            params.append(filters[name])
    if not include_drafts and not filters.get("status"):
        sql += f" AND COALESCE(i.status, 'draft') NOT IN ({', '.join('?' for _ in EXCLUDED_UNLESS_ASKED)})"
        params.extend(EXCLUDED_UNLESS_ASKED)
    if filters.get("date_from"):
        sql += " AND COALESCE(i.started_at, i.created_at) >= ?"
        params.append(local_time.day_start_utc(_filter_day("date_from", filters["date_from"])))
    if filters.get("date_to"):
        sql += " AND COALESCE(i.started_at, i.created_at) < ?"
        params.append(local_time.day_start_utc(_filter_day("date_to", filters["date_to"]) + dt.timedelta(days=1)))
    return sql, params


def select_for_export(
    db: Database, actor: Actor, filters: dict[str, Any], *, include_drafts: bool = False
) -> ExportSelection:
    """Every inspection matching ``filters`` in the actor's scope, sorted as the list sorts
    (``filters["sort"]``), without a cap; one query."""
    sort = filters.get("sort") or "updated"
    if sort not in SORTS:
        raise Invalid(
            bi(
                f"Cách sắp xếp '{sort}' không có; dùng: {', '.join(SORTS)}.",
                f"Unknown sort '{sort}'; use one of: {', '.join(SORTS)}.",
            ),
            code="invalid_sort",
        )
    where, params = filter_sql(actor, filters, include_drafts)
    with db.read() as tx:
        rows = tx.query(
            "SELECT i.id, i.template_id, i.template_version FROM inspections i LEFT JOIN sites s ON s.id = i.site_id"
            + where
            + f" ORDER BY {SORTS[sort]}, i.id",
            params,
        )
    keys: dict[tuple[str, int], None] = {}
    for r in rows:
        keys.setdefault((r[1], r[2]), None)
    return ExportSelection(inspection_ids=[r[0] for r in rows], template_keys=list(keys))


_RECORD_SELECT = (
    "SELECT i.id, i.site_id, s.name, s.kind, i.district, i.template_id, i.template_version, i.status, i.kind,"
    " i.score, i.result, i.inspector, i.started_at, i.submitted_at, i.created_at, i.updated_at, u.full_name,"
    " s.id, s.code, s.name, s.kind, s.district, s.address, s.parent_id, s.workers, s.contact, s.location, s.notes,"
    " s.active"
    " FROM inspections i LEFT JOIN sites s ON s.id = i.site_id LEFT JOIN users u ON u.username = i.inspector"
)


def load_records(db: Database, actor: Actor, inspection_ids: Sequence[str]) -> list[ExportRecord]:
    """The inspections ``inspection_ids`` in that order (those now outside the actor's scope
    or gone are left out): one read transaction, two queries."""
    if not inspection_ids:
        return []
    marks = ", ".join("?" for _ in inspection_ids)
    cond, scope = district_filter(actor, "i.district")
    with db.read() as tx:
        rows = tx.query(_RECORD_SELECT + f" WHERE i.id IN ({marks})" + cond, [*inspection_ids, *scope])
        # one index range per inspection; other entities (conflicts) are skipped below, since
        # a second IN on ``entity`` makes SQLite's plan three times slower
        feed = tx.query(
            f"SELECT inspection_id, entity, entity_id, field, value FROM feed WHERE inspection_id IN ({marks})",
            list(inspection_ids),
        )
    headers: dict[str, dict[str, Any]] = {}
    answer_fields: dict[str, dict[str, dict[str, Any]]] = {}
    for inspection_id, entity, entity_id, field, value in feed:
        if entity == "inspection":
            if entity_id == inspection_id:
                headers.setdefault(inspection_id, {})[field] = from_json(value)
        elif entity == "answer":
            question_id = entity_id.partition("/")[2]
            answer_fields.setdefault(inspection_id, {}).setdefault(question_id, {})[field] = from_json(value)
    by_id: dict[str, ExportRecord] = {}
    for r in rows:
        inspection_id = r[0]
        fields = answer_fields.get(inspection_id, {})
        by_id[inspection_id] = ExportRecord(
            summary=InspectionSummary(
                id=r[0],
                site_id=r[1],
                site_name=r[2],
                site_kind=r[3],
                district=r[4],
                template_id=r[5],
                template_version=r[6],
                status=r[7],
                kind=r[8],
                score=r[9],
                result=r[10],
                inspector=r[11],
                started_at=r[12],
                submitted_at=r[13],
                created_at=r[14],
                updated_at=r[15],
            ),
            inspector_name=r[16],
            site=site_from_row(r[17:]) if r[17] is not None else None,
            header=headers.get(inspection_id, {}),
            answers={qid: answer_from_fields(inspection_id, qid, f) for qid, f in fields.items()},
        )
    return [by_id[i] for i in inspection_ids if i in by_id]


def export_records(db: Database, actor: Actor, inspection_ids: Sequence[str]) -> Iterator[ExportRecord]:
    """``load_records`` of ``inspection_ids``, ``BATCH`` at a time, as a stream."""
    for start in range(0, len(inspection_ids), BATCH):
        yield from load_records(db, actor, inspection_ids[start : start + BATCH])
