"""'Xem lịch sử cũ' in a real browser (flet-web app process, headless Chromium, real sync server
behind a proxy that can go down): a new phone holds the latest three approved inspections of a
site; offline the button says the older history needs a connection; online it fetches all five.
Screenshots at 412x915 (online and offline) and 1280x800."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from shared_schema import protocol
from tests.support.app_process import app_syncing_on_demand
from tests.support.browser import app_in_chromium, log_in, screenshot
from tests.support.proxy import FaultProxy
from tests.support.server_process import ServerProcess, start_server, upload_blob
from tests.sync_server.helpers import Device, complete_answers, png_bytes, sha

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 20_000
DISTRICT = "H. Phú Bình"
COUNT = protocol.BOUNDED_LATEST_PER_SITE + 2


def _approved_history(server: ServerProcess) -> None:
    """Five inspections of site-1 by another inspector, submitted and approved."""
    token = server.token("binh", "giám sát đi kiểm tra chợ")
    sup = server.token("chi", "mây trắng qua đèo")
    signature = png_bytes(seed=3)
    upload_blob(server.base_url, token, signature)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        dev = Device()
        for _ in range(COUNT):
            iid, create = dev.start_inspection("site-1")
            changes = [*create, *complete_answers(dev, iid, sha(signature))]
            changes.append(dev.change("inspection", iid, "status", "submitted"))
            r = http.post("/api/v1/sync/push", json=dev.body(changes), headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
            r = http.post(
                f"/api/v1/inspections/{iid}/review",
                json={"decision": "approve"},
                headers={"Authorization": f"Bearer {sup}"},
            )
            assert r.status_code == 200, r.text


def test_site_history_says_it_needs_a_connection_offline_and_fetches_online(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app_site_history"
    server = start_server(tmp_path)
    server.create_user("an", "an-secret-1", "inspector", [DISTRICT])
    server.create_user("binh", "giám sát đi kiểm tra chợ", "inspector", [DISTRICT])
    server.create_user("chi", "mây trắng qua đèo", "supervisor", [DISTRICT])
    server.add_site_and_sample_checklist(tmp_path, DISTRICT)
    _approved_history(server)
    proxy = FaultProxy(server.port)
    try:
        with app_in_chromium(app_syncing_on_demand(proxy.url, tmp_path), shots) as page:
            _walk(page, proxy, shots)
    finally:
        proxy.close()
        server.stop()


def _shown(page: Page, text: str) -> Locator:
    """Text on the screen, alone or inside a group's accessible name."""
    pattern = re.compile(re.escape(text))
    return page.get_by_text(pattern).or_(page.get_by_label(pattern)).first


def _past(page: Page) -> int:
    return page.get_by_role("button", name=re.compile(r"Đã duyệt")).count()


def _walk(page: Page, proxy: FaultProxy, shots: Path) -> None:
    expect(page.get_by_role("textbox", name="Tên đăng nhập")).to_be_visible(timeout=WAIT)
    log_in(page, "an", "an-secret-1")
    page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click(timeout=WAIT)
    page.get_by_role("button", name=re.compile(r"Nhà máy Một\s+DN-1")).click(timeout=WAIT)
    button = page.get_by_role("button", name="Xem lịch sử cũ")
    expect(button).to_be_visible(timeout=WAIT)
    held = _past(page)
    proxy.go_down()
    button.click()
    message = _shown(page, "Xem lịch sử cũ cần kết nối mạng")
    expect(message).to_be_visible(timeout=WAIT)
    button.scroll_into_view_if_needed()
    screenshot(page, shots, "01-site-history-offline")
    proxy.come_up()
    button.click()
    loaded = _shown(page, f"Đã tải {COUNT} lần kiểm tra")
    expect(loaded).to_be_visible(timeout=WAIT)
    button.scroll_into_view_if_needed()
    screenshot(page, shots, "02-site-history-online")
    assert held == protocol.BOUNDED_LATEST_PER_SITE, held
    assert _past(page) == COUNT
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(loaded).to_be_visible(timeout=WAIT)
    button.scroll_into_view_if_needed()
    screenshot(page, shots, "03-site-history-online-desktop")
