"""Push and pull (docs/PROTOCOL.md §4, §5, §6, §7).

Storage decision: the compacted change feed (``feed``) is the ONE store of field values for
inspections, answers and device-editable site fields: a pushed change is a single upsert of
its ``(entity, entity_id, field)`` row, and pull reads the same rows. The ``inspections``
table is an index beside it, written in the same transaction, holding only what listing
filters and the rules need quickly (site, district, pinned template, status, score, result).
Keeping answers only in the feed avoids writing every answer twice (push ingest speed) and
makes it impossible for a pulled value and a stored value to disagree.

A push is one write transaction: the client's ``last_seq`` is read and updated in it, every
change is merged, the derived fields (score, result, risk index) are recomputed once per
touched inspection, and the feed rows are written with sequence numbers in commit order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from shared_schema import clock as hlc_clock
from shared_schema import protocol, scoring, validation, workflow
from shared_schema.checklist import ChecklistTemplate, PhotoQuestion, SignatureQuestion
from shared_schema.errors import FieldProblem
from shared_schema.merge import Edit, FieldState, Outcome, merge_field
from shared_schema.records import Answer
from shared_schema.sync import Change, ChangeResult, ConflictEntry, PushReply, PushRequest
from sync_server.core import audit
from sync_server.core.access import Actor, can_see_district, visible_districts
from sync_server.core.db import Database, Tx
from sync_server.core.errors import BadRequest, Conflict, Invalid, TooLarge, bi
from sync_server.core.feed import UNDECODED, FeedKey, FeedWriter, Held, read_held
from sync_server.core.template_store import has_published, pinned_template, template_status
from sync_server.core.util import from_json, new_id, now_iso, now_ms, to_json

SITE_SERVER_FIELDS = frozenset({"code", "name", "kind", "district", "address", "parent_id", "notes", "active"})
SERVER_ONLY = {
    "inspection": protocol.INSPECTION_SERVER_FIELDS,
    "answer": frozenset(),
    "site": SITE_SERVER_FIELDS,
}
_NODE_OK = hlc_clock.is_valid  # a clock string names its node; the client id must be a valid node


# --- request checks (before any transaction) ----------------------------------------------


def check_protocol(version: int | None) -> None:
    if version not in protocol.SUPPORTED_PROTOCOLS:
        supported = sorted(protocol.SUPPORTED_PROTOCOLS)
        raise BadRequest(
            bi(
                f"Phiên bản giao thức {version} không được hỗ trợ (máy chủ hỗ trợ {supported}). "
                "Hãy cập nhật ứng dụng; các thay đổi chưa gửi vẫn được giữ trên máy.",
                f"Protocol version {version} is not supported (the server supports {supported}). "
                "Update the app; unsent changes stay on the device.",
            ),
            code="protocol_unsupported",
            supported_protocols=supported,
        )


def _problem(i: int, what: str, message: str, code: str) -> FieldProblem:
    return FieldProblem(field=f"changes[{i}].{what}", message=message, code=code)


def check_request(req: PushRequest) -> None:
    """Refuse a malformed push whole (nothing is applied): 400/413/422 with every problem."""
    check_protocol(req.protocol)
    if len(req.changes) > protocol.MAX_CHANGES_PER_PUSH:
        raise TooLarge(
            bi(
                f"Một lần gửi tối đa {protocol.MAX_CHANGES_PER_PUSH} thay đổi; lần này có {len(req.changes)}. "
                "Hãy chia nhỏ lần gửi.",
                f"A push holds at most {protocol.MAX_CHANGES_PER_PUSH} changes; this one has {len(req.changes)}. "
                "Send them in smaller batches.",
            ),
            code="too_many_changes",
        )
    if not _NODE_OK(f"{0:015d}-{0:05d}-{req.client_id}") or req.client_id == protocol.SERVER_NODE:
        raise Invalid(
            bi(
                "Mã thiết bị (client_id) không hợp lệ: 1–64 ký tự chữ, số, '_', '.', ':' hoặc '-'.",
                "The client_id is invalid: 1–64 letters, digits, '_', '.', ':' or '-'.",
            ),
            code="invalid_client_id",
            errors=[FieldProblem(field="client_id", message="invalid client id", code="invalid_client_id")],
        )
    problems: list[FieldProblem] = []
    for i, c in enumerate(req.changes):
        writable = protocol.DEVICE_WRITABLE.get(c.entity)
        if writable is None:
            problems.append(
                _problem(
                    i,
                    "entity",
                    f"Unknown entity '{c.entity}'; a device writes {', '.join(sorted(protocol.DEVICE_WRITABLE))}.",
                    "unknown_entity",
                )
            )
            continue
        if c.field not in writable and c.field not in SERVER_ONLY[c.entity]:
            problems.append(
                _problem(
                    i,
                    "field",
                    f"The entity '{c.entity}' has no field '{c.field}'; known fields: {', '.join(sorted(writable))}.",
                    "unknown_field",
                )
            )
        if not c.entity_id or len(c.entity_id) > 200:
            problems.append(_problem(i, "entity_id", "entity_id must have 1–200 characters.", "invalid_id"))
        elif c.entity == "answer":
            try:
                protocol.split_answer_entity_id(c.entity_id)
            except ValueError as exc:
                problems.append(_problem(i, "entity_id", str(exc), "invalid_id"))
        if not hlc_clock.is_valid(c.hlc):
            problems.append(
                _problem(
                    i,
                    "hlc",
                    f"Clock {c.hlc[:80]!r} is not of the form '<15-digit ms>-<5-digit counter>-<client_id>'.",
                    "invalid_clock",
                )
            )
        elif c.hlc[22:] != req.client_id:  # the node part of '<15 digits>-<5 digits>-<node>'
            problems.append(_problem(i, "hlc", "The clock's node must be this device's client_id.", "invalid_clock"))
        if c.base_hlc is not None and not hlc_clock.is_valid(c.base_hlc):
            problems.append(_problem(i, "base_hlc", "base_hlc is not a valid clock.", "invalid_clock"))
        if c.client_seq < 1:
            problems.append(_problem(i, "client_seq", "client_seq starts at 1.", "invalid_seq"))
    if problems:
        raise Invalid(
            bi(
                f"Gói đồng bộ có {len(problems)} lỗi và không được áp dụng; hãy cập nhật ứng dụng.",
                f"The push has {len(problems)} problem(s) and was not applied; update the app.",
            ),
            code="malformed_push",
            errors=problems,
        )


# --- the state a push works on -------------------------------------------------------------


@dataclass(slots=True)
class InspectionRow:
    id: str
    site_id: str
    district: str
    template_id: str | None = None
    template_version: int | None = None
    status: str | None = None
    kind: str | None = None
    score: float | None = None
    result: str | None = None
    inspector: str | None = None
    created_by: str | None = None
    started_at: str | None = None
    submitted_at: str | None = None
    is_new: bool = False
    dirty: bool = False


_INSPECTION_COLUMNS = (
    "id, site_id, district, template_id, template_version, status, kind, score, result, "
    "inspector, created_by, started_at, submitted_at"
)


def _inspection_from_row(r: Any) -> InspectionRow:
    return InspectionRow(*[r[i] for i in range(13)])


@dataclass(slots=True)
class SiteRow:
    id: str
    district: str
    active: bool


class _Reject(Exception):
    def __init__(self, code: str, vi: str, en: str, restamp: bool = True):
        super().__init__(code)
        self.code = code
        self.reason = bi(vi, en)
        self.restamp = restamp


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class PushContext:
    tx: Tx
    actor: Actor
    client_id: str
    feed: FeedWriter
    now: int
    inspections: dict[str, InspectionRow | None] = field(default_factory=dict)
    sites: dict[str, SiteRow | None] = field(default_factory=dict)
    held: dict[FeedKey, Held | None] = field(default_factory=dict)
    answer_keys: dict[str, set[FeedKey]] = field(default_factory=dict)
    templates: dict[tuple[str, int], ChecklistTemplate | None] = field(default_factory=dict)
    question_maps: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    template_states: dict[tuple[str, int | None], str | None] = field(default_factory=dict)
    # inspections whose blob names may have changed in this push
    blobs_touched: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)
    ahead: set[int] = field(default_factory=set)
    _visible: dict[str | None, bool] = field(default_factory=dict)
    # inspections whose feed rows are all in ``held`` (loaded by ``preload``)
    preloaded: set[str] = field(default_factory=set)

    def visible(self, district: str | None) -> bool:
        seen = self._visible.get(district)
        if seen is None:
            seen = self._visible[district] = can_see_district(self.actor, district)
        return seen

    # -- loading --
    def preload(self, changes: list[Change]) -> None:
        ids: set[str] = set()
        for c in changes:
            if c.entity == "inspection":
                ids.add(c.entity_id)
            elif c.entity == "answer":
                ids.add(c.entity_id.partition("/")[0])
        id_list = sorted(ids)
        for chunk in _chunks(id_list):
            marks = ", ".join("?" for _ in chunk)
            for r in self.tx.query(f"SELECT {_INSPECTION_COLUMNS} FROM inspections WHERE id IN ({marks})", chunk):
                self.inspections[r[0]] = _inspection_from_row(r)
            for r in self.tx.query(
                "SELECT entity, entity_id, field, value, hlc, writer_client, writer_user, inspection_id FROM feed"
                f" WHERE inspection_id IN ({marks})",
                chunk,
            ):
                key = (r[0], r[1], r[2])
                self.held[key] = Held(r[3], r[4], r[5], r[6])
                if r[0] == "answer":
                    self.answer_keys.setdefault(r[7], set()).add(key)
        for i in id_list:
            self.inspections.setdefault(i, None)
        self.preloaded.update(id_list)

    def inspection(self, inspection_id: str) -> InspectionRow | None:
        if inspection_id not in self.inspections:
            r = self.tx.one(f"SELECT {_INSPECTION_COLUMNS} FROM inspections WHERE id = ?", (inspection_id,))
            self.inspections[inspection_id] = None if r is None else _inspection_from_row(r)
        return self.inspections[inspection_id]

    def site(self, site_id: str) -> SiteRow | None:
        if site_id not in self.sites:
            r = self.tx.one("SELECT id, district, active FROM sites WHERE id = ?", (site_id,))
            self.sites[site_id] = None if r is None else SiteRow(r[0], r[1], bool(r[2]))
        return self.sites[site_id]

    def get_held(self, key: FeedKey, inspection_id: str | None) -> Held | None:
        if key in self.held:
            return self.held[key]
        if inspection_id is not None and inspection_id in self.preloaded:
            return None  # every feed row of a preloaded inspection is already in ``held``
        found = read_held(self.tx, key)
        self.held[key] = found
        return found

    def template(self, insp: InspectionRow) -> ChecklistTemplate | None:
        if insp.template_id is None or insp.template_version is None:
            return None
        key = (insp.template_id, insp.template_version)
        if key not in self.templates:
            self.templates[key] = pinned_template(self.tx, *key)
        return self.templates[key]

    def questions(self, template: ChecklistTemplate) -> dict[str, Any]:
        key = (template.template_id, template.version)
        qmap = self.question_maps.get(key)
        if qmap is None:
            qmap = self.question_maps[key] = template.question_map()
        return qmap

    # -- writing --
    def write(
        self,
        key: FeedKey,
        value_json: str | None,
        hlc: str,
        district: str | None,
        inspection_id: str | None,
        *,
        server: bool = False,
        data: Any = UNDECODED,
    ) -> None:
        writer_client = protocol.SERVER_NODE if server else self.client_id
        self.feed.put(
            key,
            value_json,
            hlc,
            writer_client=writer_client,
            writer_user=self.actor.username,
            district=district,
            inspection_id=inspection_id,
        )
        self.held[key] = Held(value_json, hlc, writer_client, self.actor.username, data)
        if key[0] == "answer" and inspection_id is not None:
            self.answer_keys.setdefault(inspection_id, set()).add(key)

    def write_server(self, key: FeedKey, value: Any, district: str | None, inspection_id: str | None) -> None:
        self.write(key, to_json(value), self.feed.stamp(), district, inspection_id, server=True, data=value)

    # -- derived views --
    def answers(self, inspection_id: str) -> dict[str, Answer]:
        fields: dict[str, dict[str, Any]] = {}
        for key in self.answer_keys.get(inspection_id, ()):
            held = self.held.get(key)
            if held is None:
                continue
            qid = key[1].partition("/")[2]
            fields.setdefault(qid, {})[key[2]] = held.decoded()
        out: dict[str, Answer] = {}
        for qid, f in fields.items():
            out[qid] = Answer(
                inspection_id=inspection_id,
                question_id=qid,
                value=f.get("value"),
                note=f.get("note"),
                photos=f.get("photos") or [],
                corrective_action=f.get("corrective_action"),
                due_date=f.get("due_date"),
            )
        return out

    def values(self, inspection_id: str) -> dict[str, Any]:
        """Question id → answer value, for scoring."""
        out: dict[str, Any] = {}
        for key in self.answer_keys.get(inspection_id, ()):
            if key[2] == "value":
                held = self.held.get(key)
                if held is not None:
                    out[key[1].partition("/")[2]] = held.decoded()
        return out

    def template_state(self, template_id: str, version: int | None) -> str | None:
        """``published``/``retired``/``draft`` of a version (any published version when
        ``version`` is None), cached for the request."""
        key = (template_id, version)
        if key not in self.template_states:
            if version is None:
                self.template_states[key] = "published" if has_published(self.tx, template_id) else None
            else:
                self.template_states[key] = template_status(self.tx, template_id, version)
        return self.template_states[key]


# --- push -----------------------------------------------------------------------------------


def push(db: Database, actor: Actor, req: PushRequest) -> PushReply:
    """Apply a push exactly once (see the module docstring); raises ``Conflict`` (409,
    ``sequence_gap``) when the first new change does not follow ``last_seq``."""
    check_request(req)
    with db.write() as tx:
        row = tx.one("SELECT last_seq FROM clients WHERE client_id = ?", (req.client_id,))
        last_seq = row[0] if row is not None else 0
        expected = last_seq + 1
        for i in range(1, len(req.changes)):
            if req.changes[i].client_seq != req.changes[i - 1].client_seq + 1:
                raise _gap(expected, req.changes[i].client_seq, inside=True)
        new = [c for c in req.changes if c.client_seq > last_seq]
        if new and new[0].client_seq != expected:
            raise _gap(expected, new[0].client_seq, inside=False)
        if not new:  # a replay: answer from the bookkeeping, write nothing
            results = [ChangeResult(change_id=c.change_id, status="duplicate") for c in req.changes]
            return PushReply(
                acked_seq=last_seq, results=results, cursor=tx.scalar(tx.dialect.max_seq), server_time_ms=now_ms()
            )
        ctx = PushContext(tx=tx, actor=actor, client_id=req.client_id, feed=FeedWriter(tx), now=now_ms())
        ctx.preload(new)
        # The server clock observes the latest acceptable device clock once, before it stamps
        # anything, so every server stamp of this push comes after every edit in it.
        ctx.ahead = {c.client_seq for c in new if _ahead(c.hlc, ctx.now)}
        acceptable = [c.hlc for c in new if c.client_seq not in ctx.ahead]
        if acceptable:
            ctx.feed.observe(max(acceptable))
        results: list[ChangeResult] = []
        rejected = 0
        for c in req.changes:
            if c.client_seq <= last_seq:
                results.append(ChangeResult(change_id=c.change_id, status="duplicate"))
                continue
            res = _apply(ctx, c)
            rejected += res.status == "rejected"
            results.append(res)
        for inspection_id in sorted(ctx.touched):
            _recompute(ctx, inspection_id)
        _save_inspections(tx, [ctx.inspections[i] for i in sorted(ctx.touched)])  # type: ignore[misc]
        acked = req.changes[-1].client_seq if req.changes and req.changes[-1].client_seq > last_seq else last_seq
        stamp = now_iso()
        if row is None:
            tx.execute(
                "INSERT INTO clients (client_id, user_id, username, app_version, last_seq, rejected_count,"
                " last_push_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (req.client_id, actor.user_id, actor.username, req.app_version, acked, rejected, stamp),
            )
        else:
            tx.execute(
                "UPDATE clients SET user_id = ?, username = ?, app_version = ?, last_seq = ?,"
                " rejected_count = rejected_count + ?, last_push_at = ? WHERE client_id = ?",
                (actor.user_id, actor.username, req.app_version, acked, rejected, stamp, req.client_id),
            )
        cursor = ctx.feed.flush()
        if new:
            audit.record(
                tx,
                actor,
                "sync.push",
                "client",
                req.client_id,
                {"changes": len(new), "rejected": rejected, "acked_seq": acked},
            )
    return PushReply(acked_seq=acked, results=results, cursor=cursor, server_time_ms=now_ms())


def _gap(expected: int, got: int, inside: bool) -> Conflict:
    where_vi = "trong gói" if inside else "đầu gói"
    return Conflict(
        bi(
            f"Thiếu thay đổi ({where_vi}): máy chủ chờ số thứ tự {expected}, nhận {got}. "
            f"Hãy gửi lại từ thay đổi số {expected}.",
            f"Changes are missing: the server expects client_seq {expected} but got {got}. "
            f"Send again from change {expected}.",
        ),
        code="sequence_gap",
        expected_seq=expected,
    )


def _ahead(hlc: str, now: int) -> bool:
    """Whether a (well-formed) clock is further ahead of ``now`` than the protocol accepts."""
    return int(hlc[:15]) - now > protocol.MAX_CLOCK_SKEW_MS


def _clock_ahead(hlc: str, now: int) -> _Reject:
    remote = hlc_clock.decode(hlc)
    try:
        hlc_clock.check_skew(remote, now, protocol.MAX_CLOCK_SKEW_MS)
        english = "The device clock is ahead of the server."
    except hlc_clock.ClockError as exc:
        english = str(exc)
    minutes = hlc_clock.skew_ms(remote, now) // 60000
    return _Reject(
        "clock_ahead",
        f"Đồng hồ của điện thoại nhanh hơn máy chủ {minutes} phút. Hãy bật chế độ ngày giờ tự động "
        "rồi gửi lại thay đổi.",
        english,
    )


def _apply(ctx: PushContext, c: Change) -> ChangeResult:
    try:
        if c.client_seq in ctx.ahead:
            raise _clock_ahead(c.hlc, ctx.now)
        if c.entity == "inspection":
            return _apply_inspection(ctx, c)
        if c.entity == "answer":
            return _apply_answer(ctx, c)
        return _apply_site(ctx, c)
    except _Reject as rej:
        if rej.restamp:
            _restamp(ctx, c)
        return ChangeResult(change_id=c.change_id, status="rejected", reason=rej.reason, code=rej.code)


def _scope_of(ctx: PushContext, c: Change) -> tuple[str | None, str | None] | None:
    """(district, inspection_id) of a change's entity when it exists and is visible."""
    if c.entity == "site":
        site = ctx.site(c.entity_id)
        return (site.district, None) if site is not None and ctx.visible(site.district) else None
    inspection_id = c.entity_id if c.entity == "inspection" else c.entity_id.partition("/")[0]
    insp = ctx.inspection(inspection_id)
    if insp is None or not ctx.visible(insp.district):
        return None
    return insp.district, insp.id


