"""A plan's coverage as CSV and XLSX (issue 14): one row per assignment with its site,
district, team, due day and status as people read them, Vietnamese or English."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from shared_schema.assignments import STATUS_LABELS
from sync_server.core.plans import AssignmentView, Coverage

HEADERS = {
    "vi": ["Mã cơ sở", "Tên cơ sở", "Huyện/Thành phố", "Đoàn", "Hạn", "Trạng thái", "Số lần kiểm tra", "Biên bản"],
    "en": ["Site code", "Site name", "District", "Team", "Due", "Status", "Visits", "Inspections"],
}


def _row(view: AssignmentView, lang: str) -> list[object]:
    d = view.document
    label = STATUS_LABELS.get(view.shown_status)
    status = (label.en if lang == "en" else label.vi) if label else view.shown_status
    return [d.site_code, d.site_name, d.district, d.team_name, d.due_date, status, d.visits, len(view.inspection_ids)]


def coverage_rows(views: list[AssignmentView], lang: str) -> list[list[object]]:
    return [HEADERS["en" if lang == "en" else "vi"], *(_row(v, lang) for v in views)]


def coverage_csv(coverage: Coverage, views: list[AssignmentView], lang: str = "vi") -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Vietnamese letters."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(coverage_rows(views, lang))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def coverage_xlsx(coverage: Coverage, views: list[AssignmentView], lang: str = "vi") -> bytes:
    """Two sheets: the totals by district and team, and every assignment."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Tổng hợp" if lang != "en" else "Summary"
    heads = (
        ["", "Kế hoạch", "Đã kiểm tra", "Chưa kiểm tra", "Quá hạn"]
        if lang != "en"
        else ["", "Planned", "Visited", "Pending", "Overdue"]
    )
    summary.append([coverage.plan.name])
    summary["A1"].font = Font(bold=True)
    p = coverage.plan.progress
    summary.append(heads)
    summary.append(["Tổng" if lang != "en" else "Total", p.planned, p.visited, p.pending, p.overdue])
    for row in [*coverage.by_district, *coverage.by_team]:
        q = row.progress
        summary.append([row.label, q.planned, q.visited, q.pending, q.overdue])
    sheet = book.create_sheet("Cơ sở" if lang != "en" else "Sites")
    for row in coverage_rows(views, lang):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
