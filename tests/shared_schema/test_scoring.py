"""Scoring exactly as the checklist's data says: bounded, N/A ignored, critical failures win."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema.checklist import (
    ChecklistTemplate,
    Choice,
    ResultBand,
    Scoring,
    Section,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from shared_schema.scoring import score
from shared_schema.text import LocalText as T
from tests.support.sample_checklist import sample_template

TEMPLATE = sample_template()


def test_weighted_compliance_score_counts_weight_times_credit() -> None:
    r = score(TEMPLATE, {"team": "yes", "temp_check": "no", "masks": "most", "hoarding": "no"})
    # (3·1 + 2·0 + 3·0.5 + 2·1) / (3 + 2 + 3 + 2)
    assert r.score == 65.0
    assert r.result == "fix" and r.passing is False and r.failed_critical == []


def test_all_compliant_answers_reach_the_top_band() -> None:
    r = score(TEMPLATE, {"team": "yes", "temp_check": "yes", "masks": "all", "hoarding": "no"})
    assert (r.score, r.result, r.passing) == (100.0, "pass", True)


def test_a_yes_no_question_can_fail_on_yes() -> None:
    r = score(TEMPLATE, {"hoarding": "yes"})
    assert r.score == 0.0


def test_no_scored_answer_gives_no_score_and_no_result_yet() -> None:
    r = score(TEMPLATE, {"workers": 120, "manager": "Chị Lan"})
    assert r.score is None and r.result is None


def test_answers_of_questions_that_do_not_apply_are_not_counted() -> None:
    values = {"dorm": "no", "dorm_residents": 50, "team": "yes"}
    assert score(TEMPLATE, values).score == 100.0


# --- properties ---------------------------------------------------------------------------


@st.composite
def checklists_and_answers(draw: st.DrawFn) -> tuple[ChecklistTemplate, dict[str, Any]]:
    questions = []
    values: dict[str, Any] = {}
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        qid = f"q{i}"
        critical = draw(st.booleans())
        weight = draw(st.sampled_from([0, 1, 2, 3, 0.5]))
        if draw(st.booleans()):
            questions.append(
                YesNoQuestion(
                    id=qid,
                    label=T(qid, qid),
                    critical=critical,
                    weight=weight,
                    fail_answer=draw(st.sampled_from(["yes", "no"])),
                )
            )
            answer = draw(st.sampled_from(["yes", "no", "na", None]))
        else:
            choices = [
                Choice("a", T("a", "a"), credit=1),
                Choice("b", T("b", "b"), credit=draw(st.floats(min_value=0, max_value=1))),
                Choice("c", T("c", "c"), credit=0, fails=True),
                Choice("x", T("x", "x"), credit=None),
            ]
            questions.append(
                SingleChoiceQuestion(id=qid, label=T(qid, qid), critical=critical, weight=weight, choices=choices)
            )
            answer = draw(st.sampled_from(["a", "b", "c", "x", None]))
        if answer is not None:
            values[qid] = answer
    template = ChecklistTemplate(
        template_id="p",
        version=1,
        title=T("p", "p"),
        site_kinds=["KCN"],
        sections=[Section("s", T("s", "s"), questions)],
        scoring=Scoring(
            bands=[
                ResultBand("good", T("Đạt", "Pass"), 80),
                ResultBand("fix", T("Khắc phục", "Fix"), 40, passing=False),
                ResultBand("bad", T("Không đạt", "Fail"), 0, passing=False),
            ],
            critical_failure_band="bad",
        ),
    )
    return template, values


@settings(max_examples=300)
@given(checklists_and_answers())
def test_score_is_between_0_and_100(case: tuple[ChecklistTemplate, dict[str, Any]]) -> None:
    template, values = case
    r = score(template, values)
    assert r.score is None or 0 <= r.score <= 100


@settings(max_examples=300)
@given(checklists_and_answers(), st.data())
def test_not_applicable_answers_are_ignored(
    case: tuple[ChecklistTemplate, dict[str, Any]], data: st.DataObject
) -> None:
    template, values = case
    base = score(template, values)
    # Adding N/A answers to unanswered yes/no questions changes nothing.
    extra = dict(values)
    for q in template.questions():
        if isinstance(q, YesNoQuestion) and q.id not in values and data.draw(st.booleans()):
            extra[q.id] = "na"
    assert score(template, extra) == base


@settings(max_examples=300)
@given(checklists_and_answers())
def test_any_failed_critical_item_forces_the_failing_result(case: tuple[ChecklistTemplate, dict[str, Any]]) -> None:
    template, values = case
    r = score(template, values)
    failed = [
        q.id
        for q in template.questions()
        if q.critical
        and q.id in values
        and (
            (isinstance(q, YesNoQuestion) and values[q.id] == q.fail_answer)
            or (isinstance(q, SingleChoiceQuestion) and values[q.id] == "c")
        )
    ]
    assert r.failed_critical == failed
    if failed:
        assert r.result == "bad" and r.passing is False


# --- the optional risk index --------------------------------------------------------------


def _risk_template(expected: int) -> ChecklistTemplate:
    from shared_schema.checklist import NumberQuestion, RiskBand, RiskCriterion, RiskIndex, RiskLevel

    workers = NumberQuestion(id="workers", label=T("Số NLĐ", "Workers"), min=0, integer=True)
    table = [(1, 0, 50), (2, 50, 200), (4, 200, 500), (6, 500, 1000), (8, 1000, 5000), (10, 5000, None)]
    levels = [RiskLevel(points=p, label=T(str(p), str(p)), min=lo, max=hi) for p, lo, hi in table]
    index = RiskIndex(
        id="qd2194",
        label=T("Chỉ số nguy cơ", "Risk index"),
        total_points=300,
        expected_criteria=expected,
        criteria=[
            RiskCriterion(id="CS1", label=T("Số NLĐ", "Workers"), max_points=10, question="workers", levels=levels)
        ],
        bands=[RiskBand("very_low", T("Rất ít nguy cơ", "Very low"), 15), RiskBand("high", T("Cao", "High"), 100)],
    )
    t = TEMPLATE
    sections = [Section("s", T("s", "s"), [workers])]
    return ChecklistTemplate(
        template_id="r",
        version=1,
        title=T("r", "r"),
        site_kinds=["KCN"],
        sections=sections,
        scoring=t.scoring,
        risk_index=index,
    )


def test_risk_index_gives_points_but_no_band_while_criteria_are_missing() -> None:
    from shared_schema.scoring import risk_index

    t = _risk_template(expected=15)
    r = risk_index(t.risk_index, t, {"workers": 600})
    assert r.points == 6 and r.percent == 2.0
    assert r.complete is False and r.band is None and r.loaded_criteria == 1


def test_risk_index_gives_a_band_once_every_criterion_is_loaded_and_answered() -> None:
    from shared_schema.scoring import risk_index

    t = _risk_template(expected=1)
    assert risk_index(t.risk_index, t, {"workers": 40}).band == "very_low"
    assert risk_index(t.risk_index, t, {}).complete is False
