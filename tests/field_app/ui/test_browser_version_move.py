"""A draft moves to a new checklist version in a real browser: an admin uploads version 2 as an
XLSForm in the console, sees the one row it cannot express named, uploads the fixed file,
publishes it and retires version 1; the app (a real ``python -m field_app`` process in headless
Chromium) pulls a draft made on another phone and the new version from the real server, shows "Có phiên bản mới của bảng kiểm" on the
draft, lists what the move drops in a confirmation, moves the draft offline; on the new draft
"Xem biên bản (PDF)" renders the record on the device and the browser downloads it; after sync
the server holds the new draft and the old one discarded with its link, and its PDF of the new
draft reads exactly as the one the phone made. Screenshots at 412x915 go to test-artifacts/."""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import httpx
import msgspec
import pytest
from playwright.sync_api import Page, expect

from field_app.core.services import AppServices
from sync_server.core.xlsform import write_xlsform
from tests.field_app.e2e import SITES, site_id, sync_ok
from tests.reports.poppler import require_poppler
from tests.support.app_process import app_syncing_on_demand
from tests.support.browser import app_in_chromium, console_log_in, retype, screenshot
from tests.support.changed_checklist import changed_template
from tests.support.sample_checklist import sample_template
from tests.support.server_process import ServerProcess, start_server
from tests.support.xlsform_files import with_a_calculate_row

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 20_000
PASSWORD = "an-secret-1"
ADMIN_PASSWORD = "ngua-van-chay-doi-9"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _publish(server: ServerProcess, tmp_path: Path, template: object, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(msgspec.json.encode(template))
    result = server.cli("load-checklist", "--publish", str(path))
    assert result.returncode == 0, result.stderr or result.stdout


def _prepare(tmp_path: Path) -> tuple[ServerProcess, str]:
    server = start_server(tmp_path)
    server.create_user("an", PASSWORD, "inspector", ["TX Phổ Yên"])
    _publish(server, tmp_path, sample_template(1), "v1.json")
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "code,name,kind,district,address\n" + "".join(f"{c},{n},{k},TX Phổ Yên,\n" for c, n, k in SITES),
        encoding="utf-8",
    )
    assert server.cli("import-sites", str(sites)).returncode == 0
    # a draft made on the inspector's other phone, on version 1
    other = AppServices.open(tmp_path / "other-phone")
    try:
        other.login(server.base_url, "an", PASSWORD)
        sync_ok(other)
        draft = other.start_inspection(site_id(other, "DN-001"), "sample-factory")
        for qid, value in [("workers", 120), ("team", "yes"), ("manager", "Bà Lan"), ("masks", "all")]:
            assert other.set_answer_value(draft, qid, value) is None
        sync_ok(other)
    finally:
        other.close()
    server.create_user("quan", ADMIN_PASSWORD, "admin", [])
    return server, draft


def _xlsforms() -> tuple[bytes, bytes]:
    """Version 2 as an XLSForm with one row the system cannot express (a calculate row), and the
    same file with that row deleted."""
    good = write_xlsform(changed_template(2))
    return with_a_calculate_row(good), good


