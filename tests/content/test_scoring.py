"""Scoring of the shipped checklists: bands of CHECKLISTS.md §2.0, critical items, N/A."""

from __future__ import annotations

from typing import Any

import pytest

from shared_schema.checklist import AllOf, AnyOf, ChecklistTemplate, Condition, Not, YesNoQuestion
from shared_schema.scoring import score
from sync_server.core.content import load_checklists
from tests.content.answers import compliant_values, failing_value

TEMPLATES = {t.template_id: t for t in load_checklists()}
CRITICAL_ITEMS = [(t.template_id, q.id) for t in TEMPLATES.values() for q in t.questions() if q.critical]


@pytest.fixture(params=sorted(TEMPLATES))
def template(request: pytest.FixtureRequest) -> ChecklistTemplate:
    return TEMPLATES[request.param]


def test_bands_are_the_research_table(template: ChecklistTemplate) -> None:
    bands = [(b.id, b.min_score, b.passing, b.correction_days) for b in template.scoring.bands]
    assert bands == [
        ("pass", 90, True, None),
        ("pass_rec", 75, True, None),
        ("fix", 50, False, 15),
        ("fail", 0, False, None),
    ]
    assert [b.label.vi for b in template.scoring.bands] == [
        "Đạt",
        "Đạt, có khuyến nghị",
        "Chưa đạt – yêu cầu khắc phục",
        "Không đạt – kiến nghị xử lý / tạm dừng",
    ]
    assert template.scoring.critical_failure_band == "fail"
    assert set(template.scoring.critical_failure_requires) == {"photo", "corrective_action", "due_date"}


def test_all_compliant_answers_score_100_and_pass(template: ChecklistTemplate) -> None:
    result = score(template, compliant_values(template))
    assert result.score == 100.0
    assert result.result == "pass" and result.passing is True
    assert result.failed_critical == []
    assert result.scored_items == sum(1 for q in template.questions() if q.weight > 0)


@pytest.mark.parametrize(("template_id", "question_id"), CRITICAL_ITEMS, ids=[f"{t}:{q}" for t, q in CRITICAL_ITEMS])
def test_one_failed_critical_item_fails_the_inspection(template_id: str, question_id: str) -> None:
    template = TEMPLATES[template_id]
    question = template.question_map()[question_id]
    values = compliant_values(template) | {question_id: failing_value(question)}
    result = score(template, values)
    assert result.failed_critical == [question_id]
    assert result.score is not None and result.score >= 90, "the score alone would still pass"
    assert result.result == "fail" and result.passing is False


def _weighted_yes_no(template: ChecklistTemplate) -> list[YesNoQuestion]:
    """Weighted, non-critical yes/no items that allow N/A and neither open nor close other questions."""
    gates = {c.question for q in template.questions() if q.relevant_if is not None for c in _leaves(q.relevant_if)}
    return [
        q
        for q in template.questions()
        if isinstance(q, YesNoQuestion)
        and q.weight > 0
        and q.allow_na
        and not q.critical
        and q.relevant_if is None
        and q.id not in gates
    ]


def _leaves(condition: Condition) -> list[Any]:
    match condition:
        case AllOf(conditions=cs) | AnyOf(conditions=cs):
            return [leaf for c in cs for leaf in _leaves(c)]
        case Not(condition=c):
            return _leaves(c)
    return [condition]


def test_not_applicable_answers_leave_both_sums(template: ChecklistTemplate) -> None:
    failed, na = _weighted_yes_no(template)[:2]
    total = sum(q.weight for q in template.questions() if q.weight > 0)
    values = compliant_values(template) | {failed.id: "no"}
    before = score(template, values)
    assert before.score == round((total - failed.weight) / total * 100, 2)

    after = score(template, values | {na.id: "na"})
    expected = round((total - na.weight - failed.weight) / (total - na.weight) * 100, 2)
    assert after.score == expected
    assert after.scored_items == before.scored_items - 1


def test_a_mid_score_lands_in_the_corrective_action_band_with_its_deadline(template: ChecklistTemplate) -> None:
    values = compliant_values(template)
    for q in _weighted_yes_no(template):
        values[q.id] = "no"
        result = score(template, values)
        if result.score is not None and result.score < 75:
            break
    assert result.score is not None and 50 <= result.score < 75
    assert result.result == "fix" and result.passing is False
    band = next(b for b in template.scoring.bands if b.id == "fix")
    assert band.correction_days == 15


def test_a_price_rise_of_ten_percent_or_more_scores_zero_but_is_not_critical() -> None:
    template = TEMPLATES["covid19-market"]
    values = compliant_values(template) | {"B4.7": "up_large"}
    result = score(template, values)
    assert result.failed_critical == []
    assert result.score is not None and result.score < 100
    no_figures = score(template, values | {"B4.7": "unknown"})
    assert no_figures.score == 100.0, "'no figures for last week' is left out of the score"


def test_hoarding_seen_fails_the_market_inspection() -> None:
    template = TEMPLATES["covid19-market"]
    result = score(template, compliant_values(template) | {"B4.8": "yes"})
    assert result.failed_critical == ["B4.8"] and result.result == "fail"
