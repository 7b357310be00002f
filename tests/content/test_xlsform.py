"""XLSForm import and export (sync_server.core.xlsform): the shipped checklists and generated
ones survive a round trip; seven real XLSForms written by others (the XLSForm project's own
examples, tests/content/xlsforms, licence beside them) map to the expected questions and name
what they cannot express row by row; malformed files are refused with a clear error."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import msgspec
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_schema import checklist as cl
from shared_schema.text import LocalText
from sync_server.core.checklists import parse_template
from sync_server.core.errors import Invalid
from sync_server.core.xlsform import XlsformImport, read_xlsform, write_xlsform
from tests.support.malformed_xlsforms import workbook

CHECKLISTS = Path(__file__).resolve().parents[2] / "sync_server" / "content" / "checklists"
FORMS = Path(__file__).resolve().parent / "xlsforms"
SHIPPED = sorted(CHECKLISTS.glob("*.yaml"))


def _read(name: str) -> XlsformImport:
    return read_xlsform((FORMS / name).read_bytes(), name)


def _kinds(imported: XlsformImport) -> dict[str, str]:
    return {q.id: q.__struct_config__.tag for q in imported.template.questions()}  # type: ignore[misc]


def _rows(imported: XlsformImport, sheet: str = "survey") -> set[int]:
    return {i.row for i in imported.issues if i.sheet == sheet}


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_checklist_exports_to_an_xlsform_that_imports_back_unchanged(path: Path) -> None:
    template = parse_template(path.read_text(encoding="utf-8"), "yaml")
    imported = read_xlsform(write_xlsform(template), f"{template.template_id}.xlsx")
    assert imported.issues == []
    assert imported.template == template


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_shipped_xlsx_beside_each_yaml_is_generated_from_it_and_equal(path: Path) -> None:
    """Regenerate with ``python -m sync_server.core.xlsform sync_server/content/checklists/*.yaml`` (see docs/CHECKLISTS.md)."""
    xlsx = path.with_suffix(".xlsx")
    assert xlsx.exists(), f"{xlsx.name} is missing beside {path.name}"
    template = parse_template(path.read_text(encoding="utf-8"), "yaml")
    imported = read_xlsform(xlsx.read_bytes(), xlsx.name)
    assert imported.issues == []
    assert imported.template == template


def test_the_export_is_a_readable_xlsform_with_bilingual_columns_and_our_extension_columns() -> None:
    template = parse_template((CHECKLISTS / "covid19-market.yaml").read_text(encoding="utf-8"), "yaml")
    book = openpyxl.load_workbook(io.BytesIO(write_xlsform(template)))
    assert book.sheetnames == ["survey", "choices", "settings", "scoring"]
    survey = [[c.value for c in row] for row in book["survey"].iter_rows()]
    header = survey[0]
    for column in ("type", "name", "label::Vietnamese (vi)", "label::English (en)", "relevant", "weight", "critical"):
        assert column in header
    first = dict(zip(header, survey[1], strict=True))
    assert first["type"] == "begin group" and first["name"] == "B0"
    b11 = next(dict(zip(header, r, strict=True)) for r in survey if r[1] == "B1.1")
    assert b11["type"] == "select_one yes_no"  # allow_na: false
    assert b11["critical"] == "yes" and b11["weight"] == 3
    settings_rows = [[c.value for c in row] for row in book["settings"].iter_rows()]
    settings_map = dict(zip(settings_rows[0], settings_rows[1], strict=True))
    assert settings_map["form_id"] == "covid19-market" and settings_map["version"] == 1


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_the_export_converts_to_an_xform_with_pyxform_so_odk_and_kobo_can_use_it(path: Path) -> None:
    from pyxform.xls2xform import convert

    template = parse_template(path.read_text(encoding="utf-8"), "yaml")
    xform = convert(xlsform=write_xlsform(template), file_type=".xlsx", validate=False).xform
    assert f'id="{template.template_id}"' in xform and f'version="{template.version}"' in xform
    assert 'lang="Vietnamese (vi)" default="true()"' in xform and 'lang="English (en)"' in xform
    for section in template.sections:
        for q in section.questions:
            assert f'nodeset="/data/{section.id}/{q.id}"' in xform
    assert ('relevant="' in xform) == any(q.relevant_if is not None for q in template.questions())
    assert template.title.vi in xform


_TEXT = st.text(
    alphabet="abcxyzAĐăâđêôơưạếộ 0123456789.,;:-?!()%/'\"‘’“”=\n",
    min_size=1,
    max_size=24,
).filter(lambda t: t == t.strip() and t.strip() != "")
_ID = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,5}", fullmatch=True)
_SMALL = st.integers(-1000, 100000).map(float) | st.floats(-1000, 1000, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def _local(draw: st.DrawFn, en_optional: bool = True) -> LocalText:
    return LocalText(vi=draw(_TEXT), en=draw(_TEXT | st.just("")) if en_optional else draw(_TEXT))


@st.composite
def _condition(draw: st.DrawFn, earlier: list[cl.Question], depth: int = 0) -> cl.Condition:
    q = draw(st.sampled_from(earlier))
    numbers = [x for x in earlier if isinstance(x, cl.NumberQuestion)]
    literal = st.text(alphabet="abcxyz_ 0123456789đ'", min_size=1, max_size=6) | st.integers(-50, 50) | st.booleans()
    options = [
        st.builds(cl.Equals, question=st.just(q.id), value=literal),
        st.builds(
            cl.OneOf,
            question=st.just(q.id),
            values=st.lists(
                st.text(alphabet="abcxyz", min_size=1, max_size=4) | st.integers(0, 9), min_size=2, max_size=3
            ),
        ),
        st.builds(cl.Answered, question=st.just(q.id)),
    ]
    if numbers:
        n = draw(st.sampled_from(numbers))
        options += [
            st.builds(cl.AtLeast, question=st.just(n.id), value=_SMALL),
            st.builds(cl.AtMost, question=st.just(n.id), value=_SMALL),
        ]
    if depth < 2:
        inner = _condition(earlier, depth + 1)
        options += [
            st.builds(cl.AllOf, conditions=st.lists(inner, min_size=2, max_size=3)),
            st.builds(cl.AnyOf, conditions=st.lists(inner, min_size=2, max_size=3)),
            st.builds(cl.Not, condition=inner),
        ]
    return draw(st.one_of(options))


@st.composite
def _choices(draw: st.DrawFn) -> list[cl.Choice]:
    ids = draw(st.lists(st.from_regex(r"c[a-z0-9]{0,4}", fullmatch=True), min_size=1, max_size=4, unique=True))
    return [
        cl.Choice(
            id=cid,
            label=draw(_local()),
            credit=draw(st.none() | st.sampled_from([0.0, 0.25, 0.5, 1.0])),
            fails=draw(st.booleans()),
            specify=draw(st.booleans()),
        )
        for cid in ids
    ]


@st.composite
def _question(draw: st.DrawFn, qid: str, earlier: list[cl.Question]) -> cl.Question:
    common: dict[str, Any] = {
        "id": qid,
        "label": draw(_local()),
        "help": draw(st.none() | _local()),
        "required": draw(st.booleans()),
        "critical": draw(st.booleans()),
        "action_on_fail": draw(st.booleans()),
        "weight": draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])),
        "relevant_if": draw(st.none() | _condition(earlier)) if earlier else None,
        "evidence": draw(st.sampled_from(["none", "optional", "required"])),
        "basis": draw(st.none() | _TEXT),
    }
    kind = draw(st.sampled_from(["yes_no", "number", "text", "single", "multiple", "date", "photo", "sig", "loc"]))
    if kind == "yes_no":
        return cl.YesNoQuestion(
            **common, allow_na=draw(st.booleans()), fail_answer=draw(st.sampled_from(["yes", "no"]))
        )
    if kind == "number":
        lo = draw(st.none() | _SMALL)
        return cl.NumberQuestion(
            **common,
            min=lo,
            max=draw(st.none() | _SMALL),
            unit=draw(st.none() | _local()),
            integer=draw(st.booleans()),
        )
    if kind == "text":
        return cl.TextQuestion(**common, max_length=draw(st.integers(1, 5000)), multiline=draw(st.booleans()))
    if kind == "single":
        return cl.SingleChoiceQuestion(**common, choices=draw(_choices()))
    if kind == "multiple":
        low = draw(st.integers(0, 3))
        return cl.MultipleChoiceQuestion(
            **common,
            choices=draw(_choices()),
            min_selected=low,
            max_selected=draw(st.none() | st.integers(max(low, 1), 6)),
        )
    if kind == "date":
        return cl.DateQuestion(**common)
    if kind == "photo":
        low = draw(st.integers(0, 3))
        return cl.PhotoQuestion(**common, min_photos=low, max_photos=draw(st.integers(max(low, 1), 12)))
    if kind == "sig":
        return cl.SignatureQuestion(**common, signer=draw(st.none() | _local()))
    return cl.LocationQuestion(**common, max_accuracy_m=draw(st.none() | st.sampled_from([5.0, 20.0, 12.5])))


@st.composite
def checklists(draw: st.DrawFn) -> cl.ChecklistTemplate:
    """Generated checklists within what XLSForm can carry: ids are XLSForm names, every
    all/any/one_of has two parts or more, choice lists are not a bare yes/no list."""
    n_sections = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(n_sections)]
    ids = draw(st.lists(_ID, min_size=n_sections + sum(sizes), max_size=n_sections + sum(sizes), unique=True))
    sections: list[cl.Section] = []
    earlier: list[cl.Question] = []
    pos = 0
    for size in sizes:
        sid = ids[pos]
        pos += 1
        questions = []
        for _ in range(size):
            q = draw(_question(ids[pos], list(earlier)))
            pos += 1
            questions.append(q)
            earlier.append(q)
        sections.append(cl.Section(id=sid, title=draw(_local()), questions=questions))
    band_ids = draw(st.lists(_ID, min_size=1, max_size=4, unique=True))
    scores = sorted(
        draw(st.lists(st.sampled_from([0.0, 50.0, 75.0, 90.0]), min_size=len(band_ids), max_size=len(band_ids))),
        reverse=True,
    )
    bands = [
        cl.ResultBand(
            id=b,
            label=draw(_local()),
            min_score=s,
            passing=draw(st.booleans()),
            correction_days=draw(st.none() | st.integers(1, 30)),
        )
        for b, s in zip(band_ids, scores, strict=True)
    ]
    requires = draw(st.lists(st.sampled_from(["photo", "corrective_action", "due_date"]), unique=True))
    risk = None
    if draw(st.booleans()):
        criteria = [
            cl.RiskCriterion(
                id=cid,
                label=draw(_local()),
                max_points=draw(st.sampled_from([10.0, 30.0])),
                question=draw(st.none() | st.sampled_from([q.id for q in earlier])),
                levels=[
                    cl.RiskLevel(
                        points=draw(st.sampled_from([0.0, 2.0, 5.0])),
                        label=draw(_local()),
                        choice=draw(st.none() | st.just("none")),
                        min=draw(st.none() | st.sampled_from([0.0, 50.0])),
                        max=draw(st.none() | st.sampled_from([50.0, 1000.0])),
                    )
                    for _ in range(draw(st.integers(0, 3)))
                ],
            )
            for cid in draw(st.lists(st.from_regex(r"CS[0-9]{1,2}", fullmatch=True), max_size=3, unique=True))
        ]
        risk = cl.RiskIndex(
            id=draw(_ID),
            label=draw(_local()),
            total_points=300.0,
            expected_criteria=15,
            criteria=criteria,
            bands=[
                cl.RiskBand(id=b, label=draw(_local()), max_percent=p, action=draw(st.none() | _local()))
                for b, p in zip(["low", "high"], [30.0, 100.0], strict=True)
            ],
            source=draw(st.none() | _TEXT),
        )
    return cl.ChecklistTemplate(
        template_id=draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)),
        version=draw(st.integers(1, 99)),
        title=draw(_local(en_optional=False)),
        site_kinds=draw(st.lists(st.from_regex(r"[A-Z_]{1,6}", fullmatch=True), max_size=3, unique=True)),
        sections=sections,
        scoring=cl.Scoring(
            bands=bands,
            critical_failure_band=draw(st.sampled_from(band_ids)),
            critical_failure_requires=requires,  # type: ignore[arg-type]
        ),
        description=draw(st.none() | _local()),
        risk_index=risk,
        action_on_fail=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(checklists())
def test_any_generated_checklist_survives_an_xlsform_round_trip(template: cl.ChecklistTemplate) -> None:
    imported = read_xlsform(write_xlsform(template), "generated.xlsx")
    assert imported.issues == []
    assert msgspec.to_builtins(imported.template) == msgspec.to_builtins(template)
    assert imported.template == template


def _every_field_set() -> cl.ChecklistTemplate:
    """A checklist where every field of every question kind, choice, band and risk part that has a
    default holds something else somewhere (checked by ``_fields``)."""
    lt = LocalText
    common: dict[str, Any] = {
        "label": lt("Câu hỏi", "Question"),
        "help": lt("Gợi ý", "Hint"),
        "required": True,
        "critical": True,
        "weight": 2.0,
        "relevant_if": cl.Answered(question="first"),
        "evidence": "required",
        "basis": "Chỉ thị 15/CT-TTg",
        "action_on_fail": True,
    }
    choices = [
        cl.Choice(id="a", label=lt("Khác", "Other"), credit=0.5, fails=True, specify=True),
        cl.Choice(id="b", label=lt("Đủ", "Enough"), credit=1.0),
    ]
    questions: list[cl.Question] = [
        cl.TextQuestion(id="first", label=lt("Tên", "Name")),
        cl.YesNoQuestion(id="yn", **common, allow_na=False, fail_answer="yes"),
        cl.NumberQuestion(id="n", **common, min=0.0, max=100.0, unit=lt("người", "people"), integer=True),
        cl.TextQuestion(id="t", **common, max_length=500, multiline=False),
        cl.SingleChoiceQuestion(id="one", **common, choices=choices),
        cl.MultipleChoiceQuestion(id="many", **common, choices=choices, min_selected=1, max_selected=2),
        cl.DateQuestion(id="d", **common),
        cl.PhotoQuestion(id="p", **common, min_photos=2, max_photos=5),
        cl.SignatureQuestion(id="s", **common, signer=lt("Đại diện cơ sở", "Site representative")),
        cl.LocationQuestion(id="loc", **common, max_accuracy_m=15.0),
    ]
    return cl.ChecklistTemplate(
        template_id="every-field",
        version=4,
        title=lt("Mọi trường", "Every field"),
        site_kinds=["CHO"],
        sections=[cl.Section(id="s1", title=lt("Phần 1", "Part 1"), questions=questions)],
        scoring=cl.Scoring(
            bands=[
                cl.ResultBand(id="ok", label=lt("Đạt", "Pass"), min_score=80.0),
                cl.ResultBand(id="ko", label=lt("Không đạt", "Fail"), min_score=0.0, passing=False, correction_days=15),
            ],
            critical_failure_band="ko",
            critical_failure_requires=["photo"],
        ),
        description=lt("Mô tả", "Description"),
        risk_index=cl.RiskIndex(
            id="ri",
            label=lt("Nguy cơ", "Risk"),
            total_points=100.0,
            expected_criteria=1,
            criteria=[
                cl.RiskCriterion(
                    id="CS1",
                    label=lt("Tiêu chí", "Criterion"),
                    max_points=10.0,
                    question="n",
                    levels=[cl.RiskLevel(points=2.0, label=lt("Mức", "Level"), choice="a", min=0.0, max=50.0)],
                )
            ],
            bands=[cl.RiskBand(id="low", label=lt("Thấp", "Low"), max_percent=30.0, action=lt("Theo dõi", "Watch"))],
            source="QĐ 2194",
        ),
        action_on_fail=True,
    )


# the document format's own number, not checklist content: an import is always a schema-1 document
_NOT_CONTENT = {(cl.ChecklistTemplate, "schema")}


def _fields(value: Any, skip: object, found: dict[str, bool]) -> None:
    """``found["Struct.field"]``: whether some instance under ``value`` holds other than the
    field's default (``skip`` is not walked)."""
    if value is skip:
        return
    if isinstance(value, list):
        for item in value:
            _fields(item, skip, found)
    elif isinstance(value, msgspec.Struct):
        cls = type(value)
        for f in msgspec.structs.fields(cls):
            current = getattr(value, f.name)
            if f.default is not msgspec.NODEFAULT:
                default = f.default
            elif f.default_factory is not msgspec.NODEFAULT:
                default = f.default_factory()
            else:
                default = msgspec.NODEFAULT
            if (cls, f.name) not in _NOT_CONTENT:
                key = f"{cls.__name__}.{f.name}"
                found[key] = found.get(key, False) or current != default
            _fields(current, skip, found)


def test_every_field_of_a_checklist_set_away_from_its_default_survives_an_xlsform_round_trip() -> None:
    """A field added to the checklist later must be carried by the XLSForm too: this fails until
    ``_every_field_set`` sets it (and the round trip then proves the mapping carries it)."""
    template = _every_field_set()
    first = template.sections[0].questions[0]  # a plain question the others' relevance refers to
    found: dict[str, bool] = {}
    _fields(template, first, found)
    left = sorted(k for k, changed in found.items() if not changed)
    assert left == [], f"set these in _every_field_set and carry them in the XLSForm: {left}"
    imported = read_xlsform(write_xlsform(template), "every-field.xlsx")
    assert imported.issues == []
    assert imported.template == template


def test_text_that_starts_with_an_equals_sign_stays_text_not_a_formula() -> None:
    template = parse_template((CHECKLISTS / "covid19-market.yaml").read_text(encoding="utf-8"), "yaml")
    first = template.sections[0]
    q = msgspec.structs.replace(first.questions[0], label=LocalText(vi="=SUM(A1:A3)", en="=1+1"))
    template = msgspec.structs.replace(
        template, sections=[msgspec.structs.replace(first, questions=[q, *first.questions[1:]]), *template.sections[1:]]
    )
    assert read_xlsform(write_xlsform(template)).template == template


# --- seven real XLSForms written by others -----------------------------------------------------------


def test_yes_or_no_question_maps_its_yes_no_list_to_a_yes_no_question() -> None:
    imported = _read("yes_or_no_question.xlsx")
    assert imported.issues == []
    (q,) = imported.template.questions()
    assert isinstance(q, cl.YesNoQuestion) and q.id == "good_day" and not q.allow_na
    # 'label:english' is the English text; no Vietnamese exists, so the preview asks for it
    assert q.label == LocalText(vi="", en="have you had a good day today?")
    assert imported.template.template_id == "yes_or_no_question"


def test_group_maps_groups_to_sections_and_names_the_phone_number_rule_it_drops() -> None:
    imported = _read("group.xlsx")
    sections = imported.template.sections
    assert [s.id for s in sections] == ["general", "father"]
    assert sections[1].title.en == "Father"
    assert _kinds(imported) == {"family_name": "text", "phone_number": "text", "age": "number"}
    age = imported.template.question_map()["age"]
    assert isinstance(age, cl.NumberQuestion) and age.integer
    (issue,) = imported.issues
    assert (issue.sheet, issue.row, issue.drops) == ("survey", 4, "cell")
    assert "regex" in issue.what.en and issue.why.vi and issue.why.en


def test_calculate_names_every_calculation_and_note_and_keeps_no_question() -> None:
    imported = _read("calculate.xls")
    assert imported.template.questions() == []
    assert [(i.row, i.column) for i in imported.issues] == [(2, "type"), (3, "type"), (4, "type"), (5, "type")]
    assert "Calculations" in imported.issues[0].why.en and "Phép tính" in imported.issues[0].why.vi
    assert "notes" in imported.issues[1].why.en
    assert imported.template.title.en == "calculate_test"


def test_tutorial_names_the_repeat_and_every_row_inside_it() -> None:
    imported = _read("tutorial.xls")
    assert imported.template.questions() == []
    assert _rows(imported) == set(range(2, 13))
    assert imported.issues[0].what.en == "Repeat 'member' (row 2) and every row in it"
    assert all("Repeat" in i.why.en for i in imported.issues)


def test_widgets_maps_the_supported_widgets_and_names_the_rest() -> None:
    imported = _read("widgets.xls")
    kinds = _kinds(imported)
    assert kinds["my_string"] == "text"
    assert kinds["my_int"] == "number" and kinds["my_decimal"] == "number"
    assert kinds["my_date"] == "date" and kinds["my_geopoint"] == "location" and kinds["my_image"] == "photo"
    assert kinds["my_select"] == "multiple_choice" and kinds["my_select1"] == "single_choice"
    assert kinds["table_list_1"] == "yes_no"
    my_int = imported.template.question_map()["my_int"]
    assert isinstance(my_int, cl.NumberQuestion) and my_int.max == 9 and my_int.min is None  # '. < 10' on an integer
    select = imported.template.question_map()["my_select"]
    assert isinstance(select, cl.MultipleChoiceQuestion) and [c.id for c in select.choices] == ["a", "b", "c", "d"]
    for dropped in ("my_time", "my_trigger", "my_barcode", "my_audio", "my_video", "dateTime"):
        assert dropped not in kinds
    by_row = {(i.row, i.column): i for i in imported.issues}
    assert by_row[(6, "type")].what.en == "'my_time': type 'time'"
    assert by_row[(4, "constraint")].drops == "cell"  # '. > 10.51 and . < 18.39': strict bounds on a decimal
    assert by_row[(4, "default")].drops == "cell"
    assert {r for r, c in by_row if c == "type"} == {6, 9, 12, 14, 15, 18}
    assert [s.id for s in imported.template.sections][:2] == ["general", "table_list_test"]


def test_spec_test_pushes_a_groups_relevance_onto_its_questions_and_names_repeats_and_metadata() -> None:
    imported = _read("xlsform_spec_test.xlsx")
    questions = imported.template.question_map()
    skip = cl.Not(condition=cl.Equals(question="skip_to_end", value="yes"))
    assert questions["my_name"].relevant_if == skip
    assert questions["date_test"].relevant_if == skip
    assert isinstance(questions["skip_to_end"], cl.YesNoQuestion)
    assert "required_text" not in questions  # inside the repeat
    rows = _rows(imported)
    assert set(range(15, 29)) <= rows  # the repeat and all inside
    assert {42, 44, 46, 48, 50, 52} <= rows  # start, end, today, deviceid, uri:deviceid, phonenumber
    metadata = next(i for i in imported.issues if i.row == 42)
    assert "metadata" in metadata.why.en and "tự ghi" in metadata.why.vi
    chinese = [i for i in imported.issues if i.row == 1]
    assert {i.column for i in chinese} >= {"label::chinese"}
    launch = next(i for i in imported.issues if i.row == 57)
    assert launch.column == "appearance" and launch.drops == "cell"


def test_ucl_biomass_form_keeps_its_plot_questions_and_names_repeats_files_and_calculations() -> None:
    imported = _read("UCL_Biomass_Plot_Form.xlsx")
    questions = imported.template.question_map()
    other = questions["leader_name_other"]
    assert other.relevant_if == cl.Equals(question="leader_name", value="other")  # smart quotes read as quotes
    assert isinstance(questions["center_point"], cl.LocationQuestion)
    assert isinstance(questions["center_image"], cl.PhotoQuestion)
    assert isinstance(questions["monumented"], cl.YesNoQuestion)
    assert isinstance(questions["disturbance"], cl.MultipleChoiceQuestion)
    assert questions["canopy_cover"].required
    assert questions["canopy_cover"].label.en == "Percent Canopy Cover"
    by_row = {i.row: i for i in imported.issues if i.sheet == "survey" and i.row > 1}
    assert "external file" in by_row[16].why.en
    assert "Calculations" in by_row[26].why.en
    assert by_row[32].what.en == "Repeat 'trees' (row 32) and every row in it"
    assert "inside repeat 'trees'" in by_row[45].what.en
    assert "tree_photo" not in questions and "stump_photo" not in questions
    version = next(i for i in imported.issues if i.sheet == "settings")
    assert version.column == "version" and "2022-04-11" in version.what.en
    swahili = {i.column for i in imported.issues if i.row == 1}
    assert "label::Swahili (sw)" in swahili


# --- malformed files: a clear error, nothing read -------------------------------------------------------


def _error(data: bytes) -> Invalid:
    with pytest.raises(Invalid) as caught:
        read_xlsform(data, "bad.xlsx")
    return caught.value


def test_a_file_that_is_not_a_spreadsheet_is_refused() -> None:
    error = _error(b"type,name,label\ntext,a,A\n")
    assert "không phải bảng tính" in error.detail and "not an Excel spreadsheet" in error.detail


def test_a_damaged_spreadsheet_is_refused() -> None:
    error = _error(b"PK\x03\x04" + b"\x00" * 200)
    assert "cannot be read" in error.detail


def test_a_workbook_without_a_survey_sheet_is_refused_naming_its_sheets() -> None:
    data = workbook({"choices": [["list_name", "name"], ["yn", "yes"]], "settings": [["form_id"], ["x"]]})
    error = _error(data)
    assert "no 'survey' sheet" in error.detail and "choices" in error.detail


def test_a_name_used_twice_is_refused_naming_both_rows() -> None:
    data = workbook(
        {"survey": [["type", "name", "label"], ["text", "a", "A"], ["integer", "b", "B"], ["text", "a", "C"]]}
    )
    error = _error(data)
    assert [p.row for p in error.errors] == [4]
    assert "rows 2 and 4" in error.errors[0].message and "dòng 2 và 4" in error.errors[0].message


def test_an_unknown_choice_list_is_refused_naming_the_row_and_list() -> None:
    data = workbook(
        {
            "survey": [["type", "name", "label"], ["select_one colours", "c", "Colour"]],
            "choices": [["list_name", "name", "label"], ["sizes", "s", "Small"]],
        }
    )
    error = _error(data)
    assert error.errors[0].row == 2 and "'colours'" in error.errors[0].message


def test_a_group_left_open_is_refused() -> None:
    data = workbook({"survey": [["type", "name", "label"], ["begin group", "g", "G"], ["text", "a", "A"]]})
    assert "never closed" in _error(data).errors[0].message


def test_a_choice_used_twice_in_one_list_is_refused() -> None:
    data = workbook(
        {
            "survey": [["type", "name", "label"], ["select_one l", "c", "C"]],
            "choices": [["list_name", "name", "label"], ["l", "a", "A"], ["l", "a", "B"]],
        }
    )
    assert "used twice" in _error(data).errors[0].message


# --- the mapping rules ---------------------------------------------------------------------------------


def _form(rows: list[list[Any]], choices: list[list[Any]] | None = None) -> XlsformImport:
    sheets: dict[str, list[list[Any]]] = {"survey": rows}
    if choices:
        sheets["choices"] = choices
    return read_xlsform(workbook(sheets), "form.xlsx")


def test_a_weight_or_credit_that_is_not_a_number_is_named_and_read_as_empty() -> None:
    imported = _form(
        [["type", "name", "label", "weight"], ["select_one l", "q", "Q", "nặng"]],
        [["list_name", "name", "label", "credit"], ["l", "a", "A", "nửa"], ["l", "b", "B", "0.5"]],
    )
    question = imported.template.sections[0].questions[0]
    assert isinstance(question, cl.SingleChoiceQuestion)
    assert question.weight == 0 and [c.credit for c in question.choices] == [None, 0.5]
    said = {(i.sheet, i.row, i.column, i.drops): (i.what, i.why) for i in imported.issues}
    assert said == {
        ("choices", 2, "credit", "cell"): (
            LocalText(vi="Điểm 'nửa' không phải số", en="Credit 'nửa' is not a number"),
            LocalText(vi="Điểm là số từ 0 đến 1.", en="A credit is a number from 0 to 1."),
        ),
        ("survey", 2, "weight", "cell"): (
            LocalText(vi="Câu 'q': trọng số 'nặng'", en="'q': weight 'nặng'"),
            LocalText(vi="Trọng số phải là một số.", en="A weight must be a number."),
        ),
    }


def test_relevance_in_the_forms_our_rules_express_maps_to_conditions() -> None:
    header = ["type", "name", "label::Vietnamese (vi)", "label::English (en)", "relevant", "constraint"]
    imported = _form(
        [
            header,
            ["select_one yn", "q1", "Câu 1", "Q1", None, None],
            ["integer", "n", "Số người", "People", None, ". >= 0 and . <= 100"],
            ["select_multiple kinds", "m", "Loại", "Kinds", None, "count-selected(.) >= 1"],
            ["text", "a", "Ghi chú", "Note", "${q1} = 'yes' and ${n} > 5", "string-length(.) <= 200"],
            ["text", "b", "Khác", "Other", "selected(${m}, 'x') or not(${n} <= 10)", None],
            ["text", "c", "C", "C", "${m} = 'x' or ${m} = 'y'", None],
            ["text", "d", "D", "D", "${n} != '' and ${q1} != 'no'", None],
        ],
        [
            ["list_name", "name", "label"],
            ["yn", "yes", "Có"],
            ["yn", "no", "Không"],
            ["kinds", "x", "X"],
            ["kinds", "y", "Y"],
        ],
    )
    assert imported.issues == []
    q = imported.template.question_map()
    assert isinstance(q["q1"], cl.YesNoQuestion) and not q["q1"].allow_na
    n = q["n"]
    assert isinstance(n, cl.NumberQuestion) and (n.min, n.max, n.integer) == (0, 100, True)
    m = q["m"]
    assert isinstance(m, cl.MultipleChoiceQuestion) and (m.min_selected, m.max_selected) == (1, None)
    a = q["a"]
    assert isinstance(a, cl.TextQuestion) and a.max_length == 200 and not a.multiline
    assert a.relevant_if == cl.AllOf(
        conditions=[
            cl.Equals(question="q1", value="yes"),
            cl.AllOf(conditions=[cl.Answered(question="n"), cl.Not(condition=cl.AtMost(question="n", value=5.0))]),
        ]
    )
    assert q["b"].relevant_if == cl.AnyOf(
        conditions=[cl.Equals(question="m", value="x"), cl.Not(condition=cl.AtMost(question="n", value=10.0))]
    )
    assert q["c"].relevant_if == cl.OneOf(question="m", values=["x", "y"])
    assert q["d"].relevant_if == cl.AllOf(
        conditions=[cl.Answered(question="n"), cl.Not(condition=cl.Equals(question="q1", value="no"))]
    )
    assert q["a"].label == LocalText(vi="Ghi chú", en="Note")


def test_relevance_it_cannot_express_is_named_in_both_languages() -> None:
    imported = _form(
        [
            ["type", "name", "label", "relevant"],
            ["integer", "n", "N", None],
            ["text", "a", "A", "${n} * 2 > 10"],
            ["text", "b", "B", "count(${n}) = 1"],
            ["text", "c", "C", "${later} = 'x'"],
            ["text", "later", "L", None],
        ]
    )
    assert [(i.row, i.column, i.drops) for i in imported.issues] == [
        (3, "relevant", "cell"),
        (4, "relevant", "cell"),
        (5, "relevant", "cell"),
    ]
    assert "điều kiện hiển thị" in imported.issues[0].what.vi and "relevance" in imported.issues[0].what.en
    assert all(q.relevant_if is None for q in imported.template.questions())


def test_signature_appearance_extension_columns_credits_and_a_scoring_sheet_are_read() -> None:
    data = workbook(
        {
            "survey": [
                [
                    "type",
                    "name",
                    "label::Vietnamese (vi)",
                    "label::English (en)",
                    "appearance",
                    "required",
                    "weight",
                    "critical",
                    "basis",
                ],
                ["begin group", "s1", "Phần 1", "Part 1"],
                ["begin group", "s1a", "Mục a", "Item a"],
                ["select_one masks", "mask", "Đeo khẩu trang", "Masks worn", None, "yes", 3, "yes", "5K"],
                ["end group"],
                ["image", "sig", "Chữ ký", "Signature", "signature"],
                ["end group"],
            ],
            "choices": [
                ["list_name", "name", "label::Vietnamese (vi)", "label::English (en)", "credit", "fails"],
                ["masks", "all", "Tất cả", "All", 1],
                ["masks", "most", "Phần lớn", "Most", 0.5],
                ["masks", "few", "Ít", "Few", 0, "yes"],
            ],
            "settings": [
                ["form_id", "form_title", "form_title_en", "version", "site_kinds"],
                ["kt", "Kiểm tra", "Check", 3, "DN_SX CHO"],
            ],
            "scoring": [
                [
                    "type",
                    "name",
                    "label::Vietnamese (vi)",
                    "label::English (en)",
                    "min_score",
                    "passing",
                    "action_on_fail",
                ],
                ["band", "ok", "Đạt", "Pass", 80, "yes"],
                ["band", "ko", "Không đạt", "Fail", 0, "no"],
                ["critical_failure", "ko", None, None, None, None, "photo corrective_action"],
            ],
        }
    )
    imported = read_xlsform(data, "x.xlsx")
    assert imported.issues == []
    t = imported.template
    assert (t.template_id, t.version, t.title, t.site_kinds) == (
        "kt",
        3,
        LocalText("Kiểm tra", "Check"),
        ["DN_SX", "CHO"],
    )
    assert [(s.id, s.title.vi) for s in t.sections] == [("s1a", "Phần 1 › Mục a"), ("s1", "Phần 1")]
    mask = t.question_map()["mask"]
    assert isinstance(mask, cl.SingleChoiceQuestion) and mask.critical and mask.required and mask.weight == 3
    assert [(c.id, c.credit, c.fails) for c in mask.choices] == [
        ("all", 1, False),
        ("most", 0.5, False),
        ("few", 0, True),
    ]
    assert mask.basis == "5K"
    assert isinstance(t.question_map()["sig"], cl.SignatureQuestion)
    assert [b.id for b in t.scoring.bands] == ["ok", "ko"] and t.scoring.critical_failure_band == "ko"
    assert t.scoring.critical_failure_requires == ["photo", "corrective_action"]


def test_without_a_scoring_sheet_the_standard_bands_apply() -> None:
    imported = _form([["type", "name", "label"], ["text", "a", "Tên cơ sở"]])
    assert [b.id for b in imported.template.scoring.bands] == ["pass", "pass_rec", "fix", "fail"]
    assert imported.template.scoring.critical_failure_band == "fail"
    # a label without a language is Vietnamese when it has Vietnamese letters
    assert imported.template.questions()[0].label == LocalText(vi="Tên cơ sở", en="")


def test_hints_and_constraint_messages_are_kept_in_both_languages_as_the_questions_help() -> None:
    imported = _form(
        [
            [
                "type",
                "name",
                "label::Vietnamese (vi)",
                "label::English (en)",
                "hint::Vietnamese (vi)",
                "hint::English (en)",
                "constraint",
                "constraint_message::Vietnamese (vi)",
                "constraint_message::English (en)",
            ],
            [
                "integer",
                "n",
                "Số người",
                "People",
                "Đếm cả ca đêm",
                "Count the night shift",
                ". >= 0 and . <= 500",
                "Từ 0 đến 500",
                "From 0 to 500",
            ],
            ["text", "t", "Ghi chú", "Note", None, None, None, "Không quá dài", "Not too long"],
        ]
    )
    assert imported.issues == []
    n, t = imported.template.questions()
    assert isinstance(n, cl.NumberQuestion) and (n.min, n.max) == (0, 500)
    assert n.help == LocalText(vi="Đếm cả ca đêm\nTừ 0 đến 500", en="Count the night shift\nFrom 0 to 500")
    assert t.help == LocalText(vi="Không quá dài", en="Not too long")


def test_action_on_fail_is_read_per_question_and_for_the_checklist_and_a_bad_flag_is_named() -> None:
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "critical", "action_on_fail"],
                ["select_one yn", "mask", "Đeo khẩu trang", "yes", "yes"],
                ["select_one yn", "temp", "Đo thân nhiệt", "có lẽ", "maybe"],
            ],
            "choices": [["list_name", "name", "label"], ["yn", "yes", "Có"], ["yn", "no", "Không"]],
            "settings": [["form_id", "form_title", "action_on_fail"], ["kt", "Kiểm tra", "yes"]],
        }
    )
    imported = read_xlsform(data, "kt.xlsx")
    mask, temp = imported.template.questions()
    assert (mask.critical, mask.action_on_fail) == (True, True)
    assert (temp.critical, temp.action_on_fail) == (False, False)
    assert imported.template.action_on_fail
    assert [(i.sheet, i.row, i.column, i.drops) for i in imported.issues] == [
        ("survey", 3, "critical", "cell"),
        ("survey", 3, "action_on_fail", "cell"),
    ]
    assert "yes hoặc no" in imported.issues[1].why.vi and "yes or no" in imported.issues[1].why.en
