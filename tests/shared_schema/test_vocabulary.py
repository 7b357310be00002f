"""The protocol's words are defined once in ``shared_schema`` and used by name on both sides:
rejection and problem codes, limits, image types, composite ids, site fields, bilingual text."""

from __future__ import annotations

import ast
import copy
import pickle
import re
from pathlib import Path

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from shared_schema import protocol
from shared_schema.errors import Code, FieldProblem, Problem
from shared_schema.records import SITE_FIELDS, Site
from shared_schema.sync import ChangeResult
from shared_schema.text import BiText, LocalText, join_bitexts, local_text

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_DOC = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")


def _section_10() -> str:
    start = PROTOCOL_DOC.index("## 10. ")
    return PROTOCOL_DOC[start : PROTOCOL_DOC.index("\n## ", start + 1)]


def _literal_codes(source: str) -> set[str]:
    """String constants the server gives as a ``code``: ``code=`` arguments (but a site's or a
    unit's own code), a ``Rejection``'s first argument, a push problem's last argument and
    ``code = "..."`` assignments."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in ("Site", "SiteInput", "Unit"):
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        found.add(kw.value.value)
            if name == "Rejection" and node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
            if name == "_problem" and len(node.args) >= 4 and isinstance(node.args[3], ast.Constant):
                found.add(node.args[3].value)
        assigns_code = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "code" for t in node.targets
        )
        if assigns_code and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.add(node.value.value)
    return found


def test_every_code_the_server_writes_as_a_string_is_a_member_of_the_code_enum() -> None:
    known = {c.value for c in Code}
    strays: dict[str, list[str]] = {}
    for path in sorted((ROOT / "sync_server").rglob("*.py")):
        for code in _literal_codes(path.read_text(encoding="utf-8")) - known - {"", "vi", "en"}:
            strays.setdefault(code, []).append(str(path.relative_to(ROOT)))
    assert strays == {}, "add these codes to shared_schema.errors.Code (and docs/PROTOCOL.md §10)"


def test_every_code_is_listed_in_protocol_section_10_and_every_listed_code_exists() -> None:
    section = _section_10()
    table = {m.group(1) for m in re.finditer(r"^\| `([a-z0-9_]+)` \|", section, re.M)}
    assert table, "docs/PROTOCOL.md §10 has no table of codes"
    assert sorted({c.value for c in Code} - table) == [], "codes missing from docs/PROTOCOL.md §10"
    assert sorted(table - {c.value for c in Code}) == [], "docs/PROTOCOL.md §10 lists codes that do not exist"


def test_protocol_code_constants_are_the_enum_members() -> None:
    assert protocol.SEQUENCE_GAP is Code.SEQUENCE_GAP
    assert protocol.CLIENT_NOT_YOURS is Code.CLIENT_NOT_YOURS
    assert protocol.CLIENT_REREGISTER is Code.CLIENT_REREGISTER
    assert msgspec.json.encode(ChangeResult(change_id="c", status="rejected", code=Code.LOCKED)) == (
        b'{"change_id":"c","status":"rejected","code":"locked"}'
    )


def test_both_sides_cap_blobs_at_the_protocol_limit_and_know_the_same_images() -> None:
    from field_app.core import blobs as app_blobs
    from sync_server.core import blobs as server_blobs
    from sync_server.core.config import ServerConfig, from_env

    assert app_blobs.MAX_BLOB_BYTES == protocol.MAX_BLOB_BYTES
    assert ServerConfig.__dataclass_fields__["max_blob_bytes"].default == protocol.MAX_BLOB_BYTES
    assert from_env({"SYNC_SECRET_KEY": "k" * 32}).max_blob_bytes == protocol.MAX_BLOB_BYTES
    assert from_env({"SYNC_SECRET_KEY": "k" * 32, "SYNC_MAX_BLOB_BYTES": "1024"}).max_blob_bytes == 1024
    samples = {
        "image/jpeg": b"\xff\xd8\xff\xe0" + bytes(12),
        "image/png": b"\x89PNG\r\n\x1a\n" + bytes(8),
        "image/webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    }
    assert sorted(samples) == sorted(protocol.IMAGE_MEDIA_TYPES)
    for media_type, head in samples.items():
        assert app_blobs.media_type_of(head) == server_blobs.media_type_of(head) == media_type
    for other in (b"GIF89a" + bytes(10), b"%PDF-1.7", b"RIFF\x00\x00\x00\x00WAVE", b""):
        assert app_blobs.media_type_of(other) is server_blobs.media_type_of(other) is None


ids = st.text(alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=20)


@given(ids, ids)
def test_an_answer_id_names_its_inspection_and_question(inspection_id: str, question_id: str) -> None:
    entity_id = protocol.answer_entity_id(inspection_id, question_id)
    assert protocol.split_answer_entity_id(entity_id) == (inspection_id, question_id)
    assert protocol.question_of_answer(entity_id) == question_id
    assert protocol.inspection_of("answer", entity_id) == inspection_id
    assert protocol.inspection_of("inspection", inspection_id) == inspection_id
    assert protocol.inspection_of("site", inspection_id) is None
    assert protocol.inspection_of("action", entity_id) is None


def test_a_malformed_answer_id_belongs_to_no_inspection() -> None:
    for bad in ("no-slash", "/q1", "i1/"):
        assert protocol.inspection_of("answer", bad) is None


def test_site_fields_are_the_record_fields_divided_between_device_and_server() -> None:
    assert tuple(f for f in Site.__struct_fields__ if f != "id") == SITE_FIELDS
    assert protocol.SITE_DEVICE_FIELDS.isdisjoint(protocol.SITE_SERVER_FIELDS)
    assert set(SITE_FIELDS) == protocol.SITE_DEVICE_FIELDS | protocol.SITE_SERVER_FIELDS


# --- bilingual text --------------------------------------------------------------------------


@given(st.text(min_size=1), st.text(min_size=1))
def test_a_bilingual_message_reads_as_before_and_keeps_both_languages(vi: str, en: str) -> None:
    message = BiText(vi, en)
    assert message == f"{vi} / {en}"
    assert (message.get("vi"), message.get("en")) == (vi, en)
    assert local_text(message) == LocalText(vi, en)
    for copied in (pickle.loads(pickle.dumps(message)), copy.deepcopy(message)):
        assert isinstance(copied, BiText) and (copied.vi, copied.en) == (vi, en)


def test_bilingual_messages_join_in_each_language() -> None:
    row = BiText("Dòng 3: ", "Row 3: ") + BiText("Thiếu tên.", "No name.")
    assert isinstance(row, BiText) and (row.vi, row.en) == ("Dòng 3: Thiếu tên.", "Row 3: No name.")
    both = join_bitexts("; ", [BiText("a", "A"), BiText("b", "B")])
    assert (both.vi, both.en) == ("a; b", "A; B")
    plain = BiText("a", "A") + " tail"
    assert type(plain) is str and plain == "a / A tail"
    assert BiText("chỉ tiếng Việt", "") == "chỉ tiếng Việt"


def test_a_problem_document_carries_detail_and_each_error_in_both_languages() -> None:
    problem = Problem(
        title="Invalid input",
        status=422,
        detail=BiText("Sai.", "Wrong."),
        errors=[FieldProblem(field="name", message=BiText("Thiếu tên.", "No name."))],
    )
    body = msgspec.json.decode(msgspec.json.encode(problem))
    assert body["detail"] == "Sai. / Wrong."
    assert body["messages"] == {"vi": "Sai.", "en": "Wrong."}
    assert body["errors"][0]["message"] == "Thiếu tên. / No name."
    assert body["errors"][0]["messages"] == {"vi": "Thiếu tên.", "en": "No name."}
    plain = msgspec.json.decode(msgspec.json.encode(Problem(title="x", status=400, detail="only one language")))
    assert "messages" not in plain
