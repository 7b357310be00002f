"""Compliance score, failed critical items and result band, exactly as the checklist's
data says (``ChecklistTemplate.scoring``); and the optional risk index.

Score = Σ(weight × credit) / Σ(weight of applicable scored items) × 100, where only
answered questions that apply and carry a weight count, and "not applicable" answers (or
choices without a credit) are left out of both sums.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from shared_schema.checklist import (
    ChecklistTemplate,
    MultipleChoiceQuestion,
    NumberQuestion,
    Question,
    ResultBand,
    RiskIndex,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from shared_schema.relevance import effective_values, is_given
from shared_schema.text import LocalText


class ScoreResult(msgspec.Struct, frozen=True):
    score: float | None
    result: str | None
    result_label: LocalText | None
    passing: bool | None
    failed_critical: list[str]
    scored_items: int


def credit(question: Question, value: Any) -> float | None:
    """The credit in [0, 1] an answer earns, or ``None`` when it is not scored."""
    if not is_given(value):
        return None
    match question:
        case YesNoQuestion():
            if value == "na":
                return None
            if value in ("yes", "no"):
                return 0.0 if value == question.fail_answer else 1.0
            return None
        case SingleChoiceQuestion():
            for choice in question.choices:
                if choice.id == value:
                    return choice.credit
            return None
        case MultipleChoiceQuestion():
            credits = [c.credit for c in question.choices if c.id in value and c.credit is not None]
            return min(credits) if credits else None
    return None


def is_failed(question: Question, value: Any) -> bool:
    """A failed item, critical or not: the failing yes/no answer or a failing choice (the
    items a corrective action can be attached to)."""
    if not is_given(value):
        return False
    match question:
        case YesNoQuestion():
            return bool(value == question.fail_answer)
        case SingleChoiceQuestion():
            return any(c.fails and c.id == value for c in question.choices)
        case MultipleChoiceQuestion():
            return isinstance(value, list) and any(c.fails and c.id in value for c in question.choices)
    return False


def is_failed_critical(question: Question, value: Any) -> bool:
    """A critical question fails on its failing answer (yes/no) or a failing choice."""
    return question.critical and is_failed(question, value)


def band_for(bands: list[ResultBand], score: float) -> ResultBand:
    for band in bands:
        if score >= band.min_score:
            return band
    return bands[-1]


def score(template: ChecklistTemplate, values: Mapping[str, Any]) -> ScoreResult:
    """Score the answers ``values`` (question id → value) of an inspection."""
    questions = template.question_map()
    counted = effective_values(template, values)
    earned = 0.0
    possible = 0.0
    scored = 0
    failed: list[str] = []
    for qid, value in counted.items():
        question = questions[qid]
        if is_failed_critical(question, value):
            failed.append(qid)
        if question.weight <= 0:
            continue
        c = credit(question, value)
        if c is None:
            continue
        earned += question.weight * c
        possible += question.weight
        scored += 1
    pct = round(earned / possible * 100, 2) if possible > 0 else None
    bands = {b.id: b for b in template.scoring.bands}
    band: ResultBand | None
    if failed:
        band = bands[template.scoring.critical_failure_band]
    elif pct is not None:
        band = band_for(template.scoring.bands, pct)
    else:
        band = None
    return ScoreResult(
        score=pct,
        result=band.id if band else None,
        result_label=band.label if band else None,
        passing=band.passing if band else None,
        failed_critical=failed,
        scored_items=scored,
    )


# --- risk index --------------------------------------------------------------------------


class CriterionPoints(msgspec.Struct, frozen=True):
    criterion: str
    points: float | None
    max_points: float


class RiskResult(msgspec.Struct, frozen=True):
    points: float
    percent: float
    complete: bool
    loaded_criteria: int
    expected_criteria: int
    band: str | None
    band_label: LocalText | None
    criteria: list[CriterionPoints]


def _criterion_points(question: Question | None, value: Any, levels: list[Any]) -> float | None:
    if question is None or not is_given(value):
        return None
    for level in levels:
        if level.choice is not None:
            if value == level.choice or (isinstance(value, list) and level.choice in value):
                return float(level.points)
        elif isinstance(question, NumberQuestion) and _in_range(value, level.min, level.max):
            return float(level.points)
    return None


def _in_range(value: Any, low: float | None, high: float | None) -> bool:
    """``value`` is a number in ``[low, high)`` (an open end when ``None``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return (low is None or value >= low) and (high is None or value < high)


def risk_index(index: RiskIndex, template: ChecklistTemplate, values: Mapping[str, Any]) -> RiskResult:
    """The risk index (higher is worse). Incomplete while fewer criteria are loaded than the
    official text has: then no band is given, only the points of the loaded criteria."""
    questions = template.question_map()
    counted = effective_values(template, values)
    parts: list[CriterionPoints] = []
    total = 0.0
    for criterion in index.criteria:
        q = questions.get(criterion.question) if criterion.question else None
        pts = _criterion_points(q, counted.get(criterion.question or ""), criterion.levels)
        parts.append(CriterionPoints(criterion.id, pts, criterion.max_points))
        total += pts or 0.0
    percent = round(total / index.total_points * 100, 2) if index.total_points > 0 else 0.0
    complete = len(index.criteria) >= index.expected_criteria and all(p.points is not None for p in parts)
    band = None
    if complete:
        for b in index.bands:
            if percent <= b.max_percent:
                band = b
                break
    return RiskResult(
        points=total,
        percent=percent,
        complete=complete,
        loaded_criteria=len(index.criteria),
        expected_criteria=index.expected_criteria,
        band=band.id if band else None,
        band_label=band.label if band else None,
        criteria=parts,
    )
