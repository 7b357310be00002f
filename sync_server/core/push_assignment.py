"""Pushing ``assignment_id`` on an inspection (docs/PROTOCOL.md §3): the device says which
assignment the inspection was started from. First write wins, like the identity fields; the
assignment must exist, be for the inspection's site (and checklist) and be one the pusher may
see. The link is recorded and the assignment's status moves (``assignment_feed.refresh`` at
the end of the push)."""

from __future__ import annotations

from shared_schema.errors import Code
from shared_schema.sync import Change, ChangeResult
from sync_server.core import assignment_feed
from sync_server.core.push_state import InspectionRow, PushContext, Rejection, written_once
from sync_server.core.util import to_json


def link_assignment(ctx: PushContext, insp: InspectionRow, c: Change) -> ChangeResult:
    key = ("inspection", insp.id, "assignment_id")
    held = ctx.get_held(key, insp.id)
    current = held.decoded() if held is not None else None
    if current is not None:
        return written_once(
            c,
            current,
            f"Biên bản đã gắn với việc được giao {current!r}; không đổi được.",
            f"The inspection is already linked to assignment {current!r}; it cannot change.",
        )
    if c.value is None:
        return ChangeResult(change_id=c.change_id, status="applied")
    row = ctx.tx.one("SELECT site_id, district, team_id, template_id, status FROM assignments WHERE id = ?", (c.value,))
    if row is None or not (ctx.visible(row["district"]) or _member(ctx, row["team_id"])):
        raise Rejection(
            Code.INVALID_VALUE,
            "Máy chủ không có việc được giao này hoặc bạn không thuộc đoàn được giao.",
            "The server has no such assignment, or you are not in the team it is assigned to.",
        )
    if row["site_id"] != insp.site_id:
        raise Rejection(
            Code.INVALID_VALUE,
            "Việc được giao là cho một cơ sở khác với cơ sở của biên bản.",
            "The assignment is for a different site than the inspection.",
        )
    if insp.template_id is not None and insp.template_id != row["template_id"]:
        raise Rejection(
            Code.INVALID_VALUE,
            f"Việc được giao dùng bảng kiểm '{row['template_id']}', biên bản dùng '{insp.template_id}'.",
            f"The assignment uses checklist '{row['template_id']}' but the inspection uses '{insp.template_id}'.",
        )
    ctx.write(key, to_json(c.value), c.hlc, insp.district, insp.id)
    assignment_feed.link(ctx.tx, c.value, insp.id)
    ctx.touched.add(insp.id)
    return ChangeResult(change_id=c.change_id, status="applied")


def _member(ctx: PushContext, team_id: str) -> bool:
    return assignment_feed.team_key(team_id) in assignment_feed.team_keys(ctx.tx, ctx.actor.user_id)
