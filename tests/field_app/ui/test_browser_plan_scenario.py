"""Issue 14's scenario in a real browser: a supervisor plans a campaign over a district's
factories with two teams; the inspector's phone pulls it, the home screen lists it offline,
the visit is made with the server stopped and synced; the plan's coverage shows 1 visited and
the rest pending; the failed visit gets a follow-up that reaches the phone. (The console's plan
form and follow-up button are driven in tests/console; here the supervisor uses the API.)
Screenshots go to test-artifacts/field_app/plan-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.field_app.ui.test_browser_flows import WAIT, _in, _prepare_server, _see, _sign
from tests.support.app_process import AppProcess, app_syncing_on_demand
from tests.support.browser import app_in_chromium, enable_semantics, retype, screenshot
from tests.support.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _supervisor(server: ServerProcess) -> httpx.Client:
    token = server.token("binh", "giám sát đi kiểm tra chợ")
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _plan(server: ServerProcess) -> dict:
    body = {
        "name": "Kiểm tra phòng dịch nhà máy Phổ Yên",
        "template_id": "sample-factory",
        "window_from": "2021-08-01",
        "window_to": "2999-08-31",
        "teams": [{"name": "Đoàn 1", "lead": "an"}, {"name": "Đoàn 2", "lead": "cuong"}],
        "sites": {"district": "TX Phổ Yên", "kind": "DN_SX"},
    }
    with _supervisor(server) as http:
        r = http.post("/api/v1/plans", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_planned_visit_made_offline_counts_in_coverage_and_its_follow_up_reaches_the_phone(
    tmp_path: Path, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "field_app"
    server = _prepare_server(tmp_path)
    plan = _plan(server)
    teams = {a["document"]["site_code"]: a["document"]["team_name"] for a in plan["assignments"]}
    assert teams == {"DN-001": "Đoàn 1", "DN-002": "Đoàn 2"}
    app = app_syncing_on_demand(server.base_url, tmp_path)
    try:
        with app_in_chromium(app, shots, failure="plan-failure") as page:
            _scenario(page, server, app, shots, plan["plan"]["id"])
    finally:
        server.stop()


def _scenario(page: Page, server: ServerProcess, app: AppProcess, shots: Path, plan_id: str) -> None:
    expect(page.get_by_role("textbox", name="Địa chỉ máy chủ")).to_be_visible(timeout=WAIT)
    retype(page.get_by_role("textbox", name="Tên đăng nhập"), "an")
    retype(page.get_by_role("textbox", name="Mật khẩu"), "an-secret-1")
    page.get_by_role("button", name="Đăng nhập").click()
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
    _in(page, "Có Tổ an toàn COVID-19?").get_by_role("radio", name="Có", exact=True).click()
    _in(page, "Đo thân nhiệt tại cổng?").get_by_role("radio", name="Không", exact=True).click()
    _in(page, "Tỷ lệ đeo khẩu trang").get_by_role("radio", name="80–99%", exact=True).click()
    _in(page, "Có dấu hiệu găm hàng?").get_by_role("radio", name="Có", exact=True).click()
    _in(page, "Có ký túc xá?").get_by_role("radio", name="Không", exact=True).click()
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
    with _supervisor(server) as http:
        coverage = http.get(f"/api/v1/plans/{plan_id}/coverage").json()
        progress = coverage["plan"]["progress"]
        assert (progress["planned"], progress["visited"], progress["pending"]) == (2, 1, 1)
        [visited] = [v for v in http.get(f"/api/v1/plans/{plan_id}").json()["assignments"] if v["inspection_ids"]]
        [inspection_id] = visited["inspection_ids"]
        record = http.get(f"/api/v1/inspections/{inspection_id}").json()
        assert record["summary"]["status"] == "submitted" and record["summary"]["result"] == "fail"
        # the failed visit gets a follow-up visit, which reaches the phone at its next sync
        follow = http.post(f"/api/v1/inspections/{inspection_id}/follow-up")
        assert follow.status_code == 201, follow.text
    page.get_by_role("button", name="Đồng bộ").click()
    tile = _in(page, "Việc cần làm").get_by_role("button", name=re.compile("Công ty May Phổ Yên"))
    expect(tile).to_be_visible(timeout=WAIT)
    expect(tile).to_have_accessible_name(re.compile("Kiểm tra lại"))
    screenshot(page, shots, "plan-04-home-follow-up")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, shots, "plan-05-home-follow-up-desktop")
