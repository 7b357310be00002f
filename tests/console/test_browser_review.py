"""In Chromium: a supervisor signs in, filters the list, opens an inspection a device synced,
returns it with a comment (the device gets the decision), and approves it once resubmitted."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import SITE_NAME, World, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_supervisor_filters_returns_and_later_approves_a_synced_inspection(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    device = world.device()
    inspection_id = device.submit_inspection(world.site_id, masks="few")
    other_device = world.device()
    other_device.submit_inspection(world.site_id)  # another one, approved below by the filter being narrow
    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    shot(page, artifacts_dir, "01-inspections-list")

    # Each change of a filter refreshes the results in place (htmx) and keeps the address shareable.
    page.locator("select[name=status]").select_option("submitted")
    page.wait_for_url("**status=submitted**")
    page.locator("select[name=result]").select_option("fail")
    page.wait_for_url("**result=fail**")
    expect(page.locator("#results")).to_contain_text("Không đạt")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_contain_text(SITE_NAME)
    expect(rows.first.locator("td").nth(7)).to_have_text("Không đạt")
    assert rows.count() >= 1
    shot(page, artifacts_dir, "02-inspections-filtered")

    page.goto(f"{world.base_url}/console/inspections/{inspection_id}")
    expect(page.locator("h1")).to_contain_text(SITE_NAME)
    answers = page.locator("tr[data-question='masks']")
    expect(answers).to_contain_text("Dưới 80%")
    expect(answers.locator("img")).to_have_count(1)
    assert answers.locator("img").evaluate("img => img.naturalWidth") > 0, "the photo loads through the console"
    expect(page.locator("#result")).to_have_text("Không đạt")
    expect(page.get_by_text("Phát khẩu trang, nhắc nhở đầu ca").first).to_be_visible()
    # the answer's corrective action is also the inspection's action record (listed with its status)
    expect(page.locator("#actions")).to_contain_text("Phát khẩu trang, nhắc nhở đầu ca")
    pdf = page.request.get(f"{world.base_url}/console/inspections/{inspection_id}/report.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    shot(page, artifacts_dir, "03-inspection-page")

    comment_box = page.get_by_label("Nhận xét (bắt buộc khi trả lại để sửa hoặc không chấp nhận)")
    comment_box.fill("Bổ sung ảnh xưởng may số 2 và biên bản cam kết")
    page.get_by_role("button", name="Trả lại để sửa").click()
    expect(page.get_by_role("status")).to_have_text("Đã trả lại biên bản để sửa.")
    expect(page.locator("#status")).to_have_text("Trả lại để sửa")
    expect(page.locator("#reviews")).to_contain_text("Bổ sung ảnh xưởng may số 2")
    shot(page, artifacts_dir, "04-inspection-returned")

    pulled = device.pull_all()
    assert pulled[("inspection", inspection_id, "status")] == "returned"
    assert pulled[("inspection", inspection_id, "review")]["comment"].startswith("Bổ sung ảnh")
    device.push([device.change("inspection", inspection_id, "status", "submitted")])

    page.reload()
    expect(page.locator("#status")).to_have_text("Đã nộp")
    page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Đã duyệt biên bản.")
    expect(page.locator("#status")).to_have_text("Đã duyệt")
    expect(page.locator("#reviews tbody tr")).to_have_count(2)
    shot(page, artifacts_dir, "05-inspection-approved")
    # the record number the server gave on first submission, each signature's match with the
    # content, and every change since the first submission as a timeline
    expect(page.locator("h1")).to_contain_text("/BB-SCT")
    expect(page.locator("#signatures")).to_contain_text("Lê Thị Hương")
    expect(page.locator("#history li")).to_have_count(3)  # returned, resubmitted, approved
    expect(page.locator("#history")).to_contain_text("quyết định duyệt")
    page.locator("#history").scroll_into_view_if_needed()
    shot(page, artifacts_dir, "06-inspection-history")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()


def test_approval_is_refused_with_the_reason_while_a_signature_is_missing(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    device = world.device()
    inspection_id = device.submit_inspection(world.site_id, upload_signature=False)
    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    page.goto(f"{world.base_url}/console/inspections/{inspection_id}")
    expect(page.locator("#approve-blockers")).to_contain_text("1 ảnh/chữ ký chưa được tải lên máy chủ")
    page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("máy chủ còn thiếu 1 ảnh/chữ ký")
    expect(page.locator("#status")).to_have_text("Đã nộp")
    shot(page, artifacts_dir, "06-approval-refused-missing-signature")

    device.upload(device.signature)
    page.goto(f"{world.base_url}/console/inspections/{inspection_id}")
    expect(page.locator("#approve-blockers")).to_have_count(0)
    page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.locator("#status")).to_have_text("Đã duyệt")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()