def _admin_publishes_version_2(browser: object, server: ServerProcess, shots: Path) -> None:
    """In the console: the XLSForm's unsupported row is named, the fixed file is published as
    version 2, and version 1 is retired (the draft then offers the move as soon as it opens)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    try:
        console_log_in(page, server.base_url, "quan", ADMIN_PASSWORD)
        page.get_by_role("link", name="Bảng kiểm").click()
        bad, good = _xlsforms()
        for content in (bad, good):
            page.locator("input[name=file]").set_input_files(
                files=[{"name": "sample-factory.xlsx", "mimeType": XLSX, "buffer": content}]
            )
            page.get_by_role("button", name="Kiểm tra tệp").click()
            if content is bad:
                row = page.locator("#unsupported-rows tr[data-row='survey!4']")
                expect(row).to_contain_text("so_nguoi_x2", timeout=WAIT)
                screenshot(page, shots, "move-0a-console-unsupported-row")
        expect(page.get_by_role("status")).to_contain_text("Tệp hợp lệ", timeout=WAIT)
        page.get_by_role("button", name="Lưu bản nháp (v2)").click()
        page.wait_for_url("**/console/checklists/sample-factory/2")
        page.get_by_role("button", name="Xuất bản thành phiên bản mới").click()
        expect(page.locator("#template-status")).to_have_text("Đang dùng", timeout=WAIT)
        screenshot(page, shots, "move-0b-console-published")
    finally:
        page.close()
    token = server.token("quan", ADMIN_PASSWORD)
    r = httpx.post(
        f"{server.base_url}/api/v1/templates/sample-factory/versions/1/retire",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text


def _get(server: ServerProcess, path: str) -> httpx.Response:
    token = server.token("an", PASSWORD)
    r = httpx.get(f"{server.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r


def _header(server: ServerProcess, inspection_id: str) -> dict:
    return dict(_get(server, f"/api/v1/inspections/{inspection_id}").json()["header"])


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def test_a_draft_moves_to_the_new_checklist_version_in_the_browser(tmp_path, artifacts_dir):
    require_poppler()
    shots = artifacts_dir / "field_app"
    server, draft = _prepare(tmp_path)
    app = app_syncing_on_demand(server.base_url, tmp_path)
    publish = functools.partial(_admin_publishes_version_2, server=server, shots=shots)
    try:
        with app_in_chromium(app, shots, failure="move-failure", before=publish) as page:
            _move(page, server, draft, shots, tmp_path)
    finally:
        server.stop()


def _move(page: Page, server: ServerProcess, draft: str, shots: Path, tmp_path: Path) -> None:
    expect(page.get_by_role("textbox", name="Địa chỉ máy chủ")).to_be_visible(timeout=WAIT)
    for name, text in (("Tên đăng nhập", "an"), ("Mật khẩu", PASSWORD)):  # typed as a person types
        box = page.get_by_role("textbox", name=name)
        retype(box, text)
        expect(box).to_have_value(text)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Chọn cơ sở để kiểm tra")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name=re.compile("Công ty May Phổ Yên")).first.click()
    expect(page.get_by_text("Có phiên bản mới của bảng kiểm")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(re.compile("Phiên bản 1 đã ngừng dùng"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Người phụ trách \(câu trả lời\)")).first).to_be_visible()  # offered on opening
    screenshot(page, shots, "move-1-banner")
    page.get_by_role("button", name="Chuyển sang phiên bản mới").click()
    expect(page.get_by_text("Chuyển sang phiên bản 2?")).to_be_visible(timeout=WAIT)
    # (the banner behind the dialog says the same: the dialog's line is the last one)
    for text in (
        "Sẽ bị bỏ:",
        re.compile(r"Người phụ trách \(câu trả lời\): Câu hỏi không còn"),
        re.compile(r"Tổng số người lao động \(câu trả lời\)"),
        "Cần trả lời trên phiên bản mới:",
        "• Nhà xưởng được thông gió?",
    ):
        expect(page.get_by_text(text).last).to_be_visible()
    screenshot(page, shots, "move-2-confirm")
    page.get_by_role("button", name="Chuyển", exact=True).click()
    # the new draft is open: no banner, the kept answer is there
    expect(page.get_by_text("Có phiên bản mới của bảng kiểm")).to_have_count(0, timeout=WAIT)
    expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(re.compile("Đã chuyển bản nháp sang phiên bản 2"))).to_be_visible(timeout=WAIT)
    screenshot(page, shots, "move-3-new-draft")
    # the record of the new draft, rendered on the device, downloads in the browser
    page.get_by_role("button", name="Hoàn tất").first.click()
    button = page.get_by_role("button", name="Xem biên bản (PDF)")
    expect(button).to_be_visible(timeout=WAIT)
    screenshot(page, shots, "record-1-complete-screen")
    with page.expect_download(timeout=60_000) as download:
        button.click()
    phone_pdf = tmp_path / "phone.pdf"
    download.value.save_as(phone_pdf)
    assert download.value.suggested_filename.startswith("bien-ban-") and phone_pdf.read_bytes().startswith(b"%PDF")
    expect(page.get_by_text("Đã tạo biên bản (chưa có số: số được cấp khi nộp).")).to_be_visible(timeout=WAIT)
    page.mouse.move(200, 500)
    page.mouse.wheel(0, 3000)  # to the foot of the screen: the message and the button
    page.wait_for_timeout(500)
    screenshot(page, shots, "record-2-made")
    page.set_viewport_size({"width": 1280, "height": 800})  # the same screen on a desktop
    expect(page.get_by_role("button", name="Xem biên bản (PDF)")).to_be_visible(timeout=WAIT)
    screenshot(page, shots, "record-3-desktop")
    page.set_viewport_size({"width": 412, "height": 915})
    page.get_by_role("button", name="Quay lại").first.click()
    expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Quay lại").first.click()
    expect(page.get_by_role("button", name="Đồng bộ")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Đồng bộ").click()
    expect(page.get_by_text("Không có thay đổi chờ gửi")).to_be_visible(timeout=WAIT)
    old = _header(server, draft)
    assert old["status"] == "discarded"
    new = _header(server, old["migrated_to"])
    assert new["status"] == "draft" and new["template_version"] == 2
    server_pdf = tmp_path / "server.pdf"
    server_pdf.write_bytes(_get(server, f"/api/v1/inspections/{old['migrated_to']}/report.pdf").content)
    phone_text = _text(phone_pdf)
    assert "BIÊN BẢN KIỂM TRA" in phone_text and "Công ty May Phổ Yên" in phone_text
    assert phone_text == _text(server_pdf)
    # one draft in the home list: the moved one
    expect(page.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_have_count(1)