def _restamp(ctx: PushContext, c: Change) -> None:
    """Protocol §4: put the field's current server value back into the feed with a server
    clock, so the device that made the rejected edit converges by its next pull."""
    scope = _scope_of(ctx, c)
    if scope is None:
        return
    district, inspection_id = scope
    key = (c.entity, c.entity_id, c.field)
    held = ctx.get_held(key, inspection_id)
    ctx.write(key, held.value if held is not None else "null", ctx.feed.stamp(), district, inspection_id, server=True)


def _reject_invalid(bad: validation.Invalid) -> _Reject:
    return _Reject("invalid_value", bad.message.vi, bad.message.en or bad.message.vi)


def _out_of_scope(what_vi: str, what_en: str) -> _Reject:
    return _Reject(
        "out_of_scope",
        f"{what_vi} không có hoặc không thuộc các huyện bạn phụ trách.",
        f"{what_en} does not exist or is outside the districts assigned to you.",
        restamp=False,
    )


def _locked(insp: InspectionRow) -> _Reject:
    label = workflow.STATUS_LABELS[insp.status or "approved"]
    return _Reject(
        "locked",
        f"Biên bản đã ở trạng thái '{label.vi}' nên bị khóa; không sửa được nữa.",
        f"The inspection is '{label.en}' and therefore locked; it cannot be changed.",
    )


