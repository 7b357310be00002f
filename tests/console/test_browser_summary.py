"""In Chromium: a supervisor picks a period on the summary report page and sees the tables
(desktop and phone). Screenshots: test-artifacts/console/summary-*.png."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sync_server.core.summary import COUNTS
from tests.console.conftest import DISTRICT, World, shot, signed_in_page
from tests.console.test_console_actions import temp_check_action

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_supervisor_picks_a_period_and_reads_the_summary(world: World, browser: object, artifacts_dir: Path) -> None:
    world.device().submit_inspection(world.site_id, masks="all")
    # a violation found in the period, its corrective action reported fixed and awaiting the check
    device = world.device()
    inspection_id = device.submit_inspection(world.site_id, submit=False, started_at="2021-08-09T02:30:00Z")
    aid = str(uuid.uuid4())
    action = temp_check_action(inspection_id, "Bố trí người đo thân nhiệt tại cổng")
    device.push(
        [
            device.change("answer", f"{inspection_id}/temp_check", "value", "no"),
            *device.changes("action", aid, action),
            device.change("inspection", inspection_id, "status", "submitted"),
        ]
    )
    fixed = {
        "fixed_on": dt.date.today().isoformat(),
        "fix_note": "Đã cử bảo vệ đo thân nhiệt tại cổng",
        "status": "reported_fixed",
    }
    device.push(device.changes("action", aid, fixed))
    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    page.get_by_role("link", name="Báo cáo tổng hợp").click()
    page.get_by_label("Từ ngày").fill("2021-08-01")
    page.get_by_label("Đến ngày").fill("2021-08-31")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_url("**from=2021-08-01**")
    expect(page.get_by_text("Kỳ báo cáo: từ 01/08/2021 đến 31/08/2021")).to_be_visible()
    expect(page.locator("table.summary").first).to_contain_text(DISTRICT)
    expect(page.get_by_role("link", name="PDF")).to_be_visible()
    table = page.locator("table.summary").first
    expect(table.get_by_role("columnheader", name="Vi phạm phát hiện trong kỳ")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Khắc phục trong kỳ")).to_be_visible()
    found = table.locator("tr.section td.num").nth(COUNTS.index("actions"))
    awaiting = table.locator("tr.section td.num").nth(COUNTS.index("awaiting"))
    expect(found).not_to_have_text("0")
    expect(awaiting).not_to_have_text("0")
    shot(page, artifacts_dir, "summary-01-desktop")
    page.set_viewport_size({"width": 412, "height": 915})
    page.reload()
    shot(page, artifacts_dir, "summary-02-phone")
    assert page.console_errors == []  # type: ignore[attr-defined]
    page.close()
