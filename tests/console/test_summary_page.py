"""The summary report through the real server: the console page with its period picker, the
XLSX and PDF downloads, the API for supervisors only, and a bad period refused."""

from __future__ import annotations

import io

import httpx
import pytest
from openpyxl import load_workbook

from tests.console.conftest import DISTRICT, ConsoleClient, World

pytestmark = pytest.mark.slow
PERIOD = {"from": "2021-08-01", "to": "2021-08-31"}  # the console device's inspections start on 5 August 2021


def test_the_summary_page_shows_the_period_and_offers_both_files(world: World, console: ConsoleClient) -> None:
    world.device().submit_inspection(world.site_id, masks="all")
    console.login("giamsat")
    page = console.page("/console/summary", **PERIOD)
    assert page.status_code == 200 and "Báo cáo tổng hợp" in page.text
    assert "01/08/2021" in page.text and DISTRICT in page.text and "Gạo tẻ thường" in page.text
    assert "/console/reports/summary.xlsx?from=2021-08-01&amp;to=2021-08-31" in page.text
    book = load_workbook(io.BytesIO(console.page("/console/reports/summary.xlsx", **PERIOD).content))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    mine = next(r for r in rows if r[0] == DISTRICT)
    assert isinstance(mine[2], int) and mine[2] >= 1 and mine[3] >= 1
    pdf = console.page("/console/reports/summary.pdf", **PERIOD)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_bad_period_is_refused_on_the_page_and_in_the_api(world: World, console: ConsoleClient) -> None:
    console.login("giamsat")
    page = console.page("/console/summary", **{"from": "2021-08-31", "to": "2021-08-01"})
    assert page.status_code == 422 and "Ngày kết thúc phải sau ngày bắt đầu" in page.text
    with world.api("giamsat") as api:
        refused = api.get("/api/v1/reports/summary.pdf", params={"from": "2021-13-01", "to": "2021-08-01"})
        assert refused.status_code == 422
        assert api.get("/api/v1/reports/summary.doc", params=PERIOD).status_code == 404


def test_the_summary_api_serves_supervisors_not_inspectors(world: World) -> None:
    with world.api("giamsat") as api:
        response = api.get("/api/v1/reports/summary.xlsx", params=PERIOD)
        assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    with world.api("thanhtra") as api:
        assert api.get("/api/v1/reports/summary.xlsx", params=PERIOD).status_code == 403
    assert httpx.get(f"{world.base_url}/api/v1/reports/summary.xlsx", params=PERIOD).status_code == 401


def test_the_price_table_writes_figures_as_the_reader_s_language_does() -> None:
    """The page's price cells go through the ``lnum`` filter: ``17.500`` and ``12,9`` in
    Vietnamese, ``17,500`` and ``12.9`` in English."""
    from sync_server.console.web import env
    from tests.reports.test_summary_report import sample_summary

    assert "|lnum(lang" in (env.loader.get_source(env, "summary.html")[0] if env.loader else "")
    lnum = env.filters["lnum"]
    rice = next(p for p in sample_summary().prices if p.change_pct is not None and p.current is not None)
    assert lnum(rice.current, "vi") == f"{rice.current:,.0f}".replace(",", ".")
    assert lnum(rice.change_pct, "vi", 1) == f"{rice.change_pct:.1f}".replace(".", ",")
    assert lnum(rice.change_pct, "en", 1) == f"{rice.change_pct:.1f}"
    assert lnum(126000.0, "en") == "126,000" and lnum(126000.0, "vi") == "126.000" and lnum(None, "vi") == ""
