"""Reading an inspection as the form shows it: answers, what applies, progress, sections.

Plain functions over ``InspectionView`` (the screens' form state in ``field_app.ui`` calls them);
nothing here saves anything.
"""

from __future__ import annotations

from typing import Any

import msgspec

from field_app.core.models import InspectionView, Notice
from shared_schema import actions as action_rules
from shared_schema import evidence
from shared_schema.checklist import MultipleChoiceQuestion, Question, Section, SignatureQuestion, specify_choices
from shared_schema.relevance import is_given


def value(view: InspectionView, qid: str) -> Any:
    answer = view.answers.get(qid)
    return answer.value if answer else None


def answer_field(view: InspectionView, qid: str, field: str) -> Any:
    answer = view.answers.get(qid)
    return getattr(answer, field, None) if answer else None


def stored(view: InspectionView, qid: str, field: str) -> Any:
    """The saved value behind a box: the answer for ``value``, else that field of the answer."""
    return value(view, qid) if field == "value" else answer_field(view, qid, field)


def is_answered(view: InspectionView, qid: str) -> bool:
    return is_given(value(view, qid))


def relevant(view: InspectionView, section: Section) -> list[Question]:
    """Questions of ``section`` that apply to the answers so far."""
    applies = set(view.relevant)
    return [q for q in section.questions if q.id in applies]


def progress(view: InspectionView) -> tuple[int, int]:
    """(answered, applicable) over the whole checklist."""
    return sum(1 for qid in view.relevant if is_answered(view, qid)), len(view.relevant)


def section_progress(view: InspectionView, section: Section) -> tuple[int, int]:
    questions = relevant(view, section)
    return sum(1 for q in questions if is_answered(view, q.id)), len(questions)


def needs_specify(view: InspectionView, qid: str) -> bool:
    """Whether an "other (specify)" choice of ``qid`` is chosen (its box is then shown)."""
    question = view.template.question_map().get(qid)
    current = value(view, qid)
    chosen = {v for v in current if isinstance(v, str)} if isinstance(current, list) else set()
    if isinstance(current, str):
        chosen = {current}
    return bool(question is not None and chosen & specify_choices(question))


def toggled_choices(view: InspectionView, qid: str, choice_id: str, selected: bool) -> list[str] | None:
    """The choices of ``qid`` once ``choice_id`` is (un)ticked, in checklist order; None when none."""
    current = list(value(view, qid) or [])
    if selected and choice_id not in current:
        current.append(choice_id)
    elif not selected and choice_id in current:
        current.remove(choice_id)
    question = view.template.question_map()[qid]
    if isinstance(question, MultipleChoiceQuestion):
        order = [c.id for c in question.choices]
        current.sort(key=lambda c: order.index(c) if c in order else len(order))
    return current or None


def is_failed(view: InspectionView, qid: str) -> bool:
    """A failed item, critical or not: it may get a corrective action."""
    question = view.template.question_map().get(qid)
    return question is not None and action_rules.is_failed(question, value(view, qid))


def notices_for(view: InspectionView, qid: str | None) -> list[Notice]:
    """Rejected changes and conflicts of one question (``None``: of the header)."""
    return [n for n in view.notices if n.question_id == qid and not n.resolved]


def photos(view: InspectionView, qid: str) -> list[str]:
    """Photos of a question: its value for a photo question, else the evidence photos."""
    question = view.template.question_map().get(qid)
    if question is not None and question.__struct_config__.tag == "photo":
        return list(value(view, qid) or [])
    return list(answer_field(view, qid, "photos") or [])


def signs_in_checklist(view: InspectionView) -> bool:
    """Whether the pinned checklist asks for signatures as questions. Then those are the
    signatures (the complete screen shows them) and the header's signature pads are not offered,
    so nobody signs twice; checklists without signature questions use the header's."""
    return any(isinstance(q, SignatureQuestion) for section in view.template.sections for q in section.questions)


def signature_questions(view: InspectionView) -> list[Question]:
    """The checklist's signature questions that apply to the answers so far, in checklist order."""
    applies = set(view.relevant)
    return [
        q
        for section in view.template.sections
        for q in section.questions
        if isinstance(q, SignatureQuestion) and q.id in applies
    ]


def content_digest(view: InspectionView) -> str:
    """The digest of the content as it stands (what a signature taken now binds)."""
    return evidence.content_digest(
        msgspec.to_builtins(view.header), view.answers, evidence.signature_question_ids(view.template), view.actions
    )


def signature_is_stale(view: InspectionView, signed: Any) -> bool:
    """Whether a signature (an answer value or a header signature) was taken on other content
    (compared in the digest version it was taken in: ``shared_schema.evidence``)."""
    digest = signed.get("digest") if isinstance(signed, dict) else getattr(signed, "digest", None)
    current = evidence.current_digests(
        msgspec.to_builtins(view.header), view.answers, evidence.signature_question_ids(view.template), view.actions
    )
    return evidence.signature_state(digest, current) == "stale"


def clamp_section(view: InspectionView, index: int) -> int:
    return max(0, min(index, len(view.template.sections) - 1))


def section_of(view: InspectionView, qid: str) -> int | None:
    """The index of the section that holds ``qid`` (None: no section does)."""
    for index, section in enumerate(view.template.sections):
        if any(q.id == qid for q in section.questions):
            return index
    return None
