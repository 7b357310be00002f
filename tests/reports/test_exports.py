"""Exports read back with the tools a user would open them with (csv, openpyxl, a GeoJSON
parser and GDAL's GeoJSON driver, which QGIS opens it with): labels as headers, real dates and numbers, one column per option, photo links,
and no text cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import struct
from pathlib import Path

import msgspec
import pyogrio
import pyogrio.raw
import pytest
from geojson_pydantic import FeatureCollection
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from shared_schema.checklist import ChecklistTemplate, Section, YesNoQuestion
from shared_schema.records import Answer, Location
from shared_schema.text import LocalText
from sync_server.reports.exports import (
    FORMULA_STARTS,
    columns_for,
    inspections_csv,
    inspections_geojson,
    inspections_xlsx,
    neutralise,
)
from sync_server.reports.model import ReportData
from tests.reports.sample_report import SITE_NAME, sample_report, sample_site

BASE = "https://kiemtra.example.vn"


def csv_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """(labels, rows keyed by column id) of an exported CSV."""
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    labels, ids = lines[0], lines[1]
    return labels, [dict(zip(ids, line, strict=True)) for line in lines[2:]]


def xlsx_rows(data: bytes, sheet: str) -> tuple[list[str], list[dict[str, object]], object]:
    book = load_workbook(io.BytesIO(data))
    rows = list(book[sheet].iter_rows(values_only=True))
    ids = list(rows[1])
    return list(rows[0]), [dict(zip(ids, r, strict=True)) for r in rows[2:]], book


def two_inspections() -> list[ReportData]:
    first = sample_report(inspection_id="insp-1")
    first.header.score, first.header.result = 70.0, "fail"
    market = sample_site("site-cho", "Chợ Túc Duyên", "TP Thái Nguyên", "CHO_DM")
    second = sample_report(inspection_id="insp-2", site=market, masks="all")
    second.header.location = None
    second.header.score, second.header.result = 100.0, "pass"
    return [first, second]


def test_csv_has_labels_then_ids_and_one_row_per_inspection(reports_dir: Path) -> None:
    data = inspections_csv(two_inspections(), base_url=BASE)
    (reports_dir / "inspections.csv").write_bytes(data)
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM so spreadsheet programs read UTF-8"
    labels, rows = csv_rows(data)
    assert labels[:3] == ["Mã biên bản (hệ thống)", "Số biên bản", "Trạng thái"]
    assert "Số công nhân (người)" in labels or any(label.startswith("Số") for label in labels)
    assert [r["inspection_id"] for r in rows] == ["insp-1", "insp-2"]
    first = rows[0]
    assert first["site_name"] == SITE_NAME
    assert first["masks"] == "Dưới 80%"
    assert first["shortages"] == "Gạo; Khẩu trang"
    assert first["workers"] == "1850"
    assert first["result"] == "Không đạt"
    assert first["failed_critical"] == "Tỷ lệ đeo khẩu trang"
    assert first["status"] == "Đã nộp"
    assert first["started_at"] == "2021-08-05 09:30", "local time, a form every spreadsheet reads as a date"
    assert first["self_check_date"] == "2021-07-30"
    assert first["inspector"] == "Nguyễn Văn An"
    photo = f"{BASE}/console/blobs/{'ab' * 32}"
    assert first["overview"] == photo and first["photos"] == photo
    assert first["record_url"] == f"{BASE}/console/inspections/insp-1"
    assert rows[1]["masks"] == "100%"
    assert rows[1]["site_kind"] == "Chợ đầu mối"


def test_csv_labels_follow_the_language() -> None:
    labels, _ = csv_rows(inspections_csv(two_inspections(), lang="en"))
    assert labels[:3] == ["Inspection id", "Record number", "Status"]


def test_xlsx_has_labels_ids_real_dates_numbers_and_one_column_per_option(reports_dir: Path) -> None:
    data = inspections_xlsx(two_inspections(), lang="en", base_url=BASE)
    (reports_dir / "inspections.xlsx").write_bytes(data)
    labels, body, book = xlsx_rows(data, "Inspections")
    assert labels[0] == "Inspection id"
    ids = list(body[0])
    assert labels[ids.index("masks")] == "Share wearing masks"
    assert labels[ids.index("dorm_residents")].startswith("Dormitory residents")
    assert labels[ids.index("shortages:rice")] == "Items short: Rice"
    assert len(body) == 2
    first = body[0]
    assert first["masks"] == "Under 80%"
    assert first["workers"] == 1850 and first["score"] == 70
    assert first["started_at"] == dt.datetime(2021, 8, 5, 9, 30), "a date cell in local time"
    assert first["self_check_date"] == dt.datetime(2021, 7, 30)
    assert (first["shortages:rice"], first["shortages:masks"], first["shortages:other"]) == (1, 1, 0)
    assert "shortages" not in first
    assert body[1]["site_name"] == "Chợ Túc Duyên"
    sheet = book["Inspections"]  # type: ignore[index]
    link_col = ids.index("record_url") + 1
    assert sheet.cell(row=3, column=link_col).hyperlink.target == f"{BASE}/console/inspections/insp-1"
    photo_col = ids.index("overview") + 1
    assert sheet.cell(row=3, column=photo_col).hyperlink.target == f"{BASE}/console/blobs/{'ab' * 32}"
    legend = list(book["Questions"].iter_rows(values_only=True))  # type: ignore[index]
    assert ("masks", "sample-factory", "masks", None, "Tỷ lệ đeo khẩu trang", "Share wearing masks") in legend
    assert (
        "shortages:rice",
        "sample-factory",
        "shortages",
        "rice",
        "Mặt hàng thiếu: Gạo",
        "Items short: Rice",
    ) in legend


def test_same_question_id_in_two_checklists_gets_two_columns() -> None:
    other = ChecklistTemplate(
        template_id="market",
        version=1,
        title=LocalText("Chợ", "Market"),
        site_kinds=["CHO"],
        scoring=sample_report().template.scoring,
        sections=[
            Section(
                "s",
                LocalText("Chung", "General"),
                [
                    YesNoQuestion(id="masks", label=LocalText("Tiểu thương đeo khẩu trang?", "Traders masked?")),
                ],
            )
        ],
    )
    market = sample_report(inspection_id="insp-3")
    market = msgspec.structs.replace(
        market, template=other, answers={"masks": Answer(inspection_id="insp-3", question_id="masks", value="no")}
    )
    records = [sample_report(), market]
    ids = [c.id for c in columns_for(records)]
    assert "sample-factory.masks" in ids and "market.masks" in ids and "masks" not in ids
    _, rows = csv_rows(inspections_csv(records))
    assert rows[0]["sample-factory.masks"] == "Dưới 80%" and rows[0]["market.masks"] == ""
    assert rows[1]["market.masks"] == "Không" and rows[1]["sample-factory.masks"] == ""


def test_geojson_places_inspections_at_their_location_their_answer_or_their_site() -> None:
    records = two_inspections()
    records[0].header.location = Location(21.5, 105.9)
    records.append(sample_report(inspection_id="insp-nowhere", site=sample_site("s3", "Nhà trọ Hòa Bình")))
    records[2].header.location = None
    records[2].site.location = None
    records[2].answers.pop("gps")
    records[1].answers.pop("gps")
    answered = sample_report(inspection_id="insp-answer")
    answered.header.location = None
    answered.answers["gps"].value = {"lat": 21.6, "lon": 105.8, "accuracy_m": 5}
    records.append(answered)
    text = inspections_geojson(records, base_url=BASE)
    collection = FeatureCollection.model_validate_json(text)  # RFC 7946 as a real parser reads it
    assert collection.type == "FeatureCollection"
    features = {f["id"]: f for f in json.loads(text)["features"]}
    assert features["insp-1"]["geometry"] == {"type": "Point", "coordinates": [105.9, 21.5]}
    assert features["insp-1"]["properties"]["location_source"] == "inspection"
    assert features["insp-answer"]["geometry"]["coordinates"] == [105.8, 21.6]
    assert features["insp-answer"]["properties"]["location_source"] == "answer"
    assert features["insp-2"]["geometry"]["coordinates"] == [105.9871, 21.4932]
    assert features["insp-2"]["properties"]["location_source"] == "site"
    assert features["insp-2"]["properties"]["site_name"] == "Chợ Túc Duyên"
    assert features["insp-2"]["properties"]["url"] == f"{BASE}/console/inspections/insp-2"
    assert features["insp-nowhere"]["geometry"] is None


def test_every_located_record_is_a_valid_point_in_a_geojson_parser() -> None:
    records = [sample_report(inspection_id=f"insp-{n}") for n in range(20)]
    for n, record in enumerate(records):
        record.header.location = Location(20.5 + n / 100, 105.5 + n / 100) if n % 2 else None
    records[4].site.location = Location(91.0, 200.0)  # not a place on Earth: no geometry rather than a bad one
    records[4].answers.pop("gps")
    collection = FeatureCollection.model_validate_json(inspections_geojson(records))
    located = [f for f in collection.features if f.id != "insp-4"]
    assert len(located) == 19 and all(f.geometry is not None and f.geometry.type == "Point" for f in located)
    for feature in located:
        lon, lat = feature.geometry.coordinates  # type: ignore[union-attr]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert next(f for f in collection.features if f.id == "insp-4").geometry is None


FORMULAS = ["=1+1", "+84 912", "-5", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://evil","bấm")']


def formula_report(text: str) -> list[ReportData]:
    record = sample_report(inspection_id="insp-formula")
    record.answers["manager"].value = text
    record.header.findings = text
    record.site.name = text
    return [record]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_looking_text_is_inert_in_csv(text: str) -> None:
    _, rows = csv_rows(inspections_csv(formula_report(text)))
    for column in ("manager", "findings", "site_name"):
        assert rows[0][column] == "'" + text


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_looking_text_is_inert_in_xlsx(text: str) -> None:
    data = inspections_xlsx(formula_report(text))
    book = load_workbook(io.BytesIO(data))
    sheet = book["Biên bản"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no formula anywhere"
    ids = [c.value for c in sheet[2]]
    for column in ("manager", "findings", "site_name"):
        cell = sheet.cell(row=3, column=ids.index(column) + 1)
        # XML cannot hold a bare CR: XlsxWriter writes the escape Excel reads back as CR (openpyxl leaves it)
        assert cell.value == text.replace("\r", "_x000D_")
        assert cell.data_type == "s" and cell.quotePrefix, "text, marked so an edit keeps it text"


@given(st.text(max_size=30))
def test_neutralised_csv_text_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(FORMULA_STARTS)
    assert out in (text, "'" + text)


def test_empty_exports_still_have_their_header() -> None:
    rows = list(csv.reader(io.StringIO(inspections_csv([]).decode("utf-8-sig"))))
    assert rows[0][0] == "Mã biên bản (hệ thống)" and rows[1][0] == "inspection_id" and len(rows) == 2
    book = load_workbook(io.BytesIO(inspections_xlsx([])))
    assert book.active.max_row == 2
    assert json.loads(inspections_geojson([]))["features"] == []


def _wkb_point(wkb: bytes) -> list[float]:
    """The (lon, lat) of a WKB point as GDAL hands it over."""
    order = "<" if wkb[0] == 1 else ">"
    kind, lon, lat = struct.unpack(order + "Idd", wkb[1:21])
    assert kind == 1, "a point"
    return [lon, lat]


def test_gdals_geojson_driver_the_reader_qgis_uses_opens_the_export_intact(reports_dir: Path) -> None:
    """QGIS opens a GeoJSON file through GDAL's GeoJSON driver: read with it, the export is one
    point layer in WGS 84 with every feature, its geometry (or none) and its Vietnamese text."""
    records = two_inspections()
    records[0].header.location = Location(21.5, 105.9)
    nowhere = sample_report(inspection_id="insp-nowhere", site=sample_site("s3", "Nhà trọ Hòa Bình", "H. Đồng Hỷ"))
    nowhere.header.location = nowhere.site.location = None
    nowhere.answers.pop("gps")
    records.append(nowhere)
    data = inspections_geojson(records, base_url=BASE)
    path = reports_dir / "inspections.geojson"  # kept: open it in QGIS to look at it
    path.write_bytes(data)

    info = pyogrio.read_info(path)
    assert (info["driver"], info["crs"], info["geometry_type"], info["features"]) == (
        "GeoJSON",
        "EPSG:4326",
        "Point",
        len(records),
    )
    meta, _, geometries, columns = pyogrio.raw.read(path)
    read = [dict(zip(meta["fields"], values, strict=True)) for values in zip(*columns, strict=True)]
    written = json.loads(data)["features"]
    assert [r["inspection_id"] for r in read] == [f["id"] for f in written]
    for feature, row, wkb in zip(written, read, geometries, strict=True):
        if feature["geometry"] is None:
            assert wkb is None
        else:
            assert _wkb_point(wkb) == feature["geometry"]["coordinates"]
        for name, value in feature["properties"].items():
            got = row[name]
            if isinstance(value, str) and meta["dtypes"][list(meta["fields"]).index(name)] == "object":
                assert got == value, name  # Vietnamese text byte for byte
            elif name == "started_at":
                assert str(got).startswith(value.removesuffix("Z")), name  # a real date-time column
            elif isinstance(value, (int, float)):
                assert got == value, name  # a number column
    by_id = {r["inspection_id"]: r for r in read}
    assert by_id["insp-2"]["site_name"] == "Chợ Túc Duyên" and by_id["insp-nowhere"]["district"] == "H. Đồng Hỷ"
    assert by_id["insp-1"]["result_label"] == "Không đạt"
