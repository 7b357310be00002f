"""Relevance conditions, the workflow state machine and submission checks."""

from __future__ import annotations

import pytest

from shared_schema.checklist import AllOf, Answered, AnyOf, AtLeast, AtMost, Equals, Not, OneOf
from shared_schema.records import Answer
from shared_schema.relevance import evaluate, relevant_questions
from shared_schema.workflow import is_locked, lock_reason, submission_problems, transition_problem
from tests.support.sample_checklist import sample_template

T = sample_template()
SHA = "b" * 64


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        (Equals(question="a", value="yes"), {"a": "yes"}, True),
        (Equals(question="a", value="yes"), {}, False),
        (Equals(question="m", value="rice"), {"m": ["rice", "oil"]}, True),
        (OneOf(question="a", values=["x", "y"]), {"a": "y"}, True),
        (AtLeast(question="n", value=50), {"n": 50}, True),
        (AtLeast(question="n", value=50), {"n": "50"}, False),
        (AtMost(question="n", value=1), {"n": 0.5}, True),
        (Answered(question="t"), {"t": "  "}, False),
        (AllOf(conditions=[Answered(question="t"), Equals(question="a", value="no")]), {"t": "x", "a": "no"}, True),
        (AnyOf(conditions=[Answered(question="t"), Equals(question="a", value="no")]), {}, False),
        (Not(condition=Equals(question="a", value="yes")), {}, True),
    ],
)
def test_conditions_evaluate_as_written(condition, values, expected) -> None:
    assert evaluate(condition, values) is expected


def test_a_question_appears_and_disappears_with_the_answer_it_depends_on() -> None:
    assert "dorm_residents" not in relevant_questions(T, {})
    assert "dorm_residents" in relevant_questions(T, {"dorm": "yes"})
    assert "dorm_residents" not in relevant_questions(T, {"dorm": "no", "dorm_residents": 10})


@pytest.mark.parametrize(
    ("current", "new", "role", "allowed"),
    [
        (None, "draft", "inspector", True),
        ("draft", "submitted", "inspector", True),
        ("returned", "submitted", "inspector", True),
        ("submitted", "approved", "supervisor", True),
        ("submitted", "returned", "admin", True),
        ("submitted", "approved", "inspector", False),
        ("draft", "approved", "supervisor", False),
        ("approved", "submitted", "inspector", False),
        ("rejected", "draft", "admin", False),
        ("approved", "approved", "inspector", True),  # no change is not a transition
    ],
)
def test_workflow_allows_exactly_the_designed_transitions(current, new, role, allowed) -> None:
    problem = transition_problem(current, new, role)
    assert (problem is None) is allowed
    if problem is not None:
        assert problem.vi and problem.en


def test_submitted_approved_rejected_and_discarded_inspections_are_locked() -> None:
    assert is_locked("submitted") and is_locked("approved") and is_locked("rejected") and is_locked("discarded")
    assert not is_locked("draft") and not is_locked("returned")
    for status in ("submitted", "approved", "rejected", "discarded"):
        assert lock_reason(status).vi and lock_reason(status).en
    assert "trả lại" in lock_reason("submitted").vi and "return it first" in lock_reason("submitted").en


def test_only_a_draft_can_be_discarded_and_a_discarded_one_never_comes_back() -> None:
    assert transition_problem("draft", "discarded", "inspector") is None
    for current in ("submitted", "returned", "approved", "rejected"):
        assert transition_problem(current, "discarded", "admin") is not None
    for new in ("draft", "submitted", "returned"):
        assert transition_problem("discarded", new, "admin") is not None


def _answers(**values) -> dict[str, Answer]:
    return {k: Answer(inspection_id="i", question_id=k, value=v) for k, v in values.items()}


def test_submission_lists_every_required_answer_that_applies() -> None:
    problems = submission_problems(T, _answers(team="yes"))
    missing = {(p.question_id, p.code) for p in problems}
    assert ("workers", "required") in missing
    assert ("masks", "required") in missing
    assert ("sig_rep", "required") in missing
    assert not any(p.question_id == "dorm_residents" for p in problems)  # does not apply
    assert all(p.section_id for p in problems)


def test_a_failed_critical_item_needs_photo_corrective_action_and_deadline() -> None:
    answers = _answers(workers=10, team="no", temp_check="yes", masks="all", sig_rep={"sha256": SHA})
    codes = {p.code for p in submission_problems(T, answers) if p.question_id == "team"}
    assert codes == {"photo", "corrective_action", "due_date"}
    answers["team"] = Answer(
        inspection_id="i",
        question_id="team",
        value="no",
        photos=[SHA],
        corrective_action="Thành lập tổ an toàn",
        due_date="2021-06-01",
    )
    assert submission_problems(T, answers) == []
