"""The biên bản rendered on the device, offline, with the server's renderer (record_pdf): on a
device that never reaches a server, and against a real server process (on SQLite and on
PostgreSQL) the text of the phone's PDF is the text of the server's PDF for the same record."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from field_app.core.models import AppError
from field_app.core.services import AppServices
from record_pdf.settings import RecordSettings
from sync_server.core import record_settings
from sync_server.reports.inspection_pdf import server_record_settings
from tests.field_app.e2e import World, site_id, sync_ok, world_on_engine
from tests.field_app.helpers import complete_answers, fake_session, png_bytes, seed, site_fields
from tests.reports.poppler import require_poppler
from tests.support.sample_checklist import sample_template


def pdf_text(pdf: bytes, path: Path) -> str:
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def image_count(pdf: bytes, path: Path) -> int:
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return len(listing.strip().splitlines()) - 2


def fill_record(app: AppServices, site: str) -> str:
    iid = app.start_inspection(site, "sample-factory", kind="unannounced")
    app.add_photo(iid, "overview", png_bytes(5, 40, 30))
    assert app.set_answer_value(iid, "manager", "Bà Nguyễn Thị Lan") is None
    assert app.set_note(iid, "team", "Tổ có 5 người, có quyết định thành lập") is None
    assert app.set_header(iid, "findings", "Cơ sở chấp hành tốt; cần bổ sung sổ theo dõi.") is None
    assert app.set_header(iid, "representative", {"name": "Ông Trần Văn Bình", "title": "Giám đốc"}) is None
    complete_answers(app, iid)  # signed last: the signature binds the content
    return iid


def test_the_device_renders_the_record_offline_with_its_answers(tmp_path):
    require_poppler()
    app = AppServices.open(tmp_path / "device")  # its server (127.0.0.1:9) is never reachable
    try:
        fake_session(app)
        seed(app, [sample_template(1)], {"s1": site_fields("DN-001", "Công ty May Hà Nội")})
        iid = fill_record(app, "s1")
        pdf = app.record_pdf(iid)
        assert pdf.startswith(b"%PDF")
        text = re.sub(r"\s+", " ", pdf_text(pdf, tmp_path / "r.pdf"))
        for expected in (
            "BIÊN BẢN KIỂM TRA",
            "SỞ CÔNG THƯƠNG",
            "Công ty May Hà Nội",
            "Bà Nguyễn Thị Lan",
            "Tổ có 5 người",
            "Ông Trần Văn Bình",
            "Đột xuất",
            "Cơ sở chấp hành tốt",
        ):
            assert expected in text, expected
        assert image_count(pdf, tmp_path / "i.pdf") == 2  # the photo and the signature, from the device
        assert "(ảnh chưa có" not in text
        english = re.sub(r"\s+", " ", pdf_text(app.record_pdf(iid, lang="en"), tmp_path / "e.pdf"))
        assert "INSPECTION RECORD" in english and "Unannounced" in english
        saved = app.save_record_pdf(iid)
        assert saved.name == f"bien-ban-{iid}.pdf" and saved.read_bytes().startswith(b"%PDF")
        assert saved.parent == app.data_dir / "records"
        with pytest.raises(AppError) as err:
            app.record_pdf("no-such-inspection")
        assert err.value.code == "not_found"
    finally:
        app.close()


def test_an_unconfigured_server_prints_the_record_header_a_device_prints():
    record_settings.configure()
    device = RecordSettings(on_device=True)
    assert server_record_settings() == dataclasses.replace(device, on_device=False)


def test_a_configured_server_prints_its_own_agency_and_place():
    try:
        record_settings.configure(agency_parent="UBND TỈNH BẮC KẠN", agency_name="SỞ CT", place_name="Bắc Kạn")
        printed = server_record_settings()
        assert (printed.agency_parent, printed.agency_name, printed.place_name) == (
            "UBND TỈNH BẮC KẠN",
            "SỞ CT",
            "Bắc Kạn",
        )
        assert printed.on_device is False
    finally:
        record_settings.configure()


@pytest.fixture(params=["sqlite", "postgres"])
def server_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A real server process on each storage engine the server supports."""
    with world_on_engine(request.param, tmp_path_factory.mktemp(f"record-{request.param}"), "sync_record") as world:
        yield world


