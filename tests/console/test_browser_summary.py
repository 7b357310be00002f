"""In Chromium: a supervisor picks a period on the summary report page and sees the tables
(desktop and phone). Screenshots: test-artifacts/console/summary-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import DISTRICT, World, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_supervisor_picks_a_period_and_reads_the_summary(world: World, browser: object, artifacts_dir: Path) -> None:
    world.device().submit_inspection(world.site_id, masks="all")
    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    page.get_by_role("link", name="Báo cáo tổng hợp").click()
    page.get_by_label("Từ ngày").fill("2021-08-01")
    page.get_by_label("Đến ngày").fill("2021-08-31")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_url("**from=2021-08-01**")
    expect(page.get_by_text("Kỳ báo cáo: từ 01/08/2021 đến 31/08/2021")).to_be_visible()
    expect(page.locator("table.summary").first).to_contain_text(DISTRICT)
    expect(page.get_by_role("link", name="PDF")).to_be_visible()
    shot(page, artifacts_dir, "summary-01-desktop")
    page.set_viewport_size({"width": 412, "height": 915})
    page.reload()
    shot(page, artifacts_dir, "summary-02-phone")
    assert page.console_errors == []  # type: ignore[attr-defined]
    page.close()
