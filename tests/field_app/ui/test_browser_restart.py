"""The app process restarts while a tab is open (a phone that killed it, a server restart): the
tab reconnects by itself and the file picker works again; never a full-screen error."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.field_app.helpers import png_bytes
from tests.field_app.ui.test_browser_flows import WAIT, _in, _prepare_server, _shot
from tests.support.app_process import app_syncing_on_demand
from tests.support.browser import app_in_chromium, choose, click_until, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_after_the_app_process_restarts_the_tab_reconnects_and_photos_can_be_added(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app"
    server = _prepare_server(tmp_path)
    app = app_syncing_on_demand(server.base_url, tmp_path)
    photo = tmp_path / "anh.png"
    photo.write_bytes(png_bytes(9, 40, 30))
    try:
        with app_in_chromium(app, shots, failure="failure-restart") as page:
            log_in(page, "an", "an-secret-1")
            page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click()
            page.get_by_role("button", name=re.compile("Công ty May Phổ Yên")).click()
            page.get_by_role("button", name="Bắt đầu kiểm tra: Kiểm tra mẫu cơ sở sản xuất").click()
            expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
            # the process goes away and comes back; the tab is not reloaded
            app.stop()
            app.start()
            draft = page.get_by_role("button", name=re.compile("Công ty May Phổ Yên.*Nháp"))
            expect(draft).to_be_visible(timeout=WAIT)
            draft.click()
            expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
            page.get_by_role("button", name="Phần tiếp").click()
            team = _in(page, "Có Tổ an toàn COVID-19?")
            with page.expect_file_chooser(timeout=WAIT) as chooser:
                team.get_by_role("button", name="Thêm ảnh").click()
            chooser.value.set_files(str(photo))
            expect(team.get_by_role("img", name="Có Tổ an toàn COVID-19? 1")).to_be_visible(timeout=WAIT)
            # a failed critical item: its deadline's calendar starts today and takes today
            choose(team.get_by_role("radio", name="Không", exact=True))
            page.get_by_role("button", name="Chọn ngày: Thời hạn khắc phục: Có Tổ an toàn COVID-19?").click()
            expect(page.get_by_role("button", name="Chọn", exact=True)).to_be_visible(timeout=WAIT)
            _shot(page, shots, "19-deadline-calendar-from-today")
            page.get_by_role("button", name="Chọn", exact=True).click()
            expect(team.get_by_text(re.compile("đã qua"))).to_have_count(0)
            # saved: the complete screen asks for the corrective action, no longer for the deadline
            missing = page.get_by_role("group", name=re.compile("^Còn thiếu"))
            click_until(page.get_by_role("button", name="Hoàn tất").first, missing)
            expect(
                missing.get_by_role("button", name=re.compile("cần biện pháp khắc phục: Có Tổ an toàn"))
            ).to_be_visible(timeout=WAIT)
            expect(missing.get_by_role("button", name=re.compile("cần thời hạn khắc phục"))).to_have_count(0)
            time.sleep(1)
            snapshot = page.locator("body").aria_snapshot()
            assert not re.search(r"Exception|Traceback|Error", snapshot), snapshot
            _shot(page, shots, "18-photo-after-app-restart")
    finally:
        server.stop()
