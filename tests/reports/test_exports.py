"""Exports read back with the tools a user would open them with (csv, openpyxl, json)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import msgspec
from openpyxl import load_workbook

from shared_schema.checklist import ChecklistTemplate, Section, YesNoQuestion
from shared_schema.records import Answer, Location
from shared_schema.text import LocalText
from sync_server.reports.exports import columns_for, inspections_csv, inspections_geojson, inspections_xlsx
from sync_server.reports.model import ReportData
from tests.reports.sample_report import SITE_NAME, sample_report, sample_site


def two_inspections() -> list[ReportData]:
    first = sample_report(inspection_id="insp-1")
    first.header.score, first.header.result = 70.0, "fail"
    market = sample_site("site-cho", "Chợ Túc Duyên", "TP Thái Nguyên", "CHO_DM")
    second = sample_report(inspection_id="insp-2", site=market, masks="all")
    second.header.location = None
    second.header.score, second.header.result = 100.0, "pass"
    return [first, second]


def test_csv_has_one_row_per_inspection_and_one_column_per_question(artifacts_dir: Path) -> None:
    data = inspections_csv(two_inspections())
    (artifacts_dir / "reports").mkdir(exist_ok=True)
    (artifacts_dir / "reports" / "inspections.csv").write_bytes(data)
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM so spreadsheet programs read UTF-8"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["inspection_id"] for r in rows] == ["insp-1", "insp-2"]
    first = rows[0]
    assert first["site_name"] == SITE_NAME
    assert first["masks"] == "Dưới 80%"
    assert first["shortages"] == "Gạo; Khẩu trang"
    assert first["workers"] == "1850"
    assert first["result"] == "Không đạt"
    assert first["failed_critical"] == "Tỷ lệ đeo khẩu trang"
    assert first["status"] == "Đã nộp"
    assert rows[1]["masks"] == "100%"
    assert rows[1]["site_kind"] == "Chợ đầu mối"


def test_xlsx_has_ids_and_labels_in_the_header_and_numbers_as_numbers(artifacts_dir: Path) -> None:
    data = inspections_xlsx(two_inspections(), lang="en")
    (artifacts_dir / "reports").mkdir(exist_ok=True)
    (artifacts_dir / "reports" / "inspections.xlsx").write_bytes(data)
    book = load_workbook(io.BytesIO(data))
    sheet = book["Inspections"]
    rows = list(sheet.iter_rows(values_only=True))
    ids, labels = rows[0], rows[1]
    assert ids[0] == "inspection_id"
    col = ids.index("masks")
    assert labels[col] == "Share wearing masks"
    assert labels[ids.index("dorm_residents")] == "Dormitory residents"
    body = [dict(zip(ids, r, strict=True)) for r in rows[2:]]
    assert len(body) == 2
    assert body[0]["masks"] == "Under 80%"
    assert body[0]["workers"] == 1850
    assert body[0]["score"] == 70
    assert body[1]["site_name"] == "Chợ Túc Duyên"
    legend = list(book["Questions"].iter_rows(values_only=True))
    assert ("masks", "sample-factory", "masks", "Tỷ lệ đeo khẩu trang", "Share wearing masks") in legend


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
    rows = list(csv.DictReader(io.StringIO(inspections_csv(records).decode("utf-8-sig"))))
    assert rows[0]["sample-factory.masks"] == "Dưới 80%" and rows[0]["market.masks"] == ""
    assert rows[1]["market.masks"] == "Không" and rows[1]["sample-factory.masks"] == ""


def test_geojson_places_inspections_at_their_location_or_their_site() -> None:
    records = two_inspections()
    records[0].header.location = Location(21.5, 105.9)
    records.append(sample_report(inspection_id="insp-nowhere", site=sample_site("s3", "Nhà trọ Hòa Bình")))
    records[2].header.location = None
    records[2].site.location = None
    collection = json.loads(inspections_geojson(records))
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    assert features["insp-1"]["geometry"] == {"type": "Point", "coordinates": [105.9, 21.5]}
    assert features["insp-1"]["properties"]["location_source"] == "inspection"
    assert features["insp-2"]["geometry"]["coordinates"] == [105.9871, 21.4932]
    assert features["insp-2"]["properties"]["location_source"] == "site"
    assert features["insp-2"]["properties"]["site_name"] == "Chợ Túc Duyên"
    assert features["insp-nowhere"]["geometry"] is None


def test_empty_exports_still_have_their_header() -> None:
    rows = list(csv.reader(io.StringIO(inspections_csv([]).decode("utf-8-sig"))))
    assert rows[0][0] == "inspection_id" and len(rows) == 1
    book = load_workbook(io.BytesIO(inspections_xlsx([])))
    assert book.active.max_row == 2
    assert json.loads(inspections_geojson([]))["features"] == []
