"""The signed record holds as evidence: locked on submit, numbered by the server, signatures
bound to content, an append-only revision history, and discarding a draft (PROTOCOL.md §6).
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from shared_schema import evidence
from shared_schema.protocol import answer_entity_id
from shared_schema.records import answer_from_fields
from shared_schema.sync import Change, PushReply
from sync_server.console.inspection_view import build_view
from sync_server.core import (
    actions,
    auth,
    dashboard_query,
    inspection_export,
    inspections,
    record_settings,
    revisions,
    sync_service,
)
from sync_server.core.access import SYSTEM
from sync_server.core.config import ConfigError, from_env
from sync_server.core.template_store import pinned_template
from sync_server.http.app import create_app
from sync_server.reports.inspection_pdf import render_inspection_pdf, signature_states
from sync_server.reports.report_data import report_data
from tests.reports.poppler import require_poppler
from tests.support.downloads import assert_one_filename
from tests.sync_server.conftest import DISTRICT_A, PASSWORD, World, _db_path, copy_seed, drop_copy, make_config
from tests.sync_server.helpers import Device, complete_answers, sha


def push(world: World, user: str, device: Device, changes: list[Any]) -> PushReply:
    return sync_service.push(world.server.db, world.actor(user), device.request(changes))


def codes(reply: PushReply) -> list[str | None]:
    return [r.code if r.status == "rejected" else r.status for r in reply.results]


def held(world: World, iid: str) -> dict[tuple[str, str, str], Any]:
    """Every value the server holds for one inspection (its header, answers and conflicts); a
    null is no value (a refused first write is re-stamped as null, PROTOCOL.md §4)."""
    with world.server.db.read() as tx:
        rows = tx.query("SELECT entity, entity_id, field, value FROM feed WHERE inspection_id = ?", (iid,))
    decoded = {(r[0], r[1], r[2]): msgspec.json.decode(r[3]) for r in rows}
    return {k: v for k, v in decoded.items() if v is not None}


def index_row(world: World, iid: str) -> tuple[Any, ...]:
    with world.server.db.read() as tx:
        return tuple(tx.one("SELECT * FROM inspections WHERE id = ?", (iid,)))


def current_digest(world: World, iid: str, version: str = evidence.DIGEST_VERSION) -> str:
    """The digest of what the server holds now (header, answers and the inspection's actions),
    by the shared function (what a device computes)."""
    values = held(world, iid)
    header = {k[2]: v for k, v in values.items() if k[0] == "inspection"}
    fields: dict[str, dict[str, Any]] = {}
    for (entity, entity_id, field), value in values.items():
        if entity == "answer":
            fields.setdefault(entity_id.partition("/")[2], {})[field] = value
    answers = {q: answer_from_fields(iid, q, f) for q, f in fields.items()}
    with world.server.db.read() as tx:
        template = pinned_template(tx, header["template_id"], header["template_version"])
        held_actions = actions.inspection_actions(tx, iid)
    return evidence.content_digest(
        header, answers, evidence.signature_question_ids(template), held_actions, version=version
    )


def sign(
    world: World,
    dev: Device,
    iid: str,
    name: str = "Trần Thị Bình",
    seed: str = "sig",
    version: str = evidence.DIGEST_VERSION,
) -> Change:
    """The representative's signature answer, bound to the content the server holds now
    (``version="bb1"``: as an app from before action records signs)."""
    digest = current_digest(world, iid, version)
    return dev.answer(iid, "sig_rep", {"sha256": sha(seed.encode()), "name": name, "digest": digest})


def drafted(world: World, dev: Device, user: str = "insp_a") -> str:
    iid, create = dev.start_inspection(world.site_a)
    reply = push(world, user, dev, [*create, *complete_answers(dev, iid, sha(b"sig"))])
    assert set(codes(reply)) == {"applied"}
    return iid


def submitted(world: World, dev: Device, user: str = "insp_a") -> str:
    iid = drafted(world, dev, user)
    reply = push(world, user, dev, [sign(world, dev, iid), dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["applied", "applied"], reply
    return iid


# --- locked on submit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        lambda d, i: d.answer(i, "workers", 5),
        lambda d, i: d.answer(i, "manager", "ghi chú thêm", field="note"),
        lambda d, i: d.change("inspection", i, "findings", "Thêm nội dung sau khi nộp"),
        lambda d, i: d.change("inspection", i, "team", [{"name": "Người khác"}]),
        lambda d, i: d.answer(i, "sig_rep", {"sha256": sha(b"again"), "name": "Ký lại"}),
        lambda d, i: d.change("inspection", i, "signatures", [{"role": "rep", "name": "X", "sha256": sha(b"x")}]),
        lambda d, i: d.change("inspection", i, "status", "draft"),
        lambda d, i: d.change("inspection", i, "status", "discarded"),
    ],
    ids=["answer", "note", "findings", "team", "signature answer", "header signatures", "back to draft", "discard"],
)
def test_a_push_to_a_submitted_record_is_rejected_locked_and_changes_nothing(world: World, edit: Any) -> None:
    dev = Device()
    iid = submitted(world, dev)
    values, row = held(world, iid), index_row(world, iid)
    reply = push(world, "insp_a", dev, [edit(dev, iid)])
    assert codes(reply) == ["locked"]
    reason = reply.results[0].reason or ""
    assert "giám sát viên trả lại" in reason and "ask the supervisor to return it first" in reason
    assert held(world, iid) == values
    assert index_row(world, iid) == row
    assert revisions.history(world.server.db, world.actor("sup"), iid) == []


def test_a_supervisor_pushing_from_a_device_is_locked_out_too(world: World) -> None:
    dev = Device()
    iid = submitted(world, dev)
    sup_device = Device()
    reply = push(world, "sup", sup_device, [sup_device.answer(iid, "workers", 7)])
    assert codes(reply) == ["locked"]


def test_a_returned_record_reopens_and_its_changes_are_kept_in_the_history(world: World) -> None:
    dev = Device()
    iid = submitted(world, dev)
    number = held(world, iid)[("inspection", iid, "record_number")]
    inspections.review(world.server.db, world.actor("sup"), iid, "return", "Số lao động chưa đúng")
    edit = push(world, "insp_a", dev, [dev.answer(iid, "workers", 130)])
    assert codes(edit) == ["applied"]
    # the content changed after the signature: submitting now is refused until it is signed again
    stale = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert codes(stale) == ["stale_signature"]
    assert "Trần Thị Bình" in (stale.results[0].reason or "")
    resubmit = push(world, "insp_a", dev, [sign(world, dev, iid), dev.change("inspection", iid, "status", "submitted")])
    assert codes(resubmit) == ["applied", "applied"]
    after = held(world, iid)
    assert after[("inspection", iid, "status")] == "submitted"
    assert after[("inspection", iid, "record_number")] == number  # kept, not renumbered
    history = revisions.history(world.server.db, world.actor("sup"), iid)
    changed = [(h.entity, h.field, h.old_value, h.new_value, h.reason) for h in history]
    assert changed[0] == ("inspection", "status", "submitted", "returned", "review")
    assert ("answer", "value", 120, 130, "push") in changed
    assert changed[-1] == ("inspection", "status", "returned", "submitted", "push")
    signature_rows = [h for h in history if h.entity_id == answer_entity_id(iid, "sig_rep")]
    assert len(signature_rows) == 1 and signature_rows[0].client_id == dev.client_id
    assert all(h.user for h in history) and history[0].user == "sup"
    # the history is append-only: a second return adds to it, nothing is rewritten
    inspections.review(world.server.db, world.actor("sup"), iid, "return", "Thêm ảnh cổng")
    again = revisions.history(world.server.db, world.actor("sup"), iid)
    assert again[: len(history)] == history and again[-1].new_value == "returned"
    # the pull feed stays compacted: one row per field, the value now, however long the history
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a"), 0, 1000, 1))
    workers = [c["value"] for c in page["changes"] if c["entity_id"] == answer_entity_id(iid, "workers")]
    statuses = [c["value"] for c in page["changes"] if (c["entity_id"], c["field"]) == (iid, "status")]
    assert (workers, statuses) == ([130], ["returned"])


def test_nothing_before_the_first_submission_is_history(world: World) -> None:
    dev = Device()
    iid = drafted(world, dev)
    push(world, "insp_a", dev, [dev.answer(iid, "workers", 99)])
    assert revisions.history(world.server.db, world.actor("admin"), iid) == []


def test_history_endpoint_follows_the_inspections_access_rules(api: tuple[TestClient, World]) -> None:
    client, world = api
    dev = Device()
    iid = submitted(world, dev)
    client.post(
        f"/api/v1/inspections/{iid}/review",
        json={"decision": "return", "comment": "Bổ sung"},
        headers=world.headers("sup"),
    )
    for user in ("insp_a", "sup", "admin"):
        r = client.get(f"/api/v1/inspections/{iid}/history", headers=world.headers(user))
        assert r.status_code == 200, r.text
        assert [(h["field"], h["new_value"], h["reason"]) for h in r.json()] == [("status", "returned", "review")]
    assert client.get(f"/api/v1/inspections/{iid}/history", headers=world.headers("insp_b")).status_code == 404
    assert client.get(f"/api/v1/inspections/{iid}/history").status_code == 401
    assert client.get("/api/v1/inspections/nope/history", headers=world.headers("admin")).status_code == 404


# --- record number ------------------------------------------------------------------------


def test_the_server_numbers_records_on_first_submission_in_order(world: World) -> None:
    dev = Device()
    first, second = submitted(world, dev), submitted(world, dev)
    draft = drafted(world, dev)
    year = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).year
    assert held(world, first)[("inspection", first, "record_number")] == "1/BB-SCT"
    assert held(world, second)[("inspection", second, "record_number")] == "2/BB-SCT"
    assert ("inspection", draft, "record_number") not in held(world, draft)
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT last_seq FROM record_counters WHERE year = ?", (year,)) == 2
    # it reaches devices by pull, and the console lists it
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a"), 0, 1000, 1))
    pulled = {c["entity_id"]: c["value"] for c in page["changes"] if c["field"] == "record_number"}
    assert pulled == {first: "1/BB-SCT", second: "2/BB-SCT"}
    listed = inspections.list_inspections(world.server.db, world.actor("sup"), status="submitted")
    assert {i.id: i.record_number for i in listed.items} == {first: "1/BB-SCT", second: "2/BB-SCT"}


def test_a_device_cannot_write_the_record_number(world: World) -> None:
    dev = Device()
    iid = drafted(world, dev)
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "record_number", "99/BB-SCT")])
    assert codes(reply) == ["not_permitted"]
    assert ("inspection", iid, "record_number") not in held(world, iid)


def test_numbers_restart_each_local_year_and_follow_the_format_setting(world: World) -> None:
    # 31 Dec 2025 17:30 UTC is 1 Jan 2026 00:30 in Viet Nam: the first number of 2026
    new_year = dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.UTC)
    before = dt.datetime(2025, 12, 31, 16, 30, tzinfo=dt.UTC)
    try:
        record_settings.configure("{seq:03d}/{year}/BB-SCT")
        with world.server.db.write() as tx:
            assert revisions.next_record_number(tx, before) == ("001/2025/BB-SCT", 2025, 1)
            assert revisions.next_record_number(tx, new_year) == ("001/2026/BB-SCT", 2026, 1)
            assert revisions.next_record_number(tx, before) == ("002/2025/BB-SCT", 2025, 2)
    finally:
        record_settings.configure()


@pytest.mark.parametrize(
    "fmt", ["BB-SCT", "{year}/BB", "{seq}/{place}", "{seq", "{0}/BB", "{seq}/BB\r\nSCT", "{seq}\t/BB"]
)
def test_a_record_number_format_without_seq_or_with_unknown_fields_is_refused(fmt: str) -> None:
    with pytest.raises(ValueError):
        record_settings.check_record_number_format(fmt)


# The record's settings as an operator writes them (docs/CONFIGURATION.md): a district office's
# header and place, and record numbers with letters outside ASCII, a space and a slash.
RECORD_ENV = {
    "SYNC_RECORD_NUMBER_FORMAT": "Số {seq:02d}/BB-ĐKT",
    "SYNC_AGENCY_PARENT": "UBND HUYỆN PHÚ BÌNH",
    "SYNC_AGENCY_NAME": "PHÒNG KINH TẾ - HẠ TẦNG",
    "SYNC_PLACE_NAME": "Phú Bình",
}
SOME_SERVER = {"SYNC_DATABASE_URL": "sqlite:///unused.db", "SYNC_SECRET_KEY": "k"}


@pytest.mark.parametrize("fmt", ["{seq}/BB\nSCT", "BB-SCT"])
def test_a_bad_record_number_format_stops_the_server_from_starting(fmt: str) -> None:
    with pytest.raises(ConfigError, match="SYNC_RECORD_NUMBER_FORMAT"):
        from_env({**SOME_SERVER, "SYNC_RECORD_NUMBER_FORMAT": fmt})


@pytest.fixture
def dkt_api(seed_dir: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    """A server started with ``RECORD_ENV``, on a copy of the seed database."""
    configured = from_env({**SOME_SERVER, **RECORD_ENV})
    copy_seed(seed_dir, tmp_path)
    config = make_config(
        tmp_path,
        record_number_format=configured.record_number_format,
        agency_parent=configured.agency_parent,
        agency_name=configured.agency_name,
        place_name=configured.place_name,
    )
    app = create_app(config, extra_route_handlers=[])
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield (
                client,
                World(app.state.server, _db_path(tmp_path), seed_dir[1], site_a="site-a", site_b="site-b"),
            )
    finally:
        record_settings.configure()  # the settings are per process: the next test starts from the defaults
        drop_copy(seed_dir, tmp_path)


def test_the_record_number_reaches_the_pdf_its_file_name_and_the_export_after_a_revision(
    dkt_api: tuple[TestClient, World], tmp_path: Path
) -> None:
    """Through the HTTP API, from the database: the server's number "Số 01/BB-ĐKT" names the
    PDF (ASCII-safe, RFC 6266 ``filename*``), is printed on it with the configured agency header and place, the
    inspector's and the team's full names and the "revised" line, and fills the export's
    column; the supervisor's return comment is on neither."""
    require_poppler()
    client, world = dkt_api
    auth.create_user(world.server.db, SYSTEM, "nva", PASSWORD, "inspector", [DISTRICT_A], full_name="Nguyễn Văn An")
    token = auth.login(world.server.db, world.server.auth, "nva", PASSWORD).access_token
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    # as the app sends them (a member's title in ``role``); ``kind`` left unset reads as periodic
    team = [{"name": "Phạm Quốc Khánh", "role": "Trưởng đoàn"}, {"name": "Đỗ Thị Lan", "role": "Thành viên"}]
    draft = [
        *create,
        *complete_answers(dev, iid, sha(b"sig")),
        dev.change("inspection", iid, "team", team),
        dev.change("inspection", iid, "completed_at", "2026-03-02T03:30:00Z"),
    ]
    assert set(codes(push(world, "nva", dev, draft))) == {"applied"}
    first = push(world, "nva", dev, [sign(world, dev, iid), dev.change("inspection", iid, "status", "submitted")])
    assert codes(first) == ["applied", "applied"]
    comment = "Ghi lại số lao động theo sổ tháng 5"
    inspections.review(world.server.db, world.actor("sup"), iid, "return", comment)
    assert codes(push(world, "nva", dev, [dev.answer(iid, "workers", 125)])) == ["applied"]
    again = push(
        world, "nva", dev, [sign(world, dev, iid, seed="sig2"), dev.change("inspection", iid, "status", "submitted")]
    )
    assert codes(again) == ["applied", "applied"]
    number = "Số 01/BB-ĐKT"
    assert held(world, iid)[("inspection", iid, "record_number")] == number

    pdf = client.get(f"/api/v1/inspections/{iid}/report.pdf", headers={"Authorization": f"Bearer {token}"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert_one_filename(pdf.headers["content-disposition"], "bien-ban-So-01-BB-DKT.pdf")
    (tmp_path / "record.pdf").write_bytes(pdf.content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "record.pdf"), "-"], capture_output=True)
    text = re.sub(r"\s+", " ", out.stdout.decode("utf-8"))
    for expected in (
        "UBND HUYỆN PHÚ BÌNH",
        "PHÒNG KINH TẾ - HẠ TẦNG",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"Số: {number}",
        "Phú Bình, ngày 02 tháng 3 năm 2026",  # 03:30 UTC is 10:30 in Viet Nam
        "Nguyễn Văn An",
        "Phạm Quốc Khánh - Trưởng đoàn",
        "Đỗ Thị Lan - Thành viên",
        "sửa đổi sau lần nộp đầu tiên",
        "Khớp nội dung đã ký",  # signed again on the revised content
    ):
        assert expected in text, f"{expected!r} missing from the record: {text}"
    assert comment not in text and "nva" not in text.split()

    export = client.get("/api/v1/exports/inspections.csv", headers=world.headers("sup"))
    assert export.status_code == 200
    assert_one_filename(export.headers["content-disposition"], "inspections.csv")
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    rows = [dict(zip(lines[1], line, strict=True)) for line in lines[2:]]
    [row] = [r for r in rows if r["inspection_id"] == iid]
    assert (row["record_number"], row["inspector"]) == (number, "Nguyễn Văn An")


# --- signatures bound to content ----------------------------------------------------------


def test_a_signature_taken_on_other_content_blocks_submission_and_changes_nothing(world: World) -> None:
    dev = Device()
    iid = drafted(world, dev)
    signed = sign(world, dev, iid)
    push(world, "insp_a", dev, [signed, dev.answer(iid, "manager", "Người khác")])
    values, row = held(world, iid), index_row(world, iid)
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["stale_signature"]
    assert held(world, iid)[("inspection", iid, "status")] == "draft"
    assert {k: v for k, v in held(world, iid).items() if k[2] != "status"} == {
        k: v for k, v in values.items() if k[2] != "status"
    }
    assert index_row(world, iid) == row


def test_a_stale_header_signature_blocks_submission_too(world: World) -> None:
    dev = Device()
    iid = drafted(world, dev)
    old = current_digest(world, iid)
    push(
        world,
        "insp_a",
        dev,
        [
            dev.change("inspection", iid, "findings", "Đã kiểm tra toàn bộ nhà xưởng."),
            dev.change(
                "inspection",
                iid,
                "signatures",
                [{"role": "lead", "name": "Phạm Quốc Khánh", "sha256": sha(b"l"), "digest": old}],
            ),
        ],
    )
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["stale_signature"] and "Phạm Quốc Khánh" in (reply.results[0].reason or "")


def test_a_signature_without_a_digest_from_an_older_app_is_accepted_as_unbound(world: World) -> None:
    dev = Device()
    iid = drafted(world, dev)  # complete_answers signs without a digest
    assert codes(push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])) == ["applied"]


