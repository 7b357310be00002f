"""Edits an inspector makes: start an inspection, answer, photograph, fill the header, submit.

Each accepted edit is one transaction holding the record, its outbox change and the clock (an
answer's corrective action or deadline also writes this device's copy of the action the server
mirrors them into, ``_mirror_answer_action``).
A refused edit changes nothing: bad values come back as ``Invalid``, impossible actions raise
``AppError``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

from field_app.core import blobs, outbox, replica, todo
from field_app.core.device_state import DeviceClock
from field_app.core.models import AppError, SubmitResult
from field_app.core.queries import NOT_FOUND_INSPECTION, NOT_FOUND_SITE, Queries
from field_app.core.store import Store
from shared_schema import actions as action_rules
from shared_schema import evidence, protocol
from shared_schema.checklist import PhotoQuestion, SignatureQuestion
from shared_schema.records import INSPECTION_KINDS
from shared_schema.text import LocalText
from shared_schema.validation import (
    Invalid,
    deadline_in_past,
    validate_action_field,
    validate_answer_field,
    validate_header_field,
    validate_site_field,
)
from shared_schema.workflow import is_locked, lock_reason, submission_problems, transition_problem

# ``assignment_id`` is written once, when an inspection starts from an assignment (``start``);
# ``migrated_to`` once, when a draft moves to a new checklist version (``version_move``).
HEADER_EDITABLE = (
    protocol.INSPECTION_DEVICE_FIELDS
    - protocol.INSPECTION_IDENTITY_FIELDS
    - {"status", "assignment_id", protocol.MIGRATED_TO}
)

DISCARD_SUBMITTED = LocalText(
    "Biên bản đã nộp một lần nên không hủy được; hãy sửa rồi nộp lại.",
    "This inspection was submitted once and cannot be discarded; correct it and submit it again.",
)
UNKNOWN_QUESTION = LocalText(
    "Câu hỏi này không có trong bảng kiểm của biên bản.", "This question is not in the inspection's checklist."
)
UNKNOWN_FIELD = LocalText("Không sửa được trường này trên điện thoại.", "This field cannot be changed on the phone.")
NOT_APPLICABLE = LocalText(
    "Bảng kiểm này không dùng cho loại cơ sở này: hãy chọn bảng kiểm khác.",
    "This checklist is not for this kind of site: choose another checklist.",
)
RETIRED = LocalText(
    "Phiên bản bảng kiểm này đã ngừng dùng cho biên bản mới: hãy chọn phiên bản mới nhất.",
    "This checklist version is retired for new inspections: choose the latest version.",
)
NOT_FAILED = LocalText(
    "Chỉ thêm biện pháp khắc phục cho mục không đạt.", "A corrective action is added to a failed item only."
)
NO_DESCRIPTION = LocalText("Hãy ghi việc cơ sở cần làm.", "Write what the site must do.")
NOT_FOUND_ACTION = LocalText(
    "Không tìm thấy biện pháp khắc phục này trên máy.", "This corrective action is not on this device."
)
NEEDS_EVIDENCE = LocalText(
    "Báo đã khắc phục cần ảnh hoặc ghi chú kết quả.", "Reporting it fixed needs a photo or a note of what was done."
)
NEEDS_CHECK_NOTE = LocalText(
    "Ghi chú cơ sở còn thiếu gì rồi bấm lại 'Chưa khắc phục'.",
    "Write what the site has still not done, then press 'Not yet fixed' again.",
)
BAD_KIND = LocalText(
    "Loại kiểm tra phải là định kỳ, đột xuất hoặc theo chuyên đề.",
    "Inspection kind must be periodic, unannounced or thematic.",
)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# An answer's corrective action and deadline are also the action "{inspection_id}:{question_id}"
# on the server (``sync_service._mirror_answer_action``).
MIRRORED_ANSWER_FIELDS = ("corrective_action", "due_date")


def _mirror_answer_action(
    conn: sqlite3.Connection,
    inspection_id: str,
    question_id: str,
    before: dict[str, Any],
    after: dict[str, Any],
    hlc: str,
) -> None:
    """Write this device's copy of the action an answer's corrective action and deadline are
    mirrored into (``before``/``after``: the answer's fields around the edit), as the server will
    when the edit arrives: made once the answer holds either (with the inspection, the item, the
    site, ``open``), then its description and deadline are the answer's, cleared ones included.
    So the content a signature binds here (``shared_schema.evidence``) is the content the server
    checks, before the device pulls the server's action. Written with the clock of the answer's
    edit and not queued: the server's copy, stamped after it, replaces it at the next pull."""
    action_id = action_rules.migrated_action_id(inspection_id, question_id)
    held = replica.load_row(conn, "action", action_id)
    fields: list[tuple[str, Any]] = [
        ("description", after.get("corrective_action")),
        ("deadline", after.get("due_date")),
    ]
    if held is None:
        # the server has that action once the answer held either there (pushed or queued)
        if not any(before.get(f) or after.get(f) for f in MIRRORED_ANSWER_FIELDS):
            return
        header = replica.load_row(conn, "inspection", inspection_id)
        fields = [
            ("inspection_id", inspection_id),
            ("question_id", question_id),
            ("site_id", header[0].get("site_id") if header else None),
            ("status", "open"),
            *fields,
        ]
    data = held[0] if held else {}
    for name, value in fields:
        if name not in data or data[name] != value:
            replica.write_local(conn, "action", action_id, name, value, hlc)


class Editor:
    def __init__(
        self,
        store: Store,
        clock: DeviceClock,
        queries: Queries,
        role: Callable[[], str],
        on_edit: Callable[[str], None],
    ):
        self.store = store
        self.clock = clock
        self.queries = queries
        self._role = role
        self._on_edit = on_edit

    def _write(self, entity: str, entity_id: str, fields: list[tuple[str, Any]], inspection_id: str) -> None:
        with self.store.write() as conn:
            for field, value in fields:
                outbox.record_edit(conn, self.clock, entity, entity_id, field, value, inspection_id)
        self._on_edit(inspection_id)

    def _editable_header(self, inspection_id: str) -> dict[str, Any]:
        data = self.queries.inspection_row(inspection_id)
        if data is None or not data.get("template_id"):
            raise AppError("not_found", NOT_FOUND_INSPECTION)
        if is_locked(data.get("status")):
            raise AppError("locked", lock_reason(data.get("status")))
        return data

    def content_digest(self, inspection_id: str) -> str:
        """The digest of the inspection's content as this device holds it (what a signature binds)."""
        data = self.queries.inspection_row(inspection_id) or {}
        template = self.queries.template(data["template_id"], data["template_version"])
        return evidence.content_digest(
            data,
            self.queries.answers(inspection_id),
            evidence.signature_question_ids(template),
            self.queries.inspection_actions(inspection_id),
        )

    # --- start -----------------------------------------------------------------------------

    def start(
        self, site_id: str, template_id: str, version: int | None, kind: str, assignment_id: str | None = None
    ) -> str:
        if assignment_id is not None:
            todo.check_start(self.store, assignment_id, site_id, template_id)
        site = self.queries.site(site_id)
        if site is None:
            raise AppError("not_found", NOT_FOUND_SITE)
        if kind not in INSPECTION_KINDS:
            raise AppError("invalid_value", BAD_KIND)
        published = self.queries.latest_published().get(template_id)
        if version is None:
            version = published if published is not None else 0  # 0: raises "not on this device"
        template = self.queries.template(template_id, int(version))
        if self.queries.template_status(template_id, int(version)) != "published":
            raise AppError("retired", RETIRED)
        if site.kind not in template.site_kinds:
            raise AppError("not_applicable", NOT_APPLICABLE)
        inspection_id = str(uuid.uuid4())
        self._write(
            "inspection",
            inspection_id,
            [
                ("site_id", site_id),
                ("template_id", template_id),
                ("template_version", template.version),
                ("status", "draft"),
                ("kind", kind),
                ("started_at", now_iso()),
                *([("assignment_id", assignment_id)] if assignment_id is not None else []),
            ],
            inspection_id,
        )
        return inspection_id

    # --- answers ---------------------------------------------------------------------------

    def _question(self, inspection_id: str, question_id: str) -> Any:
        data = self._editable_header(inspection_id)
        template = self.queries.template(data["template_id"], data["template_version"])
        question = template.question_map().get(question_id)
        if question is None:
            raise AppError("unknown_question", UNKNOWN_QUESTION)
        return question

    def validate_answer(self, inspection_id: str, question_id: str, field: str, value: Any) -> Invalid | None:
        question = self._question(inspection_id, question_id)
        if field not in protocol.ANSWER_FIELDS:
            raise AppError("unknown_field", UNKNOWN_FIELD)
        return validate_answer_field(question, field, value)

    def set_answer(self, inspection_id: str, question_id: str, field: str, value: Any) -> Invalid | None:
        invalid = self.validate_answer(inspection_id, question_id, field, value)
        if invalid is None and field == "due_date":
            # a deadline being set must not have passed already (the phone's local date)
            invalid = deadline_in_past(value, dt.date.today())
        if invalid is not None:
            return invalid
        if (
            field == "value"
            and isinstance(value, dict)
            and value.get("sha256")
            and "digest" not in value
            and isinstance(self._question(inspection_id, question_id), SignatureQuestion)
        ):
            # a signature just taken binds the content it was taken on
            value = {**value, "digest": self.content_digest(inspection_id)}
        key = protocol.answer_entity_id(inspection_id, question_id)
        with self.store.write() as conn:
            row = replica.load_row(conn, "answer", key)
            if row is not None and field in row[0] and row[0][field] == value and row[1].get(field):
                return None  # the same value again: nothing to send
            change = outbox.record_edit(conn, self.clock, "answer", key, field, value, inspection_id)
            if field in MIRRORED_ANSWER_FIELDS:
                before = row[0] if row else {}
                _mirror_answer_action(conn, inspection_id, question_id, before, {**before, field: value}, change.hlc)
        self._on_edit(inspection_id)
        return None

    def add_photo(self, inspection_id: str, question_id: str, data: bytes, to_value: bool | None) -> str:
        question = self._question(inspection_id, question_id)
        sha = blobs.save_blob(self.store, data)
        field = "value" if (to_value if to_value is not None else isinstance(question, PhotoQuestion)) else "photos"
        answer = self.queries.answers(inspection_id).get(question_id)
        current = (answer.value if field == "value" else answer.photos) if answer else None
        photos = list(current or [])
        if sha not in photos:
            photos.append(sha)
            invalid = self.set_answer(inspection_id, question_id, field, photos)
            if invalid is not None:
                raise AppError("bad_photo", invalid.message)
        return sha

    def remove_photo(self, inspection_id: str, question_id: str, sha256: str) -> None:
        answer = self.queries.answers(inspection_id).get(question_id)
        if answer is None:
            return
        if isinstance(answer.value, list) and sha256 in answer.value:
            self.set_answer(inspection_id, question_id, "value", [p for p in answer.value if p != sha256] or None)
        if sha256 in answer.photos:
            self.set_answer(inspection_id, question_id, "photos", [p for p in answer.photos if p != sha256])

    # --- header ----------------------------------------------------------------------------

    def set_header(self, inspection_id: str, field: str, value: Any) -> Invalid | None:
        data = self._editable_header(inspection_id)
        if field not in HEADER_EDITABLE:
            raise AppError("unknown_field", UNKNOWN_FIELD)
        invalid = validate_header_field(field, value)
        if invalid is not None:
            return invalid
        if field == "signatures" and isinstance(value, list):
            digest = self.content_digest(inspection_id)
            # each signature just taken binds the content it was taken on; earlier ones keep theirs
            value = [{**s, "digest": digest} if isinstance(s, dict) and not s.get("digest") else s for s in value]
        if data.get(field) == value and field in data:
            return None
        self._write("inspection", inspection_id, [(field, value)], inspection_id)
        return None

    # --- site corrections ------------------------------------------------------------------

    def set_site_field(self, site_id: str, field: str, value: Any) -> Invalid | None:
        if self.queries.site(site_id) is None:
            raise AppError("not_found", NOT_FOUND_SITE)
        invalid = validate_site_field(field, value)
        if invalid is not None:
            return invalid
        with self.store.write() as conn:
            outbox.record_edit(conn, self.clock, "site", site_id, field, value, None)
        self._on_edit("")
        return None

    # --- corrective actions ----------------------------------------------------------------

    def add_action(
        self,
        inspection_id: str,
        question_id: str,
        description: str,
        deadline: str,
        responsible_name: str | None = None,
        responsible_phone: str | None = None,
    ) -> str | Invalid:
        """ "Thêm biện pháp khắc phục" on a failed item of an inspection being edited: what must
        be done and by when (not before today in Viet Nam); returns the new action's id, or
        why a value was refused (nothing written then)."""
        question = self._question(inspection_id, question_id)
        answer = self.queries.answers(inspection_id).get(question_id)
        if not action_rules.is_failed(question, answer.value if answer else None):
            raise AppError("not_failed", NOT_FAILED)
        data = self.queries.inspection_row(inspection_id) or {}
        today = action_rules.viet_nam_today()
        fields: list[tuple[str, Any]] = [
            ("inspection_id", inspection_id),
            ("site_id", data.get("site_id")),
            ("question_id", question_id),
            ("description", description.strip()),
            ("deadline", deadline),
            ("responsible_name", (responsible_name or "").strip() or None),
            ("responsible_phone", (responsible_phone or "").strip() or None),
            ("status", "open"),
        ]
        if not description.strip():
            return Invalid("invalid_value", NO_DESCRIPTION)
        for name, value in fields:
            invalid = validate_action_field(name, value, today)
            if invalid is not None:
                return invalid
        # The first action of an item takes the id an older app's text+deadline gets on the
        # server (``migrated_action_id``), so the two can never become two records.
        taken = {a.id for a in self.queries.inspection_actions(inspection_id)}
        first = action_rules.migrated_action_id(inspection_id, question_id)
        action_id = first if first not in taken else str(uuid.uuid4())
        self._write("action", action_id, fields, inspection_id)
        return action_id

    def _open_action(self, action_id: str) -> action_rules.Action:
        action = self.queries.action(action_id)
        if action is None or not action.inspection_id:
            raise AppError("not_found", NOT_FOUND_ACTION)
        return action

    def add_fix_photo(self, action_id: str, data: bytes) -> str:
        """A photo of the fix, taken on a follow-up visit (offline like any edit)."""
        return self._add_action_photo(self._open_action(action_id), "fix_photos", data)

    def add_finding_photo(self, action_id: str, data: bytes) -> str:
        """A photo of what was found, added to an action of an inspection still being edited
        (what was found is signed with the inspection, so fixed once it is submitted)."""
        action = self._open_action(action_id)
        self._editable_header(action.inspection_id or "")
        return self._add_action_photo(action, "finding_photos", data)

    def _add_action_photo(self, action: action_rules.Action, field: str, data: bytes) -> str:
        """Keep the photo and add it to the action's ``field`` (once; checked like any edit)."""
        sha = blobs.save_blob(self.store, data)
        photos = list(getattr(action, field))
        if sha not in photos:
            photos.append(sha)
            invalid = validate_action_field(field, photos, action_rules.viet_nam_today())
            if invalid is not None:
                raise AppError("bad_photo", invalid.message)
            self._write("action", action.id, [(field, photos)], action.inspection_id or "")
        return sha

    def remove_finding_photo(self, action_id: str, sha256: str) -> None:
        action = self._open_action(action_id)
        self._editable_header(action.inspection_id or "")
        if sha256 in action.finding_photos:
            photos = [p for p in action.finding_photos if p != sha256]
            self._write("action", action_id, [("finding_photos", photos)], action.inspection_id or "")

    def report_not_fixed(self, action_id: str, note: str) -> Invalid | None:
        """ "Chưa khắc phục" on a follow-up visit: the day (in Viet Nam) and what was seen are
        recorded on the action (``checked_on``, ``check_note``; the server adds a step to its
        history); its status stays as it was, and the site keeps its deadline."""
        action = self._open_action(action_id)
        if action.status not in action_rules.TO_FIX_STATUSES:
            label = action_rules.STATUS_LABELS.get(action.status)
            raise AppError(
                "invalid_transition",
                LocalText(
                    f"Biện pháp này đang '{label.vi if label else action.status}'; không cần ghi chưa khắc phục.",
                    f"This action is '{label.en if label else action.status}'; there is no need to record it "
                    "as not yet fixed.",
                ),
            )
        note = note.strip()
        if not note:
            return Invalid("incomplete", NEEDS_CHECK_NOTE)
        today = action_rules.viet_nam_today()
        invalid = validate_action_field("check_note", note, today)
        if invalid is not None:
            return invalid
        self._write(
            "action", action_id, [("check_note", note), ("checked_on", today.isoformat())], action.inspection_id or ""
        )
        return None

    def report_fixed(self, action_id: str, note: str) -> Invalid | None:
        """Mark an action fixed on a follow-up visit: a note and/or the photos taken, dated
        today in Viet Nam; a supervisor then verifies it on the board."""
        action = self._open_action(action_id)
        problem = action_rules.transition_problem(action.status, "reported_fixed", self._role())
        if problem is not None:
            raise AppError("invalid_transition", problem)
        note = note.strip()
        if not note and not action.fix_photos:
            return Invalid("incomplete", NEEDS_EVIDENCE)
        fields: list[tuple[str, Any]] = []
        if note:
            invalid = validate_action_field("fix_note", note, action_rules.viet_nam_today())
            if invalid is not None:
                return invalid
            fields.append(("fix_note", note))
        fields += [("fixed_on", action_rules.viet_nam_today().isoformat()), ("status", "reported_fixed")]
        self._write("action", action_id, fields, action.inspection_id or "")
        return None

    # --- submit ----------------------------------------------------------------------------

    def submit(self, inspection_id: str) -> SubmitResult:
        data = self._editable_header(inspection_id)
        status = data.get("status")
        if status == "submitted":
            return SubmitResult(True)
        problem = transition_problem(status, "submitted", self._role())
        if problem is not None:
            raise AppError("invalid_transition", problem)
        template = self.queries.template(data["template_id"], data["template_version"])
        answers = self.queries.answers(inspection_id)
        actions = self.queries.inspection_actions(inspection_id)
        problems = submission_problems(template, answers, actions) or evidence.stale_signatures(
            template, data, answers, actions
        )
        if problems:
            return SubmitResult(False, problems)
        fields: list[tuple[str, Any]] = []
        if not data.get("completed_at"):
            fields.append(("completed_at", now_iso()))
        fields.append(("status", "submitted"))
        self._write("inspection", inspection_id, fields, inspection_id)
        return SubmitResult(True)

    def discard(self, inspection_id: str) -> None:
        """Discard a draft that was never submitted (the inspector confirmed it): it leaves the
        lists and cannot be revived. A record submitted once has a number and cannot be."""
        data = self._editable_header(inspection_id)
        if data.get("record_number") or data.get("status") != "draft":
            raise AppError("locked", DISCARD_SUBMITTED)
        self._write("inspection", inspection_id, [("status", "discarded")], inspection_id)

    # --- rejected changes ------------------------------------------------------------------

    def resend_rejected(self, change_id: str) -> None:
        with self.store.read() as conn:
            row = outbox.rejection(conn, change_id)
        if row is None:
            raise AppError("not_found", LocalText("Không tìm thấy thay đổi này.", "This change was not found."))
        value = replica.loads(row["value"])
        entity, entity_id, field = row["entity"], row["entity_id"], row["field"]
        if entity == "answer":
            inspection_id, question_id = protocol.split_answer_entity_id(entity_id)
            invalid = self.set_answer_forced(inspection_id, question_id, field, value)
        elif entity == "inspection" and field == "status" and value == "submitted":
            invalid = None
            result = self.submit(entity_id)
            if not result.ok:
                raise AppError("incomplete", result.problems[0].message)
        elif entity == "inspection":
            self._editable_header(entity_id)
            invalid = validate_header_field(field, value)
            if invalid is None:
                self._write("inspection", entity_id, [(field, value)], entity_id)
        else:
            raise AppError("unknown_field", UNKNOWN_FIELD)
        if invalid is not None:
            raise AppError("invalid_value", invalid.message)
        self.dismiss(change_id)

    def set_answer_forced(self, inspection_id: str, question_id: str, field: str, value: Any) -> Invalid | None:
        """Like ``set_answer`` but writes even when the value looks unchanged (a resend)."""
        invalid = self.validate_answer(inspection_id, question_id, field, value)
        if invalid is None:
            self._write(
                "answer", protocol.answer_entity_id(inspection_id, question_id), [(field, value)], inspection_id
            )
        return invalid

    def dismiss(self, change_id: str) -> None:
        with self.store.write() as conn:
            outbox.dismiss_rejection(conn, change_id)
