"""The reports package is plain Python: importing it pulls in no web framework."""

from __future__ import annotations

import subprocess
import sys


def test_reports_import_no_web_framework() -> None:
    code = (
        "import sys, sync_server.reports.inspection_pdf, sync_server.reports.exports, sync_server.reports.dashboard\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('litestar', 'jinja2', 'uvicorn')"
        " or m.startswith(('sync_server.http', 'sync_server.console'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
