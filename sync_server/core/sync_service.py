"""Push (docs/PROTOCOL.md §4, §5, §6); pull is in ``pull`` and re-exported here.

Modules of the sync service: ``push_checks`` (the request before any transaction),
``push_state`` (what a push holds inside its transaction), this module (applying each change:
merge, workflow, validation, conflicts, re-stamping), ``derived`` (score, result, blob
references, index rows) and ``pull``.

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

from shared_schema import actions as action_rules
from shared_schema import clock as hlc_clock
from shared_schema import evidence, protocol, validation, workflow
from shared_schema.checklist import ChecklistTemplate, PhotoQuestion, SignatureQuestion
from shared_schema.errors import Code
from shared_schema.merge import Edit, FieldState, Outcome, merge_field
from shared_schema.sync import Change, ChangeResult, ChangeStatus, ConflictEntry, PushReply, PushRequest
from sync_server.core import actions as corrective_actions
from sync_server.core import assignment_feed, audit, push_results, revisions
from sync_server.core.access import Actor
from sync_server.core.db import Database, Tx
from sync_server.core.derived import blob_names, recompute, save_inspections
from sync_server.core.devices import check_owner, reregister
from sync_server.core.errors import Conflict, bi
from sync_server.core.feed import FeedWriter
from sync_server.core.pull import pull
from sync_server.core.push_assignment import link_assignment
from sync_server.core.push_checks import (
    SERVER_ONLY,
    SITE_SERVER_FIELDS,
    check_protocol,
    check_request,
    inherited_clock_problems,
    malformed,
)
from sync_server.core.push_state import AnswerGate, InspectionRow, PushContext, Rejection, written_once
from sync_server.core.revisions import PendingRevision
from sync_server.core.sites import location_source
from sync_server.core.util import from_json, new_id, now_iso, now_ms, to_json

__all__ = ["SERVER_ONLY", "SITE_SERVER_FIELDS", "blob_names", "check_protocol", "check_request", "pull", "push"]


def push(db: Database, actor: Actor, req: PushRequest) -> PushReply:
    """Apply a push exactly once (see the module docstring); raises ``Conflict`` (409,
    ``sequence_gap``) when the first new change does not follow ``last_seq``, ``Forbidden``
    (403, ``client_not_yours``) when the client belongs to another user and ``Conflict`` (409,
    ``client_reregister``) when a second install reuses the client id."""
    foreign = check_request(req)
    if foreign:  # clocks of an earlier client id of this user (a re-registered device)
        with db.read() as tx:
            marks = ", ".join("?" for _ in foreign)
            owned = set(
                tx.scalars(
                    f"SELECT client_id FROM clients WHERE user_id = ? AND client_id IN ({marks})",
                    [actor.user_id, *sorted(foreign)],
                )
            )
        problems = inherited_clock_problems(foreign, owned)
        if problems:
            raise malformed(problems)
    prepared = prepare(req)
    return db.run_write(lambda tx: _push_in(tx, actor, req, prepared))


def prepare(req: PushRequest) -> dict[int, str]:
    """What each change would write to the feed if applied as sent: its value as JSON text,
    keyed by ``client_seq``. Made before the write transaction, outside the single writer's
    lane."""
    return {c.client_seq: to_json(c.value) for c in req.changes}


def _push_in(tx: Tx, actor: Actor, req: PushRequest, prepared: dict[int, str]) -> PushReply:
    """The push inside its write transaction (which concurrent pushes may share: see
    ``group_commit``; nothing here depends on being alone in it)."""
    row = tx.one("SELECT last_seq, user_id, last_change_id FROM clients WHERE client_id = ?", (req.client_id,))
    if row is not None:  # before anything that could tell a stranger about the device
        check_owner(row["user_id"], actor)
    last_seq = row["last_seq"] if row is not None else 0
    expected = last_seq + 1
    for i in range(1, len(req.changes)):
        if req.changes[i].client_seq != req.changes[i - 1].client_seq + 1:
            raise _gap(expected, req.changes[i].client_seq, inside=True)
    if row is not None and req.changes and req.changes[0].client_seq <= last_seq:
        _check_same_install(req.changes, last_seq, row["last_change_id"])
    new = [c for c in req.changes if c.client_seq > last_seq]
    if new and new[0].client_seq != expected:
        raise _gap(expected, new[0].client_seq, inside=False)
    replayed = req.changes[: len(req.changes) - len(new)]
    if not new:  # a replay: answer from the bookkeeping, write nothing
        results = push_results.duplicates(tx, req.client_id, replayed)
        return PushReply(
            acked_seq=last_seq, results=results, cursor=tx.scalar(tx.dialect.max_seq), server_time_ms=now_ms()
        )
    ctx = PushContext(tx=tx, actor=actor, client_id=req.client_id, feed=FeedWriter(tx), now=now_ms(), prepared=prepared)
    ctx.preload(new)
    # The server clock observes the latest acceptable device clock once, before it stamps
    # anything, so every server stamp of this push comes after every edit in it.
    latest_ok = ctx.now + protocol.MAX_CLOCK_SKEW_MS  # clocks are checked well-formed by check_request
    ctx.ahead = {c.client_seq for c in new if int(c.hlc[:15]) > latest_ok}
    acceptable = [c.hlc for c in new if c.client_seq not in ctx.ahead] if ctx.ahead else [c.hlc for c in new]
    if acceptable:
        ctx.feed.observe(max(acceptable))
    results = push_results.duplicates(tx, req.client_id, replayed)
    remember: list[tuple[int, ChangeResult]] = []
    rejected = 0
    for c in new:
        res = _apply(ctx, c)
        results.append(res)
        if res.status == "rejected":
            rejected += 1
            remember.append((c.client_seq, res))
        elif res.conflict:
            remember.append((c.client_seq, res))
    for inspection_id in sorted(ctx.touched):
        recompute(ctx, inspection_id)
    save_inspections(tx, [ctx.inspections[i] for i in sorted(ctx.touched)])  # type: ignore[misc]
    revisions.save(tx, ctx.revisions)
    assignment_feed.refresh(tx, ctx.feed, ctx.touched)  # plans: statuses follow linked inspections
    acked = req.changes[-1].client_seq if req.changes and req.changes[-1].client_seq > last_seq else last_seq
    push_results.save(tx, req.client_id, acked, remember)
    stamp = now_iso()
    acked_change = new[-1].change_id  # acked is the last change of the batch, which is new
    if row is None:  # the first push registers the client to its user (PROTOCOL.md §1)
        tx.execute(
            "INSERT INTO clients (client_id, user_id, username, app_version, last_seq, rejected_count,"
            " last_push_at, last_change_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (req.client_id, actor.user_id, actor.username, req.app_version, acked, rejected, stamp, acked_change),
        )
    else:
        tx.execute(
            "UPDATE clients SET app_version = ?, last_seq = ?, rejected_count = rejected_count + ?,"
            " last_push_at = ?, last_change_id = ? WHERE client_id = ?",
            (req.app_version, acked, rejected, stamp, acked_change, req.client_id),
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


def _check_same_install(changes: list[Change], last_seq: int, last_change_id: str | None) -> None:
    """A push that reaches back to or below ``last_seq`` is a retry of a batch whose reply was
    lost; the retry starts at the oldest unacknowledged change and is at least as long as the
    batch it repeats, so it holds ``last_seq`` with the change id the server acknowledged there.
    Otherwise a second install is using this client id: its sequence numbers overlap ones the
    server acknowledged for other changes (PROTOCOL.md §4). Clients from before the change id
    was remembered (``last_change_id`` null) are not checked."""
    if last_change_id is None:
        return
    index = last_seq - changes[0].client_seq  # the batch is consecutive (checked before)
    if index >= len(changes) or changes[index].change_id != last_change_id:
        raise reregister()


def _gap(expected: int, got: int, inside: bool) -> Conflict:
    where_vi = "trong gói" if inside else "đầu gói"
    return Conflict(
        bi(
            f"Thiếu thay đổi ({where_vi}): máy chủ chờ số thứ tự {expected}, nhận {got}. "
            f"Hãy gửi lại từ thay đổi số {expected}.",
            f"Changes are missing: the server expects client_seq {expected} but got {got}. "
            f"Send again from change {expected}.",
        ),
        code=protocol.SEQUENCE_GAP,
        expected_seq=expected,
    )


def _clock_ahead(hlc: str, now: int) -> Rejection:
    remote = hlc_clock.decode(hlc)
    try:
        hlc_clock.check_skew(remote, now, protocol.MAX_CLOCK_SKEW_MS)
        english = "The device clock is ahead of the server."
    except hlc_clock.ClockError as exc:
        english = str(exc)
    minutes = hlc_clock.skew_ms(remote, now) // 60000
    return Rejection(
        Code.CLOCK_AHEAD,
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
        if c.entity == "action":
            return _apply_action(ctx, c)
        return _apply_site(ctx, c)
    except Rejection as rej:
        if rej.restamp:
            _restamp(ctx, c)
        return ChangeResult(change_id=c.change_id, status="rejected", reason=rej.reason, code=rej.code)


def _scope_of(ctx: PushContext, c: Change) -> tuple[str | None, str | None] | None:
    """(district, inspection_id) of a change's entity when it exists and is visible."""
    if c.entity == "site":
        site = ctx.site(c.entity_id)
        return (site.district, None) if site is not None and ctx.visible(site.district) else None
    if c.entity == "action":
        action = ctx.action(c.entity_id)
        return (action.district, None) if action is not None and ctx.visible(action.district) else None
    inspection_id = protocol.inspection_of(c.entity, c.entity_id) or ""
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


