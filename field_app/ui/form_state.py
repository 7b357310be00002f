"""The state of one inspection on screen: filling in the checklist and completing it.

Plain Python over ``AppServices``: every answer is saved the moment it is given (a choice when
it is tapped, a typed text when the field is left), refused input leaves an inline message and
changes nothing. Views read this object and call its methods; no Flet control lives here.

``InspectionForm`` is the observable the screens redraw from (``view``, ``section``, ``errors``,
``message``…) and composes the parts that do the work, one job each:

- ``field_app.core.form_reading``: reading the answers (what applies, progress, sections);
- ``FormContext`` (``form_context``): saving a change and showing its refusal, the typed text;
- ``AnswerBoxes`` (``form_answers``): answering, typing, dates and places;
- ``MediaDesk`` (``form_media``): photos and signatures;
- ``ActionDrafts`` (``form_actions``): corrective actions of failed items;
- ``HeaderBoxes`` (``form_header``): the record's header boxes;
- ``Submission`` (``form_submission``): what is missing, submit, discard, the version move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from field_app.core import form_reading as read
from field_app.core.models import InspectionView
from field_app.core.services import AppServices
from field_app.core.typing_buffer import split_key
from field_app.core.version_move import MovePlan
from field_app.ui import i18n
from field_app.ui.form_actions import ActionDrafts
from field_app.ui.form_answers import AnswerBoxes
from field_app.ui.form_context import FormContext
from field_app.ui.form_header import HeaderBoxes
from field_app.ui.form_media import MediaDesk
from field_app.ui.form_submission import Submission
from shared_schema.checklist import Question, Section
from shared_schema.workflow import MissingItem


def _part(part: str, name: str) -> Any:
    """A method of one of the form's parts, called on the form as the screens do."""
    return property(lambda form: getattr(getattr(form, part), name), doc=f"``{part[1:]}.{name}``")


