"""Rejected changes and conflicts told in words (Vietnamese and English)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from field_app.core import replica
from field_app.core.messages import split_bilingual
from field_app.core.models import Notice
from shared_schema import protocol
from shared_schema.errors import Code
from shared_schema.text import LocalText

LabelLookup = Callable[[str | None, str | None], LocalText | None]

FIELD_LABELS: dict[str, LocalText] = {
    "value": LocalText("câu trả lời", "answer"),
    "note": LocalText("ghi chú", "note"),
    "photos": LocalText("ảnh", "photos"),
    "corrective_action": LocalText("biện pháp khắc phục", "corrective action"),
    "due_date": LocalText("thời hạn khắc phục", "correction deadline"),
    "status": LocalText("trạng thái", "status"),
    "kind": LocalText("loại kiểm tra", "inspection kind"),
    "team": LocalText("thành viên đoàn", "team"),
    "findings": LocalText("kết luận", "findings"),
    "representative": LocalText("người đại diện", "representative"),
    "signatures": LocalText("chữ ký", "signatures"),
    "location": LocalText("vị trí", "location"),
    "record_number": LocalText("số biên bản", "record number"),
    "completed_at": LocalText("thời gian kết thúc", "completion time"),
    "started_at": LocalText("thời gian bắt đầu", "start time"),
    "workers": LocalText("số lao động", "workers"),
    "contact": LocalText("liên hệ", "contact"),
}

NO_REASON = LocalText("máy chủ không nêu lý do", "the server gave no reason")

REJECTION_REASONS: dict[str, LocalText] = {
    Code.LOCKED: LocalText(
        "biên bản đã nộp, đã duyệt, không chấp nhận hoặc đã hủy nên bị khóa; "
        "nếu cần sửa biên bản đã nộp, đề nghị giám sát viên trả lại trước",
        "the inspection is submitted, approved, rejected or discarded and therefore locked; "
        "to correct a submitted one, ask the supervisor to return it first",
    ),
    Code.STALE_SIGNATURE: LocalText(
        "nội dung đã đổi sau khi ký: hãy cho các bên ký lại rồi nộp",
        "the content changed after signing: have it signed again, then submit",
    ),
    Code.NOT_PERMITTED: LocalText("bạn không có quyền sửa mục này", "you may not change this"),
    Code.OUT_OF_SCOPE: LocalText("cơ sở này không thuộc địa bàn của bạn", "this site is outside your districts"),
    Code.INVALID_VALUE: LocalText("giá trị không hợp lệ", "the value is not valid"),
    Code.CLOCK_AHEAD: LocalText(
        "đồng hồ điện thoại chạy nhanh: hãy đặt ngày giờ tự động rồi gửi lại",
        "the phone's clock runs ahead: set date and time automatically, then send again",
    ),
    Code.INVALID_TRANSITION: LocalText(
        "trạng thái biên bản không cho phép thao tác này", "the inspection's status does not allow this"
    ),
    Code.INCOMPLETE: LocalText("biên bản còn thiếu mục bắt buộc", "required items are missing"),
    Code.UNKNOWN_TEMPLATE: LocalText(
        "máy chủ không có phiên bản bảng kiểm này", "the server lacks this checklist version"
    ),
    Code.IDENTITY_FIXED: LocalText(
        "không đổi được cơ sở hoặc bảng kiểm của biên bản đã tạo",
        "the site or checklist of an existing inspection cannot change",
    ),
}


def _field_words(field: str, question: LocalText | None) -> LocalText:
    f = FIELD_LABELS.get(field, LocalText(field, field))
    if question is None:
        return f
    return LocalText(f"{f.vi} của câu “{question.vi}”", f"{f.en} of “{question.en or question.vi}”")


def _split(entity: str, entity_id: str) -> tuple[str | None, str | None]:
    if entity == "answer":
        try:
            return protocol.split_answer_entity_id(entity_id)
        except ValueError:
            return None, None
    return protocol.inspection_of(entity, entity_id), None


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return replica.dumps(value)


def rejection_reason(row: dict[str, Any]) -> LocalText:
    """Why the server refused a change, in both languages: the push result's ``messages`` as
    kept (``reason_vi``/``reason_en``); from a server before 2026-11-30 (no ``messages``) the
    app's own words for the ``code``, else ``reason`` split."""
    if row.get("reason_vi"):
        return LocalText(row["reason_vi"], row.get("reason_en") or row["reason_vi"])
    code = row.get("code") or ""
    if code in REJECTION_REASONS:
        return REJECTION_REASONS[code]
    if row.get("reason"):
        return split_bilingual(row["reason"])
    return NO_REASON


def rejection_notice(row: dict[str, Any], label_of: LabelLookup) -> Notice:
    inspection_id, question_id = _split(row["entity"], row["entity_id"])
    what = _field_words(row["field"], label_of(inspection_id, question_id))
    why = rejection_reason(row)
    why_vi, why_en = why.vi.rstrip(" ."), (why.en or why.vi).rstrip(" .")
    message = LocalText(
        f"Máy chủ không nhận thay đổi {what.vi}: {why_vi}. Giá trị bạn đã nhập vẫn được giữ ở đây.",
        f"The server did not accept the change to the {what.en}: {why_en}. The value you entered is kept here.",
    )
    return Notice(
        kind="rejected",
        entity=row["entity"],
        entity_id=row["entity_id"],
        field=row["field"],
        inspection_id=inspection_id,
        question_id=question_id,
        message=message,
        value=replica.loads(row["value"]),
        code=row["code"],
        at=row["at"],
        notice_id=f"rejected:{row['change_id']}",
    )


def conflict_notice(key: str, entry: dict[str, Any], label_of: LabelLookup) -> Notice:
    entity, entity_id, field = entry.get("entity", ""), entry.get("entity_id", ""), entry.get("field", "")
    inspection_id, question_id = _split(entity, entity_id)
    what = _field_words(field, label_of(inspection_id, question_id))
    winner = entry.get("winner_user") or entry.get("winner_client") or "?"
    loser = entry.get("loser_user") or entry.get("loser_client") or "?"
    kept, lost = _show(entry.get("winner_value")), _show(entry.get("loser_value"))
    message = LocalText(
        f"{what.vi.capitalize()} được sửa cùng lúc bởi {winner} và {loser}. Giữ “{kept}” (của {winner}); "
        f"“{lost}” (của {loser}) được lưu trong nhật ký xung đột để người giám sát xem.",
        f"The {what.en} was changed at the same time by {winner} and {loser}. “{kept}” ({winner}) was kept; "
        f"“{lost}” ({loser}) is saved in the conflict log for the supervisor.",
    )
    return Notice(
        kind="conflict",
        entity=entity,
        entity_id=entity_id,
        field=field,
        inspection_id=inspection_id,
        question_id=question_id,
        message=message,
        value=entry.get("loser_value"),
        other_value=entry.get("winner_value"),
        at=entry.get("recorded_at"),
        notice_id=f"conflict:{key}",
        resolved=bool(entry.get("resolved")),
    )
