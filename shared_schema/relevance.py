"""Relevance: which questions apply, given the answers so far.

A question with ``relevant_if`` applies only when its condition holds. Conditions refer to
earlier questions; the answer to a question that does not apply counts as not given, so a
chain of conditions collapses the way a person would expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared_schema import checklist as cl


def is_given(value: Any) -> bool:
    """An answer counts as given unless it is missing, empty text or an empty list."""
    if value is None:
        return False
    if isinstance(value, str) and not value.strip():
        return False
    return not (isinstance(value, (list, dict)) and not value)


def _matches(answer: Any, expected: Any) -> bool:
    if isinstance(answer, list):
        return expected in answer
    if isinstance(answer, bool) or isinstance(expected, bool):
        return answer is expected
    return bool(answer == expected)


def _number(answer: Any) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return None
    return float(answer)


def evaluate(condition: cl.Condition, values: Mapping[str, Any]) -> bool:
    """Whether ``condition`` holds for the answers ``values`` (question id → value)."""
    match condition:
        case cl.Equals(question=q, value=v):
            return is_given(values.get(q)) and _matches(values[q], v)
        case cl.OneOf(question=q, values=vs):
            return is_given(values.get(q)) and any(_matches(values[q], v) for v in vs)
        case cl.AtLeast(question=q, value=v):
            n = _number(values.get(q))
            return n is not None and n >= v
        case cl.AtMost(question=q, value=v):
            n = _number(values.get(q))
            return n is not None and n <= v
        case cl.Answered(question=q):
            return is_given(values.get(q))
        case cl.AllOf(conditions=cs):
            return all(evaluate(c, values) for c in cs)
        case cl.AnyOf(conditions=cs):
            return any(evaluate(c, values) for c in cs)
        case cl.Not(condition=c):
            return not evaluate(c, values)
    raise TypeError(f"unknown condition {condition!r}")


def relevant_questions(template: cl.ChecklistTemplate, values: Mapping[str, Any]) -> list[str]:
    """Ids of the questions that apply, in checklist order."""
    visible: dict[str, Any] = {}
    relevant: list[str] = []
    for question in template.questions():
        if question.relevant_if is None or evaluate(question.relevant_if, visible):
            relevant.append(question.id)
            if question.id in values:
                visible[question.id] = values[question.id]
    return relevant


def effective_values(template: cl.ChecklistTemplate, values: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that count: those of questions that apply."""
    return {qid: values[qid] for qid in relevant_questions(template, values) if qid in values}