def _reject_invalid(bad: validation.Invalid) -> Rejection:
    return Rejection(Code.INVALID_VALUE, bad.message.vi, bad.message.en or bad.message.vi)


def _out_of_scope(what_vi: str, what_en: str) -> Rejection:
    return Rejection(
        Code.OUT_OF_SCOPE,
        f"{what_vi} không có hoặc không thuộc các huyện bạn phụ trách.",
        f"{what_en} does not exist or is outside the districts assigned to you.",
        restamp=False,
    )


def _server_only(field: str) -> Rejection:
    return Rejection(
        Code.NOT_PERMITTED, f"Chỉ máy chủ được ghi trường '{field}'.", f"Only the server writes the field '{field}'."
    )


def _locked(insp: InspectionRow) -> Rejection:
    """A device's change to a submitted, approved, rejected or discarded inspection: only a
    supervisor's return reopens a submitted one (PROTOCOL.md §6)."""
    why = workflow.lock_reason(insp.status)
    return Rejection(Code.LOCKED, why.vi, why.en)


def _revised(
    ctx: PushContext, insp: InspectionRow, key: tuple[str, str, str], old: str | None, new: str | None
) -> None:
    """Keep a change to an inspection that was submitted before in its revision history
    (called only for such an inspection: see ``_merge``)."""
    if old != new:
        ctx.revisions.append(
            PendingRevision(insp.id, key[0], key[1], key[2], old, new, ctx.actor.username, ctx.client_id, "push")
        )


