"""How the checklist pages present a checklist: problems grouped by question, and several
versions side by side. Plain Python, no web framework."""

from __future__ import annotations

import msgspec

from shared_schema.checklist import (
    QUESTION_KIND_LABELS,
    AllOf,
    Answered,
    AnyOf,
    AtLeast,
    AtMost,
    ChecklistTemplate,
    Condition,
    Equals,
    Not,
    OneOf,
    Question,
)
from shared_schema.template_rules import TemplateProblem

GENERAL = ""  # problems that belong to no question (title, scoring, sections)


def question_kind_label(kind: str, lang: str) -> str:
    """The name of a question kind in ``lang`` (the kind's own tag when it has none)."""
    label = QUESTION_KIND_LABELS.get(kind)
    return label.get(lang) if label else kind


def _value(value: object, lang: str) -> str:
    if isinstance(value, bool):
        return ("Có" if value else "Không") if lang == "vi" else ("Yes" if value else "No")
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_condition(condition: Condition, lang: str) -> str:
    """A relevance condition as its author reads it: ``dorm = Có``, ``a ≥ 10 và (b đã trả lời)``."""
    vi = lang == "vi"
    match condition:
        case Equals(question=q, value=v):
            return f"{q} = {_value(v, lang)}"
        case OneOf(question=q, values=vs):
            return f"{q} ∈ {{{', '.join(_value(v, lang) for v in vs)}}}"
        case AtLeast(question=q, value=v):
            return f"{q} ≥ {_value(v, lang)}"
        case AtMost(question=q, value=v):
            return f"{q} ≤ {_value(v, lang)}"
        case Answered(question=q):
            return f"{q} {'đã trả lời' if vi else 'answered'}"
        case AllOf(conditions=cs) | AnyOf(conditions=cs):
            joiner = (" và " if vi else " and ") if isinstance(condition, AllOf) else (" hoặc " if vi else " or ")
            return joiner.join(f"({describe_condition(c, lang)})" for c in cs)
        case Not(condition=c):
            return f"{'không' if vi else 'not'} ({describe_condition(c, lang)})"
    return ""


def problems_by_question(problems: list[TemplateProblem]) -> dict[str, list[TemplateProblem]]:
    """Question id → its problems, in the order found; problems of no question under ``""``."""
    grouped: dict[str, list[TemplateProblem]] = {}
    for p in problems:
        grouped.setdefault(p.question_id or GENERAL, []).append(p)
    return grouped


class CompareRow(msgspec.Struct, kw_only=True):
    question_id: str
    section_id: str
    cells: list[Question | None]  # one per version, None where the version lacks it
    changed: bool  # present in every version, but not the same everywhere
    partial: bool  # missing from at least one version


def compare_versions(docs: list[ChecklistTemplate]) -> list[CompareRow]:
    """One row per question id across ``docs`` (in the order of the newest version, then the
    questions only older versions have)."""
    order: list[tuple[str, str]] = []
    seen: set[str] = set()
    for doc in reversed(docs):
        for section in doc.sections:
            for q in section.questions:
                if q.id not in seen:
                    seen.add(q.id)
                    order.append((q.id, section.id))
    maps = [doc.question_map() for doc in docs]
    rows: list[CompareRow] = []
    for qid, section_id in order:
        cells = [m.get(qid) for m in maps]
        present = [msgspec.json.encode(c) for c in cells if c is not None]
        rows.append(
            CompareRow(
                question_id=qid,
                section_id=section_id,
                cells=cells,
                changed=len(set(present)) > 1,
                partial=any(c is None for c in cells),
            )
        )
    return rows
