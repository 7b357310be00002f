"""An "other (specify)" choice asks for what it is; a deadline being set may not lie in the past."""

from __future__ import annotations

import datetime as dt

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from shared_schema import protocol
from shared_schema.checklist import Choice, MultipleChoiceQuestion, SingleChoiceQuestion, specify_choices
from shared_schema.records import Answer, answer_from_fields
from shared_schema.text import LocalText as T
from shared_schema.validation import deadline_in_past, validate_answer_field
from shared_schema.workflow import submission_problems
from tests.support.sample_checklist import sample_template


def test_a_choice_marked_specify_is_read_from_a_checklist_and_found_by_id():
    q = msgspec.json.decode(
        b'{"kind":"single_choice","id":"q","label":{"vi":"A","en":"A"},'
        b'"choices":[{"id":"a","label":{"vi":"A","en":"A"}},{"id":"x","label":{"vi":"Kh\\u00e1c (ghi r\\u00f5)","en":"Other"},"specify":true}]}',
        type=SingleChoiceQuestion,
    )
    assert specify_choices(q) == {"x"}
    assert specify_choices(SingleChoiceQuestion(id="q", label=T("A", "A"), choices=[Choice("a", T("A", "A"))])) == set()


def test_other_is_an_answer_field_checked_like_a_note():
    assert "other" in protocol.ANSWER_FIELDS
    q = MultipleChoiceQuestion(id="q", label=T("A", "A"), choices=[Choice("x", T("Khác", "Other"), specify=True)])
    assert validate_answer_field(q, "other", "Bột giặt") is None
    assert validate_answer_field(q, "other", 12) is not None
    assert answer_from_fields("i", "q", {"other": "Bột giặt"}).other == "Bột giặt"


def test_the_other_choice_cannot_be_submitted_without_saying_what_it_is():
    template = sample_template(1)
    answers = {"shortages": Answer(inspection_id="i", question_id="shortages", value=["rice", "other"])}
    codes = {(p.question_id, p.code) for p in submission_problems(template, answers)}
    assert ("shortages", "specify") in codes
    [problem] = [p for p in submission_problems(template, answers) if p.code == "specify"]
    assert problem.message.vi == "Chưa ghi rõ lựa chọn “khác”: Mặt hàng thiếu"
    answers["shortages"] = Answer(inspection_id="i", question_id="shortages", value=["other"], other="Bột giặt")
    assert ("shortages", "specify") not in {(p.question_id, p.code) for p in submission_problems(template, answers)}
    answers["shortages"] = Answer(inspection_id="i", question_id="shortages", value=["rice"])
    assert ("shortages", "specify") not in {(p.question_id, p.code) for p in submission_problems(template, answers)}


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)), st.integers(-400, 400))
def test_a_deadline_before_today_is_refused_and_today_or_later_accepted(today: dt.date, offset: int):
    day = today + dt.timedelta(days=offset)
    problem = deadline_in_past(day.isoformat(), today)
    if offset < 0:
        assert problem is not None and problem.code == "deadline_past"
        assert today.strftime("%d/%m/%Y") in problem.message.vi
    else:
        assert problem is None


def test_a_deadline_that_is_not_a_date_is_left_to_the_format_check():
    assert deadline_in_past("02/12/2026", dt.date(2030, 1, 1)) is None
    assert deadline_in_past(None, dt.date(2030, 1, 1)) is None
