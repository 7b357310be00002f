"""encode→decode round-trips every Struct; schema evolution; garbage gives clear errors."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema import codec, errors, records, sync
from shared_schema.checklist import ChecklistTemplate, Question
from shared_schema.codec import WireError
from shared_schema.text import BiText
from tests.support.sample_checklist import sample_template
from tests.support.wire_strategies import for_type

STRUCTS = [
    ChecklistTemplate,
    sync.Change,
    sync.PushRequest,
    sync.ChangeResult,
    sync.PushReply,
    sync.PulledChange,
    sync.PullPage,
    sync.TokenRequest,
    sync.TokenReply,
    sync.ReviewRequest,
    sync.ConflictEntry,
    records.Site,
    records.InspectionHeader,
    records.Answer,
    records.Review,
    records.UserInfo,
    records.Location,
    records.Contact,
    records.TeamMember,
    records.Representative,
    records.Signature,
    errors.Problem,
    errors.FieldProblem,
]


@pytest.mark.parametrize("typ", STRUCTS, ids=lambda t: t.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_wire_struct_round_trips_through_json(typ: type, data: st.DataObject) -> None:
    obj = data.draw(for_type(typ))
    assert codec.decode(codec.encode(obj), typ) == obj


def test_a_checklist_round_trips_through_json_and_builtins() -> None:
    t = sample_template()
    assert codec.decode_template(codec.encode(t)) == t
    assert codec.convert(codec.to_builtins(t), ChecklistTemplate) == t


@settings(max_examples=100, deadline=None)
@given(for_type(Question))
def test_every_question_kind_round_trips(q: Question) -> None:
    assert codec.decode(codec.encode(q), Question) == q


# --- schema evolution ---------------------------------------------------------------------


class ChangeV2(msgspec.Struct, kw_only=True):
    """What a newer protocol might send: the v1 fields plus new ones."""

    change_id: str
    client_seq: int
    entity: str
    entity_id: str
    field: str
    value: object = None
    hlc: str
    base_hlc: str | None = None
    device_model: str = "Galaxy A12"
    tags: list[str] = msgspec.field(default_factory=lambda: ["new"])


def test_an_old_decoder_reads_a_message_with_an_added_field() -> None:
    fields: dict[str, Any] = dict(
        change_id="c1",
        client_seq=1,
        entity="answer",
        entity_id="i/q",
        field="value",
        value="yes",
        hlc="000000000000001-00000-d",
    )
    old = codec.decode(codec.encode(ChangeV2(**fields)), sync.Change)
    assert old == sync.Change(**fields)


def test_a_newer_pull_page_with_extra_fields_everywhere_still_decodes() -> None:
    raw = (
        b'{"changes":[{"seq":1,"entity":"site","entity_id":"s","field":"name","value":"Ch\xe1\xbb\xa3",'
        b'"hlc":"000000000000001-00000-server","shard":7}],"cursor":1,"has_more":false,"next_poll_ms":500}'
    )
    page = codec.decode(raw, sync.PullPage)
    assert page.cursor == 1 and page.changes[0].value == "Chợ"
    assert page.scope is None  # a server older than the scope token: the device never re-pulls


def test_an_added_field_with_a_default_reads_old_messages() -> None:
    old = codec.encode(sync.PushReply(acked_seq=3, results=[], cursor=9))
    assert codec.decode(old, sync.PushReply).server_time_ms is None


class ChangeResultBefore20261130(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``ChangeResult`` as apps from before 2026-11-30 decode it (no ``messages``)."""

    change_id: str
    status: str
    reason: str | None = None
    code: str | None = None
    conflict: bool = False
    original_status: str | None = None


class PushReplyBefore20261130(msgspec.Struct, kw_only=True):
    acked_seq: int
    results: list[ChangeResultBefore20261130]
    cursor: int
    server_time_ms: int | None = None


LOCKED = BiText("Biên bản đã duyệt nên bị khóa.", "The inspection is approved and therefore locked.")


def test_a_reason_in_both_languages_travels_structured_and_as_one_text() -> None:
    result = sync.ChangeResult(change_id="c1", status="rejected", reason=LOCKED, code="locked")
    wire = msgspec.json.decode(codec.encode(result))
    assert wire["messages"] == {"vi": LOCKED.vi, "en": LOCKED.en}
    assert wire["reason"] == f"{LOCKED.vi} / {LOCKED.en}"
    assert type(result.reason) is str  # plain text, as msgspec encodes it


def test_an_app_from_before_messages_reads_a_new_push_reply_with_its_reason_text() -> None:
    new = sync.PushReply(
        acked_seq=1,
        cursor=5,
        results=[sync.ChangeResult(change_id="c1", status="rejected", reason=LOCKED, code="locked")],
    )
    old = codec.decode(codec.encode(new), PushReplyBefore20261130)
    assert old.results == [
        ChangeResultBefore20261130(
            change_id="c1", status="rejected", reason=f"{LOCKED.vi} / {LOCKED.en}", code="locked"
        )
    ]


def test_a_new_app_reads_a_push_reply_of_a_server_from_before_messages() -> None:
    old = PushReplyBefore20261130(
        acked_seq=1,
        cursor=5,
        results=[
            ChangeResultBefore20261130(change_id="c1", status="rejected", reason="Bị khóa. / Locked.", code="locked")
        ],
    )
    result = codec.decode(codec.encode(old), sync.PushReply).results[0]
    assert (result.reason, result.code, result.messages) == ("Bị khóa. / Locked.", "locked", None)


def test_a_checklist_with_an_unknown_question_kind_gives_a_clear_error() -> None:
    doc = codec.to_builtins(sample_template())
    doc["sections"][1]["questions"][0]["kind"] = "slider"
    with pytest.raises(WireError) as info:
        codec.convert(doc, ChecklistTemplate, "checklist")
    message = str(info.value)
    assert "Unknown question kind 'slider'" in message
    assert "sections[1].questions[0]" in message
    assert "update" in message


def test_a_checklist_with_an_unknown_condition_gives_a_clear_error() -> None:
    doc = codec.to_builtins(sample_template())
    doc["sections"][1]["questions"][5]["relevant_if"] = {"op": "regex", "question": "dorm"}
    with pytest.raises(WireError, match="Unknown relevance condition 'regex'"):
        codec.convert(doc, ChecklistTemplate, "checklist")


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", "Expected `object`"),
        (b'{"protocol": "one", "client_id": "c", "app_version": "1", "changes": []}', "protocol"),
        (b'{"protocol": 1, "client_id": "c", "app_version": "1"}', "changes"),
        (
            b'{"protocol": 1, "client_id": "c", "app_version": "1", "changes": [{"change_id": 5}]}',
            "changes[0].change_id",
        ),
    ],
)
def test_decoding_garbage_gives_a_clear_error_not_a_crash(data: bytes, needle: str) -> None:
    with pytest.raises(WireError) as info:
        codec.decode(data, sync.PushRequest, "push request")
    assert needle in str(info.value)
    assert "push request" in str(info.value)