def _merge(ctx: PushContext, c: Change, district: str | None, inspection_id: str | None) -> ChangeResult:
    key = (c.entity, c.entity_id, c.field)
    held = ctx.get_held(key, inspection_id)
    decision = merge_field(None if held is None else FieldState(held.value, held.hlc), Edit(c.value, c.hlc, c.base_hlc))
    if decision.outcome is Outcome.APPLIED:
        ctx.write(key, to_json(c.value), c.hlc, district, inspection_id, data=c.value)
        status = "applied"
    elif decision.outcome is Outcome.UNCHANGED:
        return ChangeResult(
            change_id=c.change_id,
            status="duplicate",
            reason=bi("Thay đổi này đã có trên máy chủ.", "The server already holds this very edit."),
        )
    else:
        status = "superseded"
    if not decision.concurrent:
        return ChangeResult(change_id=c.change_id, status=status)
    assert held is not None
    mine = (c.value, c.hlc, ctx.client_id, ctx.actor.username)
    theirs = (from_json(held.value), held.hlc, held.writer_client, held.writer_user)
    win, lose = (mine, theirs) if status == "applied" else (theirs, mine)
    entry = ConflictEntry(
        entity=c.entity,
        entity_id=c.entity_id,
        field=c.field,
        winner_value=win[0],
        winner_hlc=win[1],
        winner_client=win[2],
        winner_user=win[3],
        loser_value=lose[0],
        loser_hlc=lose[1],
        loser_client=lose[2],
        loser_user=lose[3],
        recorded_at=now_iso(),
    )
    record_conflict(ctx, entry, district, inspection_id)
    reason = (
        bi(
            "Đã ghi đè một sửa đổi đồng thời; bản bị thay thế nằm trong nhật ký xung đột.",
            "Overwrote a concurrent edit; the replaced value is in the conflict log.",
        )
        if status == "applied"
        else bi(
            "Một sửa đổi khác mới hơn đã được giữ; giá trị của bạn nằm trong nhật ký xung đột.",
            "A later concurrent edit was kept; your value is in the conflict log.",
        )
    )
    return ChangeResult(change_id=c.change_id, status=status, reason=reason, conflict=True)  # type: ignore[arg-type]