# --- corrective actions are signed content (bb2) ------------------------------------------

SOON = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date() + dt.timedelta(days=14)


def new_action(dev: Device, iid: str, aid: str = "hanh-dong-1", description: str = "Lắp điểm rửa tay") -> list[Change]:
    return [
        dev.change("action", aid, "inspection_id", iid),
        dev.change("action", aid, "question_id", "masks"),
        dev.change("action", aid, "description", description),
        dev.change("action", aid, "deadline", SOON.isoformat()),
    ]


def signature_state_everywhere(world: World, iid: str) -> tuple[str, str, str]:
    """The representative's signature as the console page, the PDF's data loader and the
    printed record read it."""
    sup = world.actor("sup")
    detail = inspections.get_inspection(world.server.db, sup, iid)
    with world.server.db.read() as tx:
        template = pinned_template(tx, detail.summary.template_id or "", detail.summary.template_version or 0)
    [console] = [g.state for g in build_view(detail, template, "vi").signatures]
    data = report_data(world.server, sup, iid)
    [pdf] = signature_states(data).values()
    printed = re.sub(r"\s+", " ", _pdf_text(render_inspection_pdf(data, lang="vi")))
    labels = {k: v.vi for k, v in evidence.SIGNATURE_STATE_LABELS.items()}
    [shown] = [state for state, label in labels.items() if label in printed]
    return console, pdf, shown


