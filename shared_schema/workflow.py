"""The inspection workflow (protocol §6): a state machine, not a merged field.

``draft → submitted → approved | returned | rejected``, ``returned → submitted`` and
``draft → discarded`` (a draft never submitted, started by mistake).
Submitting needs every required answer and, for each failed critical item, what the
checklist's scoring asks for (photo, corrective action, deadline). A submitted record is
evidence: submitted, approved, rejected and discarded inspections are locked; only a
supervisor's ``returned`` reopens a submitted one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from shared_schema import actions as corrective
from shared_schema.checklist import ChecklistTemplate, PhotoQuestion, specify_choices
from shared_schema.records import Answer
from shared_schema.relevance import is_given, relevant_questions
from shared_schema.scoring import is_failed_critical
from shared_schema.text import LocalText

LOCKED_STATUSES = frozenset({"submitted", "approved", "rejected", "discarded"})
EDITABLE_STATUSES = frozenset({"draft", "returned"})
# Statuses a record leaves lists, exports and dashboards in (an admin's filter still shows it).
HIDDEN_STATUSES = frozenset({"discarded"})

# (from, to) → roles allowed to make that transition.
TRANSITIONS: dict[tuple[str | None, str], frozenset[str]] = {
    (None, "draft"): frozenset({"inspector", "supervisor", "admin"}),
    ("draft", "submitted"): frozenset({"inspector", "supervisor", "admin"}),
    ("returned", "submitted"): frozenset({"inspector", "supervisor", "admin"}),
    ("submitted", "approved"): frozenset({"supervisor", "admin"}),
    ("submitted", "returned"): frozenset({"supervisor", "admin"}),
    ("submitted", "rejected"): frozenset({"supervisor", "admin"}),
    ("draft", "discarded"): frozenset({"inspector", "supervisor", "admin"}),
}

DECISION_STATUS = {"approve": "approved", "return": "returned", "reject": "rejected"}

STATUS_LABELS: dict[str, LocalText] = {
    "draft": LocalText("Nháp", "Draft"),
    "submitted": LocalText("Đã nộp", "Submitted"),
    "approved": LocalText("Đã duyệt", "Approved"),
    "returned": LocalText("Trả lại để sửa", "Returned for correction"),
    "rejected": LocalText("Không chấp nhận", "Rejected"),
    "discarded": LocalText("Đã hủy bản nháp", "Discarded draft"),
}


def lock_reason(status: str | None) -> LocalText:
    """Why a device cannot change an inspection in ``status`` (a locked one), in words an
    inspector can act on."""
    if status == "submitted":
        return LocalText(
            "Biên bản đã nộp nên bị khóa: không sửa, ký lại hay hủy được nữa. "
            "Nếu cần sửa, đề nghị giám sát viên trả lại biên bản trước.",
            "The inspection was submitted and is locked: it can no longer be changed, re-signed or discarded. "
            "If it needs a correction, ask the supervisor to return it first.",
        )
    if status == "discarded":
        return LocalText(
            "Bản nháp này đã bị hủy và không khôi phục được; hãy lập biên bản mới.",
            "This draft was discarded and cannot be revived; start a new inspection.",
        )
    label = STATUS_LABELS.get(status or "", LocalText(status or "", status or ""))
    return LocalText(
        f"Biên bản đã ở trạng thái '{label.vi}' nên bị khóa; không sửa được nữa.",
        f"The inspection is '{label.en}' and therefore locked; it can no longer be changed.",
    )


def is_locked(status: str | None) -> bool:
    return status in LOCKED_STATUSES


def transition_problem(current: str | None, new: str, role: str) -> LocalText | None:
    """Why ``current → new`` is not allowed for ``role``, or ``None`` when it is."""
    if current == new:
        return None
    allowed = TRANSITIONS.get((current, new))
    cur = STATUS_LABELS.get(current or "", LocalText("chưa có", "none"))
    nxt = STATUS_LABELS.get(new, LocalText(new, new))
    if allowed is None:
        return LocalText(
            f"Không thể chuyển biên bản từ '{cur.vi}' sang '{nxt.vi}'.",
            f"An inspection cannot go from '{cur.en}' to '{nxt.en}'.",
        )
    if role not in allowed:
        return LocalText(
            f"Vai trò của bạn không được chuyển biên bản sang '{nxt.vi}'.",
            f"Your role may not move an inspection to '{nxt.en}'.",
        )
    return None


class MissingItem(msgspec.Struct, frozen=True):
    """Something that stops an inspection from being submitted."""

    question_id: str
    section_id: str
    code: str  # required | photo | corrective_action | due_date | min_photos | action | specify
    message: LocalText


def submission_problems(
    template: ChecklistTemplate, answers: Mapping[str, Answer], actions: Iterable[corrective.Action] = ()
) -> list[MissingItem]:
    """Everything that must be done before the inspection can be submitted, in checklist order.

    ``actions`` are the inspection's corrective actions: a complete one (what and by when) on a
    failed item stands for the answer's ``corrective_action`` and ``due_date``; a checklist or a
    question with ``action_on_fail`` needs one on every failed item."""
    acted = {a.question_id for a in actions if a.question_id and a.status != "verified" and corrective.is_complete(a)}
    acted |= {a.question_id for a in actions if a.question_id and a.status == "verified"}
    values = {qid: a.value for qid, a in answers.items()}
    relevant = set(relevant_questions(template, values))
    requires = template.scoring.critical_failure_requires
    problems: list[MissingItem] = []
    for section in template.sections:
        for q in section.questions:
            if q.id not in relevant:
                continue
            answer = answers.get(q.id)
            value = answer.value if answer else None
            label = q.label

            def add(code: str, vi: str, en: str, q_id: str = q.id, sec: str = section.id) -> None:
                problems.append(MissingItem(q_id, sec, code, LocalText(vi, en)))

            if q.required and not is_given(value):
                add("required", f"Chưa trả lời: {label.vi}", f"Not answered: {label.en or label.vi}")
                continue
            if isinstance(q, PhotoQuestion) and q.required and len(value or []) < q.min_photos:
                add(
                    "min_photos",
                    f"Cần ít nhất {q.min_photos} ảnh: {label.vi}",
                    f"At least {q.min_photos} photo(s) needed: {label.en or label.vi}",
                )
            chosen = {value} if isinstance(value, str) else set()
            if isinstance(value, list):
                chosen = {v for v in value if isinstance(v, str)}
            if chosen & specify_choices(q) and not (answer and is_given(answer.other)):
                add(
                    "specify",
                    f"Chưa ghi rõ lựa chọn “khác”: {label.vi}",
                    f"The “other” choice is not specified: {label.en or label.vi}",
                )
            if q.evidence == "required" and is_given(value) and value != "na" and not (answer and answer.photos):
                add("photo", f"Cần ảnh minh chứng: {label.vi}", f"Evidence photo needed: {label.en or label.vi}")
            if corrective.action_required(template, q) and corrective.is_failed(q, value) and q.id not in acted:
                add(
                    "action",
                    f"Mục không đạt cần biện pháp khắc phục (việc cần làm và thời hạn): {label.vi}",
                    f"Failed item needs a corrective action (what to do and by when): {label.en or label.vi}",
                )
            if is_failed_critical(q, value):
                if "photo" in requires and not (answer and answer.photos) and q.evidence != "required":
                    add(
                        "photo",
                        f"Mục trọng yếu không đạt cần ảnh: {label.vi}",
                        f"Failed critical item needs a photo: {label.en or label.vi}",
                    )
                if (
                    "corrective_action" in requires
                    and q.id not in acted
                    and not (answer and is_given(answer.corrective_action))
                ):
                    add(
                        "corrective_action",
                        f"Mục trọng yếu không đạt cần biện pháp khắc phục: {label.vi}",
                        f"Failed critical item needs a corrective action: {label.en or label.vi}",
                    )
                if "due_date" in requires and q.id not in acted and not (answer and is_given(answer.due_date)):
                    add(
                        "due_date",
                        f"Mục trọng yếu không đạt cần thời hạn khắc phục: {label.vi}",
                        f"Failed critical item needs a correction deadline: {label.en or label.vi}",
                    )
    return problems
