"""In Chromium: a date input shows its value in the order of the browser's language, so an
English (US) browser writes 5 August 2021 as 08/05/2021. On a Vietnamese page the console writes
the chosen date again, day first, beside the label; the form still posts YYYY-MM-DD."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import World, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 412, "height": 915}


def said(page: Page, name: str) -> object:
    """The day/month/year readout of the date input ``name``."""
    return page.locator(f"label.date-pick:has(input[name={name}]) .date-said")


def test_an_english_browser_gets_the_date_written_day_first_beside_each_date_input(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    page: Page = signed_in_page(browser, world, "giamsat", locale="en-US")  # type: ignore[assignment]
    page.goto(f"{world.base_url}/console/plans/new")
    page.locator("input[name=window_from]").fill("2021-08-05")
    page.locator("input[name=window_to]").fill("2021-08-31")
    expect(said(page, "window_from")).to_have_text("· 05/08/2021")
    expect(said(page, "window_to")).to_have_text("· 31/08/2021")
    expect(page.locator("label.date-pick:has(input[name=window_from])")).to_contain_text("Từ ngày")
    shot(page, artifacts_dir, "46-plan-form-english-browser")
    page.set_viewport_size(PHONE)
    shot(page, artifacts_dir, "46-plan-form-english-browser-phone")

    # a value the page came with is written too, and the form posts the ISO day unchanged
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{world.base_url}/console/summary?from=2021-05-20&to=2021-06-30")
    expect(said(page, "from")).to_have_text("· 20/05/2021")
    page.locator("input[name=to]").fill("2021-07-31")
    expect(said(page, "to")).to_have_text("· 31/07/2021")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_url("**to=2021-07-31**")
    expect(said(page, "to")).to_have_text("· 31/07/2021")
    shot(page, artifacts_dir, "48-summary-english-browser")
    page.set_viewport_size(PHONE)
    shot(page, artifacts_dir, "48-summary-english-browser-phone")
    page.set_viewport_size({"width": 1366, "height": 900})

    # the inspection list's filters; a cleared input leaves no readout
    page.goto(f"{world.base_url}/console/inspections?date_from=2021-08-01")
    expect(said(page, "date_from")).to_have_text("· 01/08/2021")
    shot(page, artifacts_dir, "47-inspection-filters-english-browser")
    page.set_viewport_size(PHONE)
    shot(page, artifacts_dir, "47-inspection-filters-english-browser-phone")
    page.locator("input[name=date_from]").fill("")
    expect(said(page, "date_from")).to_have_text("")

    # an English page reads its dates the browser's way: nothing is added
    page.get_by_role("link", name="EN", exact=True).click()
    page.goto(f"{world.base_url}/console/summary?from=2021-05-20&to=2021-06-30")
    expect(page.locator("input[name=from]")).to_have_value("2021-05-20")
    expect(said(page, "from")).to_have_text("")
    page.get_by_role("link", name="VI", exact=True).click()
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