def _pdf_text(pdf: bytes) -> str:
    require_poppler()
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def test_an_action_added_after_signing_blocks_submission_until_signed_again(world: World) -> None:
    """The audit's scenario: the representative signs, an action is added, then submitted."""
    dev = Device()
    iid = drafted(world, dev)
    assert codes(push(world, "insp_a", dev, [sign(world, dev, iid)])) == ["applied"]
    assert codes(push(world, "insp_a", dev, new_action(dev, iid))) == ["applied"] * 4
    assert signature_state_everywhere(world, iid) == ("stale", "stale", "stale")
    values, row = held(world, iid), index_row(world, iid)
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["stale_signature"] and "Trần Thị Bình" in (reply.results[0].reason or "")
    assert held(world, iid)[("inspection", iid, "status")] == "draft"
    assert {k: v for k, v in held(world, iid).items() if k[2] != "status"} == {
        k: v for k, v in values.items() if k[2] != "status"
    }
    assert index_row(world, iid) == row
    again = push(
        world, "insp_a", dev, [sign(world, dev, iid, seed="sig2"), dev.change("inspection", iid, "status", "submitted")]
    )
    assert codes(again) == ["applied", "applied"]
    assert signature_state_everywhere(world, iid) == ("matches", "matches", "matches")


@pytest.mark.parametrize(
    ("field", "value"),
    [("description", "Lắp điểm rửa tay và xà phòng"), ("deadline", None), ("finding_photos", ["d" * 64])],
    ids=["description", "deadline", "finding photos"],
)
def test_an_action_changed_after_signing_blocks_submission(world: World, field: str, value: Any) -> None:
    dev = Device()
    iid = drafted(world, dev)
    assert set(codes(push(world, "insp_a", dev, new_action(dev, iid)))) == {"applied"}
    assert codes(push(world, "insp_a", dev, [sign(world, dev, iid)])) == ["applied"]
    assert signature_state_everywhere(world, iid) == ("matches", "matches", "matches")
    if field == "deadline":
        value = (SOON + dt.timedelta(days=7)).isoformat()
    assert codes(push(world, "insp_a", dev, [dev.change("action", "hanh-dong-1", field, value)])) == ["applied"]
    assert signature_state_everywhere(world, iid) == ("stale", "stale", "stale")
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["stale_signature"]
    # what the site did since (who answers for it, the fix) is not signed content
    later = push(world, "insp_a", dev, [dev.change("action", "hanh-dong-1", "responsible_name", "Lê Văn Cường")])
    assert codes(later) == ["applied"]
    again = push(
        world, "insp_a", dev, [sign(world, dev, iid, seed="sig2"), dev.change("inspection", iid, "status", "submitted")]
    )
    assert codes(again) == ["applied", "applied"]


