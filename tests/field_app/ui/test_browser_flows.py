"""The inspector's flows in a real browser: the app served by flet-web (a real
``python -m field_app`` process) driven in headless Chromium, against a real sync server.

One long scenario keeps the number of browser sessions (and the time) small:
first run and login with download → home → sites (search, filter, site page) → a full
inspection filled in with the server stopped (every question kind, relevance, a failed
critical item, photos uploaded, a typed location) → complete (the checklist's signature question
asked there once, signed, shown, signed again) and submit offline → restart of the app offline
opens straight on home → the server comes back and sync sends everything → a supervisor
returns it with a comment → the inspector sees the comment, fixes it, sees the representative's
signature marked stale (the content changed after signing), has it signed again and resubmits →
the submitted record is read-only and says why, with its number → a supervisor approves → a
draft started by mistake is discarded after a confirmation.
A screenshot of every screen goes to test-artifacts/.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import msgspec
import pytest
from playwright.sync_api import Page, expect

from tests.field_app.helpers import png_bytes
from tests.reports.poppler import require_poppler
from tests.support.app_process import AppProcess, app_syncing_on_demand
from tests.support.browser import (
    PHONE,
    app_in_chromium,
    choose,
    enable_semantics,
    log_in,
    retype,
    screenshot,
)
from tests.support.sample_checklist import sample_template
from tests.support.server_process import ServerProcess, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 20_000
SMALL_PHONE = {"width": 360, "height": 740}
SITES = [
    {
        "code": "DN-001",
        "name": "Công ty May Phổ Yên",
        "kind": "DN_SX",
        "district": "TX Phổ Yên",
        "address": "KCN Yên Bình",
        "workers": "850",
        "contact_name": "Lê Văn Cường",
        "contact_phone": "0912345678",
    },
    {
        "code": "DN-002",
        "name": "Nhà máy Gạch Thái Nguyên",
        "kind": "DN_SX",
        "district": "TX Phổ Yên",
        "address": "",
        "workers": "",
        "contact_name": "",
        "contact_phone": "",
    },
    {
        "code": "CHO-01",
        "name": "Chợ Đồng Hỷ",
        "kind": "CHO",
        "district": "H. Đồng Hỷ",
        "address": "",
        "workers": "",
        "contact_name": "",
        "contact_phone": "",
    },
]


def _prepare_server(tmp_path: Path) -> ServerProcess:
    server = start_server(tmp_path)
    server.create_user("an", "an-secret-1", "inspector", ["TX Phổ Yên", "H. Đồng Hỷ"])
    server.create_user("binh", "giám sát đi kiểm tra chợ", "supervisor", ["TX Phổ Yên", "H. Đồng Hỷ"])
    server.create_user("cuong", "thanh tra viên khu công nghiệp", "inspector", ["TX Phổ Yên"])
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


def _shot(page: Page, shots: Path, name: str) -> None:
    """A screenshot at the phone size (412×915) and at a small phone's (360×740)."""
    screenshot(page, shots, name)
    page.set_viewport_size(SMALL_PHONE)
    page.wait_for_timeout(700)
    screenshot(page, shots, f"{name}-360x740")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(500)


def _in(page: Page, name: str):
    """The card (semantics group) named ``name``: lookups inside it cannot hit another question.
    (A group's accessible name is its label followed by the text inside it.)"""
    return page.get_by_role("group", name=re.compile("^" + re.escape(name) + r"(\s|$)"))


def _words(text: str) -> re.Pattern[str]:
    """``text`` with any whitespace between its words (merged labels break lines freely)."""
    return re.compile(r"\s+".join(re.escape(word) for word in text.split()))


def _see(page: Page, text: str, timeout: int = 20_000) -> None:
    """Wait until ``text`` is on screen, as a text of its own or inside a card's merged label."""
    pattern = _words(text)
    expect(page.get_by_text(pattern).or_(page.get_by_label(pattern)).first).to_be_visible(timeout=timeout)


