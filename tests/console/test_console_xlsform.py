"""The console and XLSForm: an admin uploads an XLSForm with a row a checklist cannot
express, sees it named (sheet, row, column, why), and nothing is saved until the file is fixed
or the loss is explicitly accepted (the draft then records it); any version downloads as an
XLSForm. In Chromium: upload, see the row, fix the file, publish; a device pulls it."""

from __future__ import annotations

import re
import uuid
from html import unescape
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from shared_schema.checklist import QUESTION_KINDS
from sync_server.console.i18n import translate
from sync_server.core.xlsform import read_xlsform, write_xlsform
from tests.console.conftest import ConsoleClient, World, shot, signed_in_page
from tests.support.malformed_xlsforms import MALFORMED
from tests.support.sample_checklist import sample_template
from tests.support.xlsform_files import with_a_calculate_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = Path(__file__).resolve().parents[1] / "content" / "xlsforms"


def forms(template_id: str) -> tuple[bytes, bytes]:
    """(an XLSForm with one calculate row inserted as survey row 4, the same form without it)."""
    good = write_xlsform(sample_template(version=1, template_id=template_id))
    return with_a_calculate_row(good), good


def _document_fields(text: str) -> dict[str, str]:
    fields = {}
    for name in ("document", "dropped", "source"):
        match = re.search(rf'name="{name}" value="([^"]*)"', text)
        if match:
            fields[name] = unescape(match.group(1))
    return fields


def test_an_xlsform_row_it_cannot_express_is_named_and_nothing_is_saved_until_accepted(
    world: World, console: ConsoleClient
) -> None:
    tid = f"xlsform-{uuid.uuid4().hex[:6]}"
    bad, _good = forms(tid)
    console.login("quantri")
    console.page("/console/checklists")
    preview = console.post("/console/checklists/upload", files={"file": (f"{tid}.xlsx", bad, XLSX)})
    assert preview.status_code == 422
    assert 'id="unsupported-rows"' in preview.text
    assert 'data-row="survey!4"' in preview.text and "so_nguoi_x2" in preview.text
    assert "Phép tính (calculate) chưa được hỗ trợ" in preview.text
    assert 'name="accept_dropped"' in preview.text
    with world.api("quantri") as api:
        assert api.get(f"/api/v1/templates/{tid}/versions/1").status_code == 404

    fields = _document_fields(preview.text)
    refused = console.post("/console/checklists/drafts", fields)  # the box is not ticked
    assert refused.status_code == 422 and 'id="accept-missing"' in refused.text
    with world.api("quantri") as api:
        assert api.get(f"/api/v1/templates/{tid}/versions/1").status_code == 404, "nothing saved"

    saved = console.post("/console/checklists/drafts", {**fields, "accept_dropped": "yes"})
    assert saved.status_code == 303 and saved.headers["location"] == f"/console/checklists/{tid}/1"
    page = console.page(f"/console/checklists/{tid}/1")
    assert 'id="import-notes"' in page.text and f"{tid}.xlsx" in page.text and "so_nguoi_x2" in page.text
    download = console.page(f"/console/checklists/{tid}/1/xlsform")
    assert download.headers["content-type"].startswith(XLSX)
    assert read_xlsform(download.content).template == sample_template(version=1, template_id=tid)


def test_a_malformed_xlsform_upload_is_explained(console: ConsoleClient) -> None:
    console.login("quantri")
    console.page("/console/checklists")
    response = console.post("/console/checklists/upload", files={"file": ("form.xlsx", b"PK\x03\x04broken", XLSX)})
    assert response.status_code == 422
    assert "upload-problems" in response.text and "Không đọc được bảng tính" in response.text


def _template_list(world: World) -> list[object]:
    with world.api("quantri") as api:
        response = api.get("/api/v1/templates")
        assert response.status_code == 200
        return list(response.json())


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_xlsform_upload_says_why_in_vietnamese_offers_no_save_and_saves_nothing(
    kind: str, world: World, console: ConsoleClient
) -> None:
    data, english, vietnamese = MALFORMED[kind]
    before = _template_list(world)
    console.login("quantri")
    console.page("/console/checklists")
    response = console.post("/console/checklists/upload", files={"file": ("bieu-mau.xlsx", data, XLSX)})
    assert response.status_code == 422
    text = unescape(response.text)
    assert 'id="upload-problems"' in text and vietnamese in text
    assert english not in text  # the console is in Vietnamese: no English shown
    assert 'id="save-draft"' not in text
    assert _template_list(world) == before


def test_an_xlsform_that_breaks_a_checklist_rule_gets_the_preview_with_its_per_question_errors_and_no_save(
    world: World, console: ConsoleClient
) -> None:
    """A real form written by others (English labels only): it reads, but a checklist needs a
    Vietnamese label on each question, so the preview names the question and offers no save."""
    before = _template_list(world)
    console.login("quantri")
    console.page("/console/checklists")
    data = (FORMS / "yes_or_no_question.xlsx").read_bytes()
    response = console.post("/console/checklists/upload", files={"file": ("yes_or_no_question.xlsx", data, XLSX)})
    assert response.status_code == 422
    assert 'id="unsupported-rows"' not in response.text  # every row maps
    problems = re.search(r'<div class="error" role="alert" id="upload-problems">(.*?)</div>', response.text, re.S)
    assert problems is not None
    rows = re.findall(r"<tr><td>(.*?)</td><td><code>(.*?)</code></td>", problems.group(1))
    assert ("<code>good_day</code>", "sections[0].questions[0] (good_day)") in rows
    assert 'id="save-draft"' not in response.text
    assert _template_list(world) == before