def _merge(ctx: PushContext, c: Change, district: str | None, insp: InspectionRow | None) -> ChangeResult:
    """Merge a change of a field (PROTOCOL.md §5) of an inspection or answer of ``insp``, or
    of a site or action (``insp`` None)."""
    key = (c.entity, c.entity_id, c.field)
    inspection_id = insp.id if insp is not None else None
    revised = insp if insp is not None and insp.first_submitted_at is not None else None
    held = ctx.get_held(key, inspection_id)
    if held is None:  # nothing held: merge_field's first rule (applied, not concurrent), without its objects
        value_json = ctx.prepared[c.client_seq]
        ctx.write(key, value_json, c.hlc, district, inspection_id, data=c.value)
        if revised is not None:
            _revised(ctx, revised, key, None, value_json)
        return ChangeResult(change_id=c.change_id, status="applied")
    decision = merge_field(FieldState(held.value, held.hlc), Edit(c.value, c.hlc, c.base_hlc))
    if decision.outcome is Outcome.APPLIED:
        value_json = ctx.prepared[c.client_seq]
        old_json = held.value
        ctx.write(key, value_json, c.hlc, district, inspection_id, data=c.value)
        if revised is not None:
            _revised(ctx, revised, key, old_json, value_json)
        status: ChangeStatus = "applied"
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
    return ChangeResult(change_id=c.change_id, status=status, reason=reason, conflict=True)


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
        raise _server_only(c.field)
    bad = validation.validate_header_field(c.field, c.value)
    if bad is not None:
        raise _reject_invalid(bad)
    if c.field == "status":  # the state machine says what a locked record may still become
        return _set_status(ctx, insp, c)
    if workflow.is_locked(insp.status):
        raise _locked(insp)
    if c.field in protocol.INSPECTION_IDENTITY_FIELDS:
        return _set_identity(ctx, insp, c)
    if c.field == "assignment_id":
        return link_assignment(ctx, insp, c)
    if c.field == protocol.MIGRATED_TO:
        return _set_migrated_to(ctx, insp, c)
    if c.field == "signatures":
        ctx.blobs_touched.add(insp.id)
    result = _merge(ctx, c, insp.district, insp)
    if result.status == "applied" and c.field in ("kind", "started_at"):
        setattr(insp, c.field, c.value)
        insp.dirty = True
    ctx.touched.add(insp.id)
    return result


