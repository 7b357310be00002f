"""XLSForm files for import tests."""

from __future__ import annotations

import io

import openpyxl


def with_a_calculate_row(form: bytes) -> bytes:
    """``form`` (an XLSForm) with a calculate row, which a checklist cannot express, inserted as
    survey row 4."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    survey = book["survey"]
    survey.insert_rows(4)
    column = survey.max_column + 1
    survey.cell(row=1, column=column, value="calculation")
    survey.cell(row=4, column=1, value="calculate")
    survey.cell(row=4, column=2, value="so_nguoi_x2")
    survey.cell(row=4, column=column, value="${workers} * 2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
