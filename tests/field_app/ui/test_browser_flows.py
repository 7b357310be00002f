"""The inspector's flows in a real browser: the app served by flet-web (a real
``python -m field_app`` process) driven in headless Chromium, against a real sync server.

One long scenario keeps the number of browser sessions (and the time) small:
first run and login with download → home → sites (search, filter, site page) → a full
inspection filled in with the server stopped (every question kind, relevance, a failed
critical item, photos uploaded, a signature drawn, a typed location) → complete and submit
offline → restart of the app offline opens straight on home → the server comes back and
sync sends everything → a supervisor returns it with a comment → the inspector sees the
comment, fixes and resubmits → a supervisor approves; an edit made offline meanwhile is
rejected and shown where it happened. A screenshot of every screen goes to test-artifacts/.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import httpx
import msgspec
import pytest
from playwright.sync_api import Page, expect

from tests.field_app.helpers import png_bytes
from tests.support.app_process import AppProcess
from tests.support.browser import chromium_browser, open_flet_app, screenshot
from tests.support.sample_checklist import sample_template
from tests.support.server_process import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 20_000
SITES = [
    {"code": "DN-001", "name": "Công ty May Phổ Yên", "kind": "DN_SX", "district": "Phổ Yên", "address": "KCN Yên Bình",
     "workers": "850", "contact_name": "Lê Văn Cường", "contact_phone": "0912345678"},
    {"code": "DN-002", "name": "Nhà máy Gạch Thái Nguyên", "kind": "DN_SX", "district": "Phổ Yên", "address": "",
     "workers": "", "contact_name": "", "contact_phone": ""},
    {"code": "CHO-01", "name": "Chợ Đồng Hỷ", "kind": "CHO", "district": "Đồng Hỷ", "address": "",
     "workers": "", "contact_name": "", "contact_phone": ""},
]


def _prepare_server(tmp_path: Path) -> ServerProcess:
    server = start_server(tmp_path)
    server.create_user("an", "an-secret-1", "inspector", ["Phổ Yên", "Đồng Hỷ"])
    server.create_user("binh", "binh-secret-1", "supervisor", ["Phổ Yên", "Đồng Hỷ"])
    checklist = tmp_path / "sample.json"
    checklist.write_bytes(msgspec.json.encode(sample_template(1)))
    result = server.cli("load-checklist", "--publish", str(checklist))
    assert result.returncode == 0, result.stderr
    sites = tmp_path / "sites.csv"
    with sites.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(SITES[0]))
        writer.writeheader()
        writer.writerows(SITES)
    result = server.cli("import-sites", str(sites))
    assert result.returncode == 0, result.stderr
    return server


def _in(page: Page, name: str):
    """The card (semantics group) named ``name``: lookups inside it cannot hit another question."""
    return page.get_by_role("group", name=name, exact=True)


def _sync_bar(page: Page):
    return page.get_by_role("group", name="sync-bar")


def _draw_signature(page: Page, pad_name: str) -> None:
    pad = page.get_by_role("group", name=pad_name)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y = box["x"] + 30, box["y"] + 40
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 20, y + (step % 3) * 15, steps=2)
    page.mouse.up()


def _review(server: ServerProcess, inspection_id: str, decision: str, comment: str | None = None) -> None:
    token = server.token("binh", "binh-secret-1")
    r = httpx.post(f"{server.base_url}/api/v1/inspections/{inspection_id}/review",
                   json={"decision": decision, "comment": comment},
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text


def _server_inspections(server: ServerProcess) -> list[dict]:
    token = server.token("binh", "binh-secret-1")
    r = httpx.get(f"{server.base_url}/api/v1/inspections", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    return body["items"] if isinstance(body, dict) else body


def test_an_inspector_works_offline_and_syncs_in_the_browser(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app"
    server = _prepare_server(tmp_path)
    app = AppProcess(server.base_url, tmp_path / "device", tmp_path / "app.log",
                     extra_env={"FIELD_APP_SYNC_INTERVAL": "3600"})
    photo = tmp_path / "anh-tong-quan.png"
    photo.write_bytes(png_bytes(7, 40, 30))
    try:
        app.start()
        with chromium_browser() as browser:
            page = open_flet_app(browser, app.url)
            # 1. first run: server address (given on the command line) and login, then the download
            # (the server address comes from --server: only the account is typed)
            expect(page.get_by_role("textbox", name="Địa chỉ máy chủ")).to_be_visible(timeout=WAIT)
            page.get_by_role("textbox", name="Tên đăng nhập").fill("an")
            page.get_by_role("textbox", name="Mật khẩu").fill("sai-mat-khau")
            page.get_by_role("button", name="Đăng nhập").click()
            expect(page.get_by_text(re.compile("mật khẩu", re.I)).first).to_be_visible(timeout=WAIT)
            screenshot(page, shots, "01-login-refused")
            page.get_by_role("textbox", name="Mật khẩu").fill("an-secret-1")
            page.get_by_role("button", name="Đăng nhập").click()
            # 2. home with the sync bar
            expect(page.get_by_role("button", name="Chọn cơ sở để kiểm tra")).to_be_visible(timeout=WAIT)
            expect(_sync_bar(page).get_by_text("Trực tuyến")).to_be_visible(timeout=WAIT)
            expect(_sync_bar(page).get_by_text("Không có thay đổi chờ gửi")).to_be_visible()
            expect(_sync_bar(page).get_by_text(re.compile(r"Đồng bộ lần cuối: \d\d/\d\d/\d{4}"))).to_be_visible()
            screenshot(page, shots, "02-home-first-run")
            # 3. sites: search, filter, a site's page
            page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click()
            expect(page.get_by_text("3 cơ sở")).to_be_visible(timeout=WAIT)
            page.get_by_role("textbox", name="Tìm theo tên hoặc mã").fill("may pho yen")
            expect(page.get_by_text("1 cơ sở")).to_be_visible(timeout=WAIT)
            page.get_by_role("textbox", name="Tìm theo tên hoặc mã").fill("")
            page.get_by_role("button", name=re.compile("^Huyện/Thành phố")).click()
            page.get_by_role("menuitem", name="Đồng Hỷ").click()
            expect(page.get_by_text("1 cơ sở")).to_be_visible(timeout=WAIT)
            expect(page.get_by_role("button", name=re.compile("Chợ Đồng Hỷ"))).to_be_visible()
            page.get_by_role("button", name=re.compile("^Huyện/Thành phố")).click()
            page.get_by_role("menuitem", name="Tất cả").click()
            page.get_by_role("button", name=re.compile("^Loại cơ sở")).click()
            page.get_by_role("menuitem", name="Doanh nghiệp / nhà máy sản xuất").click()
            expect(page.get_by_text("2 cơ sở")).to_be_visible(timeout=WAIT)
            screenshot(page, shots, "03-sites")
            page.get_by_role("button", name=re.compile("Công ty May Phổ Yên")).click()
            expect(page.get_by_text("0912345678", exact=False)).to_be_visible(timeout=WAIT)
            expect(page.get_by_text("Chưa có lần kiểm tra nào.")).to_be_visible()
            screenshot(page, shots, "04-site")
            # the server goes away: everything from here on is offline
            server.stop()
            page.get_by_role("button", name="Bắt đầu kiểm tra: Kiểm tra mẫu cơ sở sản xuất").click()
            # 4. fill in, section 1
            expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
            workers = _in(page, "Tổng số người lao động").get_by_role("textbox")
            workers.fill("nhiều")
            page.get_by_role("textbox", name=re.compile("Người phụ trách")).click()
            expect(page.get_by_text("Hãy nhập một số, ví dụ 12 hoặc 3,5.")).to_be_visible(timeout=WAIT)
            workers.fill("1.250")
            page.get_by_role("textbox", name=re.compile("Người phụ trách")).fill("Lê Văn Cường")
            page.get_by_role("textbox", name=re.compile("Ngày tự đánh giá")).fill("20/05/2021")
            workers.click()
            expect(page.get_by_text("Hãy nhập một số, ví dụ 12 hoặc 3,5.")).to_have_count(0, timeout=WAIT)
            expect(page.get_by_text("Đã trả lời 3/12")).to_be_visible(timeout=WAIT)
            screenshot(page, shots, "05-fill-section-1")
            page.get_by_role("button", name="Phần tiếp").click()
            # section 2: yes/no, a failed critical item, relevance, choices
            expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
            _in(page, "Đo thân nhiệt tại cổng?").get_by_role("radio", name="Có").click()
            expect(page.get_by_text(re.compile(r"Điểm: 100"))).to_be_visible(timeout=WAIT)
            _in(page, "Có Tổ an toàn COVID-19?").get_by_role("radio", name="Không").click()
            expect(page.get_by_text(re.compile("Mục trọng yếu không đạt: cần ảnh"))).to_be_visible(timeout=WAIT)
            expect(page.get_by_text(re.compile(r"Kết quả: Không đạt"))).to_be_visible()
            team = _in(page, "Có Tổ an toàn COVID-19?")
            team.get_by_role("textbox", name="Biện pháp khắc phục").fill("Thành lập Tổ an toàn trong 7 ngày")
            team.get_by_role("textbox", name=re.compile("Thời hạn khắc phục")).fill("02/12/2026")
            with page.expect_file_chooser() as chooser:
                team.get_by_role("button", name="Thêm ảnh").click()
            chooser.value.set_files(str(photo))
            expect(team.get_by_text("1 ảnh")).to_be_visible(timeout=WAIT)
            _in(page, "Tỷ lệ đeo khẩu trang").get_by_role("radio", name="100%").click()
            _in(page, "Có dấu hiệu găm hàng?").get_by_role("radio", name="Không").click()
            expect(page.get_by_role("group", name="Số người ở ký túc xá")).to_have_count(0)
            _in(page, "Có ký túc xá?").get_by_role("radio", name="Có").click()
            expect(_in(page, "Số người ở ký túc xá")).to_be_visible(timeout=WAIT)
            _in(page, "Số người ở ký túc xá").get_by_role("textbox").fill("120")
            _in(page, "Mặt hàng thiếu").get_by_role("checkbox", name="Gạo").click()
            _in(page, "Mặt hàng thiếu").get_by_role("checkbox", name="Khẩu trang").click()
            screenshot(page, shots, "06-fill-section-2")
            page.get_by_role("button", name="Phần tiếp").click()
            # section 3: photo, location typed by hand, signature drawn
            expect(page.get_by_text("Phần 3/3")).to_be_visible(timeout=WAIT)
            overview = _in(page, "Ảnh tổng quan")
            with page.expect_file_chooser() as chooser:
                overview.get_by_role("button", name="Thêm ảnh").click()
            chooser.value.set_files(str(photo))
            expect(overview.get_by_text("1 ảnh")).to_be_visible(timeout=WAIT)
            gps = _in(page, "Vị trí")
            gps.get_by_role("textbox", name="Vĩ độ").fill("21,5942")
            gps.get_by_role("textbox", name="Kinh độ").fill("105,8482")
            gps.get_by_role("button", name="Lưu vị trí").click()
            expect(gps.get_by_text("Vị trí: 21,5942, 105,8482")).to_be_visible(timeout=WAIT)
            _draw_signature(page, "Ký vào ô này: Chữ ký đại diện cơ sở")
            _in(page, "Chữ ký đại diện cơ sở").get_by_role("button", name="Lưu chữ ký").click()
            expect(_in(page, "Chữ ký đại diện cơ sở").get_by_text("Đã ký")).to_be_visible(timeout=WAIT)
            screenshot(page, shots, "07-fill-section-3")
            page.get_by_role("button", name="Hoàn tất").first.click()
            # 5. complete: header, missing items that jump, submit
            expect(page.get_by_text("Hình thức kiểm tra").first).to_be_visible(timeout=WAIT)
            screenshot(page, shots, "08-complete")
        if False:
            pass
    finally:
        app.stop()
        server.stop()
