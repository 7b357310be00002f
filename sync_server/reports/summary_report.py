"""The summary report upward (báo cáo tổng hợp) as XLSX and PDF, from ``core.summary.Summary``
(plain data: the numbers are worked out there, here only laid out in Vietnamese or English)."""

from __future__ import annotations

import io
import os
import tempfile
from typing import NamedTuple

import xlsxwriter
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from shared_schema.text import LocalText
from sync_server import fonts
from sync_server.core.summary import COUNTS, GroupRow, Summary
from sync_server.reports.formatting import fmt_date, fmt_number_local, site_kind_label

T = LocalText
TITLE = T("BÁO CÁO TỔNG HỢP KẾT QUẢ KIỂM TRA PHÒNG, CHỐNG DỊCH COVID-19", "SUMMARY OF COVID-19 INSPECTIONS")
GROUP_HEADERS = [
    T("Huyện/Thành phố", "District"),
    T("Loại cơ sở", "Site kind"),
    T("Số cơ sở được kiểm tra", "Sites inspected"),
    T("Số lượt kiểm tra", "Inspections"),
    T("Đạt", "Passed"),
    T("Không đạt", "Not passed"),
    T("Chưa có kết quả", "No result"),
    T("Vi phạm phát hiện", "Violations found"),
    T("Trong đó quá hạn", "Of them overdue"),
    T("Trong đó chờ xác minh", "Of them awaiting check"),
    T("Đã khắc phục (xác minh trong kỳ)", "Fixed (verified in the period)"),
    T("Trong đó đúng hạn", "Of them on time"),
    T("NLĐ ngoại tỉnh", "Workers from other provinces"),
]
# The PDF groups columns under a band (first column, how many, label) and names the grouped
# columns shortly under it (column → label), the other headers spanning both heading rows.
PDF_BANDS: tuple[tuple[int, int, LocalText], ...] = (
    (4, 3, T("Kết quả kiểm tra", "Results")),
    (7, 3, T("Vi phạm phát hiện trong kỳ", "Violations found in the period")),
    (10, 2, T("Khắc phục trong kỳ", "Fixed in the period")),
)
PDF_SHORT: dict[int, LocalText] = {
    7: T("Số vi phạm", "Found"),
    10: T("Đã khắc phục, đã xác minh", "Fixed and verified"),
}


class HeadingCell(NamedTuple):
    text: str
    colspan: int = 1
    rowspan: int = 1


def group_heading(lang: str) -> tuple[list[HeadingCell], list[HeadingCell]]:
    """The two heading rows of the table per district and kind (PDF and console page): bands
    over the grouped columns, the other headers spanning both rows."""
    top: list[HeadingCell] = []
    below: list[HeadingCell] = []
    bands = {first: (span, label) for first, span, label in PDF_BANDS}
    inside = {c for first, span, _ in PDF_BANDS for c in range(first, first + span)}
    for c, header in enumerate(GROUP_HEADERS):
        if c in bands:
            top.append(HeadingCell(bands[c][1].get(lang), colspan=bands[c][0]))
        if c in inside:
            below.append(HeadingCell(PDF_SHORT.get(c, header).get(lang)))
        else:
            top.append(HeadingCell(header.get(lang), rowspan=2))
    return top, below