def record_conflict(ctx: PushContext, entry: ConflictEntry, district: str | None, inspection_id: str | None) -> None:
    conflict_id = new_id()
    text = to_json(entry)
    ctx.tx.execute(
        "INSERT INTO conflicts (id, inspection_id, district, entity, entity_id, field, entry, resolved, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
        (conflict_id, inspection_id, district, entry.entity, entry.entity_id, entry.field, text, entry.recorded_at),
    )
    ctx.write(("conflict", conflict_id, "entry"), text, ctx.feed.stamp(), district, inspection_id, server=True)


# --- per entity ----------------------------------------------------------------------------


def _apply_inspection(ctx: PushContext, c: Change) -> ChangeResult:
    insp = ctx.inspection(c.entity_id)
    if insp is None:
        return _create_inspection(ctx, c)
    if not ctx.visible(insp.district):
        raise _out_of_scope("Biên bản", "The inspection")
    if c.field in protocol.INSPECTION_SERVER_FIELDS:
        raise _Reject(
            "not_permitted",
            f"Chỉ máy chủ được ghi trường '{c.field}'.",
            f"Only the server writes the field '{c.field}'.",
        )
    if workflow.is_locked(insp.status):
        raise _locked(insp)
    bad = validation.validate_header_field(c.field, c.value)
    if bad is not None:
        raise _reject_invalid(bad)
    if c.field in protocol.INSPECTION_IDENTITY_FIELDS:
        return _set_identity(ctx, insp, c)
    if c.field == "status":
        return _set_status(ctx, insp, c)
    if c.field == "signatures":
        ctx.blobs_touched.add(insp.id)
    result = _merge(ctx, c, insp.district, insp.id)
    if result.status == "applied" and c.field in ("kind", "started_at"):
        setattr(insp, c.field, c.value)
        insp.dirty = True
    ctx.touched.add(insp.id)
    return result


