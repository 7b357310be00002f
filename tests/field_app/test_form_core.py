"""The plain-Python parts of the inspection form (``field_app.core``), tested without screens:
reading the answers, the typed text, signature values and the header's boxes."""

from __future__ import annotations

from typing import Any

import pytest

from field_app.core import form_reading as read
from field_app.core import signature_values as sig
from field_app.core.header_edits import header_change, header_text
from field_app.core.typing_buffer import TypingBuffer, split_key
from shared_schema.records import InspectionHeader, Representative, Signature, TeamMember
from shared_schema.validation import validate_header_field
from tests.field_app.helpers import signed_in_device, site_fields


@pytest.fixture
def app(tmp_path):
    with signed_in_device(
        tmp_path / "device", {"s1": site_fields("DN-001", "Công ty May Hà Nội", "DN_SX", "TX Phổ Yên")}
    ) as services:
        yield services


def test_reading_follows_the_answers_what_applies_and_the_sections(app):
    inspection_id = app.start_inspection("s1", "sample-factory", 1)
    view = app.get_inspection(inspection_id)
    sections = view.template.sections
    assert read.progress(view) == (0, len(view.relevant))
    assert read.section_of(view, "shortages") == 1 and read.section_of(view, "nowhere") is None
    assert read.clamp_section(view, 99) == len(sections) - 1 and read.clamp_section(view, -3) == 0
    without_dorm = {q.id for q in read.relevant(view, sections[1])}
    assert "dorm_residents" not in without_dorm

    app.set_answer(inspection_id, "dorm", "value", "yes")
    app.set_answer(inspection_id, "shortages", "value", ["other"])
    view = app.get_inspection(inspection_id)
    assert "dorm_residents" in {q.id for q in read.relevant(view, sections[1])}
    answered, _ = read.section_progress(view, sections[1])
    assert answered == 2 and read.is_answered(view, "dorm") and not read.is_answered(view, "hoarding")
    assert read.needs_specify(view, "shortages")
    assert read.toggled_choices(view, "shortages", "rice", True) == ["rice", "other"]
    assert read.toggled_choices(view, "shortages", "other", False) is None
    assert read.stored(view, "dorm", "value") == "yes" and read.stored(view, "dorm", "note") is None
    assert read.signs_in_checklist(view) and [q.id for q in read.signature_questions(view)] == ["sig_rep"]


def test_a_typing_mark_is_the_latest_only_until_the_next_keystroke():
    typing = TypingBuffer()
    first = typing.type("q1:value", "1")
    assert typing.is_latest("q1:value", first)
    second = typing.type("q1:value", "12")
    assert not typing.is_latest("q1:value", first) and typing.is_latest("q1:value", second)
    typing.type("team", "Lan")
    assert list(typing) == ["q1:value", "team"] and typing["q1:value"] == "12"
    typing.drop("q1:value")
    assert "q1:value" not in typing and list(typing) == ["team"]
    assert split_key("q1:due_date") == ("q1", "due_date") and split_key("team") is None


def test_a_signature_keeps_its_image_and_time_when_the_signer_is_renamed():
    signed = sig.new_signature("ab" * 32, "  Ông B ", "2026-11-25T04:04:00Z")
    assert signed == {"sha256": "ab" * 32, "signed_at": "2026-11-25T04:04:00Z", "name": "Ông B"}
    assert sig.signer_name(signed) == "Ông B" and sig.signed_sha(signed) == "ab" * 32
    assert sig.renamed(signed, "Ông B") is None
    assert sig.renamed(signed, "Bà C") == {**signed, "name": "Bà C"}
    assert "name" not in (sig.renamed(signed, "") or {})
    assert sig.renamed(None, "Bà C") is None and sig.signed_sha({"sha256": ""}) is None
    old = [Signature(role="inspector", name="An", sha256="1"), Signature(role="representative", name="B", sha256="2")]
    now = sig.with_header_signature(old, "inspector", "", "3", "2026-11-25T04:04:00Z")
    assert [(s["role"], s["name"], s["sha256"]) for s in now] == [
        ("representative", "B", "2"),
        ("inspector", "inspector", "3"),
    ]


def a_header(**fields: Any) -> InspectionHeader:
    """Inspection ``i1`` of site ``s1`` on checklist ``t`` version 1, with ``fields``."""
    return InspectionHeader(id="i1", site_id="s1", template_id="t", template_version=1, **fields)


def test_header_boxes_turn_typed_text_into_the_header_fields():
    header = a_header(team=[TeamMember("An"), TeamMember("Bình")], representative=Representative("Ông B", "Giám đốc"))
    assert header_text(header, "team") == "An\nBình" and header_text(header, "rep_title") == "Giám đốc"
    assert header_text(header, "record_number") == "" and header_text(header, "unknown") == ""
    team = header_change(header, "team", "An\n\n Chi ", "Ông B", "Giám đốc")
    assert team is not None and team.target == "team" and team.value == [{"name": "An"}, {"name": "Chi"}]
    title = header_change(header, "rep_title", "Phó giám đốc", "Ông B", "Giám đốc")
    assert title is not None and title.target == "representative"
    assert title.value == {"name": "Ông B", "title": "Phó giám đốc"} and title.stored["title"] == "Giám đốc"
    assert header_change(header, "rep_name", "", "", "Giám đốc") is None  # a title waits for a name
    findings = header_change(header, "findings", "  ", "Ông B", "Giám đốc")
    assert findings is not None and findings.value is None and findings.value == findings.stored


def test_the_team_box_takes_each_members_full_name_and_title_as_the_record_prints_them():
    header = a_header(
        team=[TeamMember("Phạm Quốc Khánh", agency="Sở Công Thương", role="Trưởng đoàn"), TeamMember("An")]
    )
    shown = header_text(header, "team")
    assert shown == "Phạm Quốc Khánh - Trưởng đoàn, Sở Công Thương\nAn"
    # the box left as it was shown changes nothing (the agency stays the agency)
    same = header_change(header, "team", shown, "", "")
    assert same is not None and same.value == same.stored
    typed = header_change(header, "team", shown + "\n Đỗ Thị  Lan –  Thành viên \n - \nTrần Bình - ", "", "")
    assert typed is not None and typed.value == [
        {"name": "Phạm Quốc Khánh", "agency": "Sở Công Thương", "role": "Trưởng đoàn"},
        {"name": "An"},
        {"name": "Đỗ Thị Lan", "role": "Thành viên"},
        {"name": "Trần Bình"},
    ]
    assert validate_header_field("team", typed.value) is None  # the server takes it as it is
