"""Answer sets for the shipped checklists: every item compliant, or one item failing."""

from __future__ import annotations

from typing import Any

from shared_schema import checklist as cl

PHOTO = "a" * 64


def compliant_value(q: cl.Question) -> Any:
    """The best answer a fully compliant site gives (and, for gates, the one that opens them)."""
    match q:
        case cl.YesNoQuestion():
            return "no" if q.fail_answer == "yes" else "yes"
        case cl.SingleChoiceQuestion():
            scored = [c for c in q.choices if c.credit is not None]
            return max(scored, key=lambda c: c.credit).id if scored else q.choices[0].id
        case cl.MultipleChoiceQuestion():
            return []
        case cl.NumberQuestion():
            value: float = max(q.min or 0, 1)
            if q.max is not None:
                value = min(value, q.max)
            return int(value) if q.integer else value
        case cl.DateQuestion():
            return "2021-05-20"
        case cl.TextQuestion():
            return "Không có tồn tại."
        case cl.PhotoQuestion():
            return [PHOTO]
        case cl.SignatureQuestion():
            return {"sha256": PHOTO, "name": "Nguyễn Văn A"}
        case cl.LocationQuestion():
            return {"lat": 21.59, "lon": 105.85}
    raise TypeError(q)


def compliant_values(template: cl.ChecklistTemplate) -> dict[str, Any]:
    return {q.id: compliant_value(q) for q in template.questions()}


def failing_value(q: cl.Question) -> Any:
    """The answer that fails a critical question."""
    if isinstance(q, cl.YesNoQuestion):
        return q.fail_answer
    if isinstance(q, (cl.SingleChoiceQuestion, cl.MultipleChoiceQuestion)):
        choice = next(c.id for c in q.choices if c.fails)
        return [choice] if isinstance(q, cl.MultipleChoiceQuestion) else choice
    raise TypeError(f"{q.id} cannot fail")
