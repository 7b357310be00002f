"""Every download names its file with an RFC 6266 ``Content-Disposition``: a Vietnamese
record number, a quote or a line break in a record number or an inspection id never breaks
the header (no 500, no second ``filename``, no cut connection)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_server.http.downloads import ascii_fallback, content_disposition
from sync_server.reports.inspection_pdf import pdf_file_stem
from tests.console.conftest import ConsoleClient, World
from tests.support.downloads import assert_one_filename, filenames

AWKWARD_RECORD = 'Số 01/BB-ĐKT "gấp"\r\nSet-Cookie: x=1'
AWKWARD_ID = 'Biên bản "Đợt 2" số 7'


@given(st.text(max_size=80))
def test_any_name_gives_one_parsable_ascii_header(name: str) -> None:
    header = content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    plain, decoded = filenames(header)  # never a parse failure
    assert plain and decoded
    fallback = ascii_fallback(name)
    assert '"' not in fallback and "\\" not in fallback


def test_an_awkward_record_number_gives_a_plain_pdf_name_and_one_header() -> None:
    name = pdf_file_stem(AWKWARD_RECORD, "x") + ".pdf"
    assert name == "bien-ban-So-01-BB-DKT-gap-Set-Cookie-x-1.pdf"
    assert_one_filename(content_disposition(name, inline=True), name)


def test_a_vietnamese_record_number_keeps_its_letters_and_has_a_plain_fallback() -> None:
    header = content_disposition("bien-ban-Số 01/BB-ĐKT.pdf", inline=True)
    assert header.startswith("inline; ")
    assert 'filename="bien-ban-So 01-BB-DKT.pdf"' in header
    assert_one_filename(header, "bien-ban-Số 01-BB-ĐKT.pdf")


@pytest.mark.slow
def test_pdfs_with_an_awkward_record_number_and_id_download_from_console_and_api(
    world: World, console: ConsoleClient
) -> None:
    # Record numbers are the server's (SYNC_RECORD_NUMBER_FORMAT); the awkward id names the
    # draft's file, and the file name of any record number is made ASCII-safe first.
    iid = world.device().submit_inspection(world.site_id, inspection_id=AWKWARD_ID, submit=False)
    path = quote(iid, safe="")
    console.login("giamsat")
    page = console.page(f"/console/inspections/{path}/report.pdf")
    assert page.status_code == 200, page.text
    assert page.content.startswith(b"%PDF")
    assert_one_filename(page.headers["content-disposition"], pdf_file_stem(None, AWKWARD_ID) + ".pdf")
    with world.api("giamsat") as api:
        pdf = api.get(f"/api/v1/inspections/{path}/report.pdf")
        assert pdf.status_code == 200
        assert_one_filename(pdf.headers["content-disposition"], pdf_file_stem(None, AWKWARD_ID) + ".pdf")
        for fmt in ("csv", "xlsx", "geojson"):
            export = api.get(f"/api/v1/exports/inspections.{fmt}")
            assert export.status_code == 200
            assert_one_filename(export.headers["content-disposition"], f"inspections.{fmt}")
    for fmt in ("csv", "xlsx", "geojson"):
        export = console.page(f"/console/exports/inspections.{fmt}")
        assert export.status_code == 200
        assert_one_filename(export.headers["content-disposition"], f"inspections.{fmt}")


@pytest.mark.slow
def test_an_admin_opening_unknown_records_gets_404_pages_not_500(world: World, console: ConsoleClient) -> None:
    console.login("quantri")
    for path in (
        "/console/inspections/nope",
        "/console/inspections/nope/report.pdf",
        "/console/sites/nope",
        f"/console/checklists/sample-factory/{10**30}",
    ):
        page = console.page(path)
        assert page.status_code == 404, (path, page.status_code)
        assert "<html" in page.text and "Không" in page.text
    console.page("/console/inspections")
    review = console.post("/console/inspections/nope/review", {"decision": "approve"})
    assert review.status_code == 404
    resolve = console.post("/console/conflicts/nope/resolve", {"inspection_id": "nope"})
    assert resolve.status_code == 404
    far_page = console.page("/console/inspections", page=str(10**30))
    assert far_page.status_code == 200
    nul = console.page("/console/inspections", district="a\x00b")
    assert nul.status_code == 400 and "NUL" in nul.text
    with world.api("quantri") as api:
        for path in ("/api/v1/inspections/nope/report.pdf", "/api/v1/sites/nope", "/api/v1/inspections/nope"):
            answer = api.get(path)
            assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"


def test_the_console_csv_downloads_name_their_charset_once(world: World, console: ConsoleClient) -> None:
    console.login("quantri")
    for path in (
        "/console/sites/template.csv",
        "/console/exports/inspections.csv",
        "/console/exports/actions/actions.csv",
    ):
        page = console.page(path)
        assert page.status_code == 200, (path, page.status_code)
        assert page.headers["content-type"] == "text/csv; charset=utf-8", path
