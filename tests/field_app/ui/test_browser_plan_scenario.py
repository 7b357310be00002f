"""Issue 14's scenario in a real browser: a supervisor plans a campaign over a district's
factories with two teams in the console's plan form; the inspector's phone pulls it, the home
screen lists it offline, the visit is made with the server stopped and synced; the plan's
coverage page shows 1 visited and the rest pending; the supervisor gives the failed visit a
follow-up from its console page, and it reaches the phone. Screenshots of each step go to
test-artifacts/field_app/screens/plan-*.png (the phone) and plan-console-*.png (the console)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.field_app.ui.test_browser_flows import WAIT, _in, _prepare_server, _see, _sign
from tests.support.app_process import AppProcess, app_syncing_on_demand
from tests.support.browser import (
    app_in_chromium,
    choose,
    console_log_in,
    enable_semantics,
    log_in,
    plan_sites_by_filters,
    retype,
    screenshot,
)
from tests.support.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]


SUPERVISOR_PASSWORD = "giám sát đi kiểm tra chợ"
PLAN_NAME = "Kiểm tra phòng dịch nhà máy Phổ Yên"
DESK = {"width": 1366, "height": 900}


def _supervisor(server: ServerProcess) -> httpx.Client:
    token = server.token("binh", SUPERVISOR_PASSWORD)
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _desk_shot(page: Page, shots: Path, name: str) -> None:
    """A full-page screenshot of a console page, beside the phone's (``<shots>/screens``)."""
    (shots / "screens").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "screens" / f"{name}.png"), full_page=True)


