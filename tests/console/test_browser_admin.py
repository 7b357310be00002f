"""In Chromium: an admin uploads a checklist with errors, sees them listed by question,
fixes it, publishes it as the next version, and a device pulls that version; a site CSV
with a bad row imports nothing and names the row; the admin pages render; user-administration
refusals and a locked-out sign-in read in Vietnamese."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from playwright.sync_api import Page, expect

from sync_server.core import registry
from tests.console.conftest import DESK, PASSWORD, World, follow_menu, shot, signed_in_page
from tests.support.sample_checklist import sample_template

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def next_version_document() -> dict[str, Any]:
    """The sample checklist with one more question: handwashing at the entrance."""
    doc = msgspec.to_builtins(sample_template(version=1))
    measures = next(s for s in doc["sections"] if s["id"] == "measures")
    measures["questions"].insert(
        2,
        {
            "kind": "yes_no",
            "id": "handwash",
            "required": True,
            "weight": 2,
            "label": {"vi": "Có điểm rửa tay sát khuẩn ở lối vào?", "en": "Hand-washing point at the entrance?"},
        },
    )
    return doc


def broken(doc: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(doc)
    measures = next(s for s in bad["sections"] if s["id"] == "measures")
    measures["questions"][2]["label"]["en"] = ""  # handwash: no English label
    general = next(s for s in bad["sections"] if s["id"] == "general")
    general["questions"][1]["critical"] = True  # manager (text): critical but can never fail
    return bad


def upload(page: Page, name: str, content: bytes) -> None:
    page.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/yaml", "buffer": content}]
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()


def test_admin_fixes_and_publishes_a_checklist_that_a_device_then_pulls(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    page.get_by_role("link", name="Bảng kiểm").click()
    expect(page.locator("h1")).to_have_text("Bảng kiểm")
    shot(page, artifacts_dir, "10-checklists")

    document = next_version_document()
    upload(page, "mau-co-so-san-xuat.yaml", yaml.safe_dump(broken(document), allow_unicode=True).encode())
    problems = page.locator("#upload-problems")
    expect(problems).to_contain_text("Tệp có 2 lỗi")
    expect(problems.locator("tr", has_text="handwash")).to_contain_text("Câu hỏi cần có nội dung tiếng Anh (label.en).")
    expect(problems.locator("tr", has_text="manager")).to_contain_text("không bao giờ bị tính là không đạt")
    expect(page.locator("tr.fail[data-question='handwash']")).to_be_visible()
    expect(page.get_by_role("button", name="Lưu bản nháp")).to_have_count(0)
    shot(page, artifacts_dir, "11-checklist-upload-errors")

    upload(page, "mau-co-so-san-xuat.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    expect(page.get_by_role("status")).to_contain_text("Tệp hợp lệ")
    expect(page.get_by_text("v1 → v2")).to_be_visible()  # v1 is published: the upload becomes the next version
    shot(page, artifacts_dir, "12-checklist-upload-valid")
    page.get_by_role("button", name="Lưu bản nháp (v2)").click()
    page.wait_for_url("**/console/checklists/sample-factory/2")
    expect(page.locator("#template-status")).to_have_text("Bản nháp")

    page.get_by_role("button", name="Xuất bản thành phiên bản mới").click()
    expect(page.locator("#template-status")).to_have_text("Đang dùng")
    expect(page.get_by_role("status")).to_contain_text("Đã xuất bản phiên bản mới")
    shot(page, artifacts_dir, "13-checklist-published")

    page.goto(f"{world.base_url}/console/checklists/sample-factory")
    row = page.locator("tr[data-question='handwash']")
    expect(row.locator("td").nth(1)).to_have_text("—")
    expect(row.locator("td").nth(2)).to_contain_text("Có điểm rửa tay sát khuẩn ở lối vào?")
    shot(page, artifacts_dir, "14-checklist-versions-side-by-side")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()

    pulled = world.device().pull_all()
    version2 = pulled[("template", "sample-factory@2", "document")]
    assert pulled[("template", "sample-factory@2", "status")] == "published"
    assert "handwash" in [q["id"] for s in version2["sections"] for q in s["questions"]]


SITE_CSV_HEADER = "code,name,kind,district,address,workers,lat,lon\n"


def test_a_site_csv_with_a_bad_row_imports_nothing_and_names_the_row(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    follow_menu(page, "Cơ sở", "Danh sách cơ sở")
    shot(page, artifacts_dir, "20-sites")
    template = page.request.get(f"{world.base_url}/console/sites/template.csv")
    header = template.text().lstrip("\ufeff").splitlines()[0]
    assert header == ",".join(registry.CSV_COLUMNS)

    page.get_by_role("link", name="Nhập cơ sở từ CSV").click()
    bad = (
        SITE_CSV_HEADER
        + "KTX-PY-010,Ký túc xá Yên Bình,KTX,TX Phổ Yên,Xã Đồng Tiến,800,21.45,105.88\n"
        + "NT-PY-011,Nhà trọ Hoa Sen,NHA_TRO,TX Phổ Yên,Xã Hồng Tiến,40,,\n"
    )
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "co-so.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name="Nhập", exact=True).click()
    report = page.locator("#import-problems")
    expect(report).to_contain_text("Không nhập cơ sở nào")
    expect(report.locator("tr[data-row='3']")).to_contain_text("NHA_TRO")
    expect(report.locator("tr[data-row='2']")).to_have_count(0)
    shot(page, artifacts_dir, "21-sites-import-refused")
    with world.api("quantri") as api:
        assert api.get("/api/v1/sites", params={"q": "KTX-PY-010"}).json()["total"] == 0, "nothing imported"

    good = bad.replace("NHA_TRO", "NT")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "co-so.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.locator("#import-done")).to_have_text("Đã nhập 2 cơ sở mới, cập nhật 0 cơ sở.")
    page.goto(f"{world.base_url}/console/sites?q=Hoa+Sen")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text("Nhà trọ công nhân")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()


def test_admin_pages_render(world: World, browser: object, artifacts_dir: Path) -> None:
    world.device().submit_inspection(world.site_id)
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    for name, link, heading in [
        ("30-dashboard", "Tổng quan", "Tổng quan"),
        ("31-users", "Người dùng", "Người dùng"),
        ("32-devices", "Thiết bị", "Thiết bị đồng bộ"),
        ("33-audit", "Nhật ký", "Nhật ký thao tác"),
    ]:
        follow_menu(page, link, heading)
        shot(page, artifacts_dir, name)
        if link == "Tổng quan":  # the window changes in place
            page.locator("select[name=days]").select_option("90")
            page.wait_for_url("**days=90**")
            expect(page.locator("#not-inspected h2")).to_contain_text("90 ngày")
    page.get_by_role("link", name="Thiết bị", exact=True).click()
    expect(page.locator("table")).to_contain_text(world.devices[-1].client_id)
    follow_menu(page, "EN", "Syncing devices")
    shot(page, artifacts_dir, "34-devices-english")
    page.get_by_role("link", name="VI", exact=True).click()
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()


def test_user_refusals_and_a_locked_out_sign_in_read_in_vietnamese(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    """What an admin and a locked-out user see of the rules of issue 12, in Vietnamese only:
    a guessable password says why, the last admin cannot lock themselves out, and a browser new
    to a user whom strangers locked out is told to wait."""
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    page.get_by_role("link", name="Người dùng", exact=True).click()
    page.get_by_label("Tên đăng nhập").fill("hanh")
    page.get_by_label("Mật khẩu").fill("12345678")
    page.get_by_label("Huyện phụ trách").fill("TX Phổ Yên")
    page.get_by_role("button", name="Tạo", exact=True).click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Đây là một trong 10 mật khẩu phổ biến nhất.")
    expect(refusal).not_to_contain_text("password")
    expect(page.locator("tr[data-user='hanh']")).to_have_count(0)
    shot(page, artifacts_dir, "35-user-weak-password")

    page.locator("tr[data-user='quantri']").get_by_role("link").click()
    page.get_by_role("button", name="Khóa tài khoản").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("quản trị viên cuối cùng")
    expect(refusal).not_to_contain_text("admin")
    shot(page, artifacts_dir, "36-last-admin")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()

    with world.api("quantri") as api:
        api.post(
            "/api/v1/users",
            json={"username": "loan", "password": PASSWORD, "role": "supervisor", "districts": ["TX Phổ Yên"]},
        ).raise_for_status()
        for i in range(5):  # a stranger's guesses
            api.post("/api/v1/auth/token", json={"username": "loan", "password": f"doan mo {i}"})
    fresh = browser.new_page(viewport=DESK, locale="vi-VN")  # type: ignore[attr-defined]
    fresh.goto(f"{world.base_url}/console/")
    fresh.get_by_label("Tên đăng nhập").fill("loan")
    fresh.get_by_label("Mật khẩu").fill(PASSWORD)
    fresh.get_by_role("button", name="Đăng nhập").click()
    expect(fresh.locator("body")).to_contain_text("Đăng nhập sai quá nhiều lần")
    expect(fresh.locator("body")).not_to_contain_text("Too many")
    shot(fresh, artifacts_dir, "37-login-locked-out")
    fresh.close()
