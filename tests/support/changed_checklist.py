"""A later version of the sample checklist that changes what a draft can keep: a question
removed (``manager``), one whose kind changed (``self_check_date`` becomes text), a tighter
limit (``workers`` at most 100), a choice withdrawn (``masks``: "most"), and a new required
question (``ventilation``). Tests of moving a draft to a new version build on it."""

from __future__ import annotations

import msgspec

from shared_schema.checklist import (
    ChecklistTemplate,
    NumberQuestion,
    Section,
    SingleChoiceQuestion,
    TextQuestion,
    YesNoQuestion,
)
from shared_schema.text import LocalText as T
from tests.support.sample_checklist import sample_template

VENTILATION = YesNoQuestion(
    id="ventilation",
    label=T("Nhà xưởng được thông gió?", "Is the workshop ventilated?"),
    required=True,
    weight=1,
)


def changed_template(version: int = 2, template_id: str = "sample-factory") -> ChecklistTemplate:
    base = sample_template(version, template_id)
    sections: list[Section] = []
    for section in base.sections:
        questions = []
        for q in section.questions:
            if q.id == "manager":
                continue
            if q.id == "self_check_date":
                q = TextQuestion(id=q.id, label=T("Ngày tự đánh giá (ghi chữ)", "Self-assessment date (as text)"))
            elif q.id == "workers" and isinstance(q, NumberQuestion):
                q = msgspec.structs.replace(q, max=100)
            elif q.id == "masks" and isinstance(q, SingleChoiceQuestion):
                q = msgspec.structs.replace(q, choices=[c for c in q.choices if c.id != "most"])
            questions.append(q)
        if section.id == "measures":
            questions.append(VENTILATION)
        sections.append(msgspec.structs.replace(section, questions=questions))
    return msgspec.structs.replace(base, sections=sections)


__all__ = ["VENTILATION", "changed_template"]
