"""The four kinds of malformed XLSForm issue 17 names (not a spreadsheet, no survey sheet, a
name used twice, an unknown choice list), each with what its error says in English and in
Vietnamese; used by the CLI tests (both databases) and the console tests."""

from __future__ import annotations

import io

import openpyxl


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """An ``.xlsx`` with these sheets and rows."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# kind → (file content, part of the English error, part of the Vietnamese error)
MALFORMED: dict[str, tuple[bytes, str, str]] = {
    "not a spreadsheet": (b"type,name,label\ntext,a,A\n", "not an Excel spreadsheet", "không phải bảng tính"),
    "no survey sheet": (
        workbook({"choices": [["list_name", "name"], ["yn", "yes"]]}),
        "no 'survey' sheet (it has: choices)",
        "không có trang 'survey'",
    ),
    "a name used twice": (
        workbook({"survey": [["type", "name", "label"], ["text", "ten", "Tên"], ["integer", "ten", "Số"]]}),
        "The name 'ten' is used twice (rows 2 and 3)",
        "Tên 'ten' dùng hai lần (dòng 2 và 3)",
    ),
    "an unknown choice list": (
        workbook(
            {
                "survey": [["type", "name", "label"], ["select_one mau", "mau", "Màu"]],
                "choices": [["list_name", "name", "label"], ["co_khong", "yes", "Có"]],
            }
        ),
        "uses the choice list 'mau', which the 'choices' sheet lacks",
        "dùng danh sách lựa chọn 'mau'",
    ),
}
