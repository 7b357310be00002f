"""In Chromium, in Vietnamese: the console's four upload forms show the console's words for a
file input ("Chọn tệp…", "Chưa chọn tệp", then the chosen file's name), never the browser's own
"Choose File" / "No file chosen"; the real input stays labelled, reachable by the keyboard and
required, and the site CSV import posts through it end to end (without JavaScript too, through
the browser's own control). Screenshots at desk and phone width: test-artifacts/console/file-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from shared_schema.codec import encode
from tests.console.conftest import PASSWORD, World, shot, signed_in_page
from tests.support.browser import console_log_in
from tests.support.sample_checklist import sample_template

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 412, "height": 915}
CHECKLIST_LABEL = "Tải lên bảng kiểm (JSON, YAML hoặc XLSForm .xlsx/.xls)"
BROWSER_WORDS = ("Choose File", "Choose Files", "No file chosen")
SITE_CSV = (
    "code,name,kind,district,address,workers,lat,lon\n"
    "KTX-PY-020,Ký túc xá công nhân Tân Phú,KTX,TX Phổ Yên,Xã Tân Phú,300,,\n"
)


def file_input(page: Page, label: str) -> Locator:
    """The page's one file input, checked to be drawn with the console's words: the real input,
    named by its label, is transparent over "Chọn tệp…" and "Chưa chọn tệp"."""
    pick = page.locator(".file-pick")
    expect(pick).to_have_count(1)
    expect(pick).to_have_class(re.compile(r"\benhanced\b"))
    expect(pick.locator(".file-button")).to_have_text("Chọn tệp…")
    expect(pick.locator(".file-button")).to_be_visible()
    expect(pick.locator(".file-chosen")).to_have_text("Chưa chọn tệp")
    real = page.get_by_label(label, exact=True)
    expect(real).to_have_attribute("type", "file")
    expect(real).to_have_css("opacity", "0")  # what the browser draws of it, in English, is not seen
    expect(real).to_have_accessible_description("Chưa chọn tệp")
    shown = page.locator("body").inner_text()
    assert not [w for w in BROWSER_WORDS if w in shown], shown
    assert not [w for w in BROWSER_WORDS if w in page.locator("body").aria_snapshot()]
    return real


def shots(page: Page, artifacts_dir: Path, name: str) -> None:
    """The page at desktop and at phone width, which must not be wider than the phone."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    shot(page, artifacts_dir, f"file-{name}-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, artifacts_dir, f"file-{name}-desktop")


def test_upload_forms_speak_vietnamese_and_a_site_csv_imports_through_one(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    page.set_viewport_size(DESKTOP)

    page.goto(f"{world.base_url}/console/checklists")
    checklist = file_input(page, CHECKLIST_LABEL)
    shots(page, artifacts_dir, "checklists")
    checklist.set_input_files(
        files=[{"name": "bang-kiem-nha-may.json", "mimeType": "application/json", "buffer": encode(sample_template())}]
    )
    expect(page.locator(".file-chosen")).to_have_text("bang-kiem-nha-may.json")
    expect(checklist).to_have_accessible_description("bang-kiem-nha-may.json")
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator("h1")).to_have_text(f"{CHECKLIST_LABEL}: bang-kiem-nha-may.json")
    file_input(page, CHECKLIST_LABEL)
    shots(page, artifacts_dir, "checklist-upload")

    page.goto(f"{world.base_url}/console/plans/new")
    file_input(page, "Tệp mã cơ sở")
    shots(page, artifacts_dir, "plan-form")

    page.goto(f"{world.base_url}/console/sites/import")
    csv_file = file_input(page, "Tệp CSV")
    expect(page.locator("main")).to_contain_text("Bắt buộc: code, name, kind, district.")  # the help, too
    shots(page, artifacts_dir, "sites-import")
    # the keyboard reaches the real input (Shift+Tab from the import button), and shows it
    page.get_by_role("button", name="Nhập", exact=True).focus()
    page.keyboard.press("Shift+Tab")
    expect(csv_file).to_be_focused()
    expect(page.locator(".file-button")).to_have_css("outline-style", "solid")
    # `required` still stops the form: no file, no post
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Nhập", exact=True).click()
    assert csv_file.evaluate("input => input.validity.valueMissing")
    assert page.evaluate("window.notReloaded === true"), "the form was posted without a file"

    csv_file.set_input_files(files=[{"name": "co-so-tan-phu.csv", "mimeType": "text/csv", "buffer": SITE_CSV.encode()}])
    expect(page.locator(".file-chosen")).to_have_text("co-so-tan-phu.csv")
    shots(page, artifacts_dir, "sites-import-chosen")
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.locator("#import-done")).to_have_text("Đã nhập 1 cơ sở mới, cập nhật 0 cơ sở.")
    with world.api("quantri") as api:
        assert api.get("/api/v1/sites", params={"q": "KTX-PY-020"}).json()["total"] == 1

    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator(".file-button")).to_have_text("Choose a file…")
    expect(page.locator(".file-chosen")).to_have_text("No file chosen")
    page.get_by_role("link", name="VI", exact=True).click()
    expect(page.locator(".file-button")).to_have_text("Chọn tệp…")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()


def test_without_javascript_the_browsers_own_file_input_still_posts(world: World, browser: object) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    console_log_in(page, world.base_url, "quantri", PASSWORD)
    page.goto(f"{world.base_url}/console/sites/import")
    expect(page.locator(".file-chosen")).to_be_hidden()
    csv_file = page.get_by_label("Tệp CSV", exact=True)
    expect(csv_file).to_be_visible()
    csv = SITE_CSV.replace("KTX-PY-020", "KTX-PY-021")
    csv_file.set_input_files(files=[{"name": "co-so.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.locator("#import-done")).to_have_text("Đã nhập 1 cơ sở mới, cập nhật 0 cơ sở.")
    context.close()
