"""poppler-utils (pdftotext, pdftoppm, pdfimages) read the PDFs in tests the way a reader
would. Where they are missing and we are root on Debian, they are installed, as the browser
tests do for Chromium; otherwise the test fails saying how to get them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = ("pdftotext", "pdftoppm", "pdfimages")
HOW_TO_GET_THEM = "These tests read PDFs with poppler-utils: install them with `apt-get install -y poppler-utils`."


def _missing() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def require_poppler() -> None:
    if not _missing():
        return
    if os.geteuid() == 0 and Path("/etc/debian_version").exists() and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "poppler-utils"], check=False, capture_output=True, timeout=600
        )
    if _missing():
        pytest.fail(f"{HOW_TO_GET_THEM} Missing: {', '.join(_missing())}", pytrace=False)
