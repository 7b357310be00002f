"""What an export of inspections reads, in a few set-based queries instead of one inspection
at a time (issue 19 part 3).

``select_for_export`` fixes the export before its first byte: the ids of every matching
inspection in the list's order, and the checklist versions they pinned (which give the
columns) — one query. ``export_records`` then yields the inspections in that order, loading
``BATCH`` of them per read transaction with two queries (the index rows with their site and
inspector, and every header and answer field of the feed: one JSON text per inspection of
its rows' columns, ``Dialect.export_feed``). Memory holds the id list and one batch, never
the whole export; on PostgreSQL the round trips are per batch, not per inspection.

Drafts are left out unless asked (``include_drafts``) or filtered for by status: an export
is what inspectors handed in. ``EXCLUDED_UNLESS_ASKED`` is the one list of such statuses.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from shared_schema import protocol, workflow
from shared_schema.records import Answer, Site
from sync_server.core import paging
from sync_server.core.access import Actor, district_filter
from sync_server.core.db import Database, Tx, select_list, to_records
from sync_server.core.inspections import FILTER_NAMES, SORTS, SUMMARY_COLUMNS, InspectionSummary, period_filter
from sync_server.core.sites import site_from_row

# Statuses an export leaves out unless the caller asks for them (or filters for one of them).
EXCLUDED_UNLESS_ASKED: tuple[str, ...] = ("draft", *sorted(workflow.HIDDEN_STATUSES))
BATCH = 500  # inspections loaded per read transaction


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
    if not filters.get("status"):
        # discarded drafts stay out even when drafts are asked for (an admin filters status=discarded)
        excluded = sorted(workflow.HIDDEN_STATUSES) if include_drafts else list(EXCLUDED_UNLESS_ASKED)
        sql += f" AND COALESCE(i.status, 'draft') NOT IN ({', '.join('?' for _ in excluded)})"
        params.extend(excluded)
    period, period_params = period_filter(filters.get("date_from"), filters.get("date_to"))
    return sql + period, params + period_params


def select_for_export(
    db: Database, actor: Actor, filters: dict[str, Any], *, include_drafts: bool = False
) -> ExportSelection:
    """Every inspection matching ``filters`` in the actor's scope, sorted as the list sorts
    (``filters["sort"]``), without a cap; one query."""
    sort = filters.get("sort") or "updated"
    paging.require_sort(sort, SORTS)
    where, params = filter_sql(actor, filters, include_drafts)
    with db.read() as tx:
        rows = tx.query(
            "SELECT i.id, i.template_id, i.template_version FROM inspections i LEFT JOIN sites s ON s.id = i.site_id"
            + where
            + SORTS[sort].order_by(False),
            params,
        )
    keys: dict[tuple[str, int], None] = {}
    for r in rows:
        keys.setdefault((r["template_id"], r["template_version"]), None)
    return ExportSelection(inspection_ids=[r["id"] for r in rows], template_keys=list(keys))


_RECORD_SELECT = (
    f"SELECT {SUMMARY_COLUMNS}, u.full_name AS inspector_name, {select_list(Site, prefix='s.', alias='site__')}"
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
        feed = _feed_rows(tx, inspection_ids, marks)
    by_id: dict[str, ExportRecord] = {}
    for r, summary in zip(rows, to_records(InspectionSummary, rows), strict=True):
        inspection_id = summary.id
        header, answers = _fields_of(inspection_id, feed.get(inspection_id, _NO_ROWS))
        by_id[inspection_id] = ExportRecord(
            summary=summary,
            inspector_name=r["inspector_name"],
            site=site_from_row(r, "site__") if r["site__id"] is not None else None,
            header=header,
            answers=answers,
        )
    return [by_id[i] for i in inspection_ids if i in by_id]


# One inspection's feed rows as ``Dialect.export_feed`` sends them: entity ids, fields, values
# (decoded JSON) and one character per row for the entity (``a``nswer, ``i``nspection, ``-``).
_FeedColumns = tuple[list[str], list[str], list[Any], str]
_feed_columns = msgspec.json.Decoder(_FeedColumns)
_NO_ROWS: _FeedColumns = ([], [], [], "")

ANSWER_FIELDS = frozenset({"note", "corrective_action", "due_date"})


def _fields_of(inspection_id: str, columns: _FeedColumns) -> tuple[dict[str, Any], dict[str, Answer]]:
    """The header fields and the answers of one inspection from its feed rows (the same
    answers ``answer_from_fields`` makes, built field by field)."""
    header: dict[str, Any] = {}
    answers: dict[str, Answer] = {}
    entity_ids, fields, values, kinds = columns
    question_of_answer = protocol.question_of_answer
    for kind, entity_id, field, value in zip(kinds, entity_ids, fields, values, strict=True):
        if kind == "a":
            question_id = question_of_answer(entity_id)
            answer = answers.get(question_id)
            if field == "value":
                if answer is None:
                    answers[question_id] = Answer(inspection_id=inspection_id, question_id=question_id, value=value)
                else:
                    answer.value = value
                continue
            if answer is None:
                answer = answers[question_id] = Answer(inspection_id=inspection_id, question_id=question_id)
            if field == "photos":
                answer.photos = value or []
            elif field in ANSWER_FIELDS:
                setattr(answer, field, value)
        elif kind == "i" and entity_id == inspection_id:
            header[field] = value
    return header, answers


def _feed_rows(tx: Tx, inspection_ids: Sequence[str], marks: str) -> dict[str, _FeedColumns]:
    """Every feed row of the inspections, per inspection. Each inspection's rows come as ONE
    text built by the database from the rows' columns (``Dialect.export_feed``): one JSON
    decode per inspection instead of a result row and a decode per field — the export's
    hottest path."""
    per_inspection = tx.query(tx.dialect.export_feed.format(marks=marks), list(inspection_ids))
    decode = _feed_columns.decode
    return {r["inspection_id"]: decode(r["feed_columns"]) for r in per_inspection}


def export_records(db: Database, actor: Actor, inspection_ids: Sequence[str]) -> Iterator[ExportRecord]:
    """``load_records`` of ``inspection_ids``, ``BATCH`` at a time, as a stream."""
    for start in range(0, len(inspection_ids), BATCH):
        yield from load_records(db, actor, inspection_ids[start : start + BATCH])