PRICE_HEADERS = [
    T("Mặt hàng", "Item"),
    T("Đơn vị", "Unit"),
    T("Giá kỳ này (bình quân)", "Mean price, this period"),
    T("Số lượt ghi", "Prices recorded"),
    T("Giá kỳ trước (bình quân)", "Mean price, previous period"),
    T("Số lượt ghi", "Prices recorded"),
    T("Thay đổi", "Change"),
    T("Thay đổi (%)", "Change (%)"),
]
TOTAL = T("Tổng cộng", "Total")
PAGE = T("Trang", "Page")
PRICES = T("Giá một số mặt hàng thiết yếu tại chợ, siêu thị", "Prices of essential goods at markets and supermarkets")
NOTE = T(
    "Số liệu từ các biên bản đã nộp (không tính bản nháp). Vi phạm phát hiện = biện pháp khắc phục đặt ra trong kỳ;"
    " quá hạn = chưa được xác minh khi đã qua thời hạn (tính đến ngày cuối kỳ); chờ xác minh = cơ sở đã báo khắc"
    " phục, đoàn chưa xác minh. Đã khắc phục = biện pháp được xác minh (đóng) trong kỳ, kể cả vi phạm phát hiện từ"
    " kỳ trước; đúng hạn = ngày khắc phục không muộn hơn thời hạn."
    " Thay đổi giá = giá bình quân kỳ này − kỳ trước có cùng độ dài.",
    "From inspections handed in (drafts excluded). Violations found = corrective actions set in the period;"
    " overdue = not verified with the deadline past (on the period's last day); awaiting check = reported fixed by"
    " the site, not yet verified. Fixed = actions verified (closed) in the period, including violations found"
    " earlier; on time = fixed no later than the deadline."
    " Price change = this period's mean price − the previous period's of the same length.",
)


def period_text(report: Summary, lang: str) -> str:
    if lang == "vi":
        return (
            f"Kỳ báo cáo: từ {fmt_date(report.date_from, lang)} đến {fmt_date(report.date_to, lang)}"
            f" (kỳ trước: {fmt_date(report.previous_from, lang)} – {fmt_date(report.previous_to, lang)})"
        )
    return (
        f"Period: {fmt_date(report.date_from, lang)} to {fmt_date(report.date_to, lang)}"
        f" (previous: {fmt_date(report.previous_from, lang)} – {fmt_date(report.previous_to, lang)})"
    )


def districts_text(report: Summary, lang: str) -> str:
    names = ", ".join(report.districts) or ("—")
    return ("Địa bàn: " if lang == "vi" else "Districts: ") + names


def group_cells(row: GroupRow, lang: str, total: bool = False) -> list[str | int]:
    return [
        TOTAL.get(lang) if total else row.district,
        "" if total else site_kind_label(row.site_kind, lang),
        *(int(getattr(row, name)) for name in COUNTS),
    ]


def price_cells(report: Summary, lang: str) -> list[list[str | float | int | None]]:
    return [
        [
            p.item.label.get(lang),
            p.item.unit.get(lang),
            p.current,
            p.current_count,
            p.previous,
            p.previous_count,
            p.change,
            p.change_pct,
        ]
        for p in report.prices
    ]


def summary_xlsx(report: Summary, lang: str = "vi") -> bytes:
    """The summary as a workbook: one sheet with the title, the period, the table per district
    and kind with a total row, and the price table (numbers as numbers)."""
    with tempfile.TemporaryDirectory(prefix="summary-") as tmp:
        path = os.path.join(tmp, "summary.xlsx")
        book = xlsxwriter.Workbook(path)
        sheet = book.add_worksheet("Tổng hợp" if lang == "vi" else "Summary")
        title = book.add_format({"bold": True, "font_size": 13})
        head = book.add_format({"bold": True, "bg_color": "#E1E8F0", "text_wrap": True, "valign": "top", "border": 1})
        cell = book.add_format({"border": 1})
        bold = book.add_format({"border": 1, "bold": True})
        money = book.add_format({"border": 1, "num_format": "#,##0"})
        pct = book.add_format({"border": 1, "num_format": "0.0"})
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 1, 26)
        sheet.set_column(2, len(GROUP_HEADERS) - 1, 13)
        sheet.write_string(0, 0, TITLE.get(lang), title)
        sheet.write_string(1, 0, period_text(report, lang))
        sheet.write_string(2, 0, districts_text(report, lang))
        row = 4
        for c, header in enumerate(GROUP_HEADERS):
            sheet.write_string(row, c, header.get(lang), head)
        for group in report.rows:
            row += 1
            for c, value in enumerate(group_cells(group, lang)):
                (sheet.write_number if isinstance(value, int) else sheet.write_string)(row, c, value, cell)
        row += 1
        for c, value in enumerate(group_cells(report.total, lang, total=True)):
            (sheet.write_number if isinstance(value, int) else sheet.write_string)(row, c, value, bold)
        row += 2
        sheet.write_string(row, 0, PRICES.get(lang), title)
        row += 1
        for c, header in enumerate(PRICE_HEADERS):
            sheet.write_string(row, c, header.get(lang), head)
        for values in price_cells(report, lang):
            row += 1
            for c, value in enumerate(values):
                if value is None:
                    sheet.write_blank(row, c, None, cell)
                elif isinstance(value, str):
                    sheet.write_string(row, c, value, cell)
                else:
                    sheet.write_number(row, c, value, pct if c == 7 else money if c in (2, 4, 6) else cell)
        row += 2
        sheet.write_string(row, 0, NOTE.get(lang))
        book.close()
        with open(path, "rb") as handle:
            return handle.read()