def _create_inspection(ctx: PushContext, c: Change) -> ChangeResult:
    if c.field != "site_id":
        raise _Reject(
            "unknown_inspection",
            "Máy chủ chưa có biên bản này; cần gửi cơ sở (site_id) trước.",
            "The server does not know this inspection yet; its site_id must be sent first.",
            restamp=False,
        )
    bad = validation.validate_header_field("site_id", c.value)
    if bad is not None:
        raise _Reject("invalid_value", bad.message.vi, bad.message.en, restamp=False)
    site = ctx.site(c.value)
    if site is None or not ctx.visible(site.district):
        raise _out_of_scope("Cơ sở", "The site")
    insp = InspectionRow(
        id=c.entity_id,
        site_id=site.id,
        district=site.district,
        inspector=ctx.actor.username,
        created_by=ctx.actor.user_id,
        is_new=True,
        dirty=True,
    )
    ctx.inspections[insp.id] = insp
    ctx.write(("inspection", insp.id, "site_id"), to_json(site.id), c.hlc, insp.district, insp.id)
    ctx.write_server(("inspection", insp.id, "inspector"), ctx.actor.username, insp.district, insp.id)
    ctx.touched.add(insp.id)
    return ChangeResult(change_id=c.change_id, status="applied")


def _set_identity(ctx: PushContext, insp: InspectionRow, c: Change) -> ChangeResult:
    current = getattr(insp, c.field)
    if current is not None:
        if current == c.value:
            return ChangeResult(change_id=c.change_id, status="applied")
        raise _Reject(
            "identity_fixed",
            f"Trường '{c.field}' của biên bản đã cố định là {current!r}; không đổi được.",
            f"The inspection's '{c.field}' is fixed at {current!r}; it cannot change.",
        )
    if c.field == "template_id":
        if ctx.template_state(c.value, None) != "published":
            raise _Reject(
                "unknown_template",
                f"Máy chủ không có bảng kiểm '{c.value}' đang dùng.",
                f"The server has no published checklist '{c.value}'.",
            )
    else:  # template_version
        if insp.template_id is None:
            raise _Reject(
                "unknown_template",
                "Cần gửi mã bảng kiểm (template_id) trước phiên bản.",
                "The template_id must be sent before the template_version.",
            )
        status = ctx.template_state(insp.template_id, c.value)
        if status != "published":
            why_vi = "đã ngừng dùng" if status == "retired" else "không có trên máy chủ"
            why_en = "is retired" if status == "retired" else "does not exist on the server"
            raise _Reject(
                "unknown_template",
                f"Phiên bản {c.value} của bảng kiểm '{insp.template_id}' {why_vi}; hãy đồng bộ và bắt đầu lại "
                "với phiên bản mới nhất.",
                f"Version {c.value} of checklist '{insp.template_id}' {why_en}; sync and start again with the "
                "latest version.",
            )
    setattr(insp, c.field, c.value)
    insp.dirty = True
    ctx.write((c.entity, c.entity_id, c.field), to_json(c.value), c.hlc, insp.district, insp.id)
    ctx.touched.add(insp.id)
    return ChangeResult(change_id=c.change_id, status="applied")