def _shows(card, text: str, timeout: int = 20_000) -> None:
    """A card's accessible name holds the text inside it: wait until ``text`` is there."""
    expect(card).to_have_accessible_name(_words(text), timeout=timeout)


def _steady_box(page: Page, locator) -> dict:
    box = locator.bounding_box()
    for _ in range(20):
        page.wait_for_timeout(100)
        again = locator.bounding_box()
        if again == box:
            break
        box = again
    assert box is not None
    return box


def _wheel_into_view(page: Page, locator, bottom: int = 900) -> dict:
    """Scroll with the mouse wheel (as a person would) until ``locator`` sits inside the phone's
    screen, above ``bottom``."""
    box = _steady_box(page, locator)
    for _ in range(10):
        if box["y"] >= 130 and box["y"] + box["height"] <= bottom:
            break
        page.mouse.move(200, 500)
        page.mouse.wheel(0, box["y"] - 300)
        box = _steady_box(page, locator)
    return box


def _draw_signature(page: Page, pad_name: str) -> None:
    """Sign with the mouse across the middle of the pad."""
    # well clear of the bottom edge: a pad just shown low on the screen can report a stale position
    box = _wheel_into_view(page, page.get_by_text(pad_name, exact=True), bottom=700)
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 20, y + (step % 3 - 1) * 12, steps=2)
    page.mouse.up()


