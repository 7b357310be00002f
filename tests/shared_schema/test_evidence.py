"""The content digest a signature binds: any change of any signed field (header, answers, the
finding fields of the corrective actions) changes it; reordering, re-encoding (NFC/NFD, 1 against
1.0) and a JSON round trip through the sync feed do not. A bb1 digest (an older app's, without
the actions) keeps reading its old content."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema import evidence
from shared_schema.actions import Action, action_from_fields
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


def test_whole_numbers_are_the_same_as_integers_and_the_digest_is_bb2_then_hex() -> None:
    header = {"site_id": "s", "template_id": "t", "template_version": 1}
    a = digest(header, [Answer(inspection_id="i", question_id="workers", value=120)])
    b = digest({**header, "template_version": 1.0}, [Answer(inspection_id="i", question_id="workers", value=120.0)])
    version, _, hex_part = a.partition(":")
    assert a == b and version == "bb2" and len(hex_part) == 64 and int(hex_part, 16) >= 0
    old = evidence.content_digest(header, [Answer(inspection_id="i", question_id="workers", value=120)], version="bb1")
    assert len(old) == 64 and int(old, 16) >= 0 and evidence.digest_version(old) == "bb1"


def test_an_unknown_digest_version_is_refused() -> None:
    try:
        evidence.content_digest({}, [], version="bb9")
    except ValueError as e:
        assert "bb9" in str(e)
    else:
        raise AssertionError("an unknown version was digested")


def test_signature_states_compare_each_signature_in_its_own_version() -> None:
    current = {"bb1": "a" * 64, "bb2": "bb2:" + "b" * 64}
    assert evidence.signature_state(None, current) == "unbound"
    assert evidence.signature_state("", current) == "unbound"
    assert evidence.signature_state("a" * 64, current) == "matches"
    assert evidence.signature_state("bb2:" + "b" * 64, current) == "matches"
    assert evidence.signature_state("c" * 64, current) == "stale"
    assert evidence.signature_state("bb2:" + "a" * 64, current) == "stale"
    # a bb2 digest is never read as bb1 content, nor a version this side does not know as a match
    assert evidence.signature_state("bb2:" + "a" * 64, {"bb1": "bb2:" + "a" * 64}) == "stale"
    assert evidence.signature_state("bb9:" + "b" * 64, current) == "stale"


# --- corrective actions (entity ``action``) in the bb2 content -----------------------------

ACTION_IDS = ["a-1", "a-2", "a-3", "ba1b2c"]


@st.composite
def actions(draw: Any) -> list[dict[str, Any]]:
    """Action records as fields (the feed's shape), with ids unlike an answer's mirrored one."""
    out = []
    for action_id in draw(st.lists(st.sampled_from(ACTION_IDS), min_size=1, max_size=3, unique=True)):
        out.append(
            {
                "id": action_id,
                "inspection_id": "i",
                "site_id": "site-a",
                "question_id": draw(st.sampled_from(QIDS)),
                "description": draw(TEXT),
                "deadline": draw(st.sampled_from(["2021-06-15", "2021-07-01"])),
                "finding_photos": draw(st.lists(SHA, max_size=3, unique=True)),
                "responsible_name": draw(st.one_of(st.none(), TEXT)),
                "fix_photos": draw(st.lists(SHA, max_size=1)),
                "status": draw(st.sampled_from(["open", "reported_fixed"])),
            }
        )
    return out


def with_actions(header: dict[str, Any], answers: list[Answer], acts: list[Any], version: str = "bb2") -> str:
    return evidence.content_digest(header, answers, SIG_QUESTIONS, acts, version=version)


@settings(max_examples=150, deadline=None)
@given(contents(), actions(), st.data())
def test_any_change_of_any_action_finding_field_changes_the_bb2_digest(
    content: Any, acts: list[dict[str, Any]], data: Any
) -> None:
    header, answers = content
    before = with_actions(header, answers, acts)
    assert before != with_actions(header, answers, [])  # the actions are content
    i = data.draw(st.integers(0, len(acts) - 1))
    field = data.draw(st.sampled_from(sorted(evidence.SIGNED_ACTION_FIELDS)))
    old = acts[i][field]
    if field == "finding_photos":
        new: Any = [*old, "f" * 64] if "f" * 64 not in old else old[1:]
    elif field == "deadline":
        new = "2021-06-16" if old != "2021-06-16" else "2021-06-17"
    elif field == "question_id":
        new = next(q for q in QIDS if q != old)
    else:
        new = _changed(old)
    changed = [dict(a) for a in acts]
    changed[i][field] = new
    assert with_actions(header, answers, changed) != before
    # an action added (it counts from its creation) or another one's item is a change too
    extra = {"id": "a-new", "inspection_id": "i", "question_id": "masks", "description": "Bổ sung khẩu trang"}
    assert with_actions(header, answers, [*acts, extra]) != before
    # what the site did later, who answers for it and the status are not what was signed
    later = [{**a, "fix_photos": ["e" * 64], "fix_note": "Đã sửa", "status": "reported_fixed"} for a in acts]
    later = [{**a, "responsible_name": "Nguyễn Văn Bình", "history": [{"event": "created"}]} for a in later]
    assert with_actions(header, answers, later) == before


@settings(max_examples=150, deadline=None)
@given(contents(), actions(), st.randoms(use_true_random=False))
def test_reordering_re_encoding_and_round_trips_keep_the_bb2_digest_of_actions(
    content: Any, acts: list[dict[str, Any]], rnd: random.Random
) -> None:
    header, answers = content
    before = with_actions(header, answers, acts)
    shuffled = [{**a, "finding_photos": list(reversed(a["finding_photos"]))} for a in acts]
    rnd.shuffle(shuffled)
    assert with_actions(header, answers, shuffled) == before
    # as the records both sides read (``Action``) and as mappings alike
    records = [action_from_fields(a["id"], a) for a in acts]
    assert all(isinstance(r, Action) for r in records)
    assert with_actions(header, answers, records) == before
    # decomposed Unicode (NFD) and a JSON round trip field by field, as through the sync feed
    nfd = msgspec.json.decode(unicodedata.normalize("NFD", msgspec.json.encode(acts).decode()))
    assert with_actions(header, answers, nfd) == before
    trip = [
        action_from_fields(a["id"], {f: msgspec.json.decode(msgspec.json.encode(v)) for f, v in a.items()})
        for a in acts
    ]
    assert with_actions(header, answers, trip) == before
    # an action whose finding fields are all empty adds nothing
    empty = {"id": "a-empty", "inspection_id": "i", "description": "", "finding_photos": [], "status": "open"}
    assert with_actions(header, answers, [*acts, empty]) == before


@settings(max_examples=100, deadline=None)
@given(contents(), actions())
def test_a_bb1_signature_still_matches_its_old_content_when_actions_exist(
    content: Any, acts: list[dict[str, Any]]
) -> None:
    """An older app's signature (a bare hex digest) never covered action records: it keeps the
    state it had, whatever the actions are; a bb2 one taken at the same moment does not."""
    header, answers = content
    old_signature = with_actions(header, answers, [], version="bb1")
    new_signature = with_actions(header, answers, acts)
    changed = [{**a, "description": a["description"] + " (sửa)"} for a in acts]
    for now in (acts, changed, []):
        current = evidence.current_digests(header, answers, SIG_QUESTIONS, now)
        assert evidence.signature_state(old_signature, current) == "matches"
    assert evidence.signature_state(new_signature, evidence.current_digests(header, answers, SIG_QUESTIONS, acts)) == (
        "matches"
    )
    stale_now = evidence.current_digests(header, answers, SIG_QUESTIONS, changed)
    assert evidence.signature_state(new_signature, stale_now) == "stale"
    # the bb1 content is what it always was: the same digest with or without actions
    assert with_actions(header, answers, acts, version="bb1") == old_signature


def test_an_answer_s_corrective_action_reads_as_the_action_the_server_mirrors_it_into() -> None:
    """An answer's ``corrective_action``/``due_date`` is mirrored by the server into the action
    ``"{inspection}:{question}"`` (its description and deadline, server-stamped, so they win):
    a device that has not pulled that action yet computes the digest the server checks."""
    header = {"site_id": "s", "template_id": "sample-factory", "template_version": 1}
    answer = Answer(
        inspection_id="i",
        question_id="masks",
        value="no",
        corrective_action="Trang bị khẩu trang",
        due_date="2021-06-15",
    )
    on_device = with_actions(header, [answer], [])
    mirrored = {
        "id": "i:masks",
        "inspection_id": "i",
        "question_id": "masks",
        "description": "Trang bị khẩu trang",
        "deadline": "2021-06-15",
    }
    assert with_actions(header, [answer], [mirrored]) == on_device
    # the device's own first action on that item has that id; the mirror's values win on the server
    own = {**mirrored, "description": "Mô tả của thiết bị", "deadline": "2021-07-01", "finding_photos": ["c" * 64]}
    held = {**own, "description": "Trang bị khẩu trang", "deadline": "2021-06-15"}
    assert with_actions(header, [answer], [own]) == with_actions(header, [answer], [held])
    # the item the action is on is its own (the server does not rewrite it)
    moved = {**mirrored, "question_id": "team"}
    assert with_actions(header, [answer], [moved]) != on_device
    # and the answer's text is still content of its own
    assert with_actions(header, [msgspec.structs.replace(answer, corrective_action="Khác")], [mirrored]) != on_device


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
