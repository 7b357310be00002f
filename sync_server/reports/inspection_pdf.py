"""The inspection record ("Biên bản kiểm tra") as a PDF, the document a site receives.

The renderer lives in ``record_pdf.inspection_pdf`` so that the field app renders the very same
record offline; here it gets the server's settings: the agency header and place
(``record_settings``) and the time zone (``SYNC_TIMEZONE``).
"""

from __future__ import annotations

import dataclasses

from record_pdf import inspection_pdf as _shared
from record_pdf.inspection_pdf import SIGNATURE_ROLES, L, pdf_file_stem, signature_states
from record_pdf.settings import RecordSettings
from sync_server.core import local_time, record_settings
from sync_server.reports.model import BlobLoader, ReportData


def server_record_settings() -> RecordSettings:
    """The record settings this server was configured with."""
    return dataclasses.replace(record_settings.settings().printed, zone=local_time.zone())


def render_inspection_pdf(data: ReportData, lang: str = "vi", load_blob: BlobLoader | None = None) -> bytes:
    """The inspection record of ``data`` as PDF bytes, in ``lang`` ("vi" or "en"), with the
    server's agency header, place and time zone (``record_pdf.inspection_pdf``)."""
    return _shared.render_inspection_pdf(data, lang, load_blob, server_record_settings())


def place_and_date(moment: str | None, lang: str, place: str | None = None) -> str:
    """``Thái Nguyên, ngày 05 tháng 8 năm 2021`` for the local day of ``moment``."""
    return _shared.place_and_date(moment, lang, place, server_record_settings())


__all__ = [
    "SIGNATURE_ROLES",
    "L",
    "pdf_file_stem",
    "place_and_date",
    "render_inspection_pdf",
    "server_record_settings",
    "signature_states",
]
