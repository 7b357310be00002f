"""Inspections for supervisors and admins: list, detail, review, conflict resolution.

Field values live in the change feed (see ``sync_service``); the ``inspections`` table is
the index used for filtering. A review writes ``status`` and ``review`` to the feed so
devices get the decision, plus a row of review history and an audit entry.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from typing import Any, Literal

import msgspec

from shared_schema import protocol, scoring, workflow
from shared_schema.actions import Action
from shared_schema.errors import Code
from shared_schema.records import Answer, Review, Site, answer_from_fields
from shared_schema.sync import ConflictEntry
from sync_server.core import actions as corrective_actions
from sync_server.core import assignment_feed, audit, local_time, paging, revisions, tallies
from sync_server.core.access import Actor, district_filter, require_district, require_reviewer
from sync_server.core.db import Database, Tx, select_list, to_record, to_records
from sync_server.core.errors import Conflict, Invalid, bi, review_comment
from sync_server.core.feed import FeedWriter
from sync_server.core.revisions import PendingRevision
from sync_server.core.sites import SITE_SELECT, site_from_row
from sync_server.core.sync_service import blob_names
from sync_server.core.template_store import pinned_template
from sync_server.core.util import from_json, new_id, now_iso, to_json


class InspectionSummary(msgspec.Struct, kw_only=True):
    id: str
    site_id: str
    site_name: str | None
    site_kind: str | None
    district: str
    template_id: str | None
    template_version: int | None
    status: str | None
    kind: str | None
    score: float | None
    result: str | None
    inspector: str | None
    started_at: str | None
    submitted_at: str | None
    created_at: str
    updated_at: str
    record_number: str | None = None


class InspectionPage(msgspec.Struct, kw_only=True):
    items: list[InspectionSummary]
    total: int
    limit: int
    offset: int
    counts: dict[str, int]
    next_cursor: str | None = None  # the page after this one; None on the last page
    prev_cursor: str | None = None  # the page before; None on the first page


class InspectionFilter(msgspec.Struct, kw_only=True):
    """Which inspections a list, an export or a count is of: ``list_inspections``' filters, each
    left out when ``None`` (dates are local days, ``YYYY-MM-DD``, both inclusive)."""

    status: str | None = None
    district: str | None = None
    site_id: str | None = None
    site_kind: str | None = None
    template_id: str | None = None
    inspector: str | None = None
    result: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def given(self) -> dict[str, str | None]:
        """The filters as ``list_inspections``' keyword arguments."""
        return {name: getattr(self, name) for name in FILTER_NAMES}


FILTER_NAMES: tuple[str, ...] = InspectionFilter.__struct_fields__


class ConflictRecord(msgspec.Struct, kw_only=True):
    id: str
    entry: ConflictEntry
    resolved: bool
    resolved_by: str | None = None
    resolved_at: str | None = None


class ReviewRecord(msgspec.Struct, kw_only=True):
    id: str
    decision: str
    comment: str | None
    reviewer: str
    from_status: str | None
    to_status: str
    decided_at: str


class InspectionDetail(msgspec.Struct, kw_only=True):
    summary: InspectionSummary
    site: Site | None
    header: dict[str, Any]
    answers: list[Answer]
    conflicts: list[ConflictRecord]
    reviews: list[ReviewRecord]
    blobs: list[str]
    missing_blobs: list[str]
    # every change after the first submission, oldest first (``revisions``)
    history: list[revisions.Revision] = msgspec.field(default_factory=list)
    inspector_full_name: str | None = None
    # the corrective actions the inspection gave (signed with it: ``shared_schema.evidence``)
    actions: list[Action] = msgspec.field(default_factory=list)


SUMMARY_COLUMNS = select_list(InspectionSummary, prefix="i.", sources={"site_name": "s.name", "site_kind": "s.kind"})
_SUMMARY_SELECT = f"SELECT {SUMMARY_COLUMNS} FROM inspections i LEFT JOIN sites s ON s.id = i.site_id"


