"""The "Căn cứ" toggle shows legal documents in words, never authors' notes or file names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from field_app.ui.basis import legal_basis

CHECKLISTS = Path(__file__).resolve().parents[3] / "sync_server" / "content" / "checklists"
NOT_FOR_INSPECTORS = re.compile(
    r"design|context|\.md|§|xác minh|VOV|\.vn|SCT TN|\bQĐ \d|\bCV \d|\bNLĐ\b|\bCCN\b|\bKCN\b|\bSXKD\b", re.I
)


def shipped_bases() -> list[str]:
    found = []
    for path in sorted(CHECKLISTS.glob("*.yaml")):
        for section in yaml.safe_load(path.read_text(encoding="utf-8"))["sections"]:
            found += [q["basis"] for q in section["questions"] if q.get("basis")]
    return sorted(set(found))


@pytest.mark.parametrize("basis", shipped_bases())
def test_no_shipped_basis_shows_notes_abbreviations_or_file_names(basis: str):
    shown = legal_basis(basis)
    assert shown is None or not NOT_FOR_INSPECTORS.search(shown), shown


@pytest.mark.parametrize(
    ("basis", "shown"),
    [
        ("Thiết kế bộ câu hỏi (design)", None),
        ("CHECKLISTS.md §3.1 (loại cơ sở)", None),
        ("VOV2 2021 (quy định tại KCN)", None),
        ("QĐ 2787/QĐ-BYT", "Quyết định số 2787/QĐ-BYT của Bộ Y tế"),
        (
            "SCT TN 5/2021 (quản lý NLĐ ngoại tỉnh); VOV2 2021",
            "Văn bản chỉ đạo tháng 5/2021 của Sở Công Thương tỉnh Thái Nguyên (quản lý người lao động ngoại tỉnh)",
        ),
        (
            "SCT TN 5/2021 (không có hiện tượng tăng giá); quy định niêm yết giá (Luật Giá, chưa xác minh điều khoản)",
            "Văn bản chỉ đạo tháng 5/2021 của Sở Công Thương tỉnh Thái Nguyên (không có hiện tượng tăng giá)\n"
            "Quy định niêm yết giá (Luật Giá)",
        ),
        ("5K – Khử khuẩn (Bộ Y tế)", "Thông điệp 5K của Bộ Y tế (Khử khuẩn)"),
    ],
)
def test_a_basis_is_written_out_in_full_vietnamese(basis: str, shown: str | None):
    assert legal_basis(basis) == shown


def test_most_shipped_questions_still_show_a_legal_basis():
    bases = shipped_bases()
    assert sum(1 for b in bases if legal_basis(b)) > len(bases) * 0.8
