"""Fonts shipped with the record renderer: DejaVu Sans (regular and bold), which has every
Vietnamese glyph. Licence: Bitstream Vera / public domain, see LICENSE-DejaVu.txt."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
LICENSE = FONT_DIR / "LICENSE-DejaVu.txt"
