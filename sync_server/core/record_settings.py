"""Settings of the official record (biên bản), one per process like ``local_time``: the format
of the "Số biên bản" the server gives on first submission, the agency header and the place
of the place-and-date line. Set once at start (``configure``) from the server configuration.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass, field

# The agency header and place default to the record renderer's own (what a device prints).
from record_pdf.settings import DEFAULT_AGENCY_NAME, DEFAULT_AGENCY_PARENT, DEFAULT_PLACE_NAME
from record_pdf.settings import RecordSettings as PrintedSettings

DEFAULT_RECORD_NUMBER_FORMAT = "{seq}/BB-SCT"


@dataclass(frozen=True)
class RecordSettings:
    record_number_format: str = DEFAULT_RECORD_NUMBER_FORMAT
    # The agency header and place the record prints, declared once by the renderer; its time
    # zone is ``local_time``'s, set at the same start-up (``reports.inspection_pdf``).
    printed: PrintedSettings = field(default_factory=PrintedSettings)


_settings = RecordSettings()


def check_record_number_format(fmt: str) -> None:
    """``ValueError`` saying what is wrong unless ``fmt`` names ``{seq}`` and only ``{seq}``
    and ``{year}`` (e.g. ``{seq}/BB-SCT``, ``{seq:03d}/{year}/BB-SCT``) and holds no control
    character (a line break or a tab has no place in a number printed on a legal record)."""
    if any(unicodedata.category(ch) == "Cc" for ch in fmt):
        raise ValueError(
            f"{fmt!r} contains a control character (a line break, a tab); write e.g. {DEFAULT_RECORD_NUMBER_FORMAT}"
        )
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(fmt) if f is not None]
        fmt.format(seq=1, year=2021)
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"{fmt!r} is not a valid format ({exc}); write e.g. {DEFAULT_RECORD_NUMBER_FORMAT}") from None
    if "seq" not in fields or any(f not in ("seq", "year") for f in fields):
        raise ValueError(f"{fmt!r} must contain {{seq}} and may contain {{year}}; e.g. {DEFAULT_RECORD_NUMBER_FORMAT}")
    if len(fmt.format(seq=10**9, year=2021)) > 100:
        raise ValueError(f"{fmt!r} makes numbers longer than 100 characters")


def configure(
    record_number_format: str = DEFAULT_RECORD_NUMBER_FORMAT,
    agency_parent: str = DEFAULT_AGENCY_PARENT,
    agency_name: str = DEFAULT_AGENCY_NAME,
    place_name: str = DEFAULT_PLACE_NAME,
) -> None:
    global _settings
    check_record_number_format(record_number_format)
    _settings = RecordSettings(record_number_format, PrintedSettings(agency_parent, agency_name, place_name))


def settings() -> RecordSettings:
    return _settings


def format_record_number(seq: int, year: int) -> str:
    return _settings.record_number_format.format(seq=seq, year=year)
