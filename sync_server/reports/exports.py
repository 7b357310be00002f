"""Exports of a list of inspections: CSV, XLSX (one row per inspection, answers one column
per question) and GeoJSON (each inspection at its recorded location, else its site's).

The columns are the same in CSV and XLSX: first the header facts of an inspection, then one
column per question of the checklists in the export, in checklist order. A question column
is named by the question id; when two different checklists in one export use the same
question id, the column is named ``template_id.question_id`` so they never mix.

Every format is written one record at a time from an iterable (``csv_chunks`` and
``geojson_chunks`` yield pieces for a streamed response), so an export of any size needs
the columns up front (``columns_for_templates``) but never all records in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import msgspec
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shared_schema.checklist import ChecklistTemplate, NumberQuestion, Question
from shared_schema.relevance import is_given
from shared_schema.scoring import score
from shared_schema.text import LocalText
from sync_server.reports.formatting import (
    answer_text,
    fmt_datetime,
    inspection_kind_label,
    site_kind_label,
    status_label,
)
from sync_server.reports.model import ReportData

Cell = str | int | float | None
ROWS_PER_CHUNK = 200


class Column(msgspec.Struct, frozen=True):
    """One export column: a stable id (the CSV header, XLSX row 1) and a label (XLSX row 2)."""

    id: str
    label: LocalText
    # For answer columns: which checklist and question the column holds.
    template_id: str | None = None
    question_id: str | None = None


def _band_label(data: ReportData, lang: str) -> str:
    band_id = data.header.result
    for band in data.template.scoring.bands:
        if band.id == band_id:
            return band.label.get(lang)
    return band_id or ""


def _location(data: ReportData) -> tuple[float | None, float | None, str]:
    if data.header.location is not None:
        return data.header.location.lat, data.header.location.lon, "inspection"
    if data.site.location is not None:
        return data.site.location.lat, data.site.location.lon, "site"
    return None, None, ""


def _failed_labels(data: ReportData, lang: str) -> str:
    questions = data.template.question_map()
    failed = score(data.template, data.values()).failed_critical
    return "; ".join(questions[q].label.get(lang) for q in failed)


HeaderGetter = Callable[[ReportData, str], Cell]

HEADER_COLUMNS: list[tuple[str, LocalText, HeaderGetter]] = [
    ("inspection_id", LocalText("Mã biên bản (hệ thống)", "Inspection id"), lambda d, _: d.header.id),
    ("record_number", LocalText("Số biên bản", "Record number"), lambda d, _: d.header.record_number or ""),
    ("status", LocalText("Trạng thái", "Status"), lambda d, lang: status_label(d.header.status, lang)),
    (
        "started_at",
        LocalText("Thời gian kiểm tra", "Inspected at"),
        lambda d, lang: fmt_datetime(d.header.started_at, lang),
    ),
    (
        "completed_at",
        LocalText("Hoàn thành lúc", "Completed at"),
        lambda d, lang: fmt_datetime(d.header.completed_at, lang),
    ),
    ("kind", LocalText("Hình thức", "Kind"), lambda d, lang: inspection_kind_label(d.header.kind, lang)),
    ("site_code", LocalText("Mã cơ sở", "Site code"), lambda d, _: d.site.code),
    ("site_name", LocalText("Tên cơ sở", "Site name"), lambda d, _: d.site.name),
    ("site_kind", LocalText("Loại cơ sở", "Site kind"), lambda d, lang: site_kind_label(d.site.kind, lang)),
    ("district", LocalText("Huyện/Thành phố", "District"), lambda d, _: d.site.district),
    ("template_id", LocalText("Bảng kiểm", "Checklist"), lambda d, _: d.header.template_id),
    ("template_version", LocalText("Phiên bản", "Version"), lambda d, _: d.header.template_version),
    ("inspector", LocalText("Cán bộ kiểm tra", "Inspector"), lambda d, _: d.inspector_name or d.header.inspector or ""),
    ("team", LocalText("Đoàn kiểm tra", "Team"), lambda d, _: "; ".join(m.name for m in d.header.team)),
    ("score", LocalText("Điểm (%)", "Score (%)"), lambda d, _: d.header.score),
    ("result", LocalText("Kết quả", "Result"), _band_label),
    ("failed_critical", LocalText("Mục trọng yếu không đạt", "Failed critical items"), _failed_labels),
    ("findings", LocalText("Nhận xét, kết luận", "Findings"), lambda d, _: d.header.findings or ""),
    ("lat", LocalText("Vĩ độ", "Latitude"), lambda d, _: _location(d)[0]),
    ("lon", LocalText("Kinh độ", "Longitude"), lambda d, _: _location(d)[1]),
]


def columns_for_templates(templates: Iterable[ChecklistTemplate]) -> list[Column]:
    """The header columns, then one column per question of every checklist in ``templates``.

    Questions come in checklist order; checklists in the order they first appear; for a
    checklist seen in several versions, the newest version's label and order win, and
    questions only an older version has follow.
    """
    columns = [Column(cid, label) for cid, label, _ in HEADER_COLUMNS]
    versions: dict[str, dict[int, ChecklistTemplate]] = {}
    for template in templates:
        versions.setdefault(template.template_id, {}).setdefault(template.version, template)
    per_template: dict[str, list[Question]] = {}
    for tid, by_version in versions.items():
        questions: dict[str, Question] = {}
        for version in sorted(by_version, reverse=True):
            for q in by_version[version].questions():
                questions.setdefault(q.id, q)
        per_template[tid] = list(questions.values())
    owners: dict[str, set[str]] = {}
    for tid, questions in per_template.items():
        for q in questions:
            owners.setdefault(q.id, set()).add(tid)
    for tid, questions in per_template.items():
        for q in questions:
            cid = q.id if len(owners[q.id]) == 1 else f"{tid}.{q.id}"
            columns.append(Column(cid, q.label, template_id=tid, question_id=q.id))
    return columns


def columns_for(records: Sequence[ReportData]) -> list[Column]:
    """``columns_for_templates`` of the records' checklists."""
    return columns_for_templates(r.template for r in records)


