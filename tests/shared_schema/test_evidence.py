"""The content digest a signature binds: any change of any signed field changes it; reordering,
re-encoding (NFC/NFD, 1 against 1.0) and a JSON round trip through the sync feed do not."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema import evidence
from shared_schema.records import Answer, answer_from_fields
from tests.support.sample_checklist import sample_template

TEMPLATE = sample_template(1)
SIG_QUESTIONS = evidence.signature_question_ids(TEMPLATE)
SHA = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda t: unicodedata.normalize("NFC", t) != ""
)
VALUE = st.one_of(st.integers(-1000, 1000), TEXT, st.booleans(), st.lists(TEXT, min_size=1, max_size=3))

QIDS = ["workers", "manager", "team", "temp_check", "masks", "hoarding", "dorm"]


@st.composite
def contents(draw: Any) -> tuple[dict[str, Any], list[Answer]]:
    header = {
        "site_id": draw(st.sampled_from(["site-a", "site-b"])),
        "template_id": "sample-factory",
        "template_version": 1,
        "kind": draw(st.sampled_from(["periodic", "unannounced", "thematic"])),
        "started_at": "2021-06-01T02:00:00Z",
        "findings": draw(st.one_of(st.none(), TEXT)),
        "team": draw(st.lists(st.fixed_dictionaries({"name": TEXT}), max_size=2)),
        "representative": draw(st.one_of(st.none(), st.fixed_dictionaries({"name": TEXT}))),
    }
    answers = []
    for qid in draw(st.lists(st.sampled_from(QIDS), min_size=1, max_size=len(QIDS), unique=True)):
        answers.append(
            Answer(
                inspection_id="i",
                question_id=qid,
                value=draw(VALUE),
                note=draw(st.one_of(st.none(), TEXT)),
                photos=draw(st.lists(SHA, max_size=2, unique=True)),
                corrective_action=draw(st.one_of(st.none(), TEXT)),
                due_date=draw(st.one_of(st.none(), st.just("2021-06-15"))),
            )
        )
    return header, answers


def digest(header: dict[str, Any], answers: list[Answer]) -> str:
    return evidence.content_digest(header, answers, SIG_QUESTIONS)


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, "thêm"]
    if isinstance(value, dict):
        return {**value, "name": str(value.get("name")) + "x"}
    return "mới"


@settings(max_examples=150, deadline=None)
@given(contents(), st.data())
def test_any_change_of_any_signed_field_changes_the_digest(content: Any, data: Any) -> None:
    header, answers = content
    before = digest(header, answers)
    where = data.draw(st.sampled_from(["header", "answer"]))
    if where == "header":
        name = data.draw(st.sampled_from(["site_id", "kind", "findings", "team", "representative", "started_at"]))
        changed = {**header, name: _changed(header.get(name)) if header.get(name) else "mới"}
        if name == "kind":
            changed[name] = {"periodic": "thematic", "unannounced": "periodic", "thematic": "unannounced"}[header[name]]
        assert digest(changed, answers) != before
    else:
        i = data.draw(st.integers(0, len(answers) - 1))
        field = data.draw(st.sampled_from(list(evidence.SIGNED_ANSWER_FIELDS)))
        old = getattr(answers[i], field)
        new = _changed(old) if old not in (None, []) else ("2021-07-01" if field == "due_date" else ["a" * 64])
        if field == "photos":
            new = [*old, "f" * 64] if "f" * 64 not in old else old[1:]
        changed = list(answers)
        changed[i] = msgspec.structs.replace(answers[i], **{field: new})
        assert digest(header, changed) != before
    # an answer added or removed is a change too
    assert digest(header, answers[1:]) != before or not answers[0].value


@settings(max_examples=150, deadline=None)
@given(contents(), st.randoms(use_true_random=False))
def test_reordering_re_encoding_and_round_trips_keep_the_digest(content: Any, rnd: random.Random) -> None:
    header, answers = content
    before = digest(header, answers)
    # answers in another order, header keys in another order, photos in another order
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    keys = list(header)
    rnd.shuffle(keys)
    reordered_header = {k: header[k] for k in keys}
    reordered = [msgspec.structs.replace(a, photos=list(reversed(a.photos))) for a in shuffled]
    assert digest(reordered_header, reordered) == before
    # text in decomposed Unicode (NFD), as another keyboard or platform may send it
    nfd = msgspec.json.decode(unicodedata.normalize("NFD", msgspec.json.encode([header, answers]).decode()))
    assert digest(nfd[0], [answer_from_fields("i", a["question_id"], a) for a in nfd[1]]) == before
    # a JSON round trip field by field, as through the sync feed and a device's replica
    fields = {
        a.question_id: {
            f: msgspec.json.decode(msgspec.json.encode(getattr(a, f))) for f in evidence.SIGNED_ANSWER_FIELDS
        }
        for a in answers
    }
    trip = {q: answer_from_fields("i", q, f) for q, f in fields.items()}
    trip_header = {k: msgspec.json.decode(msgspec.json.encode(v)) for k, v in header.items()}
    assert evidence.content_digest(trip_header, trip, SIG_QUESTIONS) == before
    # fields that are not content: status, number, signatures, server fields, empty values
    extra = {
        **header,
        "status": "submitted",
        "record_number": "5/BB-SCT",
        "score": 80.0,
        "signatures": [{"role": "lead", "name": "A", "sha256": "a" * 64}],
        "completed_at": "2021-06-01T05:00:00Z",
    }
    signed = [*answers, Answer(inspection_id="i", question_id="sig_rep", value={"sha256": "b" * 64, "name": "B"})]
    empty = [*answers, Answer(inspection_id="i", question_id="self_check_date", value=None, note="", photos=[])]
    assert digest(extra, signed) == before
    assert digest(header, empty) == before


def test_whole_numbers_are_the_same_as_integers_and_the_digest_is_hex() -> None:
    header = {"site_id": "s", "template_id": "t", "template_version": 1}
    a = digest(header, [Answer(inspection_id="i", question_id="workers", value=120)])
    b = digest({**header, "template_version": 1.0}, [Answer(inspection_id="i", question_id="workers", value=120.0)])
    assert a == b and len(a) == 64 and int(a, 16) >= 0


def test_signature_states() -> None:
    assert evidence.signature_state(None, "x") == "unbound"
    assert evidence.signature_state("x", "x") == "matches"
    assert evidence.signature_state("y", "x") == "stale"


def test_the_stored_header_and_the_header_read_back_through_its_shape_have_one_digest() -> None:
    """The server checks the digest on the stored JSON; the PDF and a device's replica read the
    header through ``InspectionHeader``, which drops a key it does not know (a newer app's) and
    gives an unset ``kind`` its default ``periodic``: the same content, the same digest."""
    from shared_schema.records import InspectionHeader

    stored = {
        "id": "i",
        "site_id": "s",
        "template_id": "sample-factory",
        "template_version": 1,
        "team": [{"name": "Phạm Quốc Khánh", "role": "Trưởng đoàn", "badge": "TT-01"}],
        "representative": {"name": "Lê Thị Hương", "title": "Giám đốc", "email": "h@example.vn"},
        "location": {"lat": 21.5, "lon": 105.8, "floor": 2},
    }
    answers = [Answer(inspection_id="i", question_id="workers", value=120)]
    read_back = msgspec.to_builtins(msgspec.convert(stored, InspectionHeader))
    assert "badge" not in read_back["team"][0] and "kind" not in stored and read_back["kind"] == "periodic"
    assert digest(stored, answers) == digest(read_back, answers)
    # what is content still counts: the member's title, the representative's name
    retitled = {**stored, "team": [{"name": "Phạm Quốc Khánh", "role": "Thành viên", "badge": "TT-01"}]}
    assert digest(retitled, answers) != digest(stored, answers)
    # a value not of its shape is digested as it is, and still differs from another
    assert digest({**stored, "team": "Phạm Quốc Khánh"}, answers) != digest({**stored, "team": "Khác"}, answers)
    assert digest({**stored, "kind": "unannounced"}, answers) != digest(stored, answers)