def _sign(page: Page, card_name: str) -> None:
    """Draw and save a signature; the pad then gives way to the saved image and "Ký lại"."""
    card = _in(page, card_name)
    for attempt in range(3):
        # a pad that moved just before the stroke (layout settling) can miss it: the app then
        # says "no stroke yet" and keeps the pad, and the inspector signs again
        _draw_signature(page, f"Ký vào ô này: {card_name}")
        card.get_by_role("button", name="Lưu chữ ký").click()
        try:
            _shows(card, "Đã ký", timeout=5_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            _shows(card, "Chưa có nét ký")
    expect(card.get_by_role("img", name=f"Chữ ký đã lưu: {card_name}")).to_be_visible(timeout=WAIT)
    expect(card.get_by_role("button", name="Ký lại")).to_be_visible()
    expect(page.get_by_text(f"Ký vào ô này: {card_name}", exact=True)).to_have_count(0)


def _sign_again(page: Page, card_name: str) -> None:
    """ "Ký lại" brings back an empty pad ("Huỷ" keeps the saved signature); a new drawing replaces it."""
    card = _in(page, card_name)
    card.get_by_role("button", name="Ký lại").click()
    expect(page.get_by_text(f"Ký vào ô này: {card_name}", exact=True)).to_be_visible(timeout=WAIT)
    card.get_by_role("button", name="Huỷ").click()
    expect(card.get_by_role("img", name=f"Chữ ký đã lưu: {card_name}")).to_be_visible(timeout=WAIT)
    card.get_by_role("button", name="Ký lại").click()
    _sign(page, card_name)


def _review(server: ServerProcess, inspection_id: str, decision: str, comment: str | None = None) -> None:
    token = server.token("binh", "giám sát đi kiểm tra chợ")
    r = httpx.post(
        f"{server.base_url}/api/v1/inspections/{inspection_id}/review",
        json={"decision": decision, "comment": comment},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text


def _answer_from_another_phone(server: ServerProcess, inspection_id: str, question_id: str, value: str) -> None:
    """A second inspector's phone writes the same answer (a real push, protocol v1)."""
    token = server.token("cuong", "thanh tra viên khu công nghiệp")
    client_id = str(uuid.uuid4())
    change = {
        "change_id": str(uuid.uuid4()),
        "client_seq": 1,
        "entity": "answer",
        "entity_id": f"{inspection_id}/{question_id}",
        "field": "value",
        "value": value,
        "hlc": f"{int(time.time() * 1000):015d}-00000-{client_id}",
        "base_hlc": None,
    }
    r = httpx.post(
        f"{server.base_url}/api/v1/sync/push",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        json={"protocol": 1, "client_id": client_id, "app_version": "test", "changes": [change]},
    )
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text


def _resolve_conflicts(server: ServerProcess) -> int:
    token = server.token("binh", "giám sát đi kiểm tra chợ")
    headers = {"Authorization": f"Bearer {token}"}
    r = httpx.get(f"{server.base_url}/api/v1/conflicts", headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    for conflict in r.json():
        done = httpx.post(f"{server.base_url}/api/v1/conflicts/{conflict['id']}/resolve", headers=headers, timeout=30)
        assert done.status_code == 200, done.text
    return len(r.json())


def _server_record_text(server: ServerProcess, inspection_id: str) -> str:
    """The text of the server's PDF of an inspection, as pdftotext reads it (whitespace collapsed)."""
    require_poppler()
    token = server.token("binh", "giám sát đi kiểm tra chợ")
    r = httpx.get(
        f"{server.base_url}/api/v1/inspections/{inspection_id}/report.pdf",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=r.content, capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def _server_inspections(server: ServerProcess) -> list[dict]:
    token = server.token("binh", "giám sát đi kiểm tra chợ")
    r = httpx.get(f"{server.base_url}/api/v1/inspections", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    return body["items"] if isinstance(body, dict) else body


def test_an_inspector_works_offline_and_syncs_in_the_browser(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app"
    server = _prepare_server(tmp_path)
    app = app_syncing_on_demand(server.base_url, tmp_path)
    photo = tmp_path / "anh-tong-quan.png"
    photo.write_bytes(png_bytes(7, 40, 30))
    try:
        with app_in_chromium(app, shots) as page:
            _walk_through(page, server, app, shots, photo)
    finally:
        server.stop()


def _walk_through(page: Page, server: ServerProcess, app: AppProcess, shots: Path, photo: Path) -> None:
    """Flows 1–7, in the order a working day brings them."""
    # 1. first run: server address (given on the command line) and login, then the download
    # (the server address comes from --server: only the account is typed)
    expect(page.get_by_role("textbox", name="Địa chỉ máy chủ")).to_be_visible(timeout=WAIT)
    log_in(page, "an", "sai-mat-khau")
    expect(page.get_by_text(re.compile("mật khẩu", re.I)).first).to_be_visible(timeout=WAIT)
    _shot(page, shots, "01-login-refused")
    retype(page.get_by_role("textbox", name="Mật khẩu"), "an-secret-1")
    page.get_by_role("button", name="Đăng nhập").click()
    # 2. home with the sync bar
    expect(page.get_by_role("button", name="Chọn cơ sở để kiểm tra")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Trực tuyến")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Không có thay đổi chờ gửi")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Đồng bộ lần cuối: \d\d/\d\d/\d{4}"))).to_be_visible()
    _shot(page, shots, "02-home-first-run")
    # English is one tap away, and back
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Pick a site to inspect")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Nothing waiting to send")).to_be_visible()
    _shot(page, shots, "02b-home-english")
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.get_by_role("button", name="Chọn cơ sở để kiểm tra")).to_be_visible(timeout=WAIT)
    # 3. sites: search, filter, a site's page
    page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click()
    expect(page.get_by_text("3 cơ sở")).to_be_visible(timeout=WAIT)
    retype(page.get_by_role("textbox", name="Tìm theo tên hoặc mã"), "may pho yen")
    expect(page.get_by_text("1 cơ sở")).to_be_visible(timeout=WAIT)
    retype(page.get_by_role("textbox", name="Tìm theo tên hoặc mã"), "")
    page.get_by_role("button", name=re.compile(r"Huyện\/Thành phố:")).click()
    page.get_by_role("menuitem", name="H. Đồng Hỷ").click()
    expect(page.get_by_text("1 cơ sở")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name=re.compile("Chợ Đồng Hỷ"))).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Huyện\/Thành phố:")).click()
    page.get_by_role("menuitem", name="Tất cả").click()
    page.get_by_role("button", name=re.compile("Loại cơ sở:")).click()
    page.get_by_role("menuitem", name="Doanh nghiệp / nhà máy sản xuất").click()
    expect(page.get_by_text("2 cơ sở")).to_be_visible(timeout=WAIT)
    _shot(page, shots, "03-sites")
    # narrowed to the one site first: just after the filters re-lay the list out, the next
    # tile's semantics node can sit over this one's centre and take the click
    retype(page.get_by_role("textbox", name="Tìm theo tên hoặc mã"), "DN-001")
    expect(page.get_by_text("1 cơ sở")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name=re.compile("Công ty May Phổ Yên")).click()
    _see(page, "Liên hệ: Lê Văn Cường · 0912345678")
    _see(page, "Chưa có lần kiểm tra nào.")
    _shot(page, shots, "04-site")
    # the server goes away: everything from here on is offline
    server.stop()
    page.get_by_role("button", name="Bắt đầu kiểm tra: Kiểm tra mẫu cơ sở sản xuất").click()
    # 4. fill in, section 1
    expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
    workers = _in(page, "Tổng số người lao động").get_by_role("textbox").first
    retype(workers, "nhiều")
    _in(page, "Người phụ trách").get_by_role("textbox").click()
    _shows(_in(page, "Tổng số người lao động"), "Hãy nhập một số, ví dụ 12 hoặc 3,5.")
    retype(workers, "1.250")
    retype(_in(page, "Người phụ trách").get_by_role("textbox"), "Lê Văn Cường")
    # saved after a pause in typing, while the box still has the focus: closing now would lose nothing
    _see(page, "Đã trả lời 2/12")
    page.get_by_role("button", name="Chọn ngày: Ngày tự đánh giá").click()
    expect(page.get_by_role("button", name="Chọn", exact=True)).to_be_visible(timeout=WAIT)
    _shot(page, shots, "05a0-date-picker-vietnamese")  # Vietnamese, Monday first
    page.get_by_role("button", name="Chọn", exact=True).click()
    _see(page, "Đã trả lời 3/12")
    _shot(page, shots, "05a-date-picked")
    retype(_in(page, "Ngày tự đánh giá").get_by_role("textbox"), "20/05/2021")
    workers.click()
    expect(_in(page, "Tổng số người lao động")).not_to_have_accessible_name(re.compile("Hãy nhập một số"), timeout=WAIT)
    expect(page.get_by_text("Đã trả lời 3/12")).to_be_visible(timeout=WAIT)
    # a note on any question, behind a button (the question stays the card's title)
    workers_card = _in(page, "Tổng số người lao động")
    workers_card.get_by_role("button", name="Thêm ghi chú").click()
    retype(workers_card.get_by_role("textbox", name="Ghi chú"), "Theo sổ lao động tháng 5")
    workers.click()
    expect(workers_card.get_by_role("button", name="Thêm ghi chú")).to_have_count(0, timeout=WAIT)
    _shot(page, shots, "05-fill-section-1")
    page.get_by_role("button", name="Phần tiếp").click()
    # section 2: yes/no, a failed critical item, relevance, choices
    expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
    choose(_in(page, "Đo thân nhiệt tại cổng?").get_by_role("radio", name="Có", exact=True))
    expect(page.get_by_text(re.compile(r"Điểm tạm tính: 100"))).to_be_visible(timeout=WAIT)
    # the legal basis in words behind "Căn cứ"; a design note or a news source is never shown
    temperature = _in(page, "Đo thân nhiệt tại cổng?")
    temperature.get_by_role("button", name="Căn cứ").click()
    _shows(temperature, "Quyết định số 2194/QĐ-BCĐQG của Ban Chỉ đạo quốc gia phòng, chống dịch COVID-19")
    expect(_in(page, "Có Tổ an toàn COVID-19?").get_by_role("button", name="Căn cứ")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"design|VOV|\.md"))).to_have_count(0)
    _shot(page, shots, "05b-basis-shown")
    choose(_in(page, "Có Tổ an toàn COVID-19?").get_by_role("radio", name="Không", exact=True))
    _shows(_in(page, "Có Tổ an toàn COVID-19?"), "Mục trọng yếu không đạt: cần ảnh")
    expect(page.get_by_text(re.compile(r"Kết quả tạm tính: Không đạt"))).to_be_visible()
    team = _in(page, "Có Tổ an toàn COVID-19?")
    retype(team.get_by_role("textbox", name="Biện pháp khắc phục"), "Thành lập Tổ an toàn trong 7 ngày")
    # a deadline already past is refused with a message; a later one is taken
    deadline_box = team.get_by_role("textbox", name=re.compile("Thời hạn khắc phục"))
    retype(deadline_box, (dt.date.today() - dt.timedelta(days=2)).strftime("%d/%m/%Y"))
    team.get_by_role("textbox", name="Biện pháp khắc phục").click()
    expect(team.get_by_text(re.compile("Thời hạn khắc phục đã qua"))).to_be_visible(timeout=WAIT)
    retype(deadline_box, (dt.date.today() + dt.timedelta(days=7)).strftime("%d/%m/%Y"))
    team.get_by_role("textbox", name="Biện pháp khắc phục").click()
    expect(team.get_by_text(re.compile("Thời hạn khắc phục đã qua"))).to_have_count(0, timeout=WAIT)
    with page.expect_file_chooser() as chooser:
        team.get_by_role("button", name="Thêm ảnh").click()
    chooser.value.set_files(str(photo))
    _shows(team, "1 ảnh")
    choose(_in(page, "Tỷ lệ đeo khẩu trang").get_by_role("radio", name="100%", exact=True))
    choose(_in(page, "Có dấu hiệu găm hàng?").get_by_role("radio", name="Không", exact=True))
    expect(page.get_by_role("group", name="Số người ở ký túc xá")).to_have_count(0)
    choose(_in(page, "Có ký túc xá?").get_by_role("radio", name="Có", exact=True))
    expect(_in(page, "Số người ở ký túc xá")).to_be_visible(timeout=WAIT)
    # (the dormitory residents are left for later: the complete screen must send the inspector back here)
    _in(page, "Mặt hàng thiếu").get_by_role("checkbox", name="Gạo").click()
    _in(page, "Mặt hàng thiếu").get_by_role("checkbox", name="Khẩu trang").click()
    # "other (specify)" opens a box for what it is
    shortages = _in(page, "Mặt hàng thiếu")
    expect(shortages.get_by_role("textbox", name="Ghi rõ")).to_have_count(0)
    shortages.get_by_role("checkbox", name="Khác (ghi rõ)").click()
    retype(shortages.get_by_role("textbox", name="Ghi rõ"), "Bột giặt")
    _shot(page, shots, "06-fill-section-2")
    page.get_by_role("button", name="Phần tiếp").click()
    # section 3: photo, location typed by hand, signature drawn
    expect(page.get_by_text("Phần 3/3")).to_be_visible(timeout=WAIT)
    overview = _in(page, "Ảnh tổng quan")
    with page.expect_file_chooser() as chooser:
        overview.get_by_role("button", name="Thêm ảnh").click()
    chooser.value.set_files(str(photo))
    _shows(overview, "1 ảnh")
    expect(overview.get_by_role("img", name="Ảnh tổng quan 1")).to_be_visible(timeout=WAIT)
    gps = _in(page, "Vị trí")
    retype(gps.get_by_role("textbox", name="Vĩ độ"), "21,5942")
    retype(gps.get_by_role("textbox", name="Kinh độ"), "105,8482")
    gps.get_by_role("button", name="Lưu vị trí").click()
    _shows(gps, "Vị trí: 21,5942, 105,8482")
    _shot(page, shots, "07-fill-section-3")
    # (the site representative's signature is left for later: the complete screen must ask for it)
    page.get_by_role("button", name="Hoàn tất").first.click()
    # 5. complete: header, missing items that jump to their question, submit
    kind = _in(page, "Hình thức kiểm tra")
    expect(kind).to_be_visible(timeout=WAIT)
    kind.get_by_role("radio", name="Đột xuất", exact=True).click()
    expect(kind.get_by_role("radio", name="Đột xuất", exact=True)).to_be_checked(timeout=WAIT)
    retype(page.get_by_role("textbox", name="Thành viên đoàn"), "Nguyễn Văn An - Trưởng đoàn\nTrần Thị Bình")
    retype(page.get_by_role("textbox", name="Kết luận, phát hiện"), "Chưa có Tổ an toàn COVID-19.")
    retype(page.get_by_role("textbox", name="Người đại diện cơ sở"), "Lê Văn Cường")
    retype(page.get_by_role("textbox", name="Chức vụ người đại diện"), "Giám đốc")
    # the checklist has its own signature question: that is what the complete screen asks for,
    # once, and there are no header signature pads besides it
    expect(page.get_by_role("group", name=re.compile("^Chữ ký trưởng đoàn"))).to_have_count(0)
    expect(page.get_by_text("Ký vào ô này: Chữ ký đại diện cơ sở", exact=True)).to_have_count(1)
    missing = _in(page, "Còn thiếu 2 mục")
    expect(missing).to_be_visible(timeout=WAIT)
    expect(missing.get_by_role("button", name="Đến mục: Chưa trả lời: Chữ ký đại diện cơ sở")).to_be_visible()
    _wheel_into_view(page, missing)
    _shot(page, shots, "08-complete-missing")
    # a missing answer elsewhere opens its question on the fill screen
    missing.get_by_role("button", name="Đến mục: Chưa trả lời: Số người ở ký túc xá").click()
    expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
    retype(_in(page, "Số người ở ký túc xá").get_by_role("textbox"), "120")
    page.get_by_role("button", name="Hoàn tất").first.click()
    # a missing signature is on the complete screen itself: the button stays here, at the signature
    missing = _in(page, "Còn thiếu 1 mục")
    expect(missing).to_be_visible(timeout=WAIT)
    missing.get_by_role("button", name="Đến mục: Chưa trả lời: Chữ ký đại diện cơ sở").click()
    expect(page.get_by_text("Ký vào ô này: Chữ ký đại diện cơ sở", exact=True)).to_be_in_viewport(timeout=WAIT)
    expect(_in(page, "Hình thức kiểm tra")).to_have_count(1)
    # who signs is written beside the signature, and saved with it
    retype(_in(page, "Chữ ký đại diện cơ sở").get_by_role("textbox", name="Họ tên người ký"), "Trần Thị Bình")
    _sign(page, "Chữ ký đại diện cơ sở")
    _shows(_in(page, "Chữ ký đại diện cơ sở"), "Trần Thị Bình · ")
    _see(page, "Đã đủ thông tin: có thể nộp.")
    _shot(page, shots, "09-complete-ready")
    # it is the checklist's answer: the question on the fill screen shows the same signature, and
    # signing again there replaces it
    page.get_by_role("button", name="Về câu hỏi").click()
    expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Phần tiếp").click()
    expect(page.get_by_text("Phần 3/3")).to_be_visible(timeout=WAIT)
    _wheel_into_view(page, _in(page, "Chữ ký đại diện cơ sở"))
    expect(
        _in(page, "Chữ ký đại diện cơ sở").get_by_role("img", name="Chữ ký đã lưu: Chữ ký đại diện cơ sở")
    ).to_be_visible(timeout=WAIT)
    _sign_again(page, "Chữ ký đại diện cơ sở")
    _shot(page, shots, "09b-fill-signature-saved")
    page.get_by_role("button", name="Hoàn tất").first.click()
    _see(page, "Đã đủ thông tin: có thể nộp.")
    page.get_by_role("button", name="Nộp biên bản").click()
    _see(page, "Đã nộp. Biên bản sẽ được gửi khi đồng bộ.")
    page.get_by_role("button", name="Trang chủ").click()
    # home, still offline: the inspection waits to be sent
    waiting = _in(page, "Chờ đồng bộ")
    expect(waiting.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_be_visible(timeout=WAIT)
    _see(page, "Ngoại tuyến")
    expect(page.get_by_text(re.compile(r"^\d+ thay đổi chờ gửi$"))).to_be_visible()
    # the result in words, not only the score
    expect(waiting.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_have_accessible_name(
        re.compile(r"Kết quả: Không đạt")
    )
    _shot(page, shots, "10-home-offline-waiting")
    # a later start opens straight on home, even without a server
    app.stop()
    app.start()
    page.reload()
    enable_semantics(page)
    waiting = _in(page, "Chờ đồng bộ")
    expect(waiting.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("textbox", name="Mật khẩu")).to_have_count(0)
    # the server comes back: Sync sends everything
    server.start()
    page.get_by_role("button", name="Đồng bộ").click()
    _see(page, "Không có thay đổi chờ gửi")
    _see(page, "Trực tuyến")
    submitted = _in(page, "Đã nộp")
    expect(submitted.get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_be_visible(timeout=WAIT)
    _shot(page, shots, "11-home-synced")
    [record] = _server_inspections(server)
    assert record["status"] == "submitted" and record["kind"] == "unannounced"
    # 6. returned with a comment: seen on home and on the inspection, fixed, resubmitted
    comment = "Bổ sung biện pháp: tổ an toàn phải có danh sách thành viên."
    _review(server, record["id"], "return", comment)
    page.get_by_role("button", name="Đồng bộ").click()
    returned = _in(page, "Trả lại để sửa")
    expect(returned).to_be_visible(timeout=WAIT)
    expect(returned.get_by_role("button", name=_words("Công ty May Phổ Yên"))).to_have_accessible_name(
        _words("Nhận xét của cán bộ duyệt: " + comment)
    )
    _shot(page, shots, "12-home-returned")
    # meanwhile a colleague's phone changes the person in charge on the same inspection
    _answer_from_another_phone(server, record["id"], "manager", "Nguyễn Văn Khác")
    returned.get_by_role("button", name=re.compile("Công ty May Phổ Yên")).click()
    _see(page, "Biên bản bị trả lại. " + comment)
    retype(_in(page, "Người phụ trách").get_by_role("textbox"), "Lê Văn Cường (Giám đốc)")
    page.get_by_role("button", name="Phần tiếp").click()
    expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
    team = _in(page, "Có Tổ an toàn COVID-19?")
    retype(
        team.get_by_role("textbox", name="Biện pháp khắc phục"),
        "Thành lập Tổ an toàn 5 người (danh sách kèm theo) trong 7 ngày",
    )
    page.get_by_role("button", name="Phần tiếp").click()
    _shot(page, shots, "13-returned-fill")
    page.get_by_role("button", name="Hoàn tất").first.click()
    # the content changed after the representative signed: the signature says so, and the record
    # cannot go back until it is signed again
    _shows(_in(page, "Chữ ký đại diện cơ sở"), "Nội dung đã đổi sau khi ký: cần ký lại")
    _see(page, "Nội dung đã đổi sau khi Trần Thị Bình ký: cần ký lại")
    _shot(page, shots, "13b-signature-stale")
    page.get_by_role("button", name="Nộp lại biên bản").click()
    _see(page, "Chưa thể nộp: còn thiếu mục bắt buộc hoặc chữ ký cần ký lại.")
    _sign_again(page, "Chữ ký đại diện cơ sở")
    _see(page, "Đã đủ thông tin: có thể nộp.")
    _shot(page, shots, "13c-signed-again")
    page.get_by_role("button", name="Nộp lại biên bản").click()
    _see(page, "Đã nộp. Biên bản sẽ được gửi khi đồng bộ.")
    page.get_by_role("button", name="Trang chủ").click()
    page.get_by_role("button", name="Đồng bộ").click()
    _see(page, "Không có thay đổi chờ gửi")
    expect(_in(page, "Đã nộp").get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_be_visible(
        timeout=WAIT
    )
    [record] = _server_inspections(server)
    assert record["status"] == "submitted"
    # the server's biên bản of what the phone signed: its number, the team by name and title, and
    # the representative's signature, taken again on the revised content, matching it
    printed = _server_record_text(server, record["id"])
    for expected in ("Số: 1/BB-SCT", "Nguyễn Văn An - Trưởng đoàn", "Trần Thị Bình", "Khớp nội dung đã ký"):
        assert expected in printed, f"{expected!r} missing from the server's record: {printed}"
    assert "Nội dung đã đổi sau khi ký" not in printed and comment not in printed
    # the concurrent edit is shown where it happened, in words, with both values
    _in(page, "Đã nộp").get_by_role("button", name=re.compile("Công ty May Phổ Yên")).click()
    manager = _in(page, "Người phụ trách")
    _shows(manager, "được sửa cùng lúc bởi")
    _shows(manager, "Nguyễn Văn Khác")
    _shot(page, shots, "14-conflict-shown")
    page.get_by_role("button", name="Trang chủ").click()
    assert _resolve_conflicts(server) >= 1  # the supervisor settles what the conflict log holds
    # 7. a submitted record is evidence: read-only, with its number and why; only a return reopens it
    _in(page, "Đã nộp").get_by_role("button", name=re.compile("Công ty May Phổ Yên")).click()
    _see(page, "Số biên bản: 1/BB-SCT")
    _see(page, "Biên bản đã nộp nên bị khóa")
    _see(page, "đề nghị giám sát viên trả lại biên bản trước")
    _shot(page, shots, "15a-submitted-why-locked")
    page.get_by_role("button", name="Phần tiếp").click()
    expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
    _in(page, "Mặt hàng thiếu").get_by_role("checkbox", name="Khác").click(force=True)
    _shot(page, shots, "15-submitted-read-only")
    page.get_by_role("button", name="Trang chủ").click()
    _see(page, "Không có thay đổi chờ gửi")  # the click changed nothing
    _review(server, record["id"], "approve", "Đạt yêu cầu.")
    page.get_by_role("button", name="Đồng bộ").click()
    expect(_in(page, "Đã duyệt").get_by_role("button", name=re.compile("Công ty May Phổ Yên"))).to_be_visible(
        timeout=WAIT
    )
    _shot(page, shots, "16-home-approved")
    # 8. a draft started by mistake is discarded, after a confirmation; it leaves every list
    page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click()
    page.get_by_role("button", name=re.compile("Nhà máy Gạch Thái Nguyên")).click()
    page.get_by_role("button", name="Bắt đầu kiểm tra: Kiểm tra mẫu cơ sở sản xuất").click()
    expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Hoàn tất").first.click()
    page.get_by_role("button", name="Hủy bản nháp").click()
    expect(page.get_by_text("Hủy bản nháp này?")).to_be_visible(timeout=WAIT)
    _shot(page, shots, "17-discard-confirm")
    page.get_by_role("button", name="Đồng ý hủy").click()
    expect(page.get_by_role("button", name="Chọn cơ sở để kiểm tra")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name=re.compile("Nhà máy Gạch Thái Nguyên"))).to_have_count(0)
    page.get_by_role("button", name="Đồng bộ").click()
    _see(page, "Không có thay đổi chờ gửi")
    [only] = _server_inspections(server)  # the discarded draft is in no list
    assert only["id"] == record["id"]
    _shot(page, shots, "18-home-after-discard")
    # usable on a desktop screen too
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(_in(page, "Đã duyệt")).to_be_visible(timeout=WAIT)
    _shot(page, shots, "19-home-desktop")
