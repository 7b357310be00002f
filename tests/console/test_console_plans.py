"""Inspection plans in the console against a real server, without a browser: the form's
preview and its refusals, the coverage page after a synced visit, the CSV/XLSX of coverage,
the follow-up button, the dashboard, closing."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from openpyxl import load_workbook

from tests.console.conftest import DISTRICT, ConsoleClient, World
from tests.console.test_downloads import assert_one_filename

pytestmark = pytest.mark.slow


def plan_form(name: str, **extra: str) -> dict[str, str]:
    return {
        "name": name,
        "purpose": "Kiểm tra thực hiện 5K",
        "template_id": "sample-factory",
        "window_from": "2021-08-01",
        "window_to": "2999-08-31",
        "visits": "1",
        "mode": "codes",
        "codes": "DN-PY-002",
        "team1_name": "Đoàn 1",
        "team1_lead": "thanhtra",
        **extra,
    }


def plan_id_of(response_location: str) -> str:
    match = re.fullmatch(r"/console/plans/([0-9a-f-]+)", response_location)
    assert match, response_location
    return match.group(1)


def test_preview_counts_and_bad_codes_are_named_row_by_row(world: World, console: ConsoleClient) -> None:
    console.login("giamsat")
    assert console.page("/console/plans/new").status_code == 200
    preview = console.post("/console/plans/new", {**plan_form("Xem trước"), "action": "preview"})
    assert preview.status_code == 200
    assert "Sẽ lập 1 việc kiểm tra" in preview.text and DISTRICT in preview.text
    name = f"Đợt lỗi {uuid.uuid4().hex[:6]}"
    bad = console.post("/console/plans/new", plan_form(name, codes="DN-PY-002\nKHONG-CO\nCHO-SC-001"))
    assert bad.status_code == 422
    assert "Dòng 2: không có cơ sở mã &#39;KHONG-CO&#39;" in bad.text
    assert "Dòng 3: không có cơ sở mã &#39;CHO-SC-001&#39;" in bad.text  # another district's market
    no_lead = console.post("/console/plans/new", plan_form(name, team1_lead="giamsat"))
    assert no_lead.status_code == 422 and "không phải thanh tra viên" in no_lead.text
    assert name not in console.page("/console/plans").text
    # the codes can come as a file: a CSV with a header row and the codes in its first column
    upload = console.post(
        "/console/plans/new",
        {**plan_form(name, codes=""), "action": "preview"},
        files={"codes_file": ("ma-co-so.csv", "code,ghi chú\nDN-PY-002,xưởng 2\nX-9,\n".encode(), "text/csv")},
    )
    assert upload.status_code == 422 and "Dòng 2: không có cơ sở mã &#39;X-9&#39;" in upload.text
    # a NUL in the file is refused, saying so (on PostgreSQL looking the code up was a 500)
    nul = console.post(
        "/console/plans/new",
        {**plan_form(name, codes=""), "action": "preview"},
        files={"codes_file": ("ma-co-so.csv", b"code\nDN-PY-\x00002\n", "text/csv")},
    )
    assert nul.status_code == 400 and "ký tự NUL (mã 0) trong tệp mã cơ sở" in nul.text
    assert "NUL character" not in nul.text  # no English for a Vietnamese reader
    assert name not in console.page("/console/plans").text


def test_a_synced_visit_shows_in_coverage_and_a_failed_one_gets_a_follow_up(
    world: World, console: ConsoleClient
) -> None:
    console.login("giamsat")
    console.page("/console/plans/new")
    name = f"Đợt kiểm tra tháng 8 {uuid.uuid4().hex[:6]}"
    created = console.post("/console/plans/new", plan_form(name))
    assert created.status_code == 303, created.text
    plan_id = plan_id_of(created.headers["location"])
    page = console.page(f"/console/plans/{plan_id}")
    assert 'id="n-planned">1<' in page.text and 'id="n-visited">0<' in page.text

    device = world.device("thanhtra")
    pulled = device.pull_all()
    assignment = next(
        v for (entity, _id, _f), v in pulled.items() if entity == "assignment" and v.get("plan_id") == plan_id
    )
    assert assignment["site_id"] == world.site_id and assignment["team_name"] == "Đoàn 1"
    iid = device.submit_inspection(world.site_id, masks="few", assignment_id=assignment["id"])

    page = console.page(f"/console/plans/{plan_id}")
    assert 'id="n-visited">1<' in page.text and 'id="n-pending">0<' in page.text
    csv_file = console.page(f"/console/plans/{plan_id}/export/coverage.csv")
    rows = list(csv.reader(io.StringIO(csv_file.text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Mã cơ sở", "Tên cơ sở"] and rows[1][0] == "DN-PY-002" and rows[1][5] == "Đã kiểm tra"
    xlsx_file = console.page(f"/console/plans/{plan_id}/export/coverage.xlsx")
    book = load_workbook(io.BytesIO(xlsx_file.content))
    assert book.worksheets[0]["A1"].value == name
    # named like every other download (RFC 6266: an ASCII filename and a UTF-8 filename*)
    for fmt, download in (("csv", csv_file), ("xlsx", xlsx_file)):
        assert_one_filename(download.headers["content-disposition"], f"bao-phu-2021-08-01-{plan_id[:8]}.{fmt}")

    inspection = console.page(f"/console/inspections/{iid}")
    assert 'id="follow-up"' in inspection.text
    followed = console.post(f"/console/inspections/{iid}/follow-up")
    assert followed.status_code == 303
    followed_page = console.page(f"/console/inspections/{iid}").text
    assert "Đã giao việc kiểm tra lại" in followed_page
    assert 'id="follow-up"' not in followed_page  # no button while the follow-up is still to do
    twice = console.post(f"/console/inspections/{iid}/follow-up")  # a form sent twice gives no second visit
    assert twice.status_code == 409 and "đã có việc kiểm tra lại chưa làm xong" in twice.text
    pulled = device.pull_all()
    follow = [v for (entity, _id, _f), v in pulled.items() if entity == "assignment" and v.get("follow_up_of") == iid]
    assert [f["due_date"] for f in follow] == ["2021-08-12"]  # the corrective-action deadline

    assert name in console.page("/console/dashboard").text
    closed = console.post(f"/console/plans/{plan_id}/close")
    assert closed.status_code == 303
    assert "Đã đóng" in console.page(f"/console/plans/{plan_id}").text
    assert name not in console.page("/console/dashboard").text


def test_an_inspector_cannot_open_the_plans_and_another_districts_supervisor_sees_nothing(
    world: World, console: ConsoleClient
) -> None:
    console.login("giamsat")
    console.page("/console/plans/new")
    created = console.post("/console/plans/new", plan_form(f"Đợt riêng {uuid.uuid4().hex[:6]}"))
    plan_id = plan_id_of(created.headers["location"])
    other = ConsoleClient(world.base_url)
    try:
        other.login("giamsat_b")
        assert other.page(f"/console/plans/{plan_id}").status_code == 404
        assert plan_id not in other.page("/console/plans").text
    finally:
        other.close()


def _gap_row(dashboard: str, code: str) -> str:
    """The row of the dashboard's "not inspected lately" list that names ``code``."""
    section = dashboard[dashboard.index('id="not-inspected"') :]
    rows = [r for r in section.split("<tr>") if code in r]
    assert len(rows) == 1, f"{code} is not listed once among the sites not inspected lately"
    return rows[0].split("</tr>")[0]


