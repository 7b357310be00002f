"""Who may open what in the console, login, language and CSRF — against a real server."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from shared_schema.codec import encode
from sync_server.console.router import ADMIN_PAGES
from tests.console.conftest import PASSWORD, ConsoleClient, World
from tests.support.sample_checklist import sample_template

pytestmark = pytest.mark.slow


def test_console_pages_send_a_signed_out_user_to_the_login_page(console: ConsoleClient) -> None:
    response = console.page("/console/inspections", status="submitted")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Finspections%3Fstatus%3Dsubmitted"
    login = console.page("/console/login")
    assert login.status_code == 200
    assert "Đăng nhập" in login.text and 'lang="vi"' in login.text


def test_login_takes_the_supervisor_back_to_the_page_asked_for(console: ConsoleClient) -> None:
    console.page("/console/login")
    response = console.post(
        "/console/login", {"username": "giamsat", "password": PASSWORD, "next": "/console/dashboard"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/dashboard"
    page = console.page("/console/dashboard")
    assert page.status_code == 200 and "Tổng quan" in page.text


def test_wrong_password_is_refused_with_a_message(console: ConsoleClient) -> None:
    response = console.login("giamsat", "sai-mat-khau")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
    assert console.page("/console/inspections").status_code == 303


def test_next_cannot_point_outside_the_console(console: ConsoleClient) -> None:
    console.page("/console/login")
    response = console.post(
        "/console/login", {"username": "giamsat", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["location"] == "/console/"


def test_an_inspector_cannot_open_the_console(world: World, console: ConsoleClient) -> None:
    response = console.login("thanhtra")
    assert response.status_code == 403
    assert "chỉ dành cho giám sát viên và quản trị viên" in response.text
    assert "console_session" not in console.http.cookies
    # Even holding a valid token of their own as the session cookie, the pages refuse them.
    console.http.cookies.set("console_session", world.tokens["thanhtra"], path="/console")
    page = console.page("/console/inspections")
    assert page.status_code == 403
    assert "Thanh tra viên hãy dùng ứng dụng" in page.text


def test_every_page_of_the_admin_area_refuses_a_supervisor(world: World, console: ConsoleClient) -> None:
    console.login("giamsat")
    tried = 0
    for handler in ADMIN_PAGES:
        for path in handler.paths:
            # a path parameter gets a value of its type: the refusal comes before any lookup
            url = "/console" + re.sub(r"\{(\w+):(\w+)\}", lambda m: "1" if m.group(2) == "int" else "x", path)
            for method in handler.http_methods:
                response = console.page(url) if method == "GET" else console.post(url, {})
                assert response.status_code == 403, (method, url)
                assert "chỉ dành cho quản trị viên" in response.text, (method, url)
                tried += 1
    assert tried >= 24


def test_a_supervisor_cannot_open_admin_pages_nor_publish(world: World, console: ConsoleClient) -> None:
    console.login("giamsat")
    for path in (
        "/console/checklists",
        "/console/sites",
        "/console/users",
        "/console/devices",
        "/console/audit",
        "/console/checklists/sample-factory/1",
    ):
        response = console.page(path)
        assert response.status_code == 403, path
        assert "chỉ dành cho quản trị viên" in response.text
    draft = sample_template(version=1, template_id=f"draft-{uuid.uuid4().hex[:6]}")
    with world.api("quantri") as api:
        api.post(
            "/api/v1/templates", content=encode(draft), headers={"Content-Type": "application/json"}
        ).raise_for_status()
    tid = draft.template_id
    console.page("/console/inspections")
    for action in ("publish", "retire"):
        assert console.post(f"/console/checklists/{tid}/1/{action}").status_code == 403
    assert console.post("/console/checklists/sample-factory/1/retire").status_code == 403
    with world.api("giamsat") as api:
        assert api.post(f"/api/v1/templates/{tid}/versions/1/publish").status_code == 403
    with world.api("quantri") as api:
        statuses = {(v["template_id"], v["version"]): v["status"] for v in api.get("/api/v1/templates").json()}
    assert statuses[(tid, 1)] == "draft", "the supervisor's attempts changed nothing"
    assert statuses[("sample-factory", 1)] == "published"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(world: World, console: ConsoleClient) -> None:
    inspection_id = world.device().submit_inspection(world.site_id)
    console.login("giamsat")
    response = console.post(f"/console/inspections/{inspection_id}/review", {"decision": "reject"}, csrf=False)
    assert response.status_code == 403
    assert "Biểu mẫu đã cũ hoặc không hợp lệ" in response.text
    forged = console.post(
        f"/console/inspections/{inspection_id}/review", {"decision": "reject", "csrf_token": "0" * 64}, csrf=False
    )
    assert forged.status_code == 403
    with world.api("giamsat") as api:
        assert api.get(f"/api/v1/inspections/{inspection_id}").json()["summary"]["status"] == "submitted"


def test_logout_needs_csrf_and_ends_the_session(console: ConsoleClient) -> None:
    console.login("giamsat")
    console.page("/console/inspections")
    session = console.http.cookies.get("console_session")
    assert console.post("/console/logout", csrf=False).status_code == 403
    assert console.post("/console/logout").status_code == 303
    stale = ConsoleClient(str(console.http.base_url))
    stale.http.cookies.set("console_session", session or "", path="/console")
    assert stale.page("/console/inspections").status_code == 303, "the revoked session no longer works"
    stale.close()


def test_language_switch_to_english_and_back(console: ConsoleClient) -> None:
    console.login("giamsat")
    switched = console.page("/console/lang/en", next="/console/inspections")
    assert switched.status_code == 303 and switched.headers["location"] == "/console/inspections"
    page = console.page("/console/inspections")
    assert "Inspections" in page.text and 'lang="en"' in page.text and "Sign out" in page.text
    console.page("/console/lang/vi", next="/console/inspections")
    assert "Danh sách biên bản kiểm tra" in console.page("/console/inspections").text


def test_a_supervisor_does_not_see_another_districts_inspection(world: World, console: ConsoleClient) -> None:
    inspection_id = world.device().submit_inspection(world.site_id)
    console.login("giamsat_b")
    page = console.page(f"/console/inspections/{inspection_id}")
    assert page.status_code == 404
    assert "Không tìm thấy biên bản" in page.text
    assert console.page(f"/console/inspections/{inspection_id}/report.pdf").status_code == 404
    assert inspection_id not in console.page("/console/inspections").text


def test_pages_run_only_their_own_scripts_and_cannot_be_framed(console: ConsoleClient) -> None:
    console.login("giamsat")
    page = console.page("/console/inspections")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == [
        '<script src="/console/static/htmx.min.js" defer>',
        '<script src="/console/static/date_input.js" defer>',
    ], "only the vendored htmx and the console's own script, no inline one"
    assert page.headers["x-frame-options"] == "DENY"


def test_a_bad_query_parameter_gets_an_html_page_in_the_users_language(console: ConsoleClient) -> None:
    console.login("giamsat")
    response = console.page("/console/dashboard", days="nhiều")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Yêu cầu không hợp lệ" in response.text


def test_the_stylesheet_and_the_vietnamese_font_are_served_locally(console: ConsoleClient) -> None:
    css = console.page("/console/static/console.css")
    assert css.status_code == 200 and "/console/fonts/DejaVuSans.ttf" in css.text
    font = console.page("/console/fonts/DejaVuSans.ttf")
    assert font.status_code == 200 and font.content[:4] == b"\x00\x01\x00\x00"


def test_the_report_endpoints_are_in_the_api_schema_and_the_console_is_not(world: World) -> None:
    paths = httpx.get(f"{world.base_url}/schema/openapi.json", timeout=30).json()["paths"]
    assert "/api/v1/inspections/{inspection_id}/report.pdf" in paths
    assert "/api/v1/exports/{filename}" in paths
    assert not [p for p in paths if p.startswith("/console")]
