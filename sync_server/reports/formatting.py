"""Answers and header facts in words, in Vietnamese or English, for reports, exports and
the console. One place, so a PDF, a spreadsheet and a web page never say it differently.

The words and numbers live with the record renderer (``record_pdf.formatting``, which the field
app uses too); here local days and times are read in the server's ``SYNC_TIMEZONE``."""

from __future__ import annotations

import datetime as dt

from record_pdf import formatting as _shared
from record_pdf.formatting import (
    INSPECTION_KIND_LABELS,
    NOT_ANSWERED,
    YES_NO,
    answer_text,
    fmt_date,
    fmt_location,
    fmt_number,
    fmt_number_local,
    fmt_percent_local,
    inspection_kind_label,
    nfc,
    parse_instant,
    site_kind_label,
    status_label,
)
from sync_server.core import local_time


def local_day(value: str | None) -> dt.date | None:
    """The local calendar day (``SYNC_TIMEZONE``) of an ISO time (or of a plain ISO date)."""
    return _shared.local_day(value, local_time.zone())


def fmt_datetime(value: str | None, lang: str = "vi") -> str:
    """An ISO time shown in local time (``SYNC_TIMEZONE``): ``14:05 05/08/2021`` or ``2021-08-05 14:05``."""
    return _shared.fmt_datetime(value, lang, local_time.zone())


__all__ = [
    "INSPECTION_KIND_LABELS",
    "NOT_ANSWERED",
    "YES_NO",
    "answer_text",
    "fmt_date",
    "fmt_datetime",
    "fmt_location",
    "fmt_number",
    "fmt_number_local",
    "fmt_percent_local",
    "inspection_kind_label",
    "local_day",
    "nfc",
    "parse_instant",
    "site_kind_label",
    "status_label",
]
