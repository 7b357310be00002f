"""The shipped checklists load, validate, round-trip and follow the research (CHECKLISTS.md §2)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
import yaml

from shared_schema.checklist import (
    ChecklistTemplate,
    MultipleChoiceQuestion,
    NumberQuestion,
    PhotoQuestion,
    SignatureQuestion,
    SingleChoiceQuestion,
    TextQuestion,
    YesNoQuestion,
)
from shared_schema.codec import convert, decode_template, encode
from shared_schema.records import SITE_KINDS
from shared_schema.relevance import relevant_questions
from shared_schema.template_rules import validate_template
from shared_schema.validation import validate_value
from sync_server.core.content import ContentError, checklist_paths, load_checklist, load_checklists
from tests.content.answers import compliant_values

EXPECTED = {
    "covid19-industrial": {"KCN", "CCN", "DN_SX", "HTX"},
    "covid19-market": {"CHO", "CHO_DM", "ST", "TTTM", "CHTL"},
    "covid19-dormitory": {"KTX", "NT"},
}

# ★ items of CHECKLISTS.md §2.A–C.
CRITICAL = {
    "covid19-industrial": {"A1.1", "A1.2", "A2.1", "A3.1", "A5.1", "A6.1"},
    "covid19-market": {"B1.1", "B2.1", "B3.1", "B4.1", "B4.4", "B4.8"},
    "covid19-dormitory": {"C1.1", "C4.1", "C4.2"},
}

# W of every weighted item in CHECKLISTS.md §2.A–C (items added to cover the directive come on top).
RESEARCH_WEIGHTS = {
    "covid19-industrial": {
        "A1.1": 3,
        "A1.2": 3,
        "A1.3": 2,
        "A1.4": 2,
        "A2.1": 3,
        "A2.2": 2,
        "A2.3": 1,
        "A3.1": 3,
        "A3.2": 2,
        "A3.3": 2,
        "A3.4": 2,
        "A3.5": 1,
        "A3.6": 2,
        "A4.1": 2,
        "A4.2": 2,
        "A5.1": 3,
        "A5.2": 3,
        "A6.1": 3,
        "A6.2": 2,
    },
    "covid19-market": {
        "B1.1": 3,
        "B1.2": 2,
        "B1.3": 1,
        "B2.1": 3,
        "B2.2": 2,
        "B2.3": 2,
        "B2.4": 1,
        "B3.1": 3,
        "B3.2": 2,
        "B3.3": 2,
        "B3.4": 2,
        "B3.5": 2,
        "B3.6": 2,
        "B4.1": 3,
        "B4.4": 3,
        "B4.5": 2,
        "B4.7": 2,
        "B4.8": 3,
        "B4.9": 1,
    },
    "covid19-dormitory": {
        "C1.1": 3,
        "C1.2": 2,
        "C1.3": 1,
        "C1.4": 2,
        "C2.1": 2,
        "C2.2": 2,
        "C2.3": 2,
        "C2.4": 1,
        "C3.1": 2,
        "C3.2": 2,
        "C4.1": 3,
        "C4.2": 3,
        "C4.3": 3,
        "C4.4": 2,
    },
}

TEMPLATES = {t.template_id: t for t in load_checklists()}
IDS = sorted(TEMPLATES)


@pytest.fixture(params=IDS)
def template(request: pytest.FixtureRequest) -> ChecklistTemplate:
    return TEMPLATES[request.param]


def test_the_three_checklists_ship_once_each_at_version_1() -> None:
    assert sorted(TEMPLATES) == sorted(EXPECTED)
    assert [p.stem for p in checklist_paths()] == sorted(EXPECTED)
    assert all(t.version == 1 for t in TEMPLATES.values())


@pytest.mark.parametrize("path", checklist_paths(), ids=lambda p: p.name)
def test_file_decodes_as_checklist_template_and_validates_with_no_problems(path: Path) -> None:
    template = convert(yaml.safe_load(path.read_text(encoding="utf-8")), ChecklistTemplate, "checklist")
    assert template.template_id == path.stem
    assert validate_template(template) == []


def test_checklist_round_trips_through_the_wire_encoding(template: ChecklistTemplate) -> None:
    again = decode_template(encode(template))
    assert again == template
    assert msgspec.to_builtins(again) == msgspec.to_builtins(template)


def test_site_kinds_are_the_registry_kinds_the_research_assigns(template: ChecklistTemplate) -> None:
    assert set(template.site_kinds) == EXPECTED[template.template_id]
    assert set(template.site_kinds) <= set(SITE_KINDS)


def test_every_label_exists_in_vietnamese_and_english(template: ChecklistTemplate) -> None:
    assert template.title.vi and template.title.en
    for section in template.sections:
        assert section.title.vi.strip() and section.title.en.strip(), section.id
        for q in section.questions:
            assert q.label.vi.strip() and q.label.en.strip(), q.id
            if q.help is not None:
                assert q.help.vi.strip() and q.help.en.strip(), q.id
            for choice in getattr(q, "choices", []):
                assert choice.label.vi.strip() and choice.label.en.strip(), f"{q.id}/{choice.id}"
            if isinstance(q, NumberQuestion) and q.unit is not None:
                assert q.unit.vi and q.unit.en, q.id


def test_every_question_cites_its_basis(template: ChecklistTemplate) -> None:
    missing = [q.id for q in template.questions() if not (q.basis or "").strip()]
    assert missing == []


def test_critical_questions_are_those_of_the_research_and_can_fail(template: ChecklistTemplate) -> None:
    critical = [q for q in template.questions() if q.critical]
    assert {q.id for q in critical} == CRITICAL[template.template_id]
    for q in critical:
        can_fail = isinstance(q, YesNoQuestion) or (
            isinstance(q, (SingleChoiceQuestion, MultipleChoiceQuestion)) and any(c.fails for c in q.choices)
        )
        assert can_fail, q.id
        assert q.required, q.id
        # "Not applicable" must not be a way around a critical item.
        assert not getattr(q, "allow_na", False), q.id


def test_weights_are_those_of_the_research(template: ChecklistTemplate) -> None:
    weights = {q.id: q.weight for q in template.questions()}
    for qid, weight in RESEARCH_WEIGHTS[template.template_id].items():
        assert weights[qid] == weight, qid
    assert all(1 <= w <= 3 for w in weights.values() if w), weights


def test_weighted_questions_are_required_so_a_score_is_never_silently_partial(template: ChecklistTemplate) -> None:
    assert [q.id for q in template.questions() if q.weight > 0 and not q.required] == []


def test_conclusion_section_ends_with_photos_findings_and_two_signatures(template: ChecklistTemplate) -> None:
    last = template.sections[-1]
    kinds = [type(q) for q in last.questions]
    assert PhotoQuestion in kinds and TextQuestion in kinds
    signatures = [q for q in last.questions if isinstance(q, SignatureQuestion)]
    assert len(signatures) == 2
    assert signatures[-1].required, "the team leader always signs"
    assert all(q.weight == 0 and not q.critical for q in last.questions)


def test_compliant_answers_are_valid_and_open_every_conditional_question(template: ChecklistTemplate) -> None:
    values = compliant_values(template)
    for q in template.questions():
        assert validate_value(q, values[q.id]) is None, q.id
    assert relevant_questions(template, values) == [q.id for q in template.questions()]


@pytest.mark.parametrize(
    ("template_id", "gate", "closed_by", "hidden"),
    [
        ("covid19-industrial", "A0.6", "no", {"A7.1", "A7.2", "A7.3"}),
        ("covid19-industrial", "A0.4", 0, {"A5.6"}),
        ("covid19-industrial", "A4.0", "no", {"A4.2"}),
        ("covid19-industrial", "A1.3", "no", {"A1.4", "A1.5"}),
        ("covid19-dormitory", "C0.5", "no", {"C3.1"}),
    ],
)
def test_conditional_questions_hide_when_their_gate_closes(
    template_id: str, gate: str, closed_by: object, hidden: set[str]
) -> None:
    template = TEMPLATES[template_id]
    values = compliant_values(template) | {gate: closed_by}
    shown = set(relevant_questions(template, values))
    assert hidden.isdisjoint(shown)
    assert shown | hidden == {q.id for q in template.questions()}


def test_market_prices_are_one_number_question_per_good_in_dong() -> None:
    questions = TEMPLATES["covid19-market"].question_map()
    prices = {qid: q for qid, q in questions.items() if qid.startswith("B4.6")}
    assert sorted(prices) == ["B4.6a", "B4.6b", "B4.6c", "B4.6d"]
    for q in prices.values():
        assert isinstance(q, NumberQuestion) and q.min == 0 and q.integer
        assert q.unit is not None and q.unit.vi in ("đ/kg", "đ/chục")
    assert validate_value(prices["B4.6a"], -1000) is not None


def test_a_broken_checklist_file_is_refused_with_its_name_and_the_fix(tmp_path: Path) -> None:
    bad_kind = tmp_path / "bad-kind.yaml"
    source = checklist_paths()[0].read_text(encoding="utf-8")
    bad_kind.write_text(source.replace("kind: yes_no", "kind: slider", 1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"bad-kind\.yaml: Unknown question kind 'slider'"):
        load_checklist(bad_kind)

    uncritical = tmp_path / "never-fails.yaml"
    data = yaml.safe_load(source)
    data["sections"][0]["questions"][0]["critical"] = True  # a number question cannot fail
    uncritical.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"never-fails\.yaml: .*critical question must be yes/no"):
        load_checklist(uncritical)

    not_yaml = tmp_path / "not-yaml.yaml"
    not_yaml.write_text("sections: [\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"not-yaml\.yaml: cannot read the file as YAML"):
        load_checklist(not_yaml)
