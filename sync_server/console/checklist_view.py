"""How the checklist pages present a checklist: problems grouped by question, and several
versions side by side. Plain Python, no web framework."""

from __future__ import annotations

import msgspec

from shared_schema.checklist import ChecklistTemplate, Question
from shared_schema.template_rules import TemplateProblem
from sync_server.core.xlsform import write_condition

GENERAL = ""  # problems that belong to no question (title, scoring, sections)


def relevance_text(doc: ChecklistTemplate, question: Question) -> str:
    """The question's condition as an XLSForm ``relevant`` expression (``${dorm} = 'yes'``): what
    an admin writes in a spreadsheet, and what an XLSForm import reads back, so the preview
    shows how the file's relevance was understood. Empty when the question is always asked."""
    if question.relevant_if is None:
        return ""
    kinds = {q.id: str(q.__struct_config__.tag) for q in doc.questions()}
    try:
        return write_condition(question.relevant_if, kinds)
    except ValueError:  # a text value with both kinds of quote: no XLSForm literal holds it
        return msgspec.json.encode(question.relevant_if).decode()


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
