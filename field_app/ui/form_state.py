"""The state of one inspection on screen: filling in the checklist and completing it.

Plain Python over ``AppServices``: every answer is saved the moment it is given (a choice when
it is tapped, a typed text when the field is left), refused input leaves an inline message and
changes nothing. Views read this object and call its methods; no Flet control lives here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import flet as ft
import msgspec

from field_app.core.capabilities import Outcome, Position
from field_app.core.models import AppError, InspectionView, Notice
from field_app.core.services import AppServices
from field_app.core.version_move import MovePlan
from field_app.ui import i18n
from field_app.ui.signature_png import has_ink, render_png
from shared_schema import actions as action_rules
from shared_schema import evidence
from shared_schema.checklist import (
    DateQuestion,
    MultipleChoiceQuestion,
    NumberQuestion,
    Question,
    Section,
    SignatureQuestion,
    TextQuestion,
    specify_choices,
)
from shared_schema.relevance import is_given
from shared_schema.workflow import MissingItem

TEXT_FIELDS = ("note", "corrective_action", "due_date", "other")
HEADER_TEXT_FIELDS = ("team", "findings", "rep_name", "rep_title", "record_number")


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _signed_sha(value: Any) -> str | None:
    """The image SHA-256 of a signature (a saved answer value or a header signature), if any."""
    value = _plain(value)
    sha = value.get("sha256") if isinstance(value, dict) else None
    return sha if isinstance(sha, str) and sha else None


class _Unobserved:
    """A value kept on an ``ft.observable`` without being watched (changing it redraws nothing)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def _plain(value: Any) -> Any:
    """A stored value as builtins (msgspec Structs become dicts)."""
    if hasattr(value, "__struct_fields__"):
        return {f: _plain(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@ft.observable
class InspectionForm:
    """One inspection being filled in (screen ``fill``) or completed (screen ``complete``)."""

    def __init__(self, services: AppServices, inspection_id: str, lang: Callable[[], str]):
        self._services = services
        self._lang = lang
        self._text: dict[str, str] = {}
        self._marks: dict[str, int] = {}
        # Signer names being typed: held where the observable does not see them, so a keystroke
        # does not redraw the screen (a redraw under a finger starting to sign loses the stroke).
        self._signers = _Unobserved({})
        self.inspection_id = inspection_id
        self.view: InspectionView = services.get_inspection(inspection_id)
        self.section = 0
        self.errors: dict[str, str] = {}
        self.message: str | None = None
        self.focus_qid: str | None = None
        self.submitted = False
        self.submit_problems: list[MissingItem] = []
        # questions whose "Thêm biện pháp khắc phục" form is open; what is typed there is kept
        # unobserved (a keystroke redraws nothing)
        self.action_drafts_open: frozenset[str] = frozenset()
        self._action_text = _Unobserved({})
        self.opened_notes: frozenset[str] = frozenset()
        self.opened_bases: frozenset[str] = frozenset()

    # --- reading -----------------------------------------------------------------------

    @property
    def lang(self) -> str:
        return self._lang()

    @property
    def sections(self) -> list[Section]:
        return self.view.template.sections

    @property
    def current_section(self) -> Section:
        return self.sections[self.section]

    @property
    def editable(self) -> bool:
        return self.view.editable

    @property
    def can_discard(self) -> bool:
        """A draft never submitted (no record number) may be discarded."""
        header = self.view.header
        return self.view.editable and header.status == "draft" and not header.record_number

    def discard(self) -> bool:
        """Discard this draft (the inspector confirmed it); False with the reason when refused."""
        try:
            self._services.discard(self.inspection_id)
        except AppError as exc:
            self.message = exc.message.get(self.lang)
            return False
        return True

    @property
    def move_plan(self) -> MovePlan | None:
        """The move of this draft to a newer checklist version on the device, if there is one."""
        if not self.can_discard:
            return None
        cached = self.__dict__.get("_move_plan")
        if isinstance(cached, _Unobserved) and cached.value[0] is self.view:
            return cached.value[1]  # type: ignore[no-any-return]
        try:
            plan = self._services.version_move_plan(self.inspection_id)
        except AppError:
            plan = None
        self.__dict__["_move_plan"] = _Unobserved((self.view, plan))
        return plan

    def move_to_new_version(self, expect: MovePlan) -> str | None:
        """Move this draft to the version of ``expect`` (the plan the inspector confirmed);
        the new inspection's id, or None with the reason when refused."""
        self.commit_all()
        try:
            return self._services.move_to_new_version(self.inspection_id, expect)
        except AppError as exc:
            self.message = exc.message.get(self.lang)
            return None

    def content_digest(self) -> str:
        """The digest of the content as it stands (what a signature taken now binds)."""
        view = self.view
        return evidence.content_digest(
            msgspec.to_builtins(view.header), view.answers, evidence.signature_question_ids(view.template)
        )

    def signature_is_stale(self, signed: Any) -> bool:
        """Whether a signature (an answer value or a header signature) was taken on other content."""
        digest = signed.get("digest") if isinstance(signed, dict) else getattr(signed, "digest", None)
        return evidence.signature_state(digest, self.content_digest()) == "stale"

    def relevant(self, section: Section | None = None) -> list[Question]:
        """Questions of ``section`` (default: the current one) that apply to the answers so far."""
        applies = set(self.view.relevant)
        return [q for q in (section or self.current_section).questions if q.id in applies]

    def value(self, qid: str) -> Any:
        answer = self.view.answers.get(qid)
        return answer.value if answer else None

    def answer_field(self, qid: str, field: str) -> Any:
        answer = self.view.answers.get(qid)
        return getattr(answer, field, None) if answer else None

    def is_answered(self, qid: str) -> bool:
        return is_given(self.value(qid))

    def progress(self) -> tuple[int, int]:
        """(answered, applicable) over the whole checklist."""
        relevant = self.view.relevant
        return sum(1 for qid in relevant if self.is_answered(qid)), len(relevant)

    def section_progress(self, index: int) -> tuple[int, int]:
        questions = self.relevant(self.sections[index])
        return sum(1 for q in questions if self.is_answered(q.id)), len(questions)

    def is_failed_critical(self, qid: str) -> bool:
        return qid in self.view.score.failed_critical

    def score_text(self) -> str:
        score = self.view.score
        if score.score is None and score.result_label is None:
            return i18n.t(self.lang, "score_none")
        text = (
            i18n.t(self.lang, "score", score=i18n.fmt_number(score.score, self.lang, 1))
            if score.score is not None
            else i18n.t(self.lang, "score_none")
        )
        if score.result_label is not None:
            text += " · " + i18n.t(self.lang, "result", result=score.result_label.get(self.lang))
        return text

    # --- corrective actions ---------------------------------------------------------------

    def is_failed(self, qid: str) -> bool:
        """A failed item, critical or not: it may get a corrective action."""
        question = self.view.template.question_map().get(qid)
        return question is not None and action_rules.is_failed(question, self.value(qid))

    def actions_for(self, qid: str) -> list[action_rules.Action]:
        return [a for a in self._services.inspection_actions(self.inspection_id) if a.question_id == qid]

    def open_action_draft(self, qid: str) -> None:
        self.action_drafts_open = self.action_drafts_open | {qid}

    def edit_action_draft(self, qid: str, field: str, text: str) -> None:
        self._action_text.value[f"{qid}:{field}"] = text

    def action_draft(self, qid: str, field: str) -> str:
        return str(self._action_text.value.get(f"{qid}:{field}", ""))

    def save_action(self, qid: str) -> bool:
        """Save the typed action of a failed item; False with the reason shown under it."""
        deadline = i18n.parse_date(self.action_draft(qid, "deadline"))
        if deadline is None:
            self._set_error(f"{qid}:action", i18n.t(self.lang, "action_bad_date"))
            return False
        try:
            made = self._services.add_action(
                self.inspection_id,
                qid,
                self.action_draft(qid, "description"),
                deadline,
                self.action_draft(qid, "responsible_name") or None,
                self.action_draft(qid, "responsible_phone") or None,
            )
        except AppError as exc:
            self._set_error(f"{qid}:action", exc.message.get(self.lang))
            return False
        if not isinstance(made, str):
            self._set_error(f"{qid}:action", made.message.get(self.lang))
            return False
        for field in ("description", "deadline", "responsible_name", "responsible_phone"):
            self._action_text.value.pop(f"{qid}:{field}", None)
        self._set_error(f"{qid}:action", None)
        self.action_drafts_open = self.action_drafts_open - {qid}
        self._reload()
        return True

    def add_finding_photos(self, action_id: str, outcome: Outcome[list[bytes]]) -> int:
        """Photos of the finding for one action of a failed item, from the camera or the picker
        (made small by the services); why one was not kept is shown under the action."""
        key = f"{action_id}:finding_photos"
        if outcome.problem is not None:
            self._set_error(key, outcome.problem.get(self.lang))
            return 0
        added, problem = 0, None
        for data in outcome.value or []:
            try:
                self._services.add_finding_photo(action_id, data)
                added += 1
            except AppError as exc:
                problem = exc.message.get(self.lang)
        self._set_error(key, problem)
        if added:
            self._reload()
        return added

    def remove_finding_photo(self, action_id: str, sha256: str) -> None:
        try:
            self._services.remove_finding_photo(action_id, sha256)
        except AppError as exc:
            self._set_error(f"{action_id}:finding_photos", exc.message.get(self.lang))
            return
        self._reload()

    def notices_for(self, qid: str | None) -> list[Notice]:
        """Rejected changes and conflicts of one question (``None``: of the header)."""
        return [n for n in self.view.notices if n.question_id == qid and not n.resolved]

    def text_value(self, qid: str, field: str = "value") -> str:
        """What a text box shows: what is being typed, else the saved value in local conventions."""
        key = f"{qid}:{field}"
        if key in self._text:
            return self._text[key]
        stored = self.value(qid) if field == "value" else self.answer_field(qid, field)
        if stored is None:
            return ""
        question = self.view.template.question_map().get(qid)
        if field == "due_date" or (field == "value" and isinstance(question, DateQuestion)):
            return i18n.fmt_date(stored)
        if field == "value" and isinstance(question, NumberQuestion):
            return i18n.fmt_number(stored, self.lang).replace(".", "") if self.lang == "vi" else str(stored)
        return str(stored)

    def needs_specify(self, qid: str) -> bool:
        """Whether an "other (specify)" choice of ``qid`` is chosen (its box is then shown)."""
        question = self.view.template.question_map().get(qid)
        value = self.value(qid)
        chosen = {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()
        if isinstance(value, str):
            chosen = {value}
        return bool(question is not None and chosen & specify_choices(question))

    def note_open(self, qid: str) -> bool:
        """Whether the note box of ``qid`` is shown (asked for, or a note exists)."""
        return qid in self.opened_notes or bool(self.answer_field(qid, "note")) or f"{qid}:note" in self._text

    def open_note(self, qid: str) -> None:
        self.opened_notes = self.opened_notes | {qid}

    def basis_open(self, qid: str) -> bool:
        return qid in self.opened_bases

    def toggle_basis(self, qid: str) -> None:
        self.opened_bases = self.opened_bases ^ {qid}

    def error(self, qid: str, field: str = "value") -> str | None:
        return self.errors.get(f"{qid}:{field}")

    # --- answering -----------------------------------------------------------------------

    def _reload(self) -> None:
        self.view = self._services.get_inspection(self.inspection_id)

    def reload(self) -> None:
        """Read the inspection again (after a header change made outside this form)."""
        self._reload()

    def _set_error(self, key: str, message: str | None) -> None:
        errors = dict(self.errors)
        if message:
            errors[key] = message
        else:
            errors.pop(key, None)
        self.errors = errors

    def _save(self, qid: str, field: str, value: Any) -> bool:
        try:
            problem = self._services.set_answer(self.inspection_id, qid, field, value)
        except AppError as exc:
            self._set_error(f"{qid}:{field}", exc.message.get(self.lang))
            return False
        if problem is not None:
            self._set_error(f"{qid}:{field}", problem.message.get(self.lang))
            return False
        self._set_error(f"{qid}:{field}", None)
        self._reload()
        return True

    def answer(self, qid: str, value: Any) -> bool:
        """Save a tapped answer (yes/no/N-A, a choice). Returns whether it was accepted."""
        return self._save(qid, "value", value)

    def toggle_choice(self, qid: str, choice_id: str, selected: bool) -> bool:
        current = list(self.value(qid) or [])
        if selected and choice_id not in current:
            current.append(choice_id)
        elif not selected and choice_id in current:
            current.remove(choice_id)
        question = self.view.template.question_map()[qid]
        if isinstance(question, MultipleChoiceQuestion):
            order = [c.id for c in question.choices]
            current.sort(key=lambda c: order.index(c) if c in order else len(order))
        return self._save(qid, "value", current or None)

    def edit(self, qid: str, field: str, text: str) -> int:
        """Keep what is being typed; returns a typing mark for ``autosave``."""
        return self._typed(f"{qid}:{field}", text)

    def _typed(self, key: str, text: str) -> int:
        self._text[key] = text
        self._marks[key] = self._marks.get(key, 0) + 1
        return self._marks[key]

    def autosave(self, qid: str, field: str, mark: int) -> bool:
        """Save what is being typed after a pause (``mark`` from ``edit``: nothing happens when typing
        went on since). The box keeps the typed text, so nothing moves under the cursor; closing the
        app then loses at most the last moment of typing."""
        if self._marks.get(f"{qid}:{field}") != mark:
            return False
        return self.commit(qid, field, keep_text=True)

    def commit(self, qid: str, field: str = "value", *, keep_text: bool = False) -> bool:
        """Save what was typed into a text box (called when the box is left or submitted)."""
        key = f"{qid}:{field}"
        if key not in self._text:
            return True
        text = self._text[key]
        question = self.view.template.question_map().get(qid)
        value: Any = text.strip() or None
        if value is not None and field == "value" and isinstance(question, NumberQuestion):
            number = i18n.parse_number(text, self.lang)
            if number is None:
                self._set_error(key, i18n.t(self.lang, "bad_number"))
                return False
            value = int(number) if question.integer and number.is_integer() else number
        elif value is not None and (field == "due_date" or (field == "value" and isinstance(question, DateQuestion))):
            value = i18n.parse_date(text)
            if value is None:
                self._set_error(key, i18n.t(self.lang, "bad_date"))
                return False
        elif field == "value" and isinstance(question, TextQuestion):
            value = text if text.strip() else None
        stored = self.value(qid) if field == "value" else self.answer_field(qid, field)
        ok = True
        if value == stored:
            self._set_error(key, None)
        else:
            ok = self._save(qid, field, value)
        if ok and not keep_text:
            self._text.pop(key, None)
        return ok

    def set_date(self, qid: str, field: str, day: dt.date | dt.datetime | None) -> bool:
        """Save a date picked from the calendar (a date question's value or a deadline)."""
        if day is None:
            return True
        value = (day.date() if isinstance(day, dt.datetime) else day).isoformat()
        self._text.pop(f"{qid}:{field}", None)
        return self._save(qid, field, value)

    def add_photo(self, qid: str, data: bytes) -> bool:
        try:
            self._services.add_photo(self.inspection_id, qid, data)
        except AppError as exc:
            self._set_error(f"{qid}:photos", exc.message.get(self.lang))
            return False
        self._set_error(f"{qid}:photos", None)
        self._reload()
        return True

    def add_photos(self, qid: str, outcome: Outcome[list[bytes]]) -> int:
        """Add the photos the camera or the picker gave (each made small by the services); when
        the capability failed, its message is shown under the photos and nothing changes.
        Returns how many were added."""
        if outcome.problem is not None:
            self._set_error(f"{qid}:photos", outcome.problem.get(self.lang))
            return 0
        added, problem = 0, None
        for data in outcome.value or []:
            if self.add_photo(qid, data):
                added += 1
            else:
                problem = self.error(qid, "photos")
        if problem:  # a later photo that was kept must not hide why an earlier one was not
            self._set_error(f"{qid}:photos", problem)
        return added

    def use_position(self, qid: str, outcome: Outcome[Position]) -> bool:
        """Save the GPS position, or show why there is none (typing it stays possible)."""
        if outcome.problem is not None or outcome.value is None:
            self.location_error(
                qid, outcome.problem.get(self.lang) if outcome.problem else i18n.t(self.lang, "gps_unavailable")
            )
            return False
        p = outcome.value
        return self.set_position(qid, p.latitude, p.longitude, p.accuracy_m)

    def blob_bytes(self, sha256: str) -> bytes | None:
        """The image of a photo or signature kept on this device (fetched when online), or None."""
        path = self._services.blob_path(sha256)
        return path.read_bytes() if path is not None else None

    def remove_photo(self, qid: str, sha256: str) -> None:
        try:
            self._services.remove_photo(self.inspection_id, qid, sha256)
        except AppError as exc:
            self._set_error(f"{qid}:photos", exc.message.get(self.lang))
            return
        self._reload()

    def photos(self, qid: str) -> list[str]:
        """Photos of a question: its value for a photo question, else the evidence photos."""
        question = self.view.template.question_map().get(qid)
        if question is not None and question.__struct_config__.tag == "photo":
            return list(self.value(qid) or [])
        return list(self.answer_field(qid, "photos") or [])

    def _signature_blob(
        self, strokes: Sequence[Sequence[tuple[float, float]]], width: int, height: int, key: str
    ) -> str | None:
        if not has_ink(strokes):
            self._set_error(key, i18n.t(self.lang, "signature_empty"))
            return None
        try:
            return self._services.store_blob(render_png(strokes, width, height))
        except AppError as exc:
            self._set_error(key, exc.message.get(self.lang))
            return None

    def save_signature(
        self,
        qid: str,
        strokes: Sequence[Sequence[tuple[float, float]]],
        width: int,
        height: int,
        name: str | None = None,
    ) -> bool:
        """Rasterise a drawn signature to PNG, keep it as a blob and save it as the answer, with
        the signer's name (``name``, else the one typed with ``set_signer_name``)."""
        sha = self._signature_blob(strokes, width, height, f"{qid}:value")
        if sha is None:
            return False
        value = {"sha256": sha, "signed_at": _now_iso()}
        name = (name if name is not None else self.signer_name(qid)).strip()
        if name:
            value["name"] = name
        return self._save(qid, "value", value)

    def signer_name(self, qid: str) -> str:
        """The name of who signs (or signed) the signature question ``qid``; "" if not given."""
        if qid in self._signers.value:
            return self._signers.value[qid]
        value = _plain(self.value(qid))
        name = value.get("name") if isinstance(value, dict) else None
        return name if isinstance(name, str) else ""

    def type_signer_name(self, qid: str, name: str) -> None:
        """The signer's name as it is being typed (saved by ``set_signer_name`` or the signature)."""
        self._signers.value[qid] = name

    def set_signer_name(self, qid: str, name: str) -> bool:
        """Keep the signer's name: with a saved signature it is saved at once (the image and its
        time stay); before signing it waits for the signature."""
        name = name.strip()
        self._signers.value[qid] = name
        value = _plain(self.value(qid))
        if _signed_sha(value) is None or value.get("name", "") == name:
            return True
        updated = {k: v for k, v in value.items() if k != "name"}
        if name:
            updated["name"] = name
        return self._save(qid, "value", updated)

    def signature_sha(self, qid: str) -> str | None:
        """The SHA-256 of the signature image saved as the answer of ``qid`` (None: not signed)."""
        return _signed_sha(self.value(qid))

    def signature_caption(self, qid: str) -> str | None:
        """Who signed and when, in words (``Ông B · 25/11/2026 11:04``); None when not signed."""
        value = _plain(self.value(qid))
        if _signed_sha(value) is None:
            return None
        parts = [value.get("name"), i18n.fmt_datetime(value["signed_at"]) if value.get("signed_at") else None]
        return " · ".join(p for p in parts if p) or None

    def stale_text(self, signed: Any) -> str | None:
        """ "Content changed after signing: sign again" for a stale signature, else None."""
        if signed is None or not self.signature_is_stale(_plain(signed)):
            return None
        return evidence.SIGNATURE_STATE_LABELS["stale"].get(self.lang)

    def clear_answer(self, qid: str) -> bool:
        return self._save(qid, "value", None)

    def set_location(self, qid: str, lat_text: str, lon_text: str) -> bool:
        """Save a location typed by hand (the fallback where there is no GPS)."""
        lat, lon = i18n.parse_number(lat_text, self.lang), i18n.parse_number(lon_text, self.lang)
        if lat is None or lon is None:
            self._set_error(f"{qid}:value", i18n.t(self.lang, "bad_latlon"))
            return False
        return self.set_position(qid, lat, lon, None)

    def set_position(self, qid: str, lat: float, lon: float, accuracy_m: float | None) -> bool:
        value: dict[str, Any] = {"lat": lat, "lon": lon}
        if accuracy_m is not None:
            value["accuracy_m"] = accuracy_m
        return self._save(qid, "value", value)

    def location_error(self, qid: str, message: str) -> None:
        self._set_error(f"{qid}:value", message)

    # --- moving around -----------------------------------------------------------------

    def go_section(self, index: int) -> None:
        self.section = max(0, min(index, len(self.sections) - 1))
        self.focus_qid = None

    def next_section(self) -> None:
        self.go_section(self.section + 1)

    def previous_section(self) -> None:
        self.go_section(self.section - 1)

    def jump_to(self, qid: str) -> None:
        """Show the section that holds ``qid`` with that question in view."""
        for index, section in enumerate(self.sections):
            if any(q.id == qid for q in section.questions):
                self.section = index
                self.focus_qid = qid
                return

    # --- the header (complete screen) --------------------------------------------------

    def header_text(self, field: str) -> str:
        if field in self._text:
            return self._text[field]
        header = self.view.header
        match field:
            case "team":
                return "\n".join(m.name for m in header.team)
            case "findings":
                return header.findings or ""
            case "rep_name":
                return header.representative.name if header.representative else ""
            case "rep_title":
                return (header.representative.title or "") if header.representative else ""
            case "record_number":
                return header.record_number or ""
        return ""

    def edit_header(self, field: str, text: str) -> int:
        return self._typed(field, text)

    def autosave_header(self, field: str, mark: int) -> bool:
        """Like ``autosave``, for a header text box."""
        if self._marks.get(field) != mark:
            return False
        return self.commit_header(field, keep_text=True)

    def _save_header(self, field: str, value: Any, error_key: str) -> bool:
        try:
            problem = self._services.set_header(self.inspection_id, field, value)
        except AppError as exc:
            self._set_error(error_key, exc.message.get(self.lang))
            return False
        if problem is not None:
            self._set_error(error_key, problem.message.get(self.lang))
            return False
        self._set_error(error_key, None)
        self._reload()
        return True

    def set_kind(self, kind: str) -> bool:
        return self._save_header("kind", kind, "header:kind")

    def commit_header(self, field: str, *, keep_text: bool = False) -> bool:
        """Save a header text box when it is left."""
        if field not in self._text:
            return True
        text = self._text[field]
        header = self.view.header
        if field == "team":
            value: Any = [{"name": line.strip()} for line in text.splitlines() if line.strip()]
            stored: Any = _plain(header.team)
            target = "team"
        elif field in ("rep_name", "rep_title"):
            name = (text if field == "rep_name" else self.header_text("rep_name")).strip()
            title = (text if field == "rep_title" else self.header_text("rep_title")).strip()
            value = {"name": name, "title": title or None} if name else None
            if value is None and title:
                # A title without a name cannot be saved yet: keep it in the box.
                return True
            stored = _plain(header.representative)
            target = "representative"
        else:
            value = text.strip() or None
            stored = getattr(header, field)
            target = field
        if value != stored and not self._save_header(target, value, f"header:{field}"):
            return False
        if not keep_text:
            self._text.pop(field, None)
        return True

    @property
    def signs_in_checklist(self) -> bool:
        """Whether the pinned checklist asks for signatures as questions. Then those are the
        signatures (the complete screen shows them) and the header's signature pads are not offered,
        so nobody signs twice; checklists without signature questions use the header's."""
        return any(isinstance(q, SignatureQuestion) for section in self.sections for q in section.questions)

    def signature_questions(self) -> list[Question]:
        """The checklist's signature questions that apply to the answers so far, in checklist order."""
        applies = set(self.view.relevant)
        return [
            q
            for section in self.sections
            for q in section.questions
            if isinstance(q, SignatureQuestion) and q.id in applies
        ]

    def header_signature(self, role: str) -> Any:
        return next((s for s in self.view.header.signatures if s.role == role), None)

    def header_signature_sha(self, role: str) -> str | None:
        return _signed_sha(self.header_signature(role))

    def save_header_signature(
        self, role: str, strokes: Sequence[Sequence[tuple[float, float]]], width: int, height: int, name: str
    ) -> bool:
        """Sign the record as ``role`` (``inspector`` or ``representative``)."""
        sha = self._signature_blob(strokes, width, height, f"header:sig_{role}")
        if sha is None:
            return False
        others = [_plain(s) for s in self.view.header.signatures if s.role != role]
        entry = {"role": role, "name": name or role, "sha256": sha, "signed_at": _now_iso()}
        return self._save_header("signatures", [*others, entry], f"header:sig_{role}")

    def missing(self) -> list[MissingItem]:
        return list(self.view.problems)

    def commit_all(self) -> None:
        """Save every text box still being typed in (before leaving the screen)."""
        for key in list(self._text):
            if ":" in key:
                qid, field = key.split(":", 1)
                self.commit(qid, field)
            else:
                self.commit_header(key)

    def submit(self) -> bool:
        """Submit (or resubmit) when nothing is missing; otherwise list what is."""
        self.commit_all()
        try:
            result = self._services.submit(self.inspection_id)
        except AppError as exc:
            self.message = exc.message.get(self.lang)
            return False
        self._reload()
        self.submit_problems = list(result.problems)
        self.submitted = result.ok
        self.message = i18n.t(self.lang, "submitted_wait" if result.ok else "cannot_submit")
        return result.ok
