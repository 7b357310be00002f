"""The corrective-action board in headless Chromium: an overdue action reported fixed from a
phone is on the board's overdue list; the supervisor opens it, verifies it with a comment, and
only then does it leave the overdue list; the board's plan picker keeps a plan's actions.
Screenshots at desk and phone width."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import SITE_NAME, ConsoleClient, World, shot, signed_in_page
from tests.console.device import photo_png
from tests.console.test_console_actions import plan_with_two_actions, temp_check_action

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 412, "height": 915}


def test_the_supervisor_verifies_an_overdue_action_on_the_board_and_it_leaves_the_overdue_list(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    if not world.server.database_url.startswith("sqlite:"):
        pytest.skip("the deadline is moved back in the SQLite file (the days passing)")
    device = world.device()
    inspection_id = device.submit_inspection(world.site_id, submit=False)
    aid = str(uuid.uuid4())
    fixed = temp_check_action(
        inspection_id,
        "Lắp đặt điểm rửa tay có xà phòng ở lối vào xưởng",
        responsible_name="Ông Trần Văn Hùng",
        responsible_phone="0912 345 678",
        fix_photos=[device.upload(photo_png(aid))],
        fix_note="Đã lắp 2 bồn rửa tay có xà phòng",
        status="reported_fixed",
    )
    device.push(
        [device.change("answer", f"{inspection_id}/temp_check", "value", "no"), *device.changes("action", aid, fixed)]
    )
    # the days pass: the deadline is now behind us
    conn = sqlite3.connect(world.server.database_url.removeprefix("sqlite:///"))
    with conn:
        conn.execute("UPDATE actions SET deadline = '2021-08-12' WHERE id = ?", (aid,))
    conn.close()

    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    page.goto(f"{world.base_url}/console/actions?overdue=yes")
    row = page.locator(f'tr[data-action="{aid}"]')
    expect(row).to_contain_text("Quá hạn")
    expect(row).to_contain_text(SITE_NAME)
    shot(page, artifacts_dir, "20-action-board-overdue")
    page.set_viewport_size(PHONE)
    shot(page, artifacts_dir, "20b-action-board-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_role("link", name="Mở").click()
    expect(page.get_by_role("heading", name="Xác minh kết quả khắc phục")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Đã lắp 2 bồn rửa tay có xà phòng")
    expect(page.locator("body")).to_contain_text("Đo thân nhiệt tại cổng?")  # the item in words, not its id
    shot(page, artifacts_dir, "21-action-page")
    page.get_by_label("Nhận xét").fill("Đã kiểm tra tại chỗ: đạt")
    page.get_by_role("button", name="Xác minh đã khắc phục (đóng)").click()
    expect(page.locator(".flash")).to_contain_text("Đã xác minh biện pháp khắc phục")
    expect(page.locator("#history")).to_contain_text("Đã kiểm tra tại chỗ: đạt")
    shot(page, artifacts_dir, "22-action-verified")
    page.set_viewport_size(PHONE)
    shot(page, artifacts_dir, "22b-action-verified-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{world.base_url}/console/actions?overdue=yes")
    expect(page.locator(f'tr[data-action="{aid}"]')).to_have_count(0)
    assert not page.console_errors  # type: ignore[attr-defined]


def test_the_board_picks_a_plan_by_name_and_the_action_shows_its_finding_and_not_yet_fixed(
    world: World, console: ConsoleClient, browser: object, artifacts_dir: Path
) -> None:
    console.login("giamsat")
    _plan_id, name, in_plan, outside, finding = plan_with_two_actions(world, console)
    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    page.goto(f"{world.base_url}/console/actions")
    expect(page.locator(f'tr[data-action="{outside}"]')).to_have_count(1)
    page.get_by_label("Đợt kiểm tra").select_option(label=name)
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator(f'tr[data-action="{in_plan}"]')).to_have_count(1)
    expect(page.locator(f'tr[data-action="{outside}"]')).to_have_count(0)
    expect(page.get_by_label("Đợt kiểm tra")).to_have_value(_plan_id)
    shot(page, artifacts_dir, "23-action-board-plan-filter")
    page.locator(f'tr[data-action="{in_plan}"]').get_by_role("link", name="Mở").click()
    expect(page.locator("#last-check")).to_contain_text("Mới mua máy đo, chưa lắp")
    expect(page.locator("#history")).to_contain_text("Kiểm tra lại: chưa khắc phục")
    expect(page.locator(f'img[src="/console/blobs/{finding}"]')).to_have_count(1)
    shot(page, artifacts_dir, "24-action-not-yet-fixed")
    page.set_viewport_size(PHONE)
    shot(page, artifacts_dir, "24b-action-not-yet-fixed-phone")
    assert not page.console_errors  # type: ignore[attr-defined]
