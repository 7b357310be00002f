"""In Chromium: the administrative units page, a merge asked for and confirmed (desk and phone
screenshots)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import World, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_admin_merges_a_unit_after_the_confirmation(world: World, browser: object, artifacts_dir: Path) -> None:
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    page.get_by_role("link", name="Đơn vị hành chính").click()
    expect(page.get_by_role("heading", name="Đơn vị hành chính", exact=True)).to_be_visible()
    tag = uuid.uuid4().hex[:4]
    old, new = f"TX Thử {tag}", f"TP Thử {tag}"
    for name, kind in ((old, "town"), (new, "city")):
        page.get_by_label("Tên đơn vị").fill(name)
        page.get_by_label("Cấp").select_option(kind)
        page.get_by_role("button", name="Tạo").click()
        expect(page.get_by_text("Đã thêm đơn vị.")).to_be_visible()
    shot(page, artifacts_dir, "units-list")
    row = page.locator(f'tr[data-unit="{old}"]')
    row.get_by_label(f"vào {old}").select_option(new)
    row.get_by_role("button", name="Gộp").click()
    confirm = page.get_by_role("form", name="Xác nhận gộp đơn vị")
    expect(confirm).to_contain_text(
        f"Gộp {old} vào {new}: 0 cơ sở, 0 biên bản, 0 biện pháp khắc phục, 0 việc trong kế hoạch kiểm tra và 0 người dùng"
    )
    shot(page, artifacts_dir, "units-merge-confirm")
    page.set_viewport_size({"width": 412, "height": 915})
    shot(page, artifacts_dir, "units-merge-confirm-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    confirm.get_by_role("button", name="Gộp đơn vị").click()
    expect(page.get_by_text("Đã gộp đơn vị.")).to_be_visible()
    expect(page.locator(f'tr[data-unit="{old}"]')).to_contain_text(f"gộp vào {new}")
    shot(page, artifacts_dir, "units-merged")
