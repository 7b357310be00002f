"""A photo being made small, in a real browser (flet-web app process, headless Chromium, real
sync server): the photo question says "Đang xử lý ảnh…" with its buttons waiting while the app
works (held there by ``photo_gate``, as a busy phone holds it for seconds), then shows the photo
and gives the buttons back. Screenshots at 412x915 and 1280x800 while it works."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.field_app.helpers import png_bytes
from tests.support.app_process import REPO, app_syncing_on_demand
from tests.support.browser import PHONE, app_in_chromium, log_in, screenshot
from tests.support.server_process import start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 20_000
DISTRICT = "H. Phú Bình"
PHOTO_GATE = Path(__file__).resolve().parent / "photo_gate"
DESKTOP = {"width": 1280, "height": 800}


def test_the_photo_question_says_it_is_processing_the_photo_until_it_is_done(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app_photo_progress"
    server = start_server(tmp_path)
    server.create_user("an", "an-secret-1", "inspector", [DISTRICT])
    server.add_site_and_sample_checklist(tmp_path, DISTRICT)
    photo = tmp_path / "anh-tong-quan.png"
    photo.write_bytes(png_bytes(7, 40, 30))
    gate = tmp_path / "photo-may-go"
    app = app_syncing_on_demand(server.base_url, tmp_path)
    app.extra_env.update(PHOTO_GATE=str(gate), PYTHONPATH=os.pathsep.join([str(PHOTO_GATE), str(REPO)]))
    try:
        with app_in_chromium(app, shots) as page:
            _walk(page, photo, gate, shots)
    finally:
        server.stop()


def _walk(page: Page, photo: Path, gate: Path, shots: Path) -> None:
    expect(page.get_by_role("textbox", name="Tên đăng nhập")).to_be_visible(timeout=WAIT)
    log_in(page, "an", "an-secret-1")
    page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click(timeout=WAIT)
    page.get_by_role("button", name=re.compile("Nhà máy Một")).click(timeout=WAIT)
    page.get_by_role("button", name=re.compile("Bắt đầu kiểm tra")).first.click(timeout=WAIT)
    for section in ("Phần 1/3", "Phần 2/3"):
        expect(page.get_by_text(section)).to_be_visible(timeout=WAIT)
        page.get_by_role("button", name="Phần tiếp").click()
    expect(page.get_by_text("Phần 3/3")).to_be_visible(timeout=WAIT)
    overview = page.get_by_role("group", name=re.compile(r"^Ảnh tổng quan(\s|$)"))
    add = overview.get_by_role("button", name="Thêm ảnh")
    with page.expect_file_chooser() as chooser:
        add.click()
    chooser.value.set_files(str(photo))
    # while the photo is made small: said in words, the button waits
    working = overview.get_by_text("Đang xử lý ảnh…")
    expect(working).to_be_visible(timeout=WAIT)
    expect(add).to_be_disabled()
    overview.scroll_into_view_if_needed()
    screenshot(page, shots, "01-processing-photo-412x915")
    page.set_viewport_size(DESKTOP)
    expect(working).to_be_visible(timeout=WAIT)
    overview.scroll_into_view_if_needed()
    screenshot(page, shots, "02-processing-photo-1280x800")
    page.set_viewport_size(PHONE)
    # done: the photo is there, the words go and the button is back
    gate.touch()
    expect(overview.get_by_role("img", name="Ảnh tổng quan 1")).to_be_visible(timeout=WAIT)
    expect(working).to_have_count(0, timeout=WAIT)
    expect(overview).to_have_accessible_name(re.compile("1 ảnh"))
    expect(add).to_be_enabled()
    screenshot(page, shots, "03-photo-done-412x915")