def _set_status(ctx: PushContext, insp: InspectionRow, c: Change) -> ChangeResult:
    new = c.value
    if insp.status == new:
        return ChangeResult(change_id=c.change_id, status="applied")
    if new in workflow.DECISION_STATUS.values():
        raise _Reject(
            "not_permitted",
            "Duyệt, trả lại hay không chấp nhận biên bản chỉ làm được qua màn hình duyệt, không qua đồng bộ.",
            "Approving, returning or rejecting is done by a review (POST /api/v1/inspections/{id}/review), "
            "not by sync.",
        )
    problem = workflow.transition_problem(insp.status, new, ctx.actor.role)
    if problem is not None:
        raise _Reject("invalid_transition", problem.vi, problem.en)
    if new == "submitted":
        template = ctx.template(insp)
        if template is None:
            raise _Reject(
                "unknown_template",
                "Biên bản chưa có bảng kiểm; không nộp được.",
                "The inspection has no checklist yet; it cannot be submitted.",
            )
        missing = workflow.submission_problems(template, ctx.answers(insp.id))
        if missing:
            shown = missing[:5]
            more = f" (+{len(missing) - 5})" if len(missing) > 5 else ""
            raise _Reject(
                "incomplete",
                "Chưa nộp được: " + "; ".join(m.message.vi for m in shown) + more,
                "Cannot submit yet: " + "; ".join(m.message.en for m in shown) + more,
            )
        insp.submitted_at = now_iso()
    insp.status = new
    insp.dirty = True
    # Status is a state machine, not a merged field: the server stamps it with its own clock,
    # which is after the device's clock (observed above), so every side converges to it.
    ctx.write_server(("inspection", insp.id, "status"), new, insp.district, insp.id)
    ctx.touched.add(insp.id)
    return ChangeResult(change_id=c.change_id, status="applied")


