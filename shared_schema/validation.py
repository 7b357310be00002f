"""Validation of answers, inspection header fields and site fields, with reasons a person
can read in Vietnamese and English."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import msgspec

from shared_schema import actions, protocol
from shared_schema import checklist as cl
from shared_schema.records import (
    INSPECTION_KINDS,
    LOCATION_SOURCES,
    STATUSES,
    Contact,
    Location,
    Representative,
    Signature,
    TeamMember,
)
from shared_schema.text import LocalText

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class Invalid(msgspec.Struct, frozen=True):
    """Why a value was refused: a code for programs, a message for people."""

    code: str
    message: LocalText

    def __str__(self) -> str:
        return f"{self.message.vi} / {self.message.en}" if self.message.en else self.message.vi


class SignatureValue(msgspec.Struct, frozen=True):
    sha256: str
    name: str | None = None
    signed_at: str | None = None
    digest: str | None = None  # the content it signed (``shared_schema.evidence``)


def _bad(code: str, vi: str, en: str) -> Invalid:
    return Invalid(code, LocalText(vi, en))


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def is_sha256(value: Any) -> bool:
    return isinstance(value, str) and SHA256_RE.fullmatch(value) is not None  # no trailing newline


# A signature's content digest (``shared_schema.evidence``): a bare SHA-256 (version bb1) or
# ``"<version>:<sha256>"`` (bb2 on; a version this side does not know is kept, and reads stale).
CONTENT_DIGEST_RE = re.compile(r"^(?:[a-z][a-z0-9]{0,15}:)?[0-9a-f]{64}$")


def is_content_digest(value: Any) -> bool:
    return isinstance(value, str) and CONTENT_DIGEST_RE.fullmatch(value) is not None


def parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_float(text: str) -> float | None:
    """The finite number ``text`` spells (as Python's ``float`` reads it); ``None`` when it
    spells none, or infinity or NaN, which no inspection or checklist means."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _location(value: Any) -> Invalid | None:
    try:
        loc = msgspec.convert(value, Location)
    except msgspec.ValidationError:
        return _bad(
            "invalid_location",
            "Vị trí phải có vĩ độ (lat) và kinh độ (lon) dạng số.",
            "A location needs a numeric latitude (lat) and longitude (lon).",
        )
    if not (-90 <= loc.lat <= 90 and -180 <= loc.lon <= 180) or not all(math.isfinite(x) for x in (loc.lat, loc.lon)):
        return _bad(
            "invalid_location",
            "Vĩ độ phải trong khoảng -90..90 và kinh độ trong khoảng -180..180.",
            "Latitude must be within -90..90 and longitude within -180..180.",
        )
    if loc.accuracy_m is not None and not (math.isfinite(loc.accuracy_m) and loc.accuracy_m >= 0):
        return _bad(
            "invalid_location",
            "Độ chính xác của vị trí phải là số mét không âm.",
            "The location's accuracy must be a non-negative number of metres.",
        )
    if loc.source is not None and loc.source not in LOCATION_SOURCES:
        return _bad(
            "invalid_location",
            f"Nguồn vị trí '{loc.source}' không có; dùng một trong: {', '.join(LOCATION_SOURCES)}.",
            f"Location source '{loc.source}' is unknown; use one of: {', '.join(LOCATION_SOURCES)}.",
        )
    if loc.at is not None and parse_datetime(loc.at) is None:
        return _bad(
            "invalid_location",
            "Thời điểm lấy vị trí phải là ngày giờ ISO 8601.",
            "The time of the location must be an ISO 8601 date and time.",
        )
    return None


def _text(value: Any, max_length: int) -> Invalid | None:
    if not isinstance(value, str):
        return _bad("wrong_type", "Câu trả lời phải là văn bản.", "The answer must be text.")
    if len(value) > max_length:
        return _bad(
            "too_long",
            f"Văn bản dài quá {max_length} ký tự.",
            f"The text is longer than {max_length} characters.",
        )
    return None


def _blob_list(value: Any, max_count: int) -> Invalid | None:
    if not isinstance(value, list) or not all(is_sha256(v) for v in value):
        return _bad(
            "invalid_photos",
            "Danh sách ảnh không hợp lệ (mỗi ảnh là một mã SHA-256).",
            "The photo list is invalid (each photo is a SHA-256 hash).",
        )
    if len(value) > max_count:
        return _bad(
            "too_many_photos",
            f"Tối đa {max_count} ảnh.",
            f"At most {max_count} photos.",
        )
    if len(set(value)) != len(value):
        return _bad("duplicate_photo", "Một ảnh bị thêm hai lần.", "A photo was added twice.")
    return None


def validate_value(question: cl.Question, value: Any) -> Invalid | None:
    """Check an answer value against its question; ``None`` (no answer) is always allowed."""
    if value is None:
        return None
    match question:
        case cl.YesNoQuestion():
            allowed = ("yes", "no", "na") if question.allow_na else ("yes", "no")
            if value not in allowed:
                return _bad(
                    "invalid_choice",
                    "Chọn Có, Không" + (" hoặc Không áp dụng." if question.allow_na else "."),
                    "Choose Yes, No" + (" or N/A." if question.allow_na else "."),
                )
        case cl.NumberQuestion():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                return _bad("wrong_type", "Câu trả lời phải là một số.", "The answer must be a number.")
            if question.integer and not float(value).is_integer():
                return _bad("not_integer", "Câu trả lời phải là số nguyên.", "The answer must be a whole number.")
            unit = f" {question.unit.vi}" if question.unit else ""
            unit_en = f" {question.unit.en or question.unit.vi}" if question.unit else ""
            if question.min is not None and value < question.min:
                return _bad(
                    "below_min",
                    f"Giá trị phải từ {_fmt(question.min)}{unit} trở lên.",
                    f"The value must be at least {_fmt(question.min)}{unit_en}.",
                )
            if question.max is not None and value > question.max:
                return _bad(
                    "above_max",
                    f"Giá trị không được vượt quá {_fmt(question.max)}{unit}.",
                    f"The value must be at most {_fmt(question.max)}{unit_en}.",
                )
        case cl.TextQuestion():
            return _text(value, question.max_length)
        case cl.SingleChoiceQuestion():
            if not isinstance(value, str) or value not in {c.id for c in question.choices}:
                return _bad(
                    "invalid_choice",
                    "Hãy chọn một trong các phương án đã cho.",
                    "Choose one of the given options.",
                )
        case cl.MultipleChoiceQuestion():
            ids = {c.id for c in question.choices}
            if not isinstance(value, list) or not all(isinstance(v, str) and v in ids for v in value):
                return _bad(
                    "invalid_choice",
                    "Chỉ chọn trong các phương án đã cho.",
                    "Choose only among the given options.",
                )
            if len(set(value)) != len(value):
                return _bad("duplicate_choice", "Một phương án bị chọn hai lần.", "An option was chosen twice.")
            if question.max_selected is not None and len(value) > question.max_selected:
                return _bad(
                    "too_many_choices",
                    f"Chọn tối đa {question.max_selected} phương án.",
                    f"Choose at most {question.max_selected} options.",
                )
        case cl.DateQuestion():
            if parse_date(value) is None:
                return _bad(
                    "invalid_date",
                    "Ngày phải có dạng NNNN-TT-NN (ví dụ 2021-05-20).",
                    "The date must be YYYY-MM-DD (for example 2021-05-20).",
                )
        case cl.PhotoQuestion():
            return _blob_list(value, question.max_photos)
        case cl.SignatureQuestion():
            try:
                sig = msgspec.convert(value, SignatureValue)
            except msgspec.ValidationError:
                sig = None
            if (
                sig is None
                or not is_sha256(sig.sha256)
                or (sig.digest is not None and not is_content_digest(sig.digest))
            ):
                return _bad(
                    "invalid_signature",
                    "Chữ ký không hợp lệ: hãy ký lại.",
                    "The signature is invalid: please sign again.",
                )
        case cl.LocationQuestion():
            return _location(value)
        case _:
            return _bad("unknown_kind", "Loại câu hỏi không xác định.", "Unknown question kind.")
    return None


def deadline_in_past(due_date: Any, today: dt.date) -> Invalid | None:
    """A correction deadline being set must not lie before ``today`` (the device's local date).
    Only checked when the inspector sets it: a deadline that has since passed stays valid."""
    day = parse_date(due_date) if isinstance(due_date, str) else None
    if day is None or day >= today:
        return None
    return _bad(
        "deadline_past",
        f"Thời hạn khắc phục đã qua: hãy chọn từ hôm nay ({today.strftime('%d/%m/%Y')}) trở đi.",
        f"The correction deadline has passed: choose today ({today.strftime('%d/%m/%Y')}) or later.",
    )


def validate_answer_field(question: cl.Question, field: str, value: Any) -> Invalid | None:
    """Check one field of an answer (``value``, ``note``, ``photos``, ``corrective_action``,
    ``due_date``)."""
    if field == "value":
        return validate_value(question, value)
    if value is None:
        return None
    if field in ("note", "corrective_action", "other"):
        return _text(value, protocol.MAX_TEXT_LENGTH)
    if field == "photos":
        return _blob_list(value, protocol.MAX_PHOTOS_PER_ANSWER)
    if field == "due_date":
        if parse_date(value) is None:
            return _bad(
                "invalid_date",
                "Thời hạn khắc phục phải có dạng NNNN-TT-NN.",
                "The correction deadline must be YYYY-MM-DD.",
            )
        return None
    return _bad("unknown_field", f"Trường '{field}' không tồn tại.", f"There is no field '{field}'.")


def _convert(value: Any, typ: Any, vi: str, en: str) -> Invalid | None:
    try:
        msgspec.convert(value, typ)
    except msgspec.ValidationError as exc:
        return _bad("wrong_type", f"{vi} ({exc})", f"{en} ({exc})")
    return None


def validate_header_field(field: str, value: Any) -> Invalid | None:
    """Check one header field of an inspection written by a device."""
    if field not in protocol.INSPECTION_DEVICE_FIELDS:
        return _bad("unknown_field", f"Trường '{field}' không tồn tại.", f"There is no field '{field}'.")
    if value is None:
        if field in ("site_id", "template_id", "template_version", "status", "kind", "migrated_to"):
            return _bad("required", f"Trường '{field}' không được để trống.", f"Field '{field}' cannot be empty.")
        return None
    match field:
        case "site_id" | "template_id" | "assignment_id" | "migrated_to":
            if not isinstance(value, str) or not value or len(value) > 100:
                return _bad("wrong_type", "Mã không hợp lệ.", "Invalid id.")
        case "template_version":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                return _bad("wrong_type", "Phiên bản phải là số nguyên dương.", "Version must be a positive integer.")
        case "kind":
            if value not in INSPECTION_KINDS:
                return _bad(
                    "invalid_choice",
                    "Loại kiểm tra phải là định kỳ, đột xuất hoặc theo chuyên đề.",
                    "Inspection kind must be periodic, unannounced or thematic.",
                )
        case "status":
            if value not in STATUSES:
                return _bad("invalid_choice", "Trạng thái không hợp lệ.", "Invalid status.")
        case "started_at" | "completed_at":
            if parse_datetime(value) is None:
                return _bad("invalid_datetime", "Thời gian không hợp lệ (ISO 8601).", "Invalid time (ISO 8601).")
        case "location":
            return _location(value)
        case "team":
            return _convert(value, list[TeamMember], "Danh sách thành viên đoàn không hợp lệ", "Invalid team list")
        case "findings":
            return _text(value, protocol.MAX_TEXT_LENGTH)
        case "representative":
            return _convert(value, Representative, "Người đại diện không hợp lệ", "Invalid representative")
        case "signatures":
            bad = _convert(value, list[Signature], "Chữ ký không hợp lệ", "Invalid signatures")
            if bad is None and not all(
                is_sha256(s.get("sha256")) and (s.get("digest") is None or is_content_digest(s.get("digest")))
                for s in value
            ):
                return _bad("invalid_signature", "Chữ ký không hợp lệ.", "Invalid signature.")
            return bad
    return None


def validate_site_field(field: str, value: Any) -> Invalid | None:
    """Check one site field a device may correct (workers, contact, location)."""
    if field not in protocol.SITE_DEVICE_FIELDS:
        return _bad(
            "not_permitted",
            f"Thiết bị không được sửa trường '{field}' của cơ sở.",
            f"A device may not change the site field '{field}'.",
        )
    if value is None:
        return None
    match field:
        case "workers":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
                return _bad(
                    "wrong_type",
                    "Số lao động phải là số nguyên từ 0 đến 1.000.000.",
                    "Workers must be a whole number from 0 to 1,000,000.",
                )
        case "contact":
            return _convert(value, Contact, "Thông tin liên hệ không hợp lệ", "Invalid contact")
        case "location":
            return _location(value)
    return None


_ACTION_TEXT_FIELDS = frozenset({"description", "responsible_name", "responsible_phone", "fix_note", "check_note"})
_ACTION_ID_FIELDS = frozenset({"inspection_id", "question_id", "site_id"})


def validate_action_field(field: str, value: Any, today: dt.date) -> Invalid | None:
    """Check one field of a corrective action written by a device (``shared_schema.actions``).

    ``today`` is the Viet Nam day: a ``deadline`` before it is refused (a new deadline cannot
    already be past). ``status`` may only be a status a device sets (``open``,
    ``reported_fixed``); the state machine itself is checked against the held status."""
    if field in _ACTION_ID_FIELDS:
        if not isinstance(value, str) or not value or len(value) > 200:
            return _bad(
                "invalid_value", f"'{field}' phải là mã 1–200 ký tự.", f"'{field}' must be an id of 1–200 characters."
            )
        return None
    if field == "status":
        if value not in actions.ACTION_STATUSES:
            return _bad(
                "invalid_value",
                f"Trạng thái biện pháp khắc phục '{str(value)[:40]}' không có.",
                f"There is no corrective-action status '{str(value)[:40]}'.",
            )
        return None
    if field == "deadline":
        problem = actions.deadline_problem(value, today)
        return None if problem is None else Invalid("invalid_value", problem)
    if value is None:
        return None
    if field in _ACTION_TEXT_FIELDS:
        return _text(value, protocol.MAX_TEXT_LENGTH)
    if field in ("finding_photos", "fix_photos"):
        return _blob_list(value, protocol.MAX_PHOTOS_PER_ANSWER)
    if field == "fixed_on":
        if parse_date(value) is None:
            return _bad("invalid_date", "Ngày khắc phục phải có dạng NNNN-TT-NN.", "The fix date must be YYYY-MM-DD.")
        return None
    if field == "checked_on":
        if parse_date(value) is None:
            return _bad(
                "invalid_date",
                "Ngày kiểm tra lại phải có dạng NNNN-TT-NN.",
                "The follow-up check date must be YYYY-MM-DD.",
            )
        return None
    return _bad("unknown_field", f"Trường '{field}' không tồn tại.", f"There is no field '{field}'.")