def test_an_xls_upload_is_read_and_its_repeat_is_named_row_by_row(world: World, console: ConsoleClient) -> None:
    console.login("quantri")
    console.page("/console/checklists")
    data = (FORMS / "tutorial.xls").read_bytes()
    response = console.post(
        "/console/checklists/upload", files={"file": ("tutorial.xls", data, "application/vnd.ms-excel")}
    )
    assert response.status_code == 422
    text = unescape(response.text)
    assert 'id="unsupported-rows"' in text
    assert re.findall(r'data-row="survey!(\d+)"', text) == [str(n) for n in range(2, 13)]
    assert "Nhóm lặp 'member' (dòng 2) và mọi dòng bên trong" in text


def test_the_preview_shows_each_relevance_as_the_xlsform_expression_it_was_read_from(console: ConsoleClient) -> None:
    """``${dorm} = 'yes'`` in the file reads as the condition 'dorm equals yes'; the preview shows
    it as the admin wrote it, value included, not as an internal operator name."""
    _bad, good = forms(f"xlsform-{uuid.uuid4().hex[:6]}")
    console.login("quantri")
    console.page("/console/checklists")
    response = console.post("/console/checklists/upload", files={"file": ("form.xlsx", good, XLSX)})
    assert response.status_code == 200
    row = re.search(r'<tr class="" data-question="dorm_residents">(.*?)</tr>', response.text, re.S)
    assert row is not None
    assert '<code class="relevance">${dorm} = &#39;yes&#39;</code>' in row.group(1)
    always = re.search(r'<tr class="" data-question="dorm">(.*?)</tr>', response.text, re.S)
    assert always is not None and 'class="relevance"' not in always.group(1)


def test_every_question_kind_has_a_name_in_both_languages_and_the_preview_shows_it(console: ConsoleClient) -> None:
    for kind in QUESTION_KINDS:  # (that each exists is also checked with the templates' texts)
        assert translate("vi", f"qkind_{kind}") != translate("en", f"qkind_{kind}"), kind
    _bad, good = forms(f"xlsform-{uuid.uuid4().hex[:6]}")
    console.login("quantri")
    console.page("/console/checklists")
    response = console.post("/console/checklists/upload", files={"file": ("form.xlsx", good, XLSX)})
    assert response.status_code == 200
    shown = dict(re.findall(r'data-question="(\w+)">.*?<td data-kind="\w+">(.*?)</td>', response.text, re.S))
    assert (shown["team"], shown["masks"], shown["shortages"], shown["sig_rep"]) == (
        "Có/Không",
        "Chọn một",
        "Chọn nhiều",
        "Chữ ký",
    )


def test_an_upload_without_a_file_names_the_spreadsheet_formats_in_vietnamese_only(console: ConsoleClient) -> None:
    console.login("quantri")
    console.page("/console/checklists")
    response = console.post("/console/checklists/upload", files={"other": ("note.txt", b"x", "text/plain")})
    assert response.status_code == 422
    assert "Hãy chọn một tệp bảng kiểm (.xlsx, .xls, .json, .yaml)." in response.text
    assert "Choose a checklist file" not in response.text


@pytest.mark.browser
@pytest.mark.slow
def test_admin_uploads_an_xlsform_sees_the_unsupported_row_fixes_it_and_a_device_pulls_it(
    world: World, browser: object, artifacts_dir: Path
) -> None:
    tid = f"xlsform-{uuid.uuid4().hex[:6]}"
    bad, good = forms(tid)
    page: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    page.get_by_role("link", name="Bảng kiểm").click()

    def upload(content: bytes) -> None:
        page.locator("input[name=file]").set_input_files(
            files=[{"name": f"{tid}.xlsx", "mimeType": XLSX, "buffer": content}]
        )
        page.get_by_role("button", name="Kiểm tra tệp").click()

    upload(bad)
    rows = page.locator("#unsupported-rows")
    expect(rows).to_contain_text("không biểu diễn được 1 dòng")
    row = rows.locator("tr[data-row='survey!4']")
    expect(row).to_contain_text("so_nguoi_x2")
    expect(row).to_contain_text("Phép tính (calculate) chưa được hỗ trợ")
    expect(page.get_by_role("button", name=re.compile("Lưu bản nháp không có 1 dòng"))).to_be_visible()
    shot(page, artifacts_dir, "15-xlsform-upload-unsupported-row")
    page.set_viewport_size({"width": 412, "height": 915})
    shot(page, artifacts_dir, "15-xlsform-upload-unsupported-row-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    upload(good)  # the admin deleted the row and uploads the file again
    expect(page.locator("#unsupported-rows")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Tệp hợp lệ")
    expect(page.locator("tr[data-question='workers']")).to_be_visible()
    shot(page, artifacts_dir, "16-xlsform-upload-valid")
    page.get_by_role("button", name="Lưu bản nháp (v1)").click()
    page.wait_for_url(f"**/console/checklists/{tid}/1")
    expect(page.locator("#import-notes")).to_contain_text(f"{tid}.xlsx")
    page.get_by_role("button", name="Xuất bản thành phiên bản mới").click()
    expect(page.locator("#template-status")).to_have_text("Đang dùng")
    with page.expect_download() as downloaded:
        page.locator("#download-xlsform").click()
    assert read_xlsform(Path(downloaded.value.path()).read_bytes()).template == sample_template(1, tid)
    shot(page, artifacts_dir, "17-xlsform-published")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
    page.close()

    pulled = world.device().pull_all()
    assert pulled[("template", f"{tid}@1", "status")] == "published"
    document = pulled[("template", f"{tid}@1", "document")]
    assert [q["id"] for s in document["sections"] for q in s["questions"]] == [
        q.id for q in sample_template(1, tid).questions()
    ]
