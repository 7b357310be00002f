"""In Chromium at a phone's width (412 px): no console page is wider than the screen; a wide
table scrolls sideways inside the page. Screenshots: test-artifacts/console/phone-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.console.conftest import World, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = (
    "/console/inspections",
    "/console/dashboard",
    "/console/sites",
    "/console/plans",
    "/console/actions",
    "/console/summary",
    "/console/checklists",
    "/console/users",
    "/console/units",
    "/console/devices",
    "/console/audit",
)


def test_every_console_page_fits_a_phone_screen(world: World, browser: object, artifacts_dir: Path) -> None:
    world.device().submit_inspection(world.site_id, masks="all")
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    page.set_viewport_size({"width": 412, "height": 915})
    too_wide = {}
    for path in PAGES:
        page.goto(f"{world.base_url}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 412:
            too_wide[path] = width
        shot(page, artifacts_dir, "phone-" + path.rsplit("/", 1)[-1])
    assert too_wide == {}