def _answer_cell(record: ReportData, column: Column, lang: str, questions: dict[str, Question]) -> Cell:
    if record.template.template_id != column.template_id or column.question_id is None:
        return None
    answer = record.answers.get(column.question_id)
    question = questions.get(column.question_id)
    if answer is None or question is None or not is_given(answer.value):
        return None
    if isinstance(question, NumberQuestion) and isinstance(answer.value, (int, float)):
        return answer.value
    return answer_text(question, answer.value, lang)


def rows_for(records: Iterable[ReportData], columns: Sequence[Column], lang: str = "vi") -> Iterator[list[Cell]]:
    """The cells of every record, in the order of ``columns``, one record at a time."""
    getters = {cid: getter for cid, _, getter in HEADER_COLUMNS}
    question_maps: dict[tuple[str, int], dict[str, Question]] = {}  # per checklist version
    for record in records:
        key = (record.template.template_id, record.template.version)
        questions = question_maps.get(key)
        if questions is None:
            questions = question_maps[key] = record.template.question_map()
        yield [
            getters[column.id](record, lang)
            if column.question_id is None
            else _answer_cell(record, column, lang, questions)
            for column in columns
        ]


def csv_chunks(records: Iterable[ReportData], columns: Sequence[Column], lang: str = "vi") -> Iterator[bytes]:
    """CSV in pieces of about ``ROWS_PER_CHUNK`` rows, UTF-8 with a byte-order mark (so
    spreadsheet programs read Vietnamese right); the header row holds the column ids."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([c.id for c in columns])
    for n, row in enumerate(rows_for(records, columns, lang), start=1):
        writer.writerow(["" if cell is None else cell for cell in row])
        if n % ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def inspections_csv(records: Sequence[ReportData], lang: str = "vi") -> bytes:
    """The whole CSV of ``records`` (``csv_chunks`` with their columns)."""
    return b"".join(csv_chunks(records, columns_for(records), lang))


def _header_cells(sheet: Any, values: Iterable[Any]) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E1E8F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    return cells


def inspections_xlsx(records: Iterable[ReportData], lang: str = "vi", columns: Sequence[Column] | None = None) -> bytes:
    """An XLSX workbook: row 1 the column ids, row 2 their labels, then one row per inspection;
    a second sheet lists every question column with its Vietnamese and English label. Rows
    are written as they come (openpyxl's write-only mode), so memory holds the file, not
    the sheet; ``columns`` is required when ``records`` is not a sequence."""
    if columns is None:
        records = list(records)
        columns = columns_for(records)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Biên bản" if lang == "vi" else "Inspections")
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if column.question_id else 18
    sheet.freeze_panes = "C3"
    sheet.append(_header_cells(sheet, [c.id for c in columns]))
    sheet.append(_header_cells(sheet, [c.label.get(lang) for c in columns]))
    for row in rows_for(records, columns, lang):
        sheet.append(row)
    legend = book.create_sheet("Câu hỏi" if lang == "vi" else "Questions")
    legend.append(_header_cells(legend, ["column", "template_id", "question_id", "label_vi", "label_en"]))
    for column in columns:
        if column.question_id:
            legend.append([column.id, column.template_id, column.question_id, column.label.vi, column.label.en])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _feature(record: ReportData, lang: str) -> dict[str, Any]:
    lat, lon, source = _location(record)
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return {
        "type": "Feature",
        "id": record.header.id,
        "geometry": geometry,
        "properties": {
            "inspection_id": record.header.id,
            "record_number": record.header.record_number,
            "status": record.header.status,
            "status_label": status_label(record.header.status, lang),
            "site_id": record.site.id,
            "site_code": record.site.code,
            "site_name": record.site.name,
            "site_kind": record.site.kind,
            "district": record.site.district,
            "template_id": record.header.template_id,
            "template_version": record.header.template_version,
            "started_at": record.header.started_at,
            "score": record.header.score,
            "result": record.header.result,
            "result_label": _band_label(record, lang),
            "location_source": source or None,
        },
    }


def geojson_chunks(records: Iterable[ReportData], lang: str = "vi") -> Iterator[bytes]:
    """A GeoJSON FeatureCollection, one feature per line: a Point per inspection at its
    recorded location, or at its site's location (``location_source`` says which); null
    geometry when neither is known."""
    yield b'{"type": "FeatureCollection", "features": [\n'
    separator = b""
    for record in records:
        yield separator + json.dumps(_feature(record, lang), ensure_ascii=False).encode("utf-8")
        separator = b",\n"
    yield b"\n]}\n"


def inspections_geojson(records: Iterable[ReportData], lang: str = "vi") -> bytes:
    """The whole GeoJSON of ``records``."""
    return b"".join(geojson_chunks(records, lang))