@pytest.mark.slow
def test_the_phones_record_reads_exactly_as_the_servers(server_world: World, tmp_path):
    world = server_world
    require_poppler()
    phone = world.device("record-a", "an")
    iid = fill_record(phone, site_id(phone, "DN-001"))
    assert phone.submit(iid).ok
    sync_ok(phone)
    sync_ok(phone)
    number = phone.get_inspection(iid).header.record_number
    assert number  # given by the server on first submission, pulled back
    for lang in ("vi", "en"):
        with world.api("an") as http:
            r = http.get(f"/api/v1/inspections/{iid}/report.pdf", params={"lang": lang})
        assert r.status_code == 200, r.text
        server_pdf, phone_pdf = r.content, phone.record_pdf(iid, lang=lang)
        server_text = pdf_text(server_pdf, tmp_path / f"server-{lang}.pdf")
        phone_text = pdf_text(phone_pdf, tmp_path / f"phone-{lang}.pdf")
        assert number in phone_text
        assert phone_text == server_text
        assert image_count(phone_pdf, tmp_path / "pi.pdf") == image_count(server_pdf, tmp_path / "si.pdf") == 2
    assert phone.record_file_name(iid) == f"bien-ban-{number.replace('/', '-')}.pdf"


@pytest.mark.slow
def test_a_record_signed_on_the_phone_with_a_corrective_action_is_accepted_and_matches_on_both_pdfs(world, tmp_path):
    """The phone signs the content with its corrective action (bb2); through a real sync the
    server computes the same digest, accepts the submission, and both PDFs print the action
    and the signature as matching."""
    import datetime as dt

    from shared_schema import actions as action_rules

    require_poppler()
    phone = world.device("record-action", "an")
    iid = fill_record(phone, site_id(phone, "DN-001"))
    assert phone.set_answer_value(iid, "temp_check", "no") is None
    deadline = (action_rules.viet_nam_today() + dt.timedelta(days=10)).isoformat()
    action_id = phone.add_action(iid, "temp_check", "Đặt máy đo thân nhiệt ở cổng", deadline)
    assert isinstance(action_id, str)
    phone.add_finding_photo(action_id, png_bytes(7, 40, 30))
    signature = phone.store_blob(png_bytes(98))
    assert phone.set_answer_value(iid, "sig_rep", {"sha256": signature, "name": "Ông B"}) is None
    signed = phone.get_inspection(iid).answers["sig_rep"].value
    assert signed["digest"].startswith("bb2:")
    assert phone.submit(iid).ok
    sync_ok(phone)
    sync_ok(phone)
    assert phone.get_inspection(iid).header.record_number  # accepted: numbered by the server
    with world.api("an") as http:
        r = http.get(f"/api/v1/inspections/{iid}/report.pdf")
    assert r.status_code == 200, r.text
    server_text = re.sub(r"\s+", " ", pdf_text(r.content, tmp_path / "server.pdf"))
    phone_text = re.sub(r"\s+", " ", pdf_text(phone.record_pdf(iid), tmp_path / "phone.pdf"))
    assert phone_text == server_text
    assert "Đặt máy đo thân nhiệt ở cổng" in server_text
    assert "Khớp nội dung đã ký" in server_text and "Nội dung đã đổi sau khi ký" not in server_text


def test_a_photo_the_device_does_not_hold_is_said_to_be_missing_here(tmp_path):
    require_poppler()
    app = AppServices.open(tmp_path / "device")
    try:
        fake_session(app)
        seed(app, [sample_template(1)], {"s1": site_fields("DN-001", "Công ty May Hà Nội")})
        iid = app.start_inspection("s1", "sample-factory")
        sha = app.add_photo(iid, "overview", png_bytes(6, 20, 20))
        (app.data_dir / "blobs" / sha[:2] / sha).unlink()  # as if taken on another phone, not fetched yet
        text = re.sub(r"\s+", " ", pdf_text(app.record_pdf(iid), tmp_path / "m.pdf"))
        assert "(ảnh chưa có trên máy này)" in text and "máy chủ" not in text
    finally:
        app.close()