def _fmt(value: float | int | None, lang: str = "vi", signed: bool = False, decimals: int = 2) -> str:
    """A figure as the reader's language writes it (``126.000`` and ``12,9`` in Vietnamese,
    ``126,000`` and ``12.9`` in English), signed for a change."""
    if value is None:
        return "—"
    text = fmt_number_local(value, lang, decimals)
    return ("+" + text) if signed and value > 0 else text


class _SummaryPDF(FPDF):
    """Numbered pages ("Trang 2/3"): a summary of many districts runs over several."""

    page_label = "Trang"

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, f"{self.page_label} {self.page_no()}/{{nb}}", align="R")


def summary_pdf(report: Summary, lang: str = "vi") -> bytes:
    """The summary as an A4 landscape PDF (DejaVu Sans, every Vietnamese glyph)."""
    pdf = _SummaryPDF(orientation="L", unit="mm", format="A4")
    pdf.page_label = PAGE.get(lang)
    pdf.add_font("DejaVu", "", str(fonts.REGULAR))
    pdf.add_font("DejaVu", "B", str(fonts.BOLD))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, TITLE.get(lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, period_text(report, lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 6, districts_text(report, lang), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8.5)
    widths = (28, 29, 19, 22, 15, 17, 17, 19, 19, 20, 24, 20, 24)
    bold = FontFace(emphasis="BOLD", fill_color=(225, 232, 240))
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", "LEFT", *["RIGHT"] * len(COUNTS)),
        line_height=5,
        num_heading_rows=2,
        headings_style=bold,
    ) as table:
        top, below = group_heading(lang)
        for cells in (top, below):
            heading = table.row()
            for cell in cells:
                heading.cell(cell.text, align="CENTER", colspan=cell.colspan, rowspan=cell.rowspan)
        for group in report.rows:
            table.row([_fmt(v, lang) if isinstance(v, int) else v for v in group_cells(group, lang)])
        table.row(
            [_fmt(v, lang) if isinstance(v, int) else v for v in group_cells(report.total, lang, total=True)],
            style=FontFace(emphasis="BOLD"),
        )
    pdf.ln(5)
    if pdf.will_page_break(7 + 11 * (len(report.prices) + 2) + 14):
        pdf.add_page()  # the price table and its note stay together on one page
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, PRICES.get(lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 8.5)
    with pdf.table(
        col_widths=(56, 26, 34, 20, 34, 20, 34, 26),
        text_align=("LEFT", "LEFT", *["RIGHT"] * 6),
        line_height=5,
        headings_style=bold,
    ) as table:
        heading = table.row()
        for h in PRICE_HEADERS:
            heading.cell(h.get(lang), align="CENTER")
        for p in report.prices:
            table.row(
                [
                    p.item.label.get(lang),
                    p.item.unit.get(lang),
                    _fmt(p.current, lang),
                    str(p.current_count),
                    _fmt(p.previous, lang),
                    str(p.previous_count),
                    _fmt(p.change, lang, signed=True),
                    _fmt(p.change_pct, lang, signed=True, decimals=1),
                ]
            )
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4.5, NOTE.get(lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()