# Each sort is a keyset (paging.py) over an index of migration 0010: newest first for the
# times (an inspection not started yet sorts by its creation), lowest score first (no score
# first), site name A to Z; the inspection id breaks ties.
SORTS = {
    "updated": paging.Keyset(("i.updated_at", "i.id"), descending=True),
    "created": paging.Keyset(("i.created_at", "i.id"), descending=True),
    "started": paging.Keyset(("COALESCE(i.started_at, i.created_at)", "i.id"), descending=True),
    "score": paging.Keyset(("COALESCE(i.score, -1)", "i.id"), descending=False),
    "site": paging.Keyset(("COALESCE(s.name, '')", "i.id"), descending=False),
}
MAX_LIMIT = 500
COUNTS_TTL_SECONDS = 30.0
_counts_cache: OrderedDict[str, tuple[float, int, dict[str, int]]] = OrderedDict()
_counts_lock = threading.Lock()


def _cached_counts(key: str) -> tuple[int, dict[str, int]] | None:
    with _counts_lock:
        hit = _counts_cache.get(key)
        if hit is None or time.monotonic() - hit[0] > COUNTS_TTL_SECONDS:
            return None
        return hit[1], hit[2]


def _keep_counts(key: str, total: int, counts: dict[str, int]) -> None:
    with _counts_lock:
        _counts_cache[key] = (time.monotonic(), total, counts)
        _counts_cache.move_to_end(key)
        while len(_counts_cache) > 256:
            _counts_cache.popitem(last=False)


