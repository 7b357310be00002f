"""Move an unsubmitted draft to a newer published version of its checklist, on the device.

A checklist version is pinned when an inspection starts (identity fields, first write wins), so
a draft cannot simply switch version. Instead, when a newer published version of the same
checklist is on the device, ``plan`` says what a move would keep and drop, and ``move`` does it
in one transaction:

* a new inspection on the new version with the draft's header (kind, start time, location,
  team, findings, representative) and every answer field whose question id and kind are
  unchanged and whose value is still valid there (``shared_schema.validation``);
* the old draft gets ``migrated_to`` (the new id) and the status ``discarded``.

Nothing is silently lost: ``plan`` lists every answer (or part of one) that does not carry over
with the reason, the signatures to be taken again (they bind the old content), and the new
required questions that still need answers. The old draft, with everything it held, stays on
the device and on the server, discarded, linked to the new one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from field_app.core import outbox
from field_app.core.device_state import DeviceClock
from field_app.core.models import AppError
from field_app.core.queries import NOT_FOUND_INSPECTION, Queries
from field_app.core.store import Store
from shared_schema import protocol
from shared_schema.checklist import ChecklistTemplate, Question, SignatureQuestion
from shared_schema.relevance import is_given, relevant_questions
from shared_schema.text import LocalText
from shared_schema.validation import validate_answer_field, validate_header_field

# Header fields a move carries over (status, identity, signatures and the link are not).
CARRIED_HEADER = ("kind", "started_at", "location", "team", "findings", "representative")
ANSWER_FIELD_ORDER = ("value", "note", "photos", "corrective_action", "due_date")

NO_NEWER = LocalText(
    "Không có phiên bản mới hơn của bảng kiểm này trên máy.",
    "There is no newer version of this checklist on this device.",
)
NOT_A_DRAFT = LocalText(
    "Chỉ bản nháp chưa nộp mới chuyển được sang phiên bản mới.",
    "Only a draft never submitted can be moved to a new version.",
)
STALE_PLAN = LocalText(
    "Bản nháp hoặc bảng kiểm vừa thay đổi; hãy xem lại những gì sẽ bị bỏ rồi thử lại.",
    "The draft or the checklist just changed; review what will be dropped and try again.",
)
MOVED = LocalText(
    "Đã chuyển bản nháp sang phiên bản {version}; bản cũ đã hủy và vẫn được lưu.",
    "The draft moved to version {version}; the old one is discarded and kept.",
)
GONE = LocalText("Câu hỏi không còn trong phiên bản mới.", "The question is not in the new version.")
KIND_CHANGED = LocalText(
    "Câu hỏi đổi loại trong phiên bản mới.", "The question has a different kind in the new version."
)
RESIGN = LocalText(
    "Chữ ký gắn với nội dung cũ: cần ký lại trên biên bản mới.",
    "A signature binds the old content: it must be signed again on the new inspection.",
)
FIELD_NAMES: dict[str, LocalText] = {
    "value": LocalText("câu trả lời", "answer"),
    "note": LocalText("ghi chú", "note"),
    "photos": LocalText("ảnh", "photos"),
    "corrective_action": LocalText("biện pháp khắc phục", "corrective action"),
    "due_date": LocalText("thời hạn", "deadline"),
}


@dataclass(frozen=True)
class Dropped:
    """A part of the draft that does not carry over, and why."""

    question_id: str | None  # None: a header field (the signatures)
    label: LocalText
    field: str
    reason: LocalText


@dataclass(frozen=True)
class MovePlan:
    """What moving a draft to the newest published version would do."""

    inspection_id: str
    template_id: str
    from_version: int
    to_version: int
    to_title: LocalText
    # the draft's version is retired: new work should not stay on it
    retired: bool
    # (question id, field) pairs that carry over unchanged
    kept: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    # required questions of the new version that will have no answer (new, or dropped)
    needs_answer: list[tuple[str, LocalText]] = field(default_factory=list)


def question_kind(question: Question) -> str:
    """The question's kind as written in the checklist (``yes_no``, ``number`` …)."""
    return str(type(question).__struct_config__.tag)


