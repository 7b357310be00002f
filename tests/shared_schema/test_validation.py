"""Answer, header and site field validation, with reasons a person can read."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_schema.validation import (
    parse_float,
    validate_answer_field,
    validate_header_field,
    validate_site_field,
    validate_value,
)
from tests.support.sample_checklist import sample_template

Q = sample_template().question_map()
SHA = "a" * 64


@pytest.mark.parametrize(
    ("qid", "value"),
    [
        ("team", "yes"),
        ("team", "no"),
        ("team", "na"),
        ("hoarding", "no"),
        ("workers", 0),
        ("workers", 120),
        ("workers", 120.0),
        ("manager", "Nguyễn Văn A"),
        ("masks", "most"),
        ("shortages", ["rice", "masks"]),
        ("shortages", []),
        ("self_check_date", "2021-05-20"),
        ("overview", [SHA]),
        ("sig_rep", {"sha256": SHA, "name": "Lan"}),
        ("gps", {"lat": 21.59, "lon": 105.85}),
        ("team", None),
    ],
)
def test_valid_answers_are_accepted(qid: str, value: Any) -> None:
    assert validate_value(Q[qid], value) is None


@pytest.mark.parametrize(
    ("qid", "value", "code", "words"),
    [
        ("team", "maybe", "invalid_choice", "Có"),
        ("hoarding", "na", "invalid_choice", "Yes, No."),
        ("workers", -1, "below_min", "at least 0 people"),
        ("workers", 100001, "above_max", "at most 100000"),
        ("workers", 12.5, "not_integer", "whole number"),
        ("workers", "12", "wrong_type", "must be a number"),
        ("workers", True, "wrong_type", "must be a number"),
        ("manager", "x" * 201, "too_long", "longer than 200"),
        ("manager", 5, "wrong_type", "text"),
        ("masks", "some", "invalid_choice", "given options"),
        ("shortages", ["rice", "gold"], "invalid_choice", "given options"),
        ("shortages", ["rice", "rice"], "duplicate_choice", "twice"),
        ("self_check_date", "20/05/2021", "invalid_date", "YYYY-MM-DD"),
        ("self_check_date", "2021-02-30", "invalid_date", "YYYY-MM-DD"),
        ("overview", ["not-a-hash"], "invalid_photos", "SHA-256"),
        ("sig_rep", {"name": "Lan"}, "invalid_signature", "sign again"),
        ("gps", {"lat": 95, "lon": 105}, "invalid_location", "-90..90"),
        ("gps", "21.5,105.8", "invalid_location", "latitude"),
    ],
)
def test_invalid_answers_are_refused_with_a_readable_reason(qid: str, value: Any, code: str, words: str) -> None:
    problem = validate_value(Q[qid], value)
    assert problem is not None
    assert problem.code == code
    assert words in problem.message.en or words in problem.message.vi
    assert problem.message.vi and problem.message.en


def test_answer_side_fields_are_checked() -> None:
    q = Q["team"]
    assert validate_answer_field(q, "note", "Cổng chính") is None
    assert validate_answer_field(q, "corrective_action", "Lập tổ an toàn") is None
    assert validate_answer_field(q, "due_date", "2021-06-01") is None
    assert validate_answer_field(q, "photos", [SHA]) is None
    assert validate_answer_field(q, "due_date", "tomorrow").code == "invalid_date"
    assert validate_answer_field(q, "photos", [SHA, SHA]).code == "duplicate_photo"
    assert validate_answer_field(q, "colour", "red").code == "unknown_field"


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("kind", "unannounced", True),
        ("kind", "surprise", False),
        ("status", "submitted", True),
        ("status", "done", False),
        ("status", None, False),
        ("template_version", 2, True),
        ("template_version", 0, False),
        ("template_version", "2", False),
        ("started_at", "2021-05-20T08:30:00+07:00", True),
        ("started_at", "yesterday", False),
        ("team", [{"name": "Trần B", "agency": "Sở Công Thương"}], True),
        ("team", [{"agency": "x"}], False),
        ("representative", {"name": "Ông C", "title": "Giám đốc"}, True),
        ("signatures", [{"role": "leader", "name": "D", "sha256": SHA}], True),
        ("signatures", [{"role": "leader", "name": "D", "sha256": "x"}], False),
        ("signatures", [{"role": "leader", "name": "D", "sha256": SHA + "\n"}], False),
        ("findings", "Thiếu phòng cách ly", True),
        ("score", 100, False),
    ],
)
def test_header_fields_are_checked(field: str, value: Any, ok: bool) -> None:
    assert (validate_header_field(field, value) is None) is ok


@pytest.mark.parametrize(
    ("digest", "ok"),
    [
        (SHA, True),  # bb1: an older app's bare SHA-256
        ("bb2:" + SHA, True),
        ("bb3:" + SHA, True),  # a newer version is kept (it reads stale until understood)
        ("bb2:" + "A" * 64, False),
        ("bb2:" + "a" * 63, False),
        ("BB2:" + SHA, False),
        (":" + SHA, False),
        ("bb2:" + SHA + "\n", False),
        (5, False),
    ],
)
def test_a_signature_s_content_digest_is_a_sha256_with_an_optional_version(digest: Any, ok: bool) -> None:
    answer = {"sha256": SHA, "name": "Lan", "digest": digest}
    assert (validate_value(Q["sig_rep"], answer) is None) is ok
    header = [{"role": "leader", "name": "D", "sha256": SHA, "digest": digest}]
    assert (validate_header_field("signatures", header) is None) is ok


def test_a_device_may_only_correct_operational_site_fields() -> None:
    assert validate_site_field("workers", 1200) is None
    assert validate_site_field("contact", {"name": "Chị E", "phone": "0208 3855 000"}) is None
    assert validate_site_field("workers", -3).code == "wrong_type"
    assert validate_site_field("name", "New name").code == "not_permitted"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_float_reads_back_every_finite_number(x: float) -> None:
    assert parse_float(repr(x)) == x


@pytest.mark.parametrize("text", ["", "abc", "1,5", "inf", "-Infinity", "nan", "1e999"])
def test_parse_float_refuses_what_is_not_a_finite_number(text: str) -> None:
    assert parse_float(text) is None