def _create_inspection(ctx: PushContext, c: Change) -> ChangeResult:
    if c.field != "site_id":
        raise Rejection(
            Code.UNKNOWN_INSPECTION,
            "Máy chủ chưa có biên bản này; cần gửi cơ sở (site_id) trước.",
            "The server does not know this inspection yet; its site_id must be sent first.",
            restamp=False,
        )
    bad = validation.validate_header_field("site_id", c.value)
    if bad is not None:
        raise Rejection(Code.INVALID_VALUE, bad.message.vi, bad.message.en, restamp=False)
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


def _set_migrated_to(ctx: PushContext, insp: InspectionRow, c: Change) -> ChangeResult:
    """The link from a draft to the inspection it was moved to: written once (first write wins)."""
    if c.value == insp.id:
        raise Rejection(
            Code.INVALID_VALUE,
            "Biên bản không thể chuyển sang chính nó.",
            "An inspection cannot be moved to itself.",
        )
    held = ctx.get_held(("inspection", insp.id, c.field), insp.id)
    current = from_json(held.value) if held is not None else None
    if current is not None and current != c.value:
        raise Rejection(
            Code.IDENTITY_FIXED,
            f"Bản nháp này đã được chuyển sang biên bản {current}; không đổi được.",
            f"This draft was already moved to the inspection {current}; it cannot change.",
        )
    result = _merge(ctx, c, insp.district, insp)
    ctx.touched.add(insp.id)
    return result


def _set_identity(ctx: PushContext, insp: InspectionRow, c: Change) -> ChangeResult:
    current = getattr(insp, c.field)
    if current is not None:
        return written_once(
            c,
            current,
            f"Trường '{c.field}' của biên bản đã cố định là {current!r}; không đổi được.",
            f"The inspection's '{c.field}' is fixed at {current!r}; it cannot change.",
        )
    if c.field == "template_id":
        if ctx.template_state(c.value, None) != "published":
            raise Rejection(
                Code.UNKNOWN_TEMPLATE,
                f"Máy chủ không có bảng kiểm '{c.value}' đang dùng.",
                f"The server has no published checklist '{c.value}'.",
            )
    else:  # template_version
        if insp.template_id is None:
            raise Rejection(
                Code.UNKNOWN_TEMPLATE,
                "Cần gửi mã bảng kiểm (template_id) trước phiên bản.",
                "The template_id must be sent before the template_version.",
            )
        status = ctx.template_state(insp.template_id, c.value)
        if status != "published":
            why_vi = "đã ngừng dùng" if status == "retired" else "không có trên máy chủ"
            why_en = "is retired" if status == "retired" else "does not exist on the server"
            raise Rejection(
                Code.UNKNOWN_TEMPLATE,
                f"Phiên bản {c.value} của bảng kiểm '{insp.template_id}' {why_vi}; hãy đồng bộ và bắt đầu lại "
                "với phiên bản mới nhất.",
                f"Version {c.value} of checklist '{insp.template_id}' {why_en}; sync and start again with the "
                "latest version.",
            )
    setattr(insp, c.field, c.value)
    insp.dirty = True
    ctx.reopen_gate(insp.id)
    ctx.write((c.entity, c.entity_id, c.field), to_json(c.value), c.hlc, insp.district, insp.id)
    ctx.touched.add(insp.id)
    return ChangeResult(change_id=c.change_id, status="applied")