def _console(browser: Any, server: ServerProcess) -> Page:
    """A desk-sized page of the web console, signed in as the supervisor ``binh``."""
    page: Page = browser.new_page(viewport=DESK, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    console_log_in(page, server.base_url, "binh", SUPERVISOR_PASSWORD)
    return page


def _plan_in_console(browser: Any, server: ServerProcess, shots: Path, made: dict[str, str]) -> None:
    """The supervisor plans the district's factories with two teams in the console's form."""
    page = _console(browser, server)
    try:
        page.get_by_role("link", name="Kế hoạch", exact=True).click()
        page.get_by_role("link", name="Lập kế hoạch mới").click()
        page.get_by_label("Tên đợt kiểm tra").fill(PLAN_NAME)
        plan_sites_by_filters(page, "TX Phổ Yên", "DN_SX")
        expect(page.locator("#preview")).to_contain_text("Sẽ lập 2 việc kiểm tra", timeout=WAIT)
        page.locator("input[name=team1_name]").fill("Đoàn 1")
        page.locator("select[name=team1_lead]").select_option("an")
        page.locator("input[name=team2_name]").fill("Đoàn 2")
        page.locator("select[name=team2_lead]").select_option("cuong")
        _desk_shot(page, shots, "plan-console-1-form")
        page.get_by_role("button", name="Lưu kế hoạch").click()
        expect(page.locator(".flash")).to_contain_text("Đã lưu kế hoạch", timeout=WAIT)
        expect(page.locator("#n-planned")).to_have_text("2")
        expect(page.locator("#by-team")).to_contain_text("Đoàn 2")
        _desk_shot(page, shots, "plan-console-2-saved")
        made["url"] = page.url
        made["id"] = page.url.rstrip("/").rsplit("/", 1)[-1]
    finally:
        page.close()


def test_a_planned_visit_made_offline_counts_in_coverage_and_its_follow_up_reaches_the_phone(
    tmp_path: Path, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "field_app"
    server = _prepare_server(tmp_path)
    app = app_syncing_on_demand(server.base_url, tmp_path)
    plan: dict[str, str] = {}
    try:
        with app_in_chromium(
            app, shots, failure="plan-failure", before=lambda browser: _plan_in_console(browser, server, shots, plan)
        ) as page:
            with _supervisor(server) as http:
                detail = http.get(f"/api/v1/plans/{plan['id']}").json()
            teams = {a["document"]["site_code"]: a["document"]["team_name"] for a in detail["assignments"]}
            assert teams == {"DN-001": "Đoàn 1", "DN-002": "Đoàn 2"}  # split evenly between the two teams
            _scenario(page, server, app, shots, plan["url"])
    finally:
        server.stop()


def _scenario(page: Page, server: ServerProcess, app: AppProcess, shots: Path, plan_url: str) -> None:
    expect(page.get_by_role("textbox", name="Địa chỉ máy chủ")).to_be_visible(timeout=WAIT)
    log_in(page, "an", "an-secret-1")
    todo = _in(page, "Việc cần làm")
    expect(todo).to_be_visible(timeout=WAIT)
    tile = todo.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))
    expect(tile).to_be_visible(timeout=WAIT)
    expect(tile).to_have_accessible_name(re.compile(r"Phổ Yên.*Đoàn: Đoàn 1.*Hạn 31/08/2999", re.S))
    expect(todo.get_by_role("button", name=re.compile("Nhà máy Gạch"))).to_have_count(0)  # the other team's
    expect(page.get_by_role("button", name="Kiểm tra ngoài kế hoạch")).to_be_visible()
    screenshot(page, shots, "plan-01-home-todo")
    page.get_by_role("button", name="English").click()
    todo_en = _in(page, "To do")
    expect(todo_en.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_have_accessible_name(
        re.compile(r"Team: Đoàn 1.*Due 31/08/2999 · Planned", re.S), timeout=WAIT
    )
    expect(page.get_by_role("button", name="Inspect outside the plan")).to_be_visible()
    screenshot(page, shots, "plan-01b-home-todo-english")
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(_in(page, "Việc cần làm")).to_be_visible(timeout=WAIT)

    # the server goes away, and the app is restarted: the list is still there
    server.stop()
    app.stop()
    app.start()
    page.reload()
    enable_semantics(page)
    tile = _in(page, "Việc cần làm").get_by_role("button", name=re.compile("Công ty May Phổ Yên"))
    expect(tile).to_be_visible(timeout=WAIT)
    _see(page, "Ngoại tuyến")
    screenshot(page, shots, "plan-02-home-todo-offline")

    # the visit, offline: a failing result (no critical item failed)
    tile.click()
    expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
    retype(_in(page, "Tổng số người lao động").get_by_role("textbox").first, "850")
    retype(_in(page, "Người phụ trách").get_by_role("textbox"), "Lê Văn Cường")
    _see(page, "Đã trả lời 2/12")
    page.get_by_role("button", name="Phần tiếp").click()
    expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
    choose(_in(page, "Có Tổ an toàn COVID-19?").get_by_role("radio", name="Có", exact=True))
    choose(_in(page, "Đo thân nhiệt tại cổng?").get_by_role("radio", name="Không", exact=True))
    choose(_in(page, "Tỷ lệ đeo khẩu trang").get_by_role("radio", name="80–99%", exact=True))
    choose(_in(page, "Có dấu hiệu găm hàng?").get_by_role("radio", name="Có", exact=True))
    choose(_in(page, "Có ký túc xá?").get_by_role("radio", name="Không", exact=True))
    expect(page.get_by_text(re.compile(r"Kết quả tạm tính: Không đạt"))).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Phần tiếp").click()
    expect(page.get_by_text("Phần 3/3")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Hoàn tất").first.click()
    retype(_in(page, "Chữ ký đại diện cơ sở").get_by_role("textbox", name="Họ tên người ký"), "Lê Văn Cường")
    _sign(page, "Chữ ký đại diện cơ sở")
    _see(page, "Đã đủ thông tin: có thể nộp.")
    page.get_by_role("button", name="Nộp biên bản").click()
    _see(page, "Đã nộp. Biên bản sẽ được gửi khi đồng bộ.")
    page.get_by_role("button", name="Trang chủ").click()
    todo = _in(page, "Việc cần làm")
    expect(todo.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_have_count(0, timeout=WAIT)
    _see(page, "Không còn việc được giao.")
    screenshot(page, shots, "plan-03-home-after-visit-offline")

    # the server comes back: sync, and the plan's coverage counts the visit
    server.start()
    page.get_by_role("button", name="Đồng bộ").click()
    _see(page, "Không có thay đổi chờ gửi")
    console = _console(page.context.browser, server)
    try:
        console.goto(plan_url)
        expect(console.locator("#n-planned")).to_have_text("2")
        expect(console.locator("#n-visited")).to_have_text("1")
        expect(console.locator("#n-pending")).to_have_text("1")
        expect(console.locator("#pending-sites")).to_contain_text("DN-002")
        expect(console.locator("#pending-sites")).not_to_contain_text("DN-001")
        _desk_shot(console, shots, "plan-console-3-coverage")
        # the failed visit's page gives a follow-up visit in one step
        console.locator("#all-assignments").get_by_role("link", name="Mở").click()
        expect(console.locator("h1")).to_contain_text("Công ty May Phổ Yên")
        expect(console.get_by_text("Không đạt").first).to_be_visible()
        console.get_by_role("button", name="Giao kiểm tra lại").click()
        expect(console.locator(".flash")).to_contain_text("Đã giao việc kiểm tra lại")
        expect(console.locator(".follow-up")).to_contain_text("Đoàn 1")
        expect(console.get_by_role("button", name="Giao kiểm tra lại")).to_have_count(0)  # one is enough
        _desk_shot(console, shots, "plan-console-4-follow-up")
    finally:
        console.close()
    page.get_by_role("button", name="Đồng bộ").click()
    tile = _in(page, "Việc cần làm").get_by_role("button", name=re.compile("Công ty May Phổ Yên"))
    expect(tile).to_be_visible(timeout=WAIT)
    expect(tile).to_have_accessible_name(re.compile("Kiểm tra lại"))
    screenshot(page, shots, "plan-04-home-follow-up")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, shots, "plan-05-home-follow-up-desktop")
