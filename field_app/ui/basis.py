"""The legal basis of a question in words an inspector reads (the "Căn cứ" toggle).

A checklist's ``basis`` is an author's note: abbreviations ("SCT TN 5/2021", "QĐ 2194"), design
notes ("(design)"), research files ("CHECKLISTS.md §3.1"), news sources and verification remarks
("chưa xác minh điều khoản"). Inspectors see only the legal documents, written out in Vietnamese;
a question whose basis is only a design choice shows no basis at all.
"""

from __future__ import annotations

import re

# Parts of a basis that are not a legal document: never shown.
_NOT_LEGAL = re.compile(r"\(design\)|\(context\)|\.md\b|§|\bVOV\d?\b|\.com\.vn|\.vn\b|https?://", re.I)
# Remarks about how far the source was checked.
_REMARKS = (
    (re.compile(r",\s*(?:chưa|một phần đã|đã) xác minh[^();]*", re.I), ""),
    (re.compile(r"\s*\((?:chưa|một phần đã|đã) xác minh[^()]*\)", re.I), ""),
)
# Abbreviations written out (order matters: the specific before the general).
_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\bSCT TN 5/2021\b"),
        "Văn bản chỉ đạo tháng 5/2021 của Sở Công Thương tỉnh Thái Nguyên",
    ),
    (
        re.compile(r"\bQĐ (\d+)/QĐ-BCĐQG\b"),
        r"Quyết định số \1/QĐ-BCĐQG của Ban Chỉ đạo quốc gia phòng, chống dịch COVID-19",
    ),
    (re.compile(r"\bQĐ 2194\b(?!/)"), "Quyết định số 2194/QĐ-BCĐQG"),
    (re.compile(r"\bQĐ (\d+)/QĐ-BYT\b"), r"Quyết định số \1/QĐ-BYT của Bộ Y tế"),
    (re.compile(r"\bCV (\d+)/BYT-MT\b"), r"Công văn số \1/BYT-MT của Bộ Y tế"),
    (re.compile(r"\bCV (\d+)/SCT-"), r"Công văn số \1/SCT-"),
    (re.compile(r"\bvà (\d+)/SCT-"), r"và số \1/SCT-"),
    (
        re.compile(r"\bVăn bản 2041/UBND-KGVX(?: \(13/5/2021\))?"),
        "Văn bản số 2041/UBND-KGVX ngày 13/5/2021 của UBND tỉnh Thái Nguyên",
    ),
    (re.compile(r"^5K\s*[–-]\s*(.+?)(?:\s*\(Bộ Y tế\))?$"), r"Thông điệp 5K của Bộ Y tế (\1)"),
    (re.compile(r"\bCông ty CP\b"), "Công ty cổ phần"),
    (re.compile(r"^5K\s*\(Bộ Y tế\)$"), "Thông điệp 5K của Bộ Y tế"),
    (re.compile(r"\bNLĐ\b"), "người lao động"),
    (re.compile(r"\bCCN\b"), "cụm công nghiệp"),
    (re.compile(r"\bKCN\b"), "khu công nghiệp"),
    (re.compile(r"\bSXKD\b"), "sản xuất, kinh doanh"),
)


def _part(text: str) -> str | None:
    text = text.strip()
    if "(design)" in text:
        # "Thiết kế bộ câu hỏi (design), theo nguyên tắc … của QĐ 2194" keeps what follows
        _, _, rest = text.partition("(design)")
        text = rest.strip(" ,")
    if not text or _NOT_LEGAL.search(text):
        return None
    for pattern, replacement in _REMARKS:
        text = pattern.sub(replacement, text)
    for pattern, replacement in _WORDS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\s{2,}", " ", text).strip(" ,")
    return text[:1].upper() + text[1:] if text else None


def legal_basis(basis: str | None) -> str | None:
    """The legal documents a question rests on, in full Vietnamese words (one per line), or None
    when the basis names none (a design choice of the checklist)."""
    if not basis:
        return None
    parts = [p for p in (_part(piece) for piece in basis.split(";")) if p]
    unique = list(dict.fromkeys(parts))
    return "\n".join(unique) if unique else None
