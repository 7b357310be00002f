"""Answers and header facts in words, in Vietnamese or English, for the record, reports, exports
and screens. One place, so a PDF made on a phone or on the server, a spreadsheet and a web page
never say it differently. Local days and times are read in ``zone`` (default Asia/Ho_Chi_Minh;
the server passes its ``SYNC_TIMEZONE``)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

from record_pdf.settings import DEFAULT_TIMEZONE
from shared_schema import checklist as cl
from shared_schema.records import SITE_KINDS
from shared_schema.relevance import is_given
from shared_schema.text import LocalText
from shared_schema.workflow import STATUS_LABELS

DEFAULT_ZONE: dt.tzinfo = ZoneInfo(DEFAULT_TIMEZONE)

YES_NO: dict[str, LocalText] = {
    "yes": LocalText("Có", "Yes"),
    "no": LocalText("Không", "No"),
    "na": LocalText("Không áp dụng", "Not applicable"),
}

INSPECTION_KIND_LABELS: dict[str, LocalText] = {
    "periodic": LocalText("Định kỳ", "Periodic"),
    "unannounced": LocalText("Đột xuất", "Unannounced"),
    "thematic": LocalText("Theo chuyên đề", "Thematic"),
}

NOT_ANSWERED = LocalText("Chưa trả lời", "Not answered")


def nfc(text: str) -> str:
    """Vietnamese in precomposed form, so every glyph comes from the font as one character."""
    return unicodedata.normalize("NFC", text)


def fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def fmt_number_local(value: float, lang: str = "vi", decimals: int = 2) -> str:
    """A number as a person reads it on a record: ``120.000`` and ``82,2`` in Vietnamese,
    ``120,000`` and ``82.2`` in English (at most ``decimals`` decimals, no trailing zeros)."""
    text = f"{float(value):,.{decimals}f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_percent_local(value: float, lang: str = "vi") -> str:
    """``82,2 %`` (Vietnamese, with a space as Vietnamese typography has it) or ``82.2%``."""
    return f"{fmt_number_local(value, lang, 1)} %" if lang == "vi" else f"{fmt_number_local(value, lang, 1)}%"


def fmt_date(value: str | dt.date | None, lang: str = "vi") -> str:
    """``2021-08-05`` → ``05/08/2021`` (Vietnamese) or ``2021-08-05`` (English)."""
    if value is None or value == "":
        return ""
    day = value if isinstance(value, dt.date) else _parse_date(value)
    if day is None:
        return str(value)
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_instant(value: str | None) -> dt.datetime | None:
    """An ISO 8601 time as an aware datetime (naive ones are taken as UTC)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local_day(value: str | None, zone: dt.tzinfo | None = None) -> dt.date | None:
    """The local calendar day (in ``zone``) of an ISO time (or of a plain ISO date)."""
    if not value:
        return None
    if len(value) == 10:
        return _parse_date(value)
    moment = parse_instant(value)
    return moment.astimezone(zone or DEFAULT_ZONE).date() if moment else None


def fmt_datetime(value: str | None, lang: str = "vi", zone: dt.tzinfo | None = None) -> str:
    """An ISO time shown in local time (``zone``): ``14:05 05/08/2021`` or ``2021-08-05 14:05``."""
    moment = parse_instant(value)
    if moment is None:
        return value or ""
    local = moment.astimezone(zone or DEFAULT_ZONE)
    return local.strftime("%H:%M %d/%m/%Y") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")


def fmt_location(value: Any) -> str:
    if not isinstance(value, dict) and hasattr(value, "lat"):
        value = {"lat": value.lat, "lon": value.lon, "accuracy_m": getattr(value, "accuracy_m", None)}
    if not isinstance(value, dict) or "lat" not in value or "lon" not in value:
        return ""
    text = f"{float(value['lat']):.6f}, {float(value['lon']):.6f}"
    if value.get("accuracy_m") is not None:
        text += f" (±{fmt_number(round(float(value['accuracy_m']), 1))} m)"
    return text


def _choice_label(question: cl.SingleChoiceQuestion | cl.MultipleChoiceQuestion, choice_id: Any, lang: str) -> str:
    for choice in question.choices:
        if choice.id == choice_id:
            return choice.label.get(lang)
    return str(choice_id)


def answer_text(question: cl.Question, value: Any, lang: str = "vi", local_numbers: bool = False) -> str:
    """The answer to ``question`` in words, as a person reads it on a record (``local_numbers``:
    numbers grouped and with the decimal mark of ``lang``, as on a printed record)."""
    if not is_given(value):
        return NOT_ANSWERED.get(lang)
    match question:
        case cl.YesNoQuestion():
            label = YES_NO.get(str(value))
            return label.get(lang) if label else str(value)
        case cl.NumberQuestion():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return str(value)
            unit = f" {question.unit.get(lang)}" if question.unit else ""
            return f"{fmt_number_local(value, lang) if local_numbers else fmt_number(value)}{unit}"
        case cl.TextQuestion():
            return nfc(str(value))
        case cl.SingleChoiceQuestion():
            return _choice_label(question, value, lang)
        case cl.MultipleChoiceQuestion():
            items = value if isinstance(value, list) else [value]
            return "; ".join(_choice_label(question, v, lang) for v in items)
        case cl.DateQuestion():
            return fmt_date(str(value), lang)
        case cl.PhotoQuestion():
            count = len(value) if isinstance(value, list) else 1
            return f"{count} ảnh" if lang == "vi" else f"{count} photo{'s' if count != 1 else ''}"
        case cl.SignatureQuestion():
            name = value.get("name") if isinstance(value, dict) else None
            signed = "Đã ký" if lang == "vi" else "Signed"
            return f"{signed} ({name})" if name else signed
        case cl.LocationQuestion():
            return fmt_location(value) or str(value)
    return str(value)


def site_kind_label(kind: str, lang: str = "vi") -> str:
    label = SITE_KINDS.get(kind)
    return label.get(lang) if label else kind


def inspection_kind_label(kind: str, lang: str = "vi") -> str:
    label = INSPECTION_KIND_LABELS.get(kind)
    return label.get(lang) if label else kind


def status_label(status: str | None, lang: str = "vi") -> str:
    label = STATUS_LABELS.get(status or "")
    return label.get(lang) if label else (status or "")