def test_an_open_plan_is_edited_in_the_form_bad_edits_change_nothing_and_uncovered_sites_stay_visible(
    world: World, console: ConsoleClient
) -> None:
    code = f"DN-PY-{uuid.uuid4().hex[:6].upper()}"
    with world.api("quantri") as admin:
        admin.post(
            # the dashboard lists the first 200 never-inspected sites by name: this one sorts first,
            # whatever sites the other tests on this server added
            "/api/v1/sites",
            json={"code": code, "name": f"AAA Xưởng {code}", "kind": "DN_SX", "district": DISTRICT},
        ).raise_for_status()
    console.login("giamsat")
    # a site no plan covers and nobody visited stays on the dashboard, marked as in no plan
    assert "Chưa có kế hoạch" in _gap_row(console.page("/console/dashboard").text, code)
    console.page("/console/plans/new")
    name = f"Đợt sửa {uuid.uuid4().hex[:6]}"
    created = console.post("/console/plans/new", plan_form(name, codes="DN-PY-002"))
    plan_id = plan_id_of(created.headers["location"])
    page = console.page(f"/console/plans/{plan_id}")
    assert 'id="edit-plan"' in page.text

    # refused edits name the problem and change nothing
    reversed_window = console.post(
        f"/console/plans/{plan_id}/edit", {"name": "Tên mới", "window_from": "2021-08-01", "window_to": "2021-07-01"}
    )
    assert reversed_window.status_code == 422 and 'id="plan-errors"' in reversed_window.text
    unknown = console.post(f"/console/plans/{plan_id}/edit", {"add_codes": f"{code}\nKHONG-CO"})
    assert unknown.status_code == 422 and "Dòng 2: không có cơ sở mã &#39;KHONG-CO&#39;" in unknown.text
    page = console.page(f"/console/plans/{plan_id}")
    assert name in page.text and "Tên mới" not in page.text and 'id="n-planned">1<' in page.text

    # a good edit: a new name, the new site added, the first site's work cancelled
    saved = console.post(
        f"/console/plans/{plan_id}/edit",
        {"name": f"{name} (sửa)", "window_to": "2999-09-30", "add_codes": code, "cancel_codes": "DN-PY-002"},
    )
    assert saved.status_code == 303, saved.text
    page = console.page(f"/console/plans/{plan_id}")
    assert f"{name} (sửa)" in page.text and "30/09/2999" in page.text
    assert 'id="n-planned">1<' in page.text and "Đã hủy: <strong>1<" in page.text
    assert "Đã có trong kế hoạch" in _gap_row(console.page("/console/dashboard").text, code)
    exported = console.page(f"/console/plans/{plan_id}/export/coverage.pdf")
    assert exported.status_code == 404 and "Không tìm thấy trang hoặc bản ghi này." in exported.text
    assert "coverage.csv" not in exported.text  # no file names shown to the reader

    console.post(f"/console/plans/{plan_id}/close")
    assert 'id="edit-plan"' not in console.page(f"/console/plans/{plan_id}").text
    assert "Chưa có kế hoạch" in _gap_row(console.page("/console/dashboard").text, code)