def _set_status(ctx: PushContext, insp: InspectionRow, c: Change) -> ChangeResult:
    new = c.value
    if insp.status == new:
        # Already held (e.g. two devices both submitted): re-stamp it with the server clock,
        # after the pusher's clock, so this device converges to the same (value, hlc) as all.
        ctx.write_server(("inspection", insp.id, "status"), new, insp.district, insp.id)
        return ChangeResult(change_id=c.change_id, status="applied")
    if new in workflow.DECISION_STATUS.values():
        raise Rejection(
            Code.NOT_PERMITTED,
            "Duyệt, trả lại hay không chấp nhận biên bản chỉ làm được qua màn hình duyệt, không qua đồng bộ.",
            "Approving, returning or rejecting is done by a review (POST /api/v1/inspections/{id}/review), "
            "not by sync.",
        )
    if workflow.is_locked(insp.status):
        raise _locked(insp)
    if new == "discarded" and insp.first_submitted_at is not None:
        raise Rejection(
            Code.LOCKED,
            f"Biên bản số {insp.record_number} đã nộp một lần nên không hủy được; hãy sửa rồi nộp lại.",
            f"Inspection no. {insp.record_number} was submitted once and cannot be discarded; correct it and "
            "submit it again.",
        )
    problem = workflow.transition_problem(insp.status, new, ctx.actor.role)
    if problem is not None:
        raise Rejection(Code.INVALID_TRANSITION, problem.vi, problem.en)
    if new == "submitted":
        template = ctx.template(insp)
        if template is None:
            raise Rejection(
                Code.UNKNOWN_TEMPLATE,
                "Biên bản chưa có bảng kiểm; không nộp được.",
                "The inspection has no checklist yet; it cannot be submitted.",
            )
        missing = workflow.submission_problems(template, ctx.answers(insp.id), _actions_of(ctx, insp.id))
        if missing:
            shown = missing[:5]
            more = f" (+{len(missing) - 5})" if len(missing) > 5 else ""
            raise Rejection(
                Code.INCOMPLETE,
                "Chưa nộp được: " + "; ".join(m.message.vi for m in shown) + more,
                "Cannot submit yet: " + "; ".join(m.message.en for m in shown) + more,
            )
        _check_signatures(ctx, insp, template)
        insp.submitted_at = now_iso()
        if insp.record_number is None:
            number, year, seq = revisions.next_record_number(ctx.tx)
            insp.record_number, insp.record_year, insp.record_seq = number, year, seq
            insp.first_submitted_at = insp.submitted_at
            ctx.write_server(("inspection", insp.id, "record_number"), number, insp.district, insp.id)
        else:
            ctx.revisions.append(
                PendingRevision(
                    insp.id,
                    "inspection",
                    insp.id,
                    "status",
                    to_json(insp.status),
                    to_json(new),
                    ctx.actor.username,
                    ctx.client_id,
                    "push",
                )
            )
    insp.status = new
    insp.dirty = True
    ctx.reopen_gate(insp.id)
    # Status is a state machine, not a merged field: the server stamps it with its own clock,
    # which is after the device's clock (observed above), so every side converges to it.
    ctx.write_server(("inspection", insp.id, "status"), new, insp.district, insp.id)
    ctx.touched.add(insp.id)
    return ChangeResult(change_id=c.change_id, status="applied")


def _check_signatures(ctx: PushContext, insp: InspectionRow, template: ChecklistTemplate) -> None:
    """Refuse a submission whose signatures were taken on other content (``stale_signature``),
    by the same rule the app applies (``shared_schema.evidence``)."""
    header = {}
    for name in (*evidence.SIGNED_HEADER_FIELDS, "signatures"):
        held = ctx.get_held(("inspection", insp.id, name), insp.id)
        if held is not None:
            header[name] = held.decoded()
    # the actions as this push leaves them: a later change to their finding fields in the same
    # push is refused ``locked`` once the status is submitted, so this is the content submitted
    stale = evidence.stale_signatures(template, header, ctx.answers(insp.id), _actions_of(ctx, insp.id))
    if stale:
        raise Rejection(
            Code.STALE_SIGNATURE,
            f"{evidence.STALE_SIGNATURE.vi} " + "; ".join(m.message.vi for m in stale) + ".",
            f"{evidence.STALE_SIGNATURE.en} " + "; ".join((m.message.en or m.message.vi) for m in stale) + ".",
        )