def _apply_answer(ctx: PushContext, c: Change) -> ChangeResult:
    inspection_id, _, question_id = c.entity_id.partition("/")  # checked by check_request
    insp = ctx.inspection(inspection_id)
    if insp is None:
        raise _Reject(
            "unknown_inspection",
            "Máy chủ chưa có biên bản của câu trả lời này.",
            "The server does not know the inspection of this answer.",
            restamp=False,
        )
    if not ctx.visible(insp.district):
        raise _out_of_scope("Biên bản", "The inspection")
    if workflow.is_locked(insp.status):
        raise _locked(insp)
    template = ctx.template(insp)
    if template is None:
        raise _Reject(
            "unknown_template",
            "Biên bản chưa gắn phiên bản bảng kiểm đã ban hành.",
            "The inspection is not pinned to a published checklist version.",
        )
    question = ctx.questions(template).get(question_id)
    if question is None:
        raise _Reject(
            "unknown_field",
            f"Câu hỏi '{question_id}' không có trong bảng kiểm {template.template_id} phiên bản {template.version}.",
            f"Question '{question_id}' is not in checklist {template.template_id} version {template.version}.",
        )
    bad = validation.validate_answer_field(question, c.field, c.value)
    if bad is not None:
        raise _reject_invalid(bad)
    if c.field == "photos" or (c.field == "value" and isinstance(question, (PhotoQuestion, SignatureQuestion))):
        ctx.blobs_touched.add(insp.id)
    result = _merge(ctx, c, insp.district, insp.id)
    ctx.touched.add(insp.id)
    return result


_SITE_COLUMNS = {"workers": "workers", "contact": "contact", "location": "location"}


def _apply_site(ctx: PushContext, c: Change) -> ChangeResult:
    site = ctx.site(c.entity_id)
    if site is None or not ctx.visible(site.district):
        raise _out_of_scope("Cơ sở", "The site")
    bad = validation.validate_site_field(c.field, c.value)
    if bad is not None:
        if bad.code == "not_permitted":
            raise _Reject("not_permitted", bad.message.vi, bad.message.en)
        raise _reject_invalid(bad)
    result = _merge(ctx, c, site.district, None)
    if result.status == "applied":
        column = _SITE_COLUMNS[c.field]
        stored = c.value if c.field == "workers" or c.value is None else to_json(c.value)
        ctx.tx.execute(f"UPDATE sites SET {column} = ?, updated_at = ? WHERE id = ?", (stored, now_iso(), site.id))
    return result


# --- derived fields ------------------------------------------------------------------------


def blob_names(template: ChecklistTemplate | None, answers: dict[str, Answer], signatures: Any) -> set[str]:
    """Every blob (SHA-256) an inspection names: answer photos, photo and signature answers,
    and the header signatures."""
    names: set[str] = set()
    questions = template.question_map() if template is not None else {}
    for qid, a in answers.items():
        names.update(p for p in a.photos if validation.is_sha256(p))
        q = questions.get(qid)
        if isinstance(q, PhotoQuestion) and isinstance(a.value, list):
            names.update(p for p in a.value if validation.is_sha256(p))
        elif (
            isinstance(q, SignatureQuestion)
            and isinstance(a.value, dict)
            and validation.is_sha256(a.value.get("sha256"))
        ):
            names.add(a.value["sha256"])
    if isinstance(signatures, list):
        names.update(s["sha256"] for s in signatures if isinstance(s, dict) and validation.is_sha256(s.get("sha256")))
    return names


