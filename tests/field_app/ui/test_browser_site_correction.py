"""Where things are, in a real browser (flet-web app process, headless Chromium, real sync
server): the site correction screen, where "Dùng vị trí của tôi" has no GPS in a browser and
says so, the typed coordinates are saved with the workers and contact, and the correction
reaches the server's registry (remembering it came from this device); and the position asked
for when an inspection starts, typed because the browser has none. Screenshots at 412x915."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.app_process import app_syncing_on_demand
from tests.support.browser import app_in_chromium, log_in, retype, screenshot
from tests.support.server_process import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 20_000
DISTRICT = "H. Phú Bình"


def _words(text: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(word) for word in text.split()))


def _see(page: Page, text: str, timeout: int = WAIT) -> None:
    pattern = _words(text)
    expect(page.get_by_text(pattern).or_(page.get_by_label(pattern)).first).to_be_visible(timeout=timeout)


def _server_site(server: ServerProcess) -> dict:
    token = server.token("an", "an-secret-1")
    r = httpx.get(f"{server.base_url}/api/v1/sites/site-1", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    site: dict = r.json()
    return site


def test_site_correction_falls_back_to_typed_coordinates_and_reaches_the_server(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app_location"
    server = start_server(tmp_path)
    server.create_user("an", "an-secret-1", "inspector", [DISTRICT])
    server.add_site_and_sample_checklist(tmp_path, DISTRICT)
    try:
        with app_in_chromium(app_syncing_on_demand(server.base_url, tmp_path), shots) as page:
            _walk(page, server, shots)
    finally:
        server.stop()


def _walk(page: Page, server: ServerProcess, shots: Path) -> None:
    expect(page.get_by_role("textbox", name="Tên đăng nhập")).to_be_visible(timeout=WAIT)
    log_in(page, "an", "an-secret-1")
    page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click(timeout=WAIT)
    page.get_by_role("button", name=re.compile("Nhà máy Một")).click(timeout=WAIT)
    # the site's page offers the correction screen
    page.get_by_role("button", name="Sửa thông tin cơ sở").click(timeout=WAIT)
    expect(page.get_by_role("textbox", name="Vĩ độ")).to_be_visible(timeout=WAIT)
    screenshot(page, shots, "01-site-correction-empty")
    # "use my position": the browser has no GPS, so the app says so and the boxes stay for typing
    page.get_by_role("button", name="Dùng vị trí của tôi").click()
    _see(page, "Máy này không lấy được vị trí GPS: hãy nhập vĩ độ và kinh độ.")
    screenshot(page, shots, "02-no-gps-type-it")
    retype(page.get_by_role("textbox", name="Số lao động"), "1250")
    retype(page.get_by_role("textbox", name="Người liên hệ"), "Chị Hoa")
    retype(page.get_by_role("textbox", name="Điện thoại"), "0912345678")
    retype(page.get_by_role("textbox", name="Vĩ độ"), "21,5936")
    retype(page.get_by_role("textbox", name="Kinh độ"), "305,8")
    page.get_by_role("button", name="Lưu thay đổi").click()
    _see(page, "Kinh độ phải trong khoảng -180 đến 180.")
    screenshot(page, shots, "03-bad-longitude-refused")
    retype(page.get_by_role("textbox", name="Kinh độ"), "105,8425")
    page.get_by_role("button", name="Lưu thay đổi").click()
    # back on the site's page with the new values
    _see(page, "Vị trí cơ sở: 21,5936; 105,8425")
    _see(page, "Số lao động: 1.250")
    _see(page, "Liên hệ: Chị Hoa · 0912345678")
    screenshot(page, shots, "04-site-corrected")
    # an inspection started in the browser asks for its position: typed here
    page.get_by_role("button", name=re.compile("Bắt đầu kiểm tra")).first.click()
    _see(page, "Chưa ghi được vị trí lúc bắt đầu kiểm tra.")
    screenshot(page, shots, "05-start-position-asked")
    boxes = page.get_by_role("group", name=re.compile("^Tọa độ nơi kiểm tra"))
    retype(boxes.get_by_role("textbox", name="Vĩ độ"), "21,594")
    retype(boxes.get_by_role("textbox", name="Kinh độ"), "105,843")
    boxes.get_by_role("button", name="Lưu vị trí").click()
    _see(page, "Vị trí lúc bắt đầu: 21,594; 105,843")
    screenshot(page, shots, "06-start-position-saved")
    # sync: the registry on the server has the correction, from this device
    page.get_by_role("button", name=re.compile("Đồng bộ")).first.click()
    _see(page, "Không có thay đổi chờ gửi", timeout=40_000)
    site = _server_site(server)
    assert site["workers"] == 1250 and site["contact"]["name"] == "Chị Hoa"
    assert site["location"]["lat"] == 21.5936 and site["location"]["lon"] == 105.8425
    assert site["location"]["source"] == "typed"