def _answer_gate(ctx: PushContext, inspection_id: str) -> AnswerGate:
    """What every answer of an inspection is checked against: the inspection exists, is
    visible and not locked, and is pinned to a checklist version. Raises the rejection."""
    insp = ctx.inspection(inspection_id)
    if insp is None:
        raise Rejection(
            Code.UNKNOWN_INSPECTION,
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
        raise Rejection(
            Code.UNKNOWN_TEMPLATE,
            "Biên bản chưa gắn phiên bản bảng kiểm đã ban hành.",
            "The inspection is not pinned to a published checklist version.",
        )
    return AnswerGate(insp, template, ctx.questions(template))


def _apply_answer(ctx: PushContext, c: Change) -> ChangeResult:
    inspection_id, question_id = protocol.split_answer_entity_id(c.entity_id)  # checked by check_request
    # The gate of an inspection is checked once per push and kept until its status or
    # pinned version changes (``PushContext.reopen_gate``); a rejection is never kept.
    gate = ctx.answer_gates.get(inspection_id)
    if gate is None:
        gate = ctx.answer_gates[inspection_id] = _answer_gate(ctx, inspection_id)
    insp, template = gate.inspection, gate.template
    question = gate.questions.get(question_id)
    if question is None:
        raise Rejection(
            Code.UNKNOWN_FIELD,
            f"Câu hỏi '{question_id}' không có trong bảng kiểm {template.template_id} phiên bản {template.version}.",
            f"Question '{question_id}' is not in checklist {template.template_id} version {template.version}.",
        )
    bad = validation.validate_answer_field(question, c.field, c.value)
    if bad is not None:
        raise _reject_invalid(bad)
    if c.field == "photos" or (c.field == "value" and isinstance(question, (PhotoQuestion, SignatureQuestion))):
        ctx.blobs_touched.add(insp.id)
    result = _merge(ctx, c, insp.district, insp)
    ctx.touched.add(insp.id)
    if c.field in ("corrective_action", "due_date") and result.status == "applied":
        _mirror_answer_action(ctx, insp, question_id)
    return result


def _mirror_answer_action(ctx: PushContext, insp: InspectionRow, question_id: str) -> None:
    """An answer's ``corrective_action``/``due_date`` (what an app from before actions writes)
    is kept as the action ``"{inspection_id}:{question_id}"``, the same record migration 0012
    made of earlier ones: nothing an older app sends is lost, and the board, the map and the
    summary see it. Written with the server's clock; an app that made that action itself
    merges with it (same id)."""
    answer_id = protocol.answer_entity_id(insp.id, question_id)
    text_held = ctx.get_held(("answer", answer_id, "corrective_action"), insp.id)
    due_held = ctx.get_held(("answer", answer_id, "due_date"), insp.id)
    text = text_held.decoded() if text_held is not None else None
    due = due_held.decoded() if due_held is not None else None
    action_id = action_rules.migrated_action_id(insp.id, question_id)
    row = ctx.action(action_id)
    if row is None:
        if not text and not due:
            return
        stamp = now_iso()
        row = corrective_actions.ActionRow(
            id=action_id,
            inspection_id=insp.id,
            question_id=question_id,
            site_id=insp.site_id,
            district=insp.district,
            deadline=due if isinstance(due, str) else None,
            status="open",
            fixed_on=None,
            created_by=ctx.actor.username,
            created_at=stamp,
            updated_at=stamp,
            verified_at=None,
        )
        corrective_actions.insert_row(ctx.tx, row)
        ctx.action_rows[action_id] = row
        events = corrective_actions.add_event(ctx.tx, action_id, "created", ctx.actor.username)
        fixed: list[tuple[str, object]] = [
            ("inspection_id", insp.id),
            ("question_id", question_id),
            ("site_id", insp.site_id),
            ("status", "open"),
            ("history", events),
        ]
        for name, fixed_value in fixed:
            ctx.write_server(("action", action_id, name), fixed_value, row.district, None)
    for name, value in (("description", text), ("deadline", due)):
        held = ctx.get_held(("action", action_id, name), None)
        if held is None or held.decoded() != value:
            ctx.write_server(("action", action_id, name), value, row.district, None)
    if row.deadline != due and (due is None or isinstance(due, str)):
        row.deadline = due
        corrective_actions.update_row(ctx.tx, row)


_SITE_COLUMNS = {"workers": "workers", "contact": "contact", "location": "location"}


def _apply_site(ctx: PushContext, c: Change) -> ChangeResult:
    site = ctx.site(c.entity_id)
    if site is None or not ctx.visible(site.district):
        raise _out_of_scope("Cơ sở", "The site")
    bad = validation.validate_site_field(c.field, c.value)
    if bad is not None:
        if bad.code == Code.NOT_PERMITTED:
            raise Rejection(Code.NOT_PERMITTED, bad.message.vi, bad.message.en)
        raise _reject_invalid(bad)
    result = _merge(ctx, c, site.district, None)
    if result.status == "applied":
        column = _SITE_COLUMNS[c.field]
        stored = c.value if c.field == "workers" or c.value is None else to_json(c.value)
        ctx.tx.execute(f"UPDATE sites SET {column} = ?, updated_at = ? WHERE id = ?", (stored, now_iso(), site.id))
        if c.field == "location":
            source = location_source("device", ctx.actor.username, ctx.client_id) if c.value is not None else None
            ctx.tx.execute("UPDATE sites SET location_source = ? WHERE id = ?", (source, site.id))
    return result


# --- corrective actions (PROTOCOL.md §3, entity ``action``) ---------------------------------


def _apply_action(ctx: PushContext, c: Change) -> ChangeResult:
    """A device's change to a corrective action: ``inspection_id`` creates it (in the district
    of that inspection's site); identity fields are fixed once written; what was found and
    asked is fixed once the inspection is submitted (it is signed with it); ``status`` moves by
    the action state machine, a device only to ``open`` and ``reported_fixed`` (with evidence);
    every other field merges per field like an answer."""
    row = ctx.action(c.entity_id)
    if row is None:
        return _create_action(ctx, c)
    if not ctx.visible(row.district):
        raise _out_of_scope("Biện pháp khắc phục", "The corrective action")
    if c.field in protocol.ACTION_SERVER_FIELDS:
        raise _server_only(c.field)
    key = ("action", row.id, c.field)
    held = ctx.get_held(key, None)
    unchanged = held is not None and held.decoded() == c.value
    if not (c.field == "deadline" and unchanged):  # an old deadline kept as it was is not a new one
        bad = validation.validate_action_field(c.field, c.value, action_rules.viet_nam_today())
        if bad is not None:
            raise _reject_invalid(bad)
    if c.field in protocol.ACTION_IDENTITY_FIELDS:
        current = row.inspection_id if c.field == "inspection_id" else row.site_id
        if c.value == current:
            return ChangeResult(change_id=c.change_id, status="applied")
        raise Rejection(
            Code.IDENTITY_FIXED,
            f"Trường '{c.field}' của biện pháp khắc phục đã cố định là {current!r}; không đổi được.",
            f"The corrective action's '{c.field}' is fixed at {current!r}; it cannot change.",
        )
    if c.field in protocol.ACTION_FINDING_FIELDS and not unchanged:
        insp = ctx.inspection(row.inspection_id)
        if insp is not None and workflow.is_locked(insp.status):
            raise Rejection(
                Code.LOCKED,
                "Nội dung biện pháp khắc phục (việc cần làm, thời hạn, ảnh phát hiện) đã ký cùng biên bản nên "
                "không sửa được; ghi kết quả khắc phục vào phần báo đã khắc phục.",
                "What the corrective action asks (the task, the deadline, the finding photos) was signed with the "
                "inspection and cannot change; record the fix in the reported-fixed part.",
            )
    if c.field == "status":
        return _set_action_status(ctx, row, c)
    result = _merge(ctx, c, row.district, None)
    if c.field in ("description", "deadline") and result.status == "applied":
        _keep_answer_mirror(ctx, row)
    if c.field in ("finding_photos", "fix_photos") and ctx.inspection(row.inspection_id) is not None:
        ctx.blobs_touched.add(row.inspection_id)  # its photos are read by the action's district
        ctx.touched.add(row.inspection_id)
    if result.status == "applied" and c.field in ("deadline", "fixed_on", "question_id"):
        setattr(row, c.field, c.value)
        corrective_actions.update_row(ctx.tx, row)
    if result.status == "applied" and c.field == "checked_on":
        # a follow-up visit found it not yet fixed: a step of its history, with what was seen
        note = ctx.get_held(("action", row.id, "check_note"), None)
        comment = note.decoded() if note is not None else None
        events = corrective_actions.add_event(
            ctx.tx, row.id, "not_yet_fixed", ctx.actor.username, comment if isinstance(comment, str) else None
        )
        ctx.write_server(("action", row.id, "history"), events, row.district, None)
        corrective_actions.update_row(ctx.tx, row)
    return result


def _keep_answer_mirror(ctx: PushContext, row: corrective_actions.ActionRow) -> None:
    """While an answer holds a ``corrective_action`` or ``due_date``, the action mirrored from it
    (``"{inspection_id}:{question_id}"``) has exactly that description and deadline: what the
    signed content reads for it (``shared_schema.evidence``), so a later write to the action
    cannot print something other than what was signed."""
    prefix = f"{row.inspection_id}:"
    if not row.inspection_id or not row.id.startswith(prefix):
        return
    insp = ctx.inspection(row.inspection_id)
    question_id = row.id[len(prefix) :]
    if insp is None or action_rules.migrated_action_id(insp.id, question_id) != row.id:
        return
    answer_id = protocol.answer_entity_id(insp.id, question_id)
    held = [ctx.get_held(("answer", answer_id, name), insp.id) for name in ("corrective_action", "due_date")]
    if any(h is not None and h.decoded() not in (None, "") for h in held):
        _mirror_answer_action(ctx, insp, question_id)


def _actions_of(ctx: PushContext, inspection_id: str) -> list[action_rules.Action]:
    """The inspection's corrective actions as this push sees them (its own writes included)."""
    out = []
    for (action_id,) in ctx.tx.query("SELECT id FROM actions WHERE inspection_id = ? ORDER BY id", (inspection_id,)):
        fields = {}
        for name in (*protocol.ACTION_DEVICE_FIELDS, *protocol.ACTION_SERVER_FIELDS):
            held = ctx.get_held(("action", action_id, name), None)
            if held is not None:
                fields[name] = held.decoded()
        out.append(action_rules.action_from_fields(action_id, fields))
    return out


def _create_action(ctx: PushContext, c: Change) -> ChangeResult:
    if c.field != "inspection_id":
        raise Rejection(
            Code.UNKNOWN_ACTION,
            "Máy chủ chưa có biện pháp khắc phục này; cần gửi biên bản gốc (inspection_id) trước.",
            "The server does not know this corrective action yet; its inspection_id must be sent first.",
            restamp=False,
        )
    bad = validation.validate_action_field("inspection_id", c.value, action_rules.viet_nam_today())
    if bad is not None:
        raise Rejection(Code.INVALID_VALUE, bad.message.vi, bad.message.en, restamp=False)
    insp = ctx.inspection(c.value)
    if insp is None or not ctx.visible(insp.district):
        raise _out_of_scope("Biên bản của biện pháp khắc phục", "The inspection of the corrective action")
    if insp.status == "discarded":
        raise Rejection(
            Code.LOCKED,
            "Biên bản gốc đã bị hủy; không thêm biện pháp khắc phục được.",
            "The inspection was discarded; no corrective action can be added to it.",
            restamp=False,
        )
    stamp = now_iso()
    row = corrective_actions.ActionRow(
        id=c.entity_id,
        inspection_id=insp.id,
        question_id=None,
        site_id=insp.site_id,
        district=insp.district,
        deadline=None,
        status="open",
        fixed_on=None,
        created_by=ctx.actor.username,
        created_at=stamp,
        updated_at=stamp,
        verified_at=None,
    )
    corrective_actions.insert_row(ctx.tx, row)
    ctx.action_rows[row.id] = row
    events = corrective_actions.add_event(ctx.tx, row.id, "created", ctx.actor.username)
    value_json = ctx.prepared[c.client_seq]
    ctx.write(("action", row.id, "inspection_id"), value_json, c.hlc, row.district, None, data=c.value)
    ctx.write_server(("action", row.id, "site_id"), row.site_id, row.district, None)
    ctx.write_server(("action", row.id, "status"), "open", row.district, None)
    ctx.write_server(("action", row.id, "history"), events, row.district, None)
    return ChangeResult(change_id=c.change_id, status="applied")


def _set_action_status(ctx: PushContext, row: corrective_actions.ActionRow, c: Change) -> ChangeResult:
    new = c.value
    if row.status == new:  # already held (two devices reported it fixed): converge on the server's stamp
        ctx.write_server(("action", row.id, "status"), new, row.district, None)
        return ChangeResult(change_id=c.change_id, status="applied")
    if new not in action_rules.DEVICE_STATUSES:
        raise Rejection(
            Code.NOT_PERMITTED,
            "Xác minh hay mở lại biện pháp khắc phục chỉ làm được trên bảng theo dõi của giám sát viên, "
            "không qua đồng bộ.",
            "Verifying or reopening a corrective action is done by a supervisor "
            "(POST /api/v1/actions/{id}/verify or /reopen), not by sync.",
        )
    problem = action_rules.transition_problem(row.status, new, ctx.actor.role)
    if problem is not None:
        raise Rejection(Code.INVALID_TRANSITION, problem.vi, problem.en)
    if new == "reported_fixed":
        photos = ctx.get_held(("action", row.id, "fix_photos"), None)
        note = ctx.get_held(("action", row.id, "fix_note"), None)
        if not (photos is not None and photos.decoded()) and not (note is not None and note.decoded()):
            raise Rejection(
                Code.INCOMPLETE,
                "Báo đã khắc phục cần ảnh hoặc ghi chú kết quả khắc phục.",
                "Reporting an action fixed needs a photo or a note of the fix.",
            )
    row.status = new
    corrective_actions.update_row(ctx.tx, row)
    events = corrective_actions.add_event(ctx.tx, row.id, new, ctx.actor.username)
    ctx.write_server(("action", row.id, "status"), new, row.district, None)
    ctx.write_server(("action", row.id, "history"), events, row.district, None)
    return ChangeResult(change_id=c.change_id, status="applied")