def _recompute(ctx: PushContext, inspection_id: str) -> None:
    """Score, result and risk index (written only when they change), blob references, and
    the inspection's index row."""
    insp = ctx.inspections[inspection_id]
    assert insp is not None
    template = ctx.template(insp)
    if template is not None:
        values = ctx.values(inspection_id)
        result = scoring.score(template, values)
        derived: dict[str, Any] = {"score": result.score, "result": result.result}
        if template.risk_index is not None:
            derived["risk_index"] = msgspec.to_builtins(scoring.risk_index(template.risk_index, template, values))
        for name, value in derived.items():
            key = ("inspection", inspection_id, name)
            held = ctx.get_held(key, inspection_id)
            if held is None or held.decoded() != value:
                ctx.write_server(key, value, insp.district, inspection_id)
        if insp.score != result.score or insp.result != result.result:
            insp.score, insp.result = result.score, result.result
            insp.dirty = True
    if inspection_id in ctx.blobs_touched:
        sig_held = ctx.get_held(("inspection", inspection_id, "signatures"), inspection_id)
        names = blob_names(template, ctx.answers(inspection_id), sig_held.decoded() if sig_held else None)
        if names:
            ctx.tx.executemany(
                ctx.tx.dialect.insert_ignore.format(
                    table="blob_refs", columns="sha256, inspection_id", placeholders="?, ?"
                ),
                [(n, inspection_id) for n in sorted(names)],
            )


def _save_inspections(tx: Tx, rows: list[InspectionRow]) -> None:
    """Write the index rows of the inspections a push created or changed, in two statements."""
    stamp = now_iso()
    new = [r for r in rows if r.is_new]
    changed = [r for r in rows if not r.is_new and r.dirty]
    if new:
        tx.executemany(
            f"INSERT INTO inspections ({_INSPECTION_COLUMNS}, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.id,
                    r.site_id,
                    r.district,
                    r.template_id,
                    r.template_version,
                    r.status,
                    r.kind,
                    r.score,
                    r.result,
                    r.inspector,
                    r.created_by,
                    r.started_at,
                    r.submitted_at,
                    stamp,
                    stamp,
                )
                for r in new
            ],
        )
    touched_only = [r for r in rows if not r.is_new and not r.dirty]
    if changed:
        tx.executemany(
            "UPDATE inspections SET template_id = ?, template_version = ?, status = ?, kind = ?, score = ?, result = ?,"
            " started_at = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
            [
                (
                    r.template_id,
                    r.template_version,
                    r.status,
                    r.kind,
                    r.score,
                    r.result,
                    r.started_at,
                    r.submitted_at,
                    stamp,
                    r.id,
                )
                for r in changed
            ],
        )
    if touched_only:
        tx.executemany("UPDATE inspections SET updated_at = ? WHERE id = ?", [(stamp, r.id) for r in touched_only])
    for r in rows:
        r.is_new = False
        r.dirty = False


# --- pull -----------------------------------------------------------------------------------


def pull(db: Database, actor: Actor, cursor: int, limit: int, protocol_version: int | None) -> bytes:
    """One pull page as JSON bytes (``PullPage`` shape). Rows come out of the database as JSON
    text already (the dialect builds them), so a page is joined, not re-encoded."""
    check_protocol(protocol_version)
    if cursor < 0:
        raise Invalid(bi("cursor phải từ 0 trở lên.", "cursor must be 0 or more."), code="invalid_cursor")
    if limit < 1:
        raise Invalid(bi("limit phải từ 1 trở lên.", "limit must be 1 or more."), code="invalid_limit")
    limit = min(limit, protocol.MAX_PULL_LIMIT)
    districts = visible_districts(actor)
    params: list[Any] = [cursor]
    if districts is None:
        where = ""
    elif not districts:
        where = "AND district IS NULL"
    else:
        where = f"AND (district IS NULL OR district IN ({', '.join('?' for _ in districts)}))"
        params.extend(sorted(districts))
    filter_params = params[1:]
    params.append(limit)
    with db.read() as tx:
        count, last, body = tx.one(tx.dialect.pull_page.replace("{where}", where), params)
        # same snapshot: every sequence up to ``top`` is committed, so the cursor never skips one
        top = tx.scalar(tx.dialect.max_seq)
        has_more = (
            count == limit
            and tx.one(f"SELECT 1 FROM feed WHERE seq > ? {where} LIMIT 1", [last, *filter_params]) is not None
        )
    next_cursor = last if has_more else max(top, last or 0)
    return (
        f'{{"changes":[{body or ""}],"cursor":{next_cursor},"has_more":{"true" if has_more else "false"},'
        f'"server_time_ms":{now_ms()}}}'
    ).encode()
