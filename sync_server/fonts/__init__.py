"""Fonts the server uses: DejaVu Sans (regular and bold), which has every Vietnamese glyph. They
ship with the record renderer (``record_pdf.fonts``), which the field app uses too."""

from __future__ import annotations

from record_pdf.fonts import BOLD, FONT_DIR, LICENSE, REGULAR

__all__ = ["BOLD", "FONT_DIR", "LICENSE", "REGULAR"]
