"""In Chromium: a supervisor plans a campaign with the form (preview first), a device syncs a
visit made from the assignment, and the coverage page shows it; desk and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import World, follow_menu, shot, signed_in_page
from tests.support.browser import plan_sites_by_filters

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 412, "height": 915}


def test_supervisor_plans_with_the_form_and_reads_the_coverage(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    follow_menu(page, "Kế hoạch", "Kế hoạch kiểm tra")
    page.get_by_role("link", name="Lập kế hoạch mới").click()
    page.get_by_label("Tên đợt kiểm tra").fill("Kiểm tra phòng dịch nhà máy tháng 8/2021")
    page.get_by_label("Mục đích").fill("Kiểm tra việc thực hiện 5K và phương án phòng dịch")
    plan_sites_by_filters(page, "TX Phổ Yên", "DN_SX")
    expect(page.locator("#preview")).to_contain_text("Sẽ lập")
    page.locator("input[name=team1_name]").fill("Đoàn 1 – Phổ Yên")
    page.locator("select[name=team1_lead]").select_option("thanhtra")
    shot(page, artifacts_dir, "40-plan-form")
    page.get_by_role("button", name="Lưu kế hoạch").click()
    expect(page.locator(".flash")).to_contain_text("Đã lưu kế hoạch")
    plan_url = page.url

    device = world.device("thanhtra")
    pulled = device.pull_all()
    plan_id = plan_url.rstrip("/").rsplit("/", 1)[-1]
    assignment = next(v for (e, _i, _f), v in pulled.items() if e == "assignment" and v.get("plan_id") == plan_id)
    device.submit_inspection(assignment["site_id"], masks="few", assignment_id=assignment["id"])
    page.reload()
    expect(page.locator("#n-visited")).to_have_text("1")
    shot(page, artifacts_dir, "41-plan-coverage")
    # the visit failed: its page offers a follow-up visit in one step
    page.locator("#all-assignments").get_by_role("link", name="Mở").first.click()
    page.get_by_role("button", name="Giao kiểm tra lại").click()
    expect(page.locator(".flash")).to_contain_text("Đã giao việc kiểm tra lại")
    expect(page.locator(".follow-up")).to_contain_text("12/08/2021")
    shot(page, artifacts_dir, "45-inspection-follow-up")
    page.goto(plan_url)
    page.get_by_role("link", name="Kế hoạch", exact=True).click()
    expect(page.locator("#plans")).to_contain_text("Kiểm tra phòng dịch nhà máy tháng 8/2021")
    shot(page, artifacts_dir, "42-plans-list")
    page.get_by_role("link", name="Tổng quan", exact=True).click()
    expect(page.locator("#plans-in-progress")).to_contain_text("Kiểm tra phòng dịch nhà máy tháng 8/2021")

    page.set_viewport_size(PHONE)
    page.goto(plan_url)
    shot(page, artifacts_dir, "43-plan-coverage-phone")
    page.goto(f"{world.base_url}/console/plans/new")
    shot(page, artifacts_dir, "44-plan-form-phone")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()
