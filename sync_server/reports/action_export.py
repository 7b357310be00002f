"""Corrective actions as CSV and XLSX (the console board's downloads): one row per action,
the columns in the reader's language, dates as dates, overdue as yes/no."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import xlsxwriter

from shared_schema import actions as rules
from shared_schema.records import SITE_KINDS
from shared_schema.text import LocalText
from sync_server.core.actions import ActionItem
from sync_server.reports.exports import neutralise

COLUMNS: list[tuple[str, LocalText]] = [
    ("record_number", LocalText("Số biên bản", "Record no.")),
    ("site", LocalText("Cơ sở", "Site")),
    ("site_kind", LocalText("Loại cơ sở", "Site kind")),
    ("district", LocalText("Huyện/TP", "District")),
    ("question_id", LocalText("Mục kiểm tra", "Checklist item")),
    ("description", LocalText("Biện pháp khắc phục", "Corrective action")),
    ("deadline", LocalText("Thời hạn", "Deadline")),
    ("status", LocalText("Trạng thái", "Status")),
    ("overdue", LocalText("Quá hạn", "Overdue")),
    ("responsible", LocalText("Người chịu trách nhiệm", "Responsible")),
    ("phone", LocalText("Điện thoại", "Phone")),
    ("fixed_on", LocalText("Ngày khắc phục", "Fixed on")),
    ("id", LocalText("Mã biện pháp", "Action id")),
]


def _cells(item: ActionItem, lang: str) -> list[str | dt.date | None]:
    yes, no = ("Có", "Không") if lang == "vi" else ("Yes", "No")
    kind = SITE_KINDS.get(item.site_kind or "")
    return [
        item.record_number,
        item.site_name or item.site_id,
        kind.get(lang) if kind else item.site_kind,
        item.district,
        item.question_id,
        item.description,
        rules.parse_deadline(item.deadline),
        rules.STATUS_LABELS[item.status].get(lang) if item.status in rules.STATUS_LABELS else item.status,
        yes if item.overdue else no,
        item.responsible_name,
        item.responsible_phone,
        rules.parse_deadline(item.fixed_on),
        item.id,
    ]


def csv_chunks(items: Iterable[ActionItem], lang: str) -> Iterator[bytes]:
    """The CSV with a BOM (so spreadsheet programs read UTF-8), dates as DD/MM/YYYY in
    Vietnamese and YYYY-MM-DD in English, every text made inert against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label.get(lang) for _, label in COLUMNS])
    yield ("\ufeff" + buffer.getvalue()).encode()
    for item in items:
        buffer.seek(0)
        buffer.truncate()
        row = []
        for cell in _cells(item, lang):
            if isinstance(cell, dt.date):
                row.append(cell.strftime("%d/%m/%Y") if lang == "vi" else cell.isoformat())
            else:
                row.append(neutralise(cell or ""))
        writer.writerow(row)
        yield buffer.getvalue().encode()


def write_xlsx(path: Path, items: Iterable[ActionItem], lang: str) -> None:
    """The workbook: one sheet, a frozen header, dates as dates, text never as a formula."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    try:
        sheet = book.add_worksheet("Bien phap khac phuc" if lang == "vi" else "Corrective actions")
        bold = book.add_format({"bold": True})
        date = book.add_format({"num_format": "dd/mm/yyyy" if lang == "vi" else "yyyy-mm-dd"})
        for col, (_, label) in enumerate(COLUMNS):
            sheet.write_string(0, col, label.get(lang), bold)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, len(COLUMNS) - 1, 18)
        for r, item in enumerate(items, start=1):
            for col, cell in enumerate(_cells(item, lang)):
                if isinstance(cell, dt.date):
                    sheet.write_datetime(r, col, dt.datetime(cell.year, cell.month, cell.day), date)
                elif cell:
                    sheet.write_string(r, col, cell)
    finally:
        book.close()
