"""Checklist validation names each problem and where it is."""

from __future__ import annotations

import msgspec

from shared_schema.checklist import Choice, Equals, NumberQuestion, SingleChoiceQuestion, TextQuestion
from shared_schema.template_rules import validate_template
from shared_schema.text import LocalText as T
from tests.support.sample_checklist import sample_template


def test_the_sample_checklist_is_valid() -> None:
    assert validate_template(sample_template()) == []


def _with_questions(*extra):
    t = sample_template()
    sections = list(t.sections)
    sections[0] = msgspec.structs.replace(sections[0], questions=[*sections[0].questions, *extra])
    return msgspec.structs.replace(t, sections=sections)


BROKEN_QUESTIONS = (
    TextQuestion(id="workers", label=T("Trùng", "Duplicate")),
    NumberQuestion(id="n", label=T("Số", ""), min=10, max=1),
    SingleChoiceQuestion(id="c", label=T("C", "C"), critical=True, choices=[Choice("a", T("a", "a"), credit=2)]),
    TextQuestion(id="later", label=T("L", "L"), relevant_if=Equals(question="gps", value="x")),
    TextQuestion(id="w", label=T("W", "W"), weight=2),
)


def test_problems_are_reported_per_question() -> None:
    t = _with_questions(*BROKEN_QUESTIONS)
    problems = {(p.question_id, p.message) for p in validate_template(t)}
    ids = {qid for qid, _ in problems}
    assert {"workers", "n", "c", "later", "w"} <= ids
    messages = " ".join(m for _, m in problems)
    assert "used twice" in messages
    assert "English label" in messages
    assert "greater than max" in messages
    assert "can never fail" in messages
    assert "credits must be between 0 and 1" in messages
    assert "not an earlier question" in messages
    assert "Only yes/no and choice questions can carry a weight" in messages


def test_bands_must_cover_every_score_and_critical_band_must_fail() -> None:
    t = sample_template()
    bands = [msgspec.structs.replace(b, min_score=10) if b.id == "fail" else b for b in t.scoring.bands]
    scoring = msgspec.structs.replace(t.scoring, bands=bands, critical_failure_band="pass")
    problems = [p.message for p in validate_template(msgspec.structs.replace(t, scoring=scoring))]
    assert any("start at 0" in m for m in problems)
    assert any("must not be a passing band" in m for m in problems)


def test_every_problem_is_worded_in_vietnamese_and_in_english() -> None:
    broken = msgspec.structs.replace(_with_questions(*BROKEN_QUESTIONS), site_kinds=[], title=T("", "x"))
    problems = validate_template(broken)
    assert len(problems) >= 6
    for p in problems:
        assert p.messages is not None and p.messages.vi and p.messages.en and p.messages.vi != p.messages.en
        assert p.message == f"{p.messages.vi} / {p.messages.en}"