class VersionMover:
    def __init__(self, store: Store, clock: DeviceClock, queries: Queries, on_edit: Callable[[str], None]):
        self.store = store
        self.clock = clock
        self.queries = queries
        self._on_edit = on_edit

    def _draft(self, inspection_id: str) -> dict[str, Any]:
        data = self.queries.inspection_row(inspection_id)
        if data is None or not data.get("template_id"):
            raise AppError("not_found", NOT_FOUND_INSPECTION)
        return data

    def plan(self, inspection_id: str) -> MovePlan | None:
        """The move this draft may make, or None (not a draft, submitted once, already moved,
        no newer published version of its checklist on the device, or one not for its site's kind)."""
        data = self._draft(inspection_id)
        if data.get("status") != "draft" or data.get("record_number") or data.get(protocol.MIGRATED_TO):
            return None
        template_id, version = str(data["template_id"]), int(data["template_version"])
        newest = self.queries.latest_published().get(template_id)
        if newest is None or newest <= version:
            return None
        old = self.queries.template(template_id, version)
        new = self.queries.template(template_id, newest)
        site = self.queries.site(str(data.get("site_id")))
        if site is None or site.kind not in new.site_kinds:
            return None  # the new version is not for this kind of site: the draft stays as it is
        plan = MovePlan(
            inspection_id=inspection_id,
            template_id=template_id,
            from_version=version,
            to_version=newest,
            to_title=new.title,
            retired=self.queries.template_status(template_id, version) != "published",
        )
        self._compare(plan, data, old, new)
        return plan

    def _compare(self, plan: MovePlan, data: dict[str, Any], old: ChecklistTemplate, new: ChecklistTemplate) -> None:
        old_questions, new_questions = old.question_map(), new.question_map()
        answers = self.queries.answers(plan.inspection_id)
        kept_values: dict[str, Any] = {}
        for question in old.questions():
            answer = answers.get(question.id)
            if answer is None:
                continue
            target = new_questions.get(question.id)
            for name in ANSWER_FIELD_ORDER:
                value = getattr(answer, name)
                if not is_given(value):
                    continue
                if target is None or question_kind(target) != question_kind(question):
                    plan.dropped.append(
                        Dropped(question.id, question.label, name, GONE if target is None else KIND_CHANGED)
                    )
                elif isinstance(target, SignatureQuestion) and name == "value":
                    plan.dropped.append(Dropped(question.id, question.label, name, RESIGN))
                elif (invalid := validate_answer_field(target, name, value)) is not None:
                    plan.dropped.append(Dropped(question.id, question.label, name, invalid.message))
                else:
                    plan.kept.append((question.id, name))
                    if name == "value":
                        kept_values[question.id] = value
        if data.get("signatures"):
            plan.dropped.append(Dropped(None, LocalText("Chữ ký", "Signatures"), "signatures", RESIGN))
        relevant = set(relevant_questions(new, kept_values))
        for question in new.questions():
            if question.required and question.id in relevant and not is_given(kept_values.get(question.id)):
                before = old_questions.get(question.id)
                was_open = before is not None and not is_given(
                    answers[question.id].value if question.id in answers else None
                )
                if not was_open:
                    plan.needs_answer.append((question.id, question.label))

    def move(self, inspection_id: str, *, expect: MovePlan | None = None) -> tuple[str, MovePlan]:
        """Move the draft to the newest published version; returns the new inspection's id and
        the plan that was carried out. With ``expect`` (the plan the inspector confirmed), a
        draft or checklist that changed since is refused (``stale_plan``) and nothing changes."""
        plan = self.plan(inspection_id)
        if plan is None:
            data = self._draft(inspection_id)
            raise AppError("not_movable", NOT_A_DRAFT if data.get("status") != "draft" else NO_NEWER)
        if expect is not None and expect != plan:
            raise AppError("stale_plan", STALE_PLAN)
        data = self._draft(inspection_id)
        answers = self.queries.answers(inspection_id)
        new_id = str(uuid.uuid4())
        header: list[tuple[str, Any]] = [
            ("site_id", data["site_id"]),
            ("template_id", plan.template_id),
            ("template_version", plan.to_version),
            ("status", "draft"),
        ]
        header += [
            (name, data[name])
            for name in CARRIED_HEADER
            if data.get(name) is not None and validate_header_field(name, data[name]) is None
        ]
        with self.store.write() as conn:
            for name, value in header:
                outbox.record_edit(conn, self.clock, "inspection", new_id, name, value, new_id)
            for question_id, name in plan.kept:
                value = getattr(answers[question_id], name)
                key = protocol.answer_entity_id(new_id, question_id)
                outbox.record_edit(conn, self.clock, "answer", key, name, value, new_id)
            # the link before the status: a discarded record is locked
            outbox.record_edit(
                conn, self.clock, "inspection", inspection_id, protocol.MIGRATED_TO, new_id, inspection_id
            )
            outbox.record_edit(conn, self.clock, "inspection", inspection_id, "status", "discarded", inspection_id)
        self._on_edit(new_id)
        self._on_edit(inspection_id)
        return new_id, plan
