"""The summary report upward laid out as XLSX and PDF (plain Python): the numbers of
``core.summary.Summary`` reach the files as numbers, in Vietnamese or English; the PDF is
read back with pdftotext and its page rendered for a person to look at."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path

import msgspec
from openpyxl import load_workbook

from sync_server.core.summary import COUNTS, PRICE_ITEMS, GroupRow, PriceRow, Summary
from sync_server.reports.summary_report import summary_pdf, summary_xlsx
from tests.reports.poppler import require_poppler


def sample_summary() -> Summary:
    rows = [
        GroupRow(
            district="TP Thái Nguyên",
            site_kind="CHO",
            sites=12,
            inspections=14,
            passed=10,
            not_passed=3,
            no_result=1,
            actions=4,
            overdue=1,
            awaiting=1,
            fixed=5,
            fixed_on_time=4,
            out_of_province_workers=0,
        ),
        GroupRow(
            district="TX Phổ Yên",
            site_kind="DN_SX",
            sites=8,
            inspections=8,
            passed=6,
            not_passed=2,
            actions=3,
            overdue=2,
            fixed=1,
            out_of_province_workers=1250,
        ),
    ]
    # the total row: each counted column summed over the rows
    total = GroupRow(district="", site_kind="", **{name: sum(getattr(r, name) for r in rows) for name in COUNTS})
    values = {
        "rice": (17500.0, 15500.0),
        "pork": (126000.0, 120000.0),
        "eggs": (32000.0, None),
        "vegetables": (None, None),
    }
    prices = []
    for item in PRICE_ITEMS:
        now, before = values[item.id]
        change = now - before if now is not None and before is not None else None
        prices.append(
            PriceRow(
                item=item,
                current=now,
                current_count=2 if now else 0,
                previous=before,
                previous_count=2 if before else 0,
                change=change,
                change_pct=round(change / before * 100, 1) if change is not None and before else None,
            )
        )
    return Summary(
        date_from=dt.date(2021, 5, 10),
        date_to=dt.date(2021, 5, 16),
        previous_from=dt.date(2021, 5, 3),
        previous_to=dt.date(2021, 5, 9),
        districts=["TP Thái Nguyên", "TX Phổ Yên"],
        rows=rows,
        total=total,
        prices=prices,
    )


def test_the_summary_workbook_holds_the_numbers_as_numbers(reports_dir: Path) -> None:
    data = summary_xlsx(sample_summary())
    (reports_dir / "summary.xlsx").write_bytes(data)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("BÁO CÁO TỔNG HỢP")
    assert "10/05/2021" in rows[1][0] and "16/05/2021" in rows[1][0]
    header = rows[4]
    assert header[:3] == ["Huyện/Thành phố", "Loại cơ sở", "Số cơ sở được kiểm tra"]
    assert rows[5][:4] == ["TP Thái Nguyên", "Chợ", 12, 14]
    column = {name: header.index(name) for name in header if name}
    assert rows[7][0] == "Tổng cộng" and rows[7][column["NLĐ ngoại tỉnh"]] == 1250
    # violations found and fixed, as numbers under their own headers, per group and in total
    found, fixed = column["Vi phạm phát hiện"], column["Đã khắc phục (xác minh trong kỳ)"]
    assert [r[found] for r in rows[5:8]] == [4, 3, 7] and [r[fixed] for r in rows[5:8]] == [5, 1, 6]
    assert [r[column["Trong đó đúng hạn"]] for r in rows[5:8]] == [4, 0, 4]
    assert [r[column["Trong đó chờ xác minh"]] for r in rows[5:8]] == [1, 0, 1]
    assert found < column["Trong đó quá hạn"] < fixed
    rice = next(r for r in rows if r[0] == "Gạo tẻ thường")
    assert rice[2] == 17500 and rice[4] == 15500 and rice[6] == 2000 and rice[6] == rice[2] - rice[4]
    eggs = next(r for r in rows if r[0] == "Trứng gà")
    assert eggs[4] is None and eggs[6] is None


def test_the_summary_pdf_reads_in_vietnamese_and_english(reports_dir: Path) -> None:
    require_poppler()
    for lang in ("vi", "en"):
        pdf = summary_pdf(sample_summary(), lang)
        path = reports_dir / f"summary-{lang}.pdf"
        path.write_bytes(pdf)
        text = re.sub(
            r"\s+", " ", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
        )
        if lang == "vi":
            # Vietnamese separators
            assert "BÁO CÁO TỔNG HỢP" in text and "Gạo tẻ thường" in text and "+2.000" in text and "+12,9" in text
            assert "TX Phổ Yên" in text and "1.250" in text
            assert "Vi phạm phát hiện trong kỳ" in text and "Khắc phục trong kỳ" in text
        else:
            assert "SUMMARY OF COVID-19 INSPECTIONS" in text and "Ordinary white rice" in text and "Lean pork" in text
            assert "Violations found in the period" in text and "Fixed in the period" in text
            assert "+2,000" in text and "+12.9" in text and "1,250" in text  # English separators
        # the total row, read in layout order: found 7 (3 overdue, 1 awaiting), fixed 6 (4 on time)
        layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
        total_line = next(line for line in layout.decode().splitlines() if line.strip().startswith(("Tổng", "Total")))
        workers = "1.250" if lang == "vi" else "1,250"
        assert total_line.split()[-11:] == ["20", "22", "16", "5", "1", "7", "3", "1", "6", "4", workers]
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(path), str(reports_dir / f"summary-{lang}")],
            check=True,
            capture_output=True,
        )


def test_a_long_summary_runs_over_numbered_pages_and_keeps_the_price_table_whole(reports_dir: Path) -> None:
    """Nine districts by four kinds: the table goes on over pages with its heading repeated,
    every page says which it is ("Trang 2/3"), and the price table is not cut in two."""
    require_poppler()
    districts = ["TP Thái Nguyên", "TP Sông Công", "TX Phổ Yên", "H. Đại Từ", "H. Định Hóa", "H. Đồng Hỷ"]
    districts += ["H. Phú Bình", "H. Phú Lương", "H. Võ Nhai"]
    rows = [
        GroupRow(district=d, site_kind=k, sites=i + j, inspections=2 * (i + j), passed=i + j, actions=j, fixed=i)
        for i, d in enumerate(districts)
        for j, k in enumerate(("CHO", "DN_SX", "ST", "NT"))
    ]
    report = msgspec.structs.replace(sample_summary(), rows=rows)
    path = reports_dir / "summary-long-vi.pdf"
    path.write_bytes(summary_pdf(report, "vi"))
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    texts = pages.decode().split("\f")[:-1]
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"Trang {number}/{len(texts)}" in text
    table_pages = [t for t in texts if "Vi phạm phát hiện trong kỳ" in t]
    assert len(table_pages) >= 2, "the heading is repeated on the next page"
    price_page = next(t for t in texts if "Giá một số mặt hàng" in t)
    assert all(item.label.vi in price_page for item in PRICE_ITEMS)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(reports_dir / "summary-long-vi")], check=True)