@ft.observable
class InspectionForm:
    """One inspection being filled in (screen ``fill``) or completed (screen ``complete``)."""

    def __init__(self, services: AppServices, inspection_id: str, lang: Callable[[], str]):
        # The parts are private attributes: the observable does not watch them, only what they set here.
        self._ctx = FormContext(self, services, inspection_id, lang)
        self._answers = AnswerBoxes(self._ctx)
        self._media = MediaDesk(self._ctx)
        self._actions = ActionDrafts(self._ctx, self._close_action_draft)
        self._header = HeaderBoxes(self._ctx)
        self._submission = Submission(self._ctx, self.commit_all)
        self.inspection_id = inspection_id
        self.view: InspectionView = services.get_inspection(inspection_id)
        self.section = 0
        self.errors: dict[str, str] = {}
        # what is being worked on off the event loop ("q1:photos": its photos being made small)
        self.busy: frozenset[str] = frozenset()
        self.message: str | None = None
        self.focus_qid: str | None = None
        self.submitted = False
        self.submit_problems: list[MissingItem] = []
        # questions whose "Thêm biện pháp khắc phục" form is open (what is typed there is kept
        # by ``ActionDrafts``, where a keystroke redraws nothing)
        self.action_drafts_open: frozenset[str] = frozenset()
        self.opened_notes: frozenset[str] = frozenset()
        self.opened_bases: frozenset[str] = frozenset()

    # --- reading -----------------------------------------------------------------------

    @property
    def lang(self) -> str:
        return self._ctx.lang

    @property
    def sections(self) -> list[Section]:
        return self.view.template.sections

    @property
    def current_section(self) -> Section:
        return self.sections[self.section]

    def relevant(self, section: Section | None = None) -> list[Question]:
        """Questions of ``section`` (default: the current one) that apply to the answers so far."""
        return read.relevant(self.view, section or self.current_section)

    def value(self, qid: str) -> Any:
        return read.value(self.view, qid)

    def answer_field(self, qid: str, field: str) -> Any:
        return read.answer_field(self.view, qid, field)

    def is_answered(self, qid: str) -> bool:
        return read.is_answered(self.view, qid)

    def progress(self) -> tuple[int, int]:
        """(answered, applicable) over the whole checklist."""
        return read.progress(self.view)

    def section_progress(self, index: int) -> tuple[int, int]:
        return read.section_progress(self.view, self.sections[index])

    def is_failed_critical(self, qid: str) -> bool:
        return qid in self.view.score.failed_critical

    def is_failed(self, qid: str) -> bool:
        """A failed item, critical or not: it may get a corrective action."""
        return read.is_failed(self.view, qid)

    def needs_specify(self, qid: str) -> bool:
        return read.needs_specify(self.view, qid)

    def notices_for(self, qid: str | None) -> list[Any]:
        """Rejected changes and conflicts of one question (``None``: of the header)."""
        return read.notices_for(self.view, qid)

    def content_digest(self) -> str:
        return read.content_digest(self.view)

    def signature_is_stale(self, signed: Any) -> bool:
        return read.signature_is_stale(self.view, signed)

    @property
    def signs_in_checklist(self) -> bool:
        return read.signs_in_checklist(self.view)

    def signature_questions(self) -> list[Question]:
        return read.signature_questions(self.view)

    def score_text(self) -> str:
        """The live score and result; called provisional while required items are still
        missing, since it then covers only what is answered so far."""
        score = self.view.score
        if score.score is None and score.result_label is None:
            return i18n.t(self.lang, "score_none")
        provisional = self.view.editable and bool(self.view.problems)
        text = (
            i18n.t(
                self.lang,
                "score_provisional" if provisional else "score",
                score=i18n.fmt_number(score.score, self.lang, 1),
            )
            if score.score is not None
            else i18n.t(self.lang, "score_none")
        )
        if score.result_label is not None:
            key = "result_provisional" if provisional else "result"
            text += " · " + i18n.t(self.lang, key, result=score.result_label.get(self.lang))
        return text

    def error(self, qid: str, field: str = "value") -> str | None:
        return self.errors.get(f"{qid}:{field}")

    def is_busy(self, qid: str, field: str) -> bool:
        """Whether ``field`` of ``qid`` is being worked on (its photos made small): the screen
        shows progress there and its buttons wait."""
        return f"{qid}:{field}" in self.busy

    def reload(self) -> None:
        """Read the inspection again (after a header change made outside this form)."""
        self._ctx.reload()

    # --- what is shown open ------------------------------------------------------------

    def note_open(self, qid: str) -> bool:
        """Whether the note box of ``qid`` is shown (asked for, or a note exists)."""
        return qid in self.opened_notes or bool(self.answer_field(qid, "note")) or f"{qid}:note" in self._ctx.typing

    def open_note(self, qid: str) -> None:
        self.opened_notes = self.opened_notes | {qid}

    def basis_open(self, qid: str) -> bool:
        return qid in self.opened_bases

    def toggle_basis(self, qid: str) -> None:
        self.opened_bases = self.opened_bases ^ {qid}

    def open_action_draft(self, qid: str) -> None:
        self.action_drafts_open = self.action_drafts_open | {qid}

    def _close_action_draft(self, qid: str) -> None:
        self.action_drafts_open = self.action_drafts_open - {qid}

    # --- moving around -----------------------------------------------------------------

    def go_section(self, index: int) -> None:
        self.section = read.clamp_section(self.view, index)
        self.focus_qid = None

    def next_section(self) -> None:
        self.go_section(self.section + 1)

    def previous_section(self) -> None:
        self.go_section(self.section - 1)

    def jump_to(self, qid: str) -> None:
        """Show the section that holds ``qid`` with that question in view."""
        index = read.section_of(self.view, qid)
        if index is not None:
            self.section = index
            self.focus_qid = qid

    # --- saving every box --------------------------------------------------------------

    def commit_all(self) -> None:
        """Save every text box still being typed in (before leaving the screen)."""
        for key in self._ctx.typing:
            box = split_key(key)
            if box is not None:
                self._answers.commit(*box)
            else:
                self._header.commit_header(key)

    # --- submission and the draft's lifecycle (Submission) -----------------------------

    @property
    def editable(self) -> bool:
        return self.view.editable

    @property
    def can_discard(self) -> bool:
        return self._submission.can_discard

    @property
    def move_plan(self) -> MovePlan | None:
        return self._submission.move_plan

    def submit(self) -> bool:
        """Submit (or resubmit) when nothing is missing; otherwise list what is."""
        result = self._submission.submit()
        if result is None:
            return False
        self.submit_problems = list(result.problems)
        self.submitted = result.ok
        return result.ok

    # --- the parts' own methods, as the screens call them ------------------------------

    answer = _part("_answers", "answer")
    toggle_choice = _part("_answers", "toggle_choice")
    clear_answer = _part("_answers", "clear_answer")
    text_value = _part("_answers", "text_value")
    edit = _part("_answers", "edit")
    autosave = _part("_answers", "autosave")
    commit = _part("_answers", "commit")
    set_date = _part("_answers", "set_date")
    set_location = _part("_answers", "set_location")
    set_position = _part("_answers", "set_position")
    location_error = _part("_answers", "location_error")
    use_position = _part("_answers", "use_position")

    photos = _part("_media", "photos")
    add_photos = _part("_media", "add_photos")
    remove_photo = _part("_media", "remove_photo")
    blob_bytes = _part("_media", "blob_bytes")
    save_signature = _part("_media", "save_signature")
    signer_name = _part("_media", "signer_name")
    type_signer_name = _part("_media", "type_signer_name")
    set_signer_name = _part("_media", "set_signer_name")
    signature_sha = _part("_media", "signature_sha")
    signature_caption = _part("_media", "signature_caption")
    stale_text = _part("_media", "stale_text")
    header_signature = _part("_media", "header_signature")
    header_signature_sha = _part("_media", "header_signature_sha")
    save_header_signature = _part("_media", "save_header_signature")

    actions_for = _part("_actions", "actions_for")
    edit_action_draft = _part("_actions", "edit_action_draft")
    action_draft = _part("_actions", "action_draft")
    save_action = _part("_actions", "save_action")
    add_finding_photos = _part("_actions", "add_finding_photos")
    remove_finding_photo = _part("_actions", "remove_finding_photo")

    header_text = _part("_header", "header_text")
    edit_header = _part("_header", "edit_header")
    autosave_header = _part("_header", "autosave_header")
    commit_header = _part("_header", "commit_header")
    set_kind = _part("_header", "set_kind")

    missing = _part("_submission", "missing")
    discard = _part("_submission", "discard")
    move_to_new_version = _part("_submission", "move_to_new_version")