def test_the_submission_check_sees_the_actions_as_the_same_push_leaves_them(world: World) -> None:
    dev = Device()
    iid = drafted(world, dev)
    assert set(codes(push(world, "insp_a", dev, new_action(dev, iid)))) == {"applied"}
    signed = sign(world, dev, iid)
    # changed after the signature in the same push: refused
    changed = dev.change("action", "hanh-dong-1", "description", "Mô tả khác")
    reply = push(world, "insp_a", dev, [signed, changed, dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["applied", "applied", "stale_signature"]
    # an action made in the push and signed with it (as the device computes it): accepted
    other = Device()
    iid2 = drafted(world, other)
    made = new_action(other, iid2, aid="hanh-dong-2")
    values = held(world, iid2)
    header = {k[2]: v for k, v in values.items() if k[0] == "inspection"}
    answers = {
        q: answer_from_fields(iid2, q, {k[2]: v for k, v in values.items() if k[1] == f"{iid2}/{q}"})
        for q in {k[1].partition("/")[2] for k in values if k[0] == "answer"}
    }
    fields = {c.field: c.value for c in made}
    with world.server.db.read() as tx:
        template = pinned_template(tx, "sample-factory", 1)
    digest = evidence.content_digest(
        header, answers, evidence.signature_question_ids(template), [{"id": "hanh-dong-2", **fields}]
    )
    signature = other.answer(iid2, "sig_rep", {"sha256": sha(b"sig"), "name": "Trần Thị Bình", "digest": digest})
    reply = push(world, "insp_a", other, [*made, signature, other.change("inspection", iid2, "status", "submitted")])
    assert codes(reply) == ["applied"] * 6
    # after the submission the finding is fixed: a change later in the same push is refused
    third = Device()
    iid3 = drafted(world, third)
    assert set(codes(push(world, "insp_a", third, new_action(third, iid3, aid="hanh-dong-3")))) == {"applied"}
    signed3, submit3 = sign(world, third, iid3), third.change("inspection", iid3, "status", "submitted")
    late = third.change("action", "hanh-dong-3", "description", "Sửa sau khi nộp")
    reply = push(world, "insp_a", third, [signed3, submit3, late])
    assert codes(reply) == ["applied", "applied", "locked"]
    assert signature_state_everywhere(world, iid3) == ("matches", "matches", "matches")


def test_an_older_app_s_signature_does_not_cover_actions_and_keeps_matching(world: World) -> None:
    """A bb1 digest (no prefix) was taken on the header and answers only: an action added or
    changed after it leaves it matching, as it did before action records were content."""
    dev = Device()
    iid = drafted(world, dev)
    old = sign(world, dev, iid, version="bb1")
    assert ":" not in old.value["digest"]
    assert set(codes(push(world, "insp_a", dev, [old, *new_action(dev, iid)]))) == {"applied"}
    changed = dev.change("action", "hanh-dong-1", "description", "Mô tả khác")
    assert codes(push(world, "insp_a", dev, [changed])) == ["applied"]
    assert signature_state_everywhere(world, iid) == ("matches", "matches", "matches")
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["applied"]
    # but an answer changed after it still makes it stale (its old content)
    inspections.review(world.server.db, world.actor("sup"), iid, "return", "Sửa số lao động")
    assert codes(push(world, "insp_a", dev, [dev.answer(iid, "workers", 121)])) == ["applied"]
    assert signature_state_everywhere(world, iid) == ("stale", "stale", "stale")


def test_an_older_app_s_corrective_action_text_signed_on_the_device_matches_the_mirrored_action(world: World) -> None:
    """An answer's ``corrective_action``/``due_date`` becomes the action "{inspection}:{item}" on
    the server; a device that signed before pulling it computed the same content."""
    dev = Device()
    iid = drafted(world, dev)
    text = dev.answer(iid, "masks", "Phát khẩu trang miễn phí", field="corrective_action")
    due = dev.answer(iid, "masks", SOON.isoformat(), field="due_date")
    values = held(world, iid)
    header = {k[2]: v for k, v in values.items() if k[0] == "inspection"}
    answers = {
        q: answer_from_fields(iid, q, {k[2]: v for k, v in values.items() if k[1] == f"{iid}/{q}"})
        for q in {k[1].partition("/")[2] for k in values if k[0] == "answer"}
    }
    answers["masks"] = msgspec.structs.replace(
        answers["masks"], corrective_action="Phát khẩu trang miễn phí", due_date=SOON.isoformat()
    )
    with world.server.db.read() as tx:
        template = pinned_template(tx, "sample-factory", 1)
    digest = evidence.content_digest(header, answers, evidence.signature_question_ids(template))  # no action yet
    signature = dev.answer(iid, "sig_rep", {"sha256": sha(b"sig"), "name": "Trần Thị Bình", "digest": digest})
    reply = push(world, "insp_a", dev, [text, due, signature, dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["applied"] * 4
    with world.server.db.read() as tx:
        assert [a.id for a in actions.inspection_actions(tx, iid)] == [f"{iid}:masks"]
    assert signature_state_everywhere(world, iid) == ("matches", "matches", "matches")


def test_the_action_mirrored_from_an_answer_keeps_the_answer_s_text_so_the_record_prints_what_was_signed(
    world: World,
) -> None:
    """While an answer holds a corrective action, the action "{inspection}:{item}" reads it in
    the signed content; a later write to that action's description or deadline is put back to
    the answer's, so the PDF never prints another text under a signature that matches."""
    dev = Device()
    iid = drafted(world, dev)
    text = "Phát khẩu trang miễn phí"
    reply = push(
        world,
        "insp_a",
        dev,
        [
            dev.answer(iid, "masks", text, field="corrective_action"),
            dev.answer(iid, "masks", SOON.isoformat(), field="due_date"),
        ],
    )
    assert codes(reply) == ["applied", "applied"]
    assert codes(push(world, "insp_a", dev, [sign(world, dev, iid)])) == ["applied"]
    mirrored = f"{iid}:masks"
    later = (SOON + dt.timedelta(days=3)).isoformat()
    reply = push(
        world,
        "insp_a",
        dev,
        [
            dev.change("action", mirrored, "description", "Một nội dung khác"),
            dev.change("action", mirrored, "deadline", later),
        ],
    )
    assert codes(reply) == ["applied", "applied"]
    with world.server.db.read() as tx:
        [action] = actions.inspection_actions(tx, iid)
    assert (action.id, action.description, action.deadline) == (mirrored, text, SOON.isoformat())
    assert signature_state_everywhere(world, iid) == ("matches", "matches", "matches")
    # a finding photo is the action's own: added after signing, it makes the signature stale
    photo = dev.change("action", mirrored, "finding_photos", ["d" * 64])
    assert codes(push(world, "insp_a", dev, [photo])) == ["applied"]
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert codes(reply) == ["stale_signature"]


# --- discarding a draft -------------------------------------------------------------------


def test_a_discarded_draft_leaves_the_lists_and_cannot_be_revived(world: World) -> None:
    dev = Device()
    kept, gone = drafted(world, dev), drafted(world, dev)
    assert codes(push(world, "insp_a", dev, [dev.change("inspection", gone, "status", "discarded")])) == ["applied"]
    for user in ("insp_a", "sup", "admin"):
        listed = inspections.list_inspections(world.server.db, world.actor(user))
        assert [i.id for i in listed.items] == [kept] and "discarded" not in listed.counts
    assert [
        i.id for i in inspections.list_inspections(world.server.db, world.actor("admin"), status="discarded").items
    ] == [gone]
    assert inspections.list_inspections(world.server.db, world.actor("sup"), status="discarded").items == []
    values = held(world, gone)
    for change in (
        dev.change("inspection", gone, "status", "draft"),
        dev.change("inspection", gone, "status", "submitted"),
        dev.answer(gone, "workers", 3),
    ):
        reply = push(world, "insp_a", dev, [change])
        assert codes(reply) == ["locked"] and "không khôi phục được" in (reply.results[0].reason or "")
    assert held(world, gone) == values
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM record_counters") == 0  # a discarded draft takes no number


def test_a_discarded_draft_leaves_the_exports_and_the_dashboard_even_when_drafts_are_asked_for(world: World) -> None:
    dev = Device()
    kept, gone = drafted(world, dev), drafted(world, dev)
    admin = world.actor("admin")
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert dashboard_query.figures(world.server.db, admin, [], 30, today).status_counts == {"draft": 2}
    assert codes(push(world, "insp_a", dev, [dev.change("inspection", gone, "status", "discarded")])) == ["applied"]
    exported = inspection_export.select_for_export(world.server.db, admin, {}, include_drafts=True)
    assert exported.inspection_ids == [kept]
    asked = inspection_export.select_for_export(world.server.db, admin, {"status": "discarded"})
    assert asked.inspection_ids == [gone]  # an admin who asks for them still finds them
    assert dashboard_query.figures(world.server.db, admin, [], 30, today).status_counts == {"draft": 1}


def test_a_record_submitted_once_cannot_be_discarded_even_when_returned(world: World) -> None:
    dev = Device()
    iid = submitted(world, dev)
    inspections.review(world.server.db, world.actor("sup"), iid, "return", "Sửa lại")
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "discarded")])
    assert codes(reply) == ["locked"] and "1/BB-SCT" in (reply.results[0].reason or "")
    assert held(world, iid)[("inspection", iid, "status")] == "returned"


# --- a supervisor's own changes -----------------------------------------------------------


def test_a_supervisor_resolving_a_conflict_by_the_other_value_changes_a_submitted_record_with_history(
    api: tuple[TestClient, World],
) -> None:
    client, world = api
    a, b = Device(), Device()
    iid = drafted(world, a)
    b.apply_pull(msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a2"), 0, 1000, 1)))
    push(world, "insp_a", a, [a.answer(iid, "masks", "most")])  # a's later edit wins …
    push(
        world,
        "insp_a2",
        b,
        [
            b.answer(
                iid,
                "masks",
                "all",
            )
        ],
    )  # … b's concurrent one is logged
    submitted_reply = push(
        world, "insp_a", a, [sign(world, a, iid), a.change("inspection", iid, "status", "submitted")]
    )
    assert codes(submitted_reply) == ["applied", "applied"]
    [conflict] = inspections.get_inspection(world.server.db, world.actor("sup"), iid).conflicts
    kept_value = held(world, iid)[("answer", answer_entity_id(iid, "masks"), "value")]
    other = conflict.entry.loser_value
    assert {kept_value, other} == {"most", "all"}
    assert (
        client.post(f"/api/v1/conflicts/{conflict.id}/resolve?keep=bogus", headers=world.headers("sup")).status_code
        == 422
    )
    r = client.post(f"/api/v1/conflicts/{conflict.id}/resolve?keep=loser", headers=world.headers("sup"))
    assert r.status_code == 200, r.text
    after = held(world, iid)
    assert after[("answer", answer_entity_id(iid, "masks"), "value")] == other
    assert after[("inspection", iid, "score")] == (100.0 if other == "all" else 85.0)
    [revision] = client.get(f"/api/v1/inspections/{iid}/history", headers=world.headers("insp_a")).json()
    assert (revision["old_value"], revision["new_value"], revision["user"], revision["reason"]) == (
        kept_value,
        other,
        "sup",
        "resolution",
    )
    # devices get the supervisor's value by pull; the record's signature no longer matches it
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a"), 0, 1000, 1))
    pulled = {(c["entity_id"], c["field"]): c["value"] for c in page["changes"]}
    assert pulled[(answer_entity_id(iid, "masks"), "value")] == other
    assert current_digest(world, iid) != after[("answer", answer_entity_id(iid, "sig_rep"), "value")]["digest"]
