"""A draft moves to a new checklist version in a real browser: the app (a real ``python -m
field_app`` process in headless Chromium) pulls a draft made on another phone and a newer
version of its checklist from a real server, shows "Có phiên bản mới của bảng kiểm" on the
draft, lists what the move drops in a confirmation, moves the draft offline and syncs; the
server then holds the new draft and the old one discarded with its link. Screenshots of the
banner and the confirmation at 412x915 go to test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import msgspec
import pytest
from playwright.sync_api import Page, expect

from field_app.core.services import AppServices
from tests.field_app.e2e import SITES, site_id, sync_ok
from tests.support.app_process import AppProcess
from tests.support.browser import chromium_browser, open_flet_app, screenshot
from tests.support.changed_checklist import changed_template
from tests.support.sample_checklist import sample_template
from tests.support.server_process import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 20_000
PASSWORD = "an-secret-1"


def _publish(server: ServerProcess, tmp_path: Path, template: object, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(msgspec.json.encode(template))
    result = server.cli("load-checklist", "--publish", str(path))
    assert result.returncode == 0, result.stderr or result.stdout


def _prepare(tmp_path: Path) -> tuple[ServerProcess, str]:
    server = start_server(tmp_path)
    server.create_user("an", PASSWORD, "inspector", ["Phổ Yên"])
    _publish(server, tmp_path, sample_template(1), "v1.json")
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "code,name,kind,district,address\n" + "".join(f"{c},{n},{k},Phổ Yên,\n" for c, n, k in SITES),
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
    _publish(server, tmp_path, changed_template(2), "v2.json")
    return server, draft


def _header(server: ServerProcess, inspection_id: str) -> dict:
    token = server.token("an", PASSWORD)
    r = httpx.get(
        f"{server.base_url}/api/v1/inspections/{inspection_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return dict(r.json()["header"])


def test_a_draft_moves_to_the_new_checklist_version_in_the_browser(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app"
    server, draft = _prepare(tmp_path)
    app = AppProcess(
        server.base_url, tmp_path / "device", tmp_path / "app.log", extra_env={"FIELD_APP_SYNC_INTERVAL": "0"}
    )
    try:
        app.start()
        with chromium_browser() as browser:
            page = open_flet_app(browser, app.url)
            try:
                _move(page, server, draft, shots)
            except Exception:
                screenshot(page, shots, "move-failure")
                print(page.locator("body").aria_snapshot())
                print(app.log_tail())
                raise
    finally:
        app.stop()
        server.stop()


def _move(page: Page, server: ServerProcess, draft: str, shots: Path) -> None:
    page.get_by_role("textbox", name="Tên đăng nhập").fill("an")
    page.get_by_role("textbox", name="Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Chọn cơ sở để kiểm tra")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name=re.compile("Công ty May Phổ Yên")).first.click()
    expect(page.get_by_text("Có phiên bản mới của bảng kiểm")).to_be_visible(timeout=WAIT)
    screenshot(page, shots, "move-1-banner")
    page.get_by_role("button", name="Chuyển sang phiên bản mới").click()
    expect(page.get_by_text("Chuyển sang phiên bản 2?")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Sẽ bị bỏ:")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Người phụ trách \(câu trả lời\): Câu hỏi không còn"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Tổng số người lao động \(câu trả lời\)"))).to_be_visible()
    expect(page.get_by_text("Cần trả lời trên phiên bản mới:")).to_be_visible()
    expect(page.get_by_text("• Nhà xưởng được thông gió?")).to_be_visible()
    screenshot(page, shots, "move-2-confirm")
    page.get_by_role("button", name="Chuyển", exact=True).click()
    # the new draft is open: no banner, the kept answer is there
    expect(page.get_by_text("Có phiên bản mới của bảng kiểm")).to_have_count(0, timeout=WAIT)
    expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
    screenshot(page, shots, "move-3-new-draft")
    page.get_by_role("button", name=re.compile("Quay lại|Trở về")).first.click()
    expect(page.get_by_role("button", name="Đồng bộ")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Đồng bộ").click()
    expect(page.get_by_text("Không có thay đổi chờ gửi")).to_be_visible(timeout=WAIT)
    old = _header(server, draft)
    assert old["status"] == "discarded"
    new = _header(server, old["migrated_to"])
    assert new["status"] == "draft" and new["template_version"] == 2
    # one draft in the home list: the moved one
    expect(page.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_have_count(1)