def _filter_day(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise Invalid(
            bi(
                f"Ngày '{value}' ({name}) không hợp lệ; hãy nhập theo dạng YYYY-MM-DD.",
                f"The date '{value}' ({name}) is not valid; write it as YYYY-MM-DD.",
            ),
            code=Code.INVALID_DATE,
        ) from None


def period_filter(date_from: str | None, date_to: str | None, alias: str = "i") -> tuple[str, list[str]]:
    """`` AND …`` keeping the inspections (``alias``) started (else created) from the day
    ``date_from`` to the day ``date_to``, both inclusive and either left out, and its
    parameters. Days are local days (``local_time``): the bounds are the UTC times they begin."""
    when = f"COALESCE({alias}.started_at, {alias}.created_at)"
    sql = ""
    params: list[str] = []
    if date_from:
        sql += f" AND {when} >= ?"
        params.append(local_time.day_start_utc(_filter_day("date_from", date_from)))
    if date_to:
        sql += f" AND {when} < ?"
        params.append(local_time.day_start_utc(_filter_day("date_to", date_to) + dt.timedelta(days=1)))
    return sql, params


def list_inspections(
    db: Database,
    actor: Actor,
    *,
    status: str | None = None,
    district: str | None = None,
    site_id: str | None = None,
    site_kind: str | None = None,
    template_id: str | None = None,
    inspector: str | None = None,
    result: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    sort: str = "updated",
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> InspectionPage:
    """Inspections in the actor's scope (inspectors: their districts), filtered and paged,
    with counts per status over the same filters (without the status filter). Discarded
    drafts are left out, except for an admin who asks for them (``status="discarded"``).

    ``cursor`` (a ``next_cursor`` or ``prev_cursor`` of an earlier page of the same list) reads
    the page by keyset, as fast deep as first; ``offset`` is kept for old clients and reads
    and skips every row before the page."""
    cond, scope_params = district_filter(actor, "i.district")
    params: list[Any] = list(scope_params)
    sql = " WHERE 1 = 1" + cond
    # The page reads the sort's index in order and checks the districts row by row (``|| ''``
    # keeps the planner off the district index, which would sort the whole scope for a page).
    page_sql = " WHERE 1 = 1" + district_filter(actor, "i.district || ''")[0]
    hidden_statuses: tuple[str, ...] = ()
    if not (actor.role == "admin" and status in workflow.HIDDEN_STATUSES):
        hidden = sorted(workflow.HIDDEN_STATUSES)
        hidden_statuses = tuple(hidden)
        hidden_sql = f" AND COALESCE(i.status, '') NOT IN ({', '.join('?' for _ in hidden)})"
        sql += hidden_sql
        page_sql += hidden_sql
        params.extend(hidden)
    for column, value in (
        ("i.district", district),
        ("i.site_id", site_id),
        ("s.kind", site_kind),
        ("i.template_id", template_id),
        ("i.inspector", inspector),
        ("i.result", result),
    ):
        if value:
            sql += f" AND {column} = ?"
            page_sql += f" AND {column} || '' = ?" if column == "i.district" else f" AND {column} = ?"
            params.append(value)
    period, period_params = period_filter(date_from, date_to)
    sql += period
    page_sql += period
    params += period_params
    paging.require_sort(sort, SORTS)
    args = paging.page_args(limit, offset, cursor, MAX_LIMIT)
    keyset = SORTS[sort]
    finger = paging.fingerprint("inspections", sort, status, params)
    before, from_cursor = False, args.cursor is not None
    joined = " LEFT JOIN sites s ON s.id = i.site_id" if site_kind else ""
    base = " FROM inspections i" + joined + sql
    status_sql, status_params = ("", []) if not status else (" AND i.status = ?", [status])
    page_sql, page_params = page_sql + status_sql, [*params, *status_params]
    if args.cursor is not None:
        before, key = paging.decode_cursor(args.cursor, finger, len(keyset.columns))
        page_sql += keyset.where(before)
        page_params += key
    select = _SUMMARY_SELECT.replace(" FROM inspections i", f", {keyset.columns[0]} AS sort_key FROM inspections i", 1)
    tail = " LIMIT ?" if from_cursor else " LIMIT ? OFFSET ?"
    tail_params = [args.limit + 1] if from_cursor else [args.limit + 1, args.offset]
    tallied = {"district": district, "site_kind": site_kind, "template_id": template_id, "result": result}
    by_tally = not (site_id or inspector or date_from or date_to)
    with db.read() as tx:
        # Counts come from the tally kept as inspections change (``tallies``): a few summary
        # rows, exact, whatever the history. Filters the tally does not hold (a site, an
        # inspector, dates) count the rows over their index once, for a first page; later pages
        # of the same list reuse them for COUNTS_TTL_SECONDS (they may lag new rows by that much).
        counted = None if by_tally or not from_cursor else _cached_counts(finger)
        if by_tally:
            counts = {
                (k or "none"): n
                for k, n in tallies.status_counts(
                    tx, actor, {k: v for k, v in tallied.items() if v}, hidden=hidden_statuses
                ).items()
            }
        elif counted is None:
            counts = {
                r["status"] or "none": r["n"]
                for r in tx.query("SELECT i.status, COUNT(*) AS n" + base + " GROUP BY i.status", params)
            }
        if counted is None:
            # "none" keys the rows without a status; no row has the status "none" itself
            total = sum(counts.values()) if not status else 0 if status == "none" else counts.get(status, 0)
            if not by_tally:
                _keep_counts(finger, total, counts)
        else:
            total, counts = counted
        rows = tx.query(select + page_sql + keyset.order_by(before) + tail, [*page_params, *tail_params])
    win = paging.window(rows, args, before, finger, lambda r: (r["sort_key"], r["id"]), from_cursor)
    return InspectionPage(
        items=to_records(InspectionSummary, win.rows),
        total=total,
        limit=args.limit,
        offset=0 if from_cursor else args.offset,
        counts=counts,
        next_cursor=win.next_cursor,
        prev_cursor=win.prev_cursor,
    )


def _load_summary(tx: Tx, actor: Actor, inspection_id: str) -> InspectionSummary:
    row = tx.record(InspectionSummary, _SUMMARY_SELECT + " WHERE i.id = ?", (inspection_id,))
    require_district(actor, row.district if row is not None else None, "biên bản", "inspection", found=row is not None)
    assert row is not None
    return row


def _answers(tx: Tx, inspection_id: str) -> dict[str, Answer]:
    fields: dict[str, dict[str, Any]] = {}
    for r in tx.query(
        "SELECT entity_id, field, value FROM feed WHERE inspection_id = ? AND entity = 'answer'", (inspection_id,)
    ):
        fields.setdefault(protocol.question_of_answer(r["entity_id"]), {})[r["field"]] = from_json(r["value"])
    return {qid: answer_from_fields(inspection_id, qid, f) for qid, f in fields.items()}


def _header(tx: Tx, inspection_id: str) -> dict[str, Any]:
    return {
        r["field"]: from_json(r["value"])
        for r in tx.query(
            "SELECT field, value FROM feed WHERE entity = 'inspection' AND entity_id = ?", (inspection_id,)
        )
    }


def _blob_state(
    tx: Tx, summary: InspectionSummary, answers: dict[str, Answer], header: dict[str, Any]
) -> tuple[list[str], list[str]]:
    template = (
        pinned_template(tx, summary.template_id, summary.template_version)
        if summary.template_id and summary.template_version
        else None
    )
    names = sorted(blob_names(template, answers, header.get("signatures")))
    if not names:
        return [], []
    marks = ", ".join("?" for _ in names)
    have = set(tx.scalars(f"SELECT sha256 FROM blobs WHERE complete = 1 AND sha256 IN ({marks})", names))
    return names, [n for n in names if n not in have]


_CONFLICT_COLUMNS = select_list(ConflictRecord)


def _conflict_record(r: Any) -> ConflictRecord:
    """A conflict-log row holding ``_CONFLICT_COLUMNS`` as a record (its entry decoded)."""
    record = to_record(ConflictRecord, r)
    record.entry = msgspec.json.decode(r["entry"], type=ConflictEntry)
    return record


def _conflicts(tx: Tx, inspection_id: str) -> list[ConflictRecord]:
    return [
        _conflict_record(r)
        for r in tx.query(
            f"SELECT {_CONFLICT_COLUMNS} FROM conflicts WHERE inspection_id = ? ORDER BY recorded_at, id",
            (inspection_id,),
        )
    ]


def get_inspection(db: Database, actor: Actor, inspection_id: str) -> InspectionDetail:
    with db.read() as tx:
        summary = _load_summary(tx, actor, inspection_id)
        site_row = tx.one(SITE_SELECT + " WHERE id = ?", (summary.site_id,))
        answers = _answers(tx, inspection_id)
        header = _header(tx, inspection_id)
        names, missing = _blob_state(tx, summary, answers, header)
        reviews = tx.records(
            ReviewRecord,
            f"SELECT {select_list(ReviewRecord)} FROM reviews WHERE inspection_id = ? ORDER BY decided_at, id",
            (inspection_id,),
        )
        conflicts = _conflicts(tx, inspection_id)
        history = revisions.read(tx, inspection_id)
        actions = corrective_actions.inspection_actions(tx, inspection_id)
        full_name = (
            tx.scalar("SELECT full_name FROM users WHERE username = ?", (summary.inspector,))
            if summary.inspector
            else None
        )
    return InspectionDetail(
        summary=summary,
        site=site_from_row(site_row) if site_row else None,
        header=header,
        answers=sorted(answers.values(), key=lambda a: a.question_id),
        conflicts=conflicts,
        reviews=reviews,
        blobs=names,
        missing_blobs=missing,
        history=history,
        inspector_full_name=full_name,
        actions=actions,
    )


# what a decision that needs a comment says when it has none
_COMMENT_NEEDED = {
    "return": bi(
        "Trả lại biên bản cần ghi rõ cần sửa gì (comment).",
        "Returning an inspection needs a comment saying what to fix.",
    ),
    "reject": bi(
        "Không chấp nhận biên bản cần ghi rõ lý do (comment) để người kiểm tra biết.",
        "Rejecting an inspection needs a comment saying why, so the inspector knows.",
    ),
}


def review(
    db: Database,
    actor: Actor,
    inspection_id: str,
    decision: Literal["approve", "return", "reject"],
    comment: str | None = None,
) -> InspectionDetail:
    """Approve, return or reject (both with a comment) a submitted inspection. Approval is refused
    while a blob the inspection names is missing or a conflict is open."""
    require_reviewer(actor)
    if decision not in workflow.DECISION_STATUS:
        raise Invalid(
            bi("Quyết định phải là approve, return hoặc reject.", "The decision must be approve, return or reject."),
            code=Code.INVALID_DECISION,
        )
    comment = review_comment(comment, _COMMENT_NEEDED.get(decision))
    target = workflow.DECISION_STATUS[decision]
    with db.write() as tx:
        summary = _load_summary(tx, actor, inspection_id)
        if summary.status == target:
            label = workflow.STATUS_LABELS[target]
            raise Conflict(
                bi(f"Biên bản đã ở trạng thái '{label.vi}'.", f"The inspection is already '{label.en}'."),
                code=Code.INVALID_TRANSITION,
            )
        problem = workflow.transition_problem(summary.status, target, actor.role)
        if problem is not None:
            raise Conflict(bi(problem.vi, problem.en), code=Code.INVALID_TRANSITION)
        if decision == "approve":
            answers = _answers(tx, inspection_id)
            _, missing = _blob_state(tx, summary, answers, _header(tx, inspection_id))
            if missing:
                raise Conflict(
                    bi(
                        f"Chưa duyệt được: máy chủ còn thiếu {len(missing)} ảnh/chữ ký; hãy đợi thiết bị đồng bộ xong.",
                        f"Cannot approve yet: {len(missing)} photo(s)/signature(s) have not reached the server; "
                        "wait until the device has synced.",
                    ),
                    code=Code.BLOBS_MISSING,
                )
            open_count = tx.scalar(
                "SELECT COUNT(*) FROM conflicts WHERE inspection_id = ? AND resolved = 0", (inspection_id,)
            )
            if open_count:
                raise Conflict(
                    bi(
                        f"Chưa duyệt được: còn {open_count} xung đột chưa xử lý; hãy xem và đánh dấu đã xử lý.",
                        f"Cannot approve yet: {open_count} conflict(s) are open; review and resolve them first.",
                    ),
                    code=Code.CONFLICTS_OPEN,
                )
        decided_at = now_iso()
        rev = Review(decision=decision, comment=comment, reviewer=actor.username, decided_at=decided_at)
        feed = FeedWriter(tx)
        for name, value in (("status", target), ("review", msgspec.to_builtins(rev))):
            feed.put_server(
                ("inspection", inspection_id, name),
                to_json(value),
                district=summary.district,
                inspection_id=inspection_id,
                writer_user=actor.username,
            )
        tx.execute(
            "UPDATE inspections SET status = ?, updated_at = ? WHERE id = ?", (target, decided_at, inspection_id)
        )
        revisions.save(
            tx,
            [
                PendingRevision(
                    inspection_id,
                    "inspection",
                    inspection_id,
                    "status",
                    to_json(summary.status),
                    to_json(target),
                    actor.username,
                    None,
                    "review",
                )
            ],
        )
        tx.execute(
            "INSERT INTO reviews (id, inspection_id, decision, comment, reviewer, reviewer_id, from_status, to_status,"
            " decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                inspection_id,
                decision,
                comment,
                actor.username,
                actor.user_id,
                summary.status,
                target,
                decided_at,
            ),
        )
        assignment_feed.refresh(tx, feed, [inspection_id])  # plans: approved → verified
        feed.flush()
        audit.record(tx, actor, f"inspection.{decision}", "inspection", inspection_id, {"comment": comment})
    return get_inspection(db, actor, inspection_id)


def _keep_loser(tx: Tx, actor: Actor, entry: ConflictEntry, district: str | None, inspection_id: str) -> None:
    """A supervisor's resolution by the value that lost: written with the server's clock (so it
    reaches every device), score and result recomputed, and kept in the revision history when
    the record was submitted before. Refused on an approved, rejected or discarded record."""
    row = tx.one(
        "SELECT status, template_id, template_version, first_submitted_at FROM inspections WHERE id = ?",
        (inspection_id,),
    )
    if row is None or entry.entity not in ("answer", "inspection") or entry.field == "status":
        raise Invalid(
            bi("Không dùng được giá trị này để xử lý xung đột.", "This value cannot be used to resolve the conflict."),
            code=Code.INVALID_RESOLUTION,
        )
    if row["status"] in ("approved", "rejected", "discarded"):
        why = workflow.lock_reason(row["status"])
        raise Conflict(bi(why.vi, why.en), code=Code.LOCKED)
    key = (entry.entity, entry.entity_id, entry.field)
    old = tx.scalar("SELECT value FROM feed WHERE entity = ? AND entity_id = ? AND field = ?", key)
    new = to_json(entry.loser_value)
    feed = FeedWriter(tx)
    feed.put_server(key, new, district=district, inspection_id=inspection_id, writer_user=actor.username)
    pinned = row["template_id"], row["template_version"]
    template = pinned_template(tx, *pinned) if all(pinned) else None
    if template is not None and entry.entity == "answer":
        values = {qid: a.value for qid, a in _answers(tx, inspection_id).items()}
        if entry.field == "value":
            values[protocol.question_of_answer(entry.entity_id)] = entry.loser_value
        result = scoring.score(template, values)
        for name, value in (("score", result.score), ("result", result.result)):
            feed.put_server(
                ("inspection", inspection_id, name), to_json(value), district=district, inspection_id=inspection_id
            )
        tx.execute(
            "UPDATE inspections SET score = ?, result = ?, updated_at = ? WHERE id = ?",
            (result.score, result.result, now_iso(), inspection_id),
        )
    feed.flush()
    if row["first_submitted_at"] is not None and old != new:
        revisions.save(
            tx,
            [PendingRevision(inspection_id, key[0], key[1], key[2], old, new, actor.username, None, "resolution")],
        )


def resolve_conflict(
    db: Database, actor: Actor, conflict_id: str, keep: Literal["winner", "loser"] = "winner"
) -> ConflictRecord:
    """Mark a conflict-log entry as seen and settled (supervisors and admins in scope); the
    updated entry travels to devices. ``keep="loser"`` settles it by the value that lost: the
    supervisor's own change, recorded in the revision history."""
    require_reviewer(actor)
    if keep not in ("winner", "loser"):
        raise Invalid(
            bi("keep phải là winner hoặc loser.", "keep must be winner or loser."), code=Code.INVALID_RESOLUTION
        )
    with db.write() as tx:
        row = tx.one("SELECT id, district, inspection_id, entry, resolved FROM conflicts WHERE id = ?", (conflict_id,))
        require_district(
            actor, row["district"] if row is not None else None, "xung đột", "conflict", found=row is not None
        )
        assert row is not None
        entry = msgspec.json.decode(row["entry"], type=ConflictEntry)
        stamp = now_iso()
        if not row["resolved"] and keep == "loser" and row["inspection_id"] is not None:
            _keep_loser(tx, actor, entry, row["district"], row["inspection_id"])
        if not row["resolved"]:
            entry = msgspec.structs.replace(entry, resolved=True)
            text = to_json(entry)
            tx.execute(
                "UPDATE conflicts SET resolved = 1, entry = ?, resolved_by = ?, resolved_at = ? WHERE id = ?",
                (text, actor.username, stamp, conflict_id),
            )
            feed = FeedWriter(tx)
            feed.put_server(
                ("conflict", conflict_id, "entry"),
                text,
                district=row["district"],
                inspection_id=row["inspection_id"],
                writer_user=actor.username,
            )
            feed.flush()
            audit.record(tx, actor, "conflict.resolve", "conflict", conflict_id, {"keep": keep})
        r = tx.one("SELECT resolved_by, resolved_at FROM conflicts WHERE id = ?", (conflict_id,))
    return ConflictRecord(
        id=conflict_id, entry=entry, resolved=True, resolved_by=r["resolved_by"], resolved_at=r["resolved_at"]
    )


def list_conflicts(db: Database, actor: Actor, *, open_only: bool = True, limit: int = 100) -> list[ConflictRecord]:
    require_reviewer(actor)
    cond, params = district_filter(actor, "district")
    sql = f"SELECT {_CONFLICT_COLUMNS} FROM conflicts WHERE 1 = 1" + cond
    if open_only:
        sql += " AND resolved = 0"
    with db.read() as tx:
        rows = tx.query(sql + " ORDER BY recorded_at DESC LIMIT ?", [*params, min(max(limit, 1), 1000)])
    return [_conflict_record(r) for r in rows]
