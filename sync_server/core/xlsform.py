"""XLSForm ↔ checklist: read an XLSForm (``.xlsx`` or ``.xls``) into a checklist version, and
write any checklist version as an XLSForm that reads back to the same checklist.

The spreadsheet is read with pyxform, the XLSForm project's own reader (its sheet and header
rules: aliases such as ``bind:relevant`` or ``list name``, ``label::Vietnamese (vi)`` columns,
type aliases, trailing empty rows). Mapping (docs/CHECKLISTS.md, "XLSForm"):

- ``select_one`` over a list of exactly yes/no(/na) → yes/no; ``integer``/``decimal`` → number
  (``. >= a and . <= b`` → min/max); ``text``; ``select_one``/``select_multiple`` → choice;
  ``date``; ``image`` → photo (``signature`` appearance → signature); ``geopoint`` → location;
  ``begin group``/``end group`` → sections (nested groups flattened, titles joined with " › ").
- ``relevant`` in the forms our relevance rules express → ``relevant_if``; ``required``.
- Extension columns: ``weight``, ``critical``, ``action_on_fail`` (also in ``settings``: every
  failed item needs a corrective action), ``fail_answer``, ``evidence``, ``basis``,
  ``unit::…``, ``signer::…``, ``min_photos``/``max_photos``, ``max_accuracy_m``; ``credit`` and
  ``fails`` and ``specify`` ("other, specify": the inspector writes what it is) in the choices sheet; a ``scoring`` sheet (bands, and the ``critical_failure`` row
  with ``action_on_fail``) and a ``risk_index`` sheet.

Anything else is listed row by row as an :class:`XlsformIssue` (sheet, row, column, what and
why in Vietnamese and English); a malformed file raises ``Invalid`` and nothing is read.
Plain Python: no web framework.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from shared_schema.checklist import (
    AllOf,
    Answered,
    AnyOf,
    AtLeast,
    AtMost,
    ChecklistTemplate,
    Choice,
    Condition,
    DateQuestion,
    Equals,
    LocationQuestion,
    MultipleChoiceQuestion,
    Not,
    NumberQuestion,
    OneOf,
    PhotoQuestion,
    Question,
    ResultBand,
    RiskBand,
    RiskCriterion,
    RiskIndex,
    RiskLevel,
    Scoring,
    Section,
    SignatureQuestion,
    SingleChoiceQuestion,
    TextQuestion,
    YesNoQuestion,
)
from shared_schema.errors import Code, FieldProblem
from shared_schema.text import LocalText
from shared_schema.validation import parse_float
from sync_server.core.errors import Invalid, bi, problem

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSFORM_SUFFIXES = (".xlsx", ".xls")
VI_COLUMN = "Vietnamese (vi)"
EN_COLUMN = "English (en)"
YES_NO_LISTS = {"yes_no": False, "yes_no_na": True}  # list name → allow_na
_EXTRA_SHEETS = ("scoring", "risk_index")
_ALL_REQUIRES = ("photo", "corrective_action", "due_date")


class XlsformIssue(msgspec.Struct, frozen=True, kw_only=True):
    """Something in the file our checklists cannot express. ``drops`` says what accepting a
    draft without it leaves out: the whole ``row``, or only this ``cell``'s meaning."""

    sheet: str
    row: int
    column: str
    what: LocalText
    why: LocalText
    drops: Literal["row", "cell"] = "row"


@dataclass
class XlsformImport:
    template: ChecklistTemplate
    issues: list[XlsformIssue] = field(default_factory=list)


def is_xlsform_name(filename: str) -> bool:
    return filename.lower().endswith(XLSFORM_SUFFIXES)


def looks_like_spreadsheet(data: bytes) -> bool:
    """An .xlsx (a zip) or an .xls (an OLE2 compound file)."""
    return data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- reading ---------------------------------------------------------------------------------


def _malformed(vi: str, en: str, problems: list[FieldProblem] | None = None) -> Invalid:
    return Invalid(bi(vi, en), code=Code.INVALID_XLSFORM, errors=problems or [])


@dataclass
class _Cell:
    header: str  # the column as written in the file
    field: str  # pyxform's dealiased name (relevant, constraint_message, label, ...)
    lang: str | None  # the language part of label::Vietnamese (vi), if any
    value: str


@dataclass
class _Row:
    sheet: str
    number: int  # the spreadsheet row (the header is row 1)
    cells: list[_Cell]

    def get(self, name: str) -> str:
        for c in self.cells:
            if c.field == name and c.lang is None:
                return c.value
        return ""

    def cell(self, name: str) -> _Cell | None:
        return next((c for c in self.cells if c.field == name), None)

    def header_of(self, name: str) -> str:
        """The column header the file used for field ``name`` (its own spelling), else the name."""
        cell = self.cell(name)
        return cell.header if cell is not None else name

    def texts(self, name: str) -> list[_Cell]:
        return [c for c in self.cells if c.field == name]

    @property
    def empty(self) -> bool:
        return not self.cells


_HEADER_FIELDS = {
    "jr:constraintMsg": "constraint_message",
    "jr:requiredMsg": "required_message",
    "calculate": "calculation",
    "jr:count": "repeat_count",
    "list name": "list_name",
    "id_string": "form_id",
    "title": "form_title",
}


def _headers(sheet: str, header_rows: Sequence[dict[str, Any]] | None) -> dict[str, tuple[str, str | None]]:
    """Each column of ``sheet`` → (field, language) by pyxform's own header rules."""
    from pyxform import aliases
    from pyxform.parsing.sheet_headers import process_header
    from pyxform.question import MultipleChoiceQuestion as PyxformSelect
    from pyxform.question import Option
    from pyxform.survey import Survey

    names = list(header_rows[0]) if header_rows else []
    table, columns = {
        "survey": (aliases.survey_header, set(PyxformSelect.get_slot_names())),
        "choices": (aliases.list_header, set(Option.get_slot_names())),
        "settings": (aliases.settings_header, set(Survey.get_slot_names())),
    }.get(sheet, ({}, set()))
    double = any("::" in n for n in names)
    out: dict[str, tuple[str, str | None]] = {}
    for header in names:
        _new, tokens = process_header(header, double, table, columns)
        parts = list(tokens)
        if len(parts) > 1 and parts[0] in ("bind", "control"):
            parts = parts[1:]
        name = _HEADER_FIELDS.get(parts[0], parts[0])
        if name == "media":
            out[header] = ("media", None)
            continue
        out[header] = (name, parts[1] if len(parts) > 1 else None)
    return out


def _rows(
    sheet: str, data: Sequence[dict[str, Any]] | None, header_rows: Sequence[dict[str, Any]] | None
) -> list[_Row]:
    headers = _headers(sheet, header_rows)
    rows = []
    for i, raw in enumerate(data or []):
        cells = []
        for header, value in raw.items():
            text = "" if value is None else str(value).strip()
            if not text or header not in headers:
                continue
            name, lang = headers[header]
            cells.append(_Cell(header, name, lang, text))
        rows.append(_Row(sheet, i + 2, cells))
    return rows


def _extra_sheet_rows(data: bytes, xls: bool) -> dict[str, list[_Row]]:
    """The ``scoring`` and ``risk_index`` sheets, which pyxform's reader skips as not XLSForm,
    read with the same pyxform primitives (headers, empty-row runs, cell values)."""
    from pyxform.xls2json_backends import get_excel_column_headers, get_excel_rows

    found: dict[str, list[_Row]] = {}
    if xls:
        import xlrd
        from pyxform.xls2json_backends import xls_value_to_unicode

        book = xlrd.open_workbook(file_contents=data)
        try:
            for sheet in book.sheets():
                name = sheet.name.strip().lower()
                if name not in _EXTRA_SHEETS or sheet.nrows == 0:
                    continue
                headers = get_excel_column_headers([c.value for c in sheet.row(0)])
                cells = (tuple(sheet.cell(r, c) for c in range(len(headers))) for r in range(1, sheet.nrows))

                def value(cell: Any, _row: int, _key: str, mode: int = book.datemode) -> str:
                    v = cell.value.strip() if isinstance(cell.value, str) else cell.value
                    return str(xls_value_to_unicode(v, cell.ctype, mode))

                rows = get_excel_rows(headers, cells, value)
                header_map = [{h: None for h in headers if h is not None}]
                found[name] = _rows(name, rows, header_map)
        finally:
            book.release_resources()
        return found
    import openpyxl
    from pyxform.xls2json_backends import xlsx_value_to_str

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for title in book.sheetnames:
            name = title.strip().lower()
            if name not in _EXTRA_SHEETS:
                continue
            ws = book[title]
            first = next(ws.iter_rows(max_row=1), ())
            headers = get_excel_column_headers([c.value for c in first])
            if not headers:
                continue
            rows = get_excel_rows(
                headers,
                ws.iter_rows(min_row=2, max_col=len(headers)),
                lambda cell, _r, _k: xlsx_value_to_str(
                    cell.value.strip() if isinstance(cell.value, str) else cell.value
                ),
            )
            found[name] = _rows(name, rows, [{h: None for h in headers if h is not None}])
    finally:
        book.close()
    return found


_VI_LETTERS = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")


def _lang_code(lang: str | None, default: str | None) -> str | None:
    """``vi``, ``en``, another language's name, or ``None`` for a column without one."""
    if lang is None or lang.strip().lower() == "default":
        return _lang_code(default, None) if default else None
    text = lang.strip().lower()
    code = re.search(r"\(([a-z]{2,3})(?:[-_][a-z]+)?\)\s*$", text)
    if code:
        return code.group(1) if code.group(1) in ("vi", "en") else lang
    if text in ("vi", "vie", "vietnamese", "tiếng việt", "tieng viet"):
        return "vi"
    if text in ("en", "eng", "english"):
        return "en"
    return lang


class _Reader:
    def __init__(self, default_language: str | None) -> None:
        self.default_language = default_language
        self.issues: list[XlsformIssue] = []
        self.other_languages: dict[tuple[str, str], int] = {}

    def issue(
        self, row: _Row, column: str, what: LocalText, why: LocalText, drops: Literal["row", "cell"] = "row"
    ) -> None:
        self.issues.append(
            XlsformIssue(sheet=row.sheet, row=row.number, column=column, what=what, why=why, drops=drops)
        )

    def text(self, row: _Row, name: str) -> LocalText | None:
        """The Vietnamese and English texts of column ``name`` (``label::…`` etc.). A column
        without a language is Vietnamese when the text has Vietnamese letters, else English,
        unless the settings' ``default_language`` says which."""
        vi = en = ""
        for c in row.texts(name):
            code = _lang_code(c.lang, self.default_language)
            if code is None:
                code = "vi" if _VI_LETTERS.search(c.value) else "en"
            if code == "vi":
                vi = vi or c.value
            elif code == "en":
                en = en or c.value
            else:
                self.other_languages.setdefault((row.sheet, c.header), row.number)
        if not vi and not en:
            return None
        return LocalText(vi=vi, en=en)

    def label(self, row: _Row, name: str | None = None) -> LocalText:
        """The row's ``label`` texts, or else its name (``name``, by default the ``name``
        column) in both languages."""
        if name is None:
            name = row.get("name")
        return self.text(row, "label") or LocalText(vi=name, en=name)


# A number column's cell that is not a number: what the issue says ({text} the cell, {name}
# the question) and why.
_NOT_A_NUMBER = {
    "credit": (
        LocalText(vi="Điểm '{text}' không phải số", en="Credit '{text}' is not a number"),
        LocalText(vi="Điểm là số từ 0 đến 1.", en="A credit is a number from 0 to 1."),
    ),
    "weight": (
        LocalText(vi="Câu '{name}': trọng số '{text}'", en="'{name}': weight '{text}'"),
        LocalText(vi="Trọng số phải là một số.", en="A weight must be a number."),
    ),
}


def _number_cell(reader: _Reader, row: _Row, column: str, name: str = "") -> float | None:
    """The number in ``column`` (of ``_NOT_A_NUMBER``), or ``None`` when the cell is empty; a
    cell that is not a number is named as an issue and read as empty."""
    text = row.get(column)
    if not text:
        return None
    value = parse_float(text)
    if value is None:
        what, why = _NOT_A_NUMBER[column]
        said = LocalText(vi=what.vi.format(text=text, name=name), en=what.en.format(text=text, name=name))
        reader.issue(row, column, said, why, drops="cell")
    return value


def _flag(text: str) -> bool | None:
    from pyxform import aliases

    if not text:
        return False
    flag: bool | None = aliases.yes_no.get(text.strip(), None)
    return flag


def read_xlsform(data: bytes, filename: str = "") -> XlsformImport:
    """Read an XLSForm into a checklist version and the list of what it cannot express.
    ``Invalid`` (nothing read) when the file is not a spreadsheet, has no survey sheet, uses a
    name twice, names an unknown choice list, or leaves a group open."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform

    if not looks_like_spreadsheet(data):
        raise _malformed(
            "Tệp không phải bảng tính Excel (.xlsx hoặc .xls).",
            "The file is not an Excel spreadsheet (.xlsx or .xls).",
        )
    xls = data[:4] != b"PK\x03\x04"
    try:
        book = get_xlsform(data, file_type=".xls" if xls else ".xlsx")
        extra = _extra_sheet_rows(data, xls)
    except (PyXFormError, Exception) as exc:  # a damaged workbook raises many kinds of errors
        raise _malformed(
            f"Không đọc được bảng tính: {exc}",
            f"The spreadsheet cannot be read: {exc}",
        ) from None
    if not book.survey:
        raise _malformed(
            f"Bảng tính không có trang 'survey' (có: {', '.join(book.sheet_names or []) or 'không trang nào'}).",
            f"The spreadsheet has no 'survey' sheet (it has: {', '.join(book.sheet_names or []) or 'none'}).",
        )
    settings_rows = _rows("settings", book.settings, book.settings_header)
    settings = next((r for r in settings_rows if not r.empty), _Row("settings", 2, []))
    reader = _Reader(settings.get("default_language") or None)
    survey = _rows("survey", book.survey, book.survey_header)
    if not any(c.field == "type" for r in survey for c in r.cells) and survey:
        raise _malformed("Trang 'survey' thiếu cột 'type'.", "The 'survey' sheet has no 'type' column.")
    choices = _read_choices(reader, _rows("choices", book.choices, book.choices_header))
    sections = _read_survey(reader, survey, choices)
    template = ChecklistTemplate(
        template_id=settings.get("form_id") or _stem(filename) or "xlsform",
        version=_read_version(reader, settings),
        title=reader.text(settings, "form_title") or LocalText(vi="", en=""),
        site_kinds=settings.get("site_kinds").split(),
        sections=sections,
        scoring=_read_scoring(reader, extra.get("scoring", [])),
        description=reader.text(settings, "description"),
        risk_index=_read_risk_index(reader, extra.get("risk_index", [])),
        action_on_fail=_yes_no_cell(reader, settings, "action_on_fail", ""),
    )
    title_en = settings.get("form_title_en")
    if title_en:
        template = msgspec.structs.replace(template, title=LocalText(vi=template.title.vi, en=title_en))
    for (sheet, header), _row in sorted(reader.other_languages.items(), key=lambda kv: (kv[0][0], kv[1])):
        reader.issues.append(
            XlsformIssue(
                sheet=sheet,
                row=1,
                column=header,
                what=LocalText(vi=f"Cột ngôn ngữ khác: {header}", en=f"Another language's column: {header}"),
                why=LocalText(
                    vi="Bảng kiểm chỉ giữ tiếng Việt và tiếng Anh; cột này không được lưu.",
                    en="Checklists keep Vietnamese and English only; this column is not kept.",
                ),
                drops="cell",
            )
        )
    order = {"survey": 0, "choices": 1, "settings": 2, "scoring": 3, "risk_index": 4}
    issues = sorted(reader.issues, key=lambda i: (order.get(i.sheet, 9), i.row))
    return XlsformImport(template=template, issues=issues)


def _stem(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def _read_version(reader: _Reader, settings: _Row) -> int:
    text = settings.get("version")
    if not text:
        return 1
    if re.fullmatch(r"\d{1,9}", text) and int(text) >= 1:
        return int(text)
    reader.issue(
        settings,
        "version",
        LocalText(vi=f"Phiên bản '{text}' không phải số nguyên dương", en=f"Version '{text}' is not a whole number"),
        LocalText(
            vi="Phiên bản bảng kiểm là số 1, 2, 3…; bảng kiểm được lưu thành phiên bản 1 (hoặc số kế tiếp còn trống).",
            en="Checklist versions are 1, 2, 3…; it is saved as version 1 (or the next free one).",
        ),
        drops="cell",
    )
    return 1


@dataclass
class _List:
    row: int
    choices: list[Choice]


def _read_choices(reader: _Reader, rows: list[_Row]) -> dict[str, _List]:
    lists: dict[str, _List] = {}
    seen: dict[tuple[str, str], int] = {}
    duplicates: list[FieldProblem] = []
    for row in rows:
        if row.empty:
            continue
        list_name = row.get("list_name")
        name = row.get("name")
        if not list_name or not name:
            continue
        if (list_name, name) in seen:
            duplicates.append(
                problem(
                    f"choices!{row.number}",
                    f"Lựa chọn '{name}' của danh sách '{list_name}' lặp lại (dòng {seen[(list_name, name)]} và {row.number}).",
                    f"Choice '{name}' of list '{list_name}' is used twice (rows {seen[(list_name, name)]} and {row.number}).",
                    row=row.number,
                )
            )
            continue
        seen[(list_name, name)] = row.number
        credit = _number_cell(reader, row, "credit")
        label = reader.label(row)
        choice = Choice(
            id=name,
            label=label,
            credit=credit,
            fails=bool(_flag(row.get("fails"))),
            specify=bool(_flag(row.get("specify"))),
        )
        lists.setdefault(list_name, _List(row.number, [])).choices.append(choice)
    if duplicates:
        raise _malformed(
            "Trang 'choices' có lựa chọn trùng tên.", "The 'choices' sheet uses a choice name twice.", duplicates
        )
    return lists


# XLSForm types that have a question of ours; pyxform's type dictionary gives the rest.
_UNSUPPORTED_WHY = {
    "repeat": LocalText(
        vi="Nhóm lặp (repeat) chưa được hỗ trợ: mỗi câu hỏi của bảng kiểm được trả lời một lần.",
        en="Repeats are not supported: each checklist question is answered once.",
    ),
    "calculate": LocalText(
        vi="Phép tính (calculate) chưa được hỗ trợ: bảng kiểm chỉ tính điểm tuân thủ.",
        en="Calculations are not supported: a checklist computes only its compliance score.",
    ),
    "note": LocalText(
        vi="Ghi chú chỉ để hiển thị (note) chưa được hỗ trợ; hãy đưa nội dung vào gợi ý (hint) của câu hỏi.",
        en="Display-only notes are not supported; put the text in a question's hint.",
    ),
    "metadata": LocalText(
        vi="Thông tin tự ghi của thiết bị không cần: ứng dụng tự ghi người kiểm tra, thiết bị và thời gian.",
        en="Device metadata is not needed: the app records the inspector, device and times itself.",
    ),
    "file": LocalText(
        vi="Danh sách lựa chọn lấy từ tệp ngoài chưa được hỗ trợ; hãy đưa các lựa chọn vào trang 'choices'.",
        en="Choices from an external file are not supported; put the choices in the 'choices' sheet.",
    ),
    "other": LocalText(
        vi="Lựa chọn 'khác, ghi rõ' (or_other) chưa được hỗ trợ; hãy thêm một lựa chọn 'khác' và một câu hỏi văn bản.",
        en="'Or specify other' is not supported; add an 'other' choice and a text question.",
    ),
    "type": LocalText(
        vi="Loại câu hỏi này chưa có trong bảng kiểm (có: yes/no, số, văn bản, lựa chọn, ngày, ảnh, chữ ký, vị trí).",
        en="This question type has no checklist equivalent (there are: yes/no, number, text, choice, date, photo, signature, location).",
    ),
}
_METADATA = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-geopoint",
    "background-audio",
}


def _base_type(raw: str) -> tuple[str, str | None, bool]:
    """(our reading of the type, the choice list, or_other) for a ``type`` cell."""
    from pyxform import aliases
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    text = " ".join(raw.split())
    lower = text.lower()
    if lower.replace("_", " ") in ("begin group", "end group", "begin repeat", "end repeat"):
        return lower.replace("_", " "), None, False
    if lower.replace("_", " ") in ("begin loop", "end loop"):
        return lower.replace("_", " ").replace("loop", "repeat"), None, False
    match = re.match(
        r"^(?P<cmd>" + "|".join(re.escape(k) for k in sorted(aliases.select, key=len, reverse=True)) + r")\s+"
        r"(?P<list>\S+)(?:\s+(?P<other>or specify other|or_other|or other))?$",
        text,
    )
    if match:
        cmd = match.group("cmd")
        if cmd in aliases.select_from_file or "file" in cmd or "external" in aliases.select[cmd]:
            return "from_file", match.group("list"), False
        kind = aliases.select[cmd]
        return (
            ("select_one" if kind == "select one" else "select_multiple" if kind == "select all that apply" else kind),
            match.group("list"),
            bool(match.group("other")),
        )
    name = aliases._type_alias_map.get(text, text)
    if name.startswith("uri:") or name in _METADATA:
        return "metadata", None, False
    entry = QUESTION_TYPE_DICT.get(name) or QUESTION_TYPE_DICT.get(lower)
    if entry is None:
        return f"unknown:{text}", None, False
    bind = entry.get("bind", {})
    control = entry.get("control")
    if name in ("note", "add note prompt", "q note") or bind.get("readonly"):
        return "note", None, False
    if name in ("calculate", "add calculate prompt", "q calculate", "hidden"):
        return "calculate", None, False
    if control is None:
        return "metadata", None, False
    btype = bind.get("type")
    tag = control.get("tag")
    if tag == "input" and btype == "string":
        return ("text:" + bind["constraint"]) if "constraint" in bind else "text", None, False
    if tag == "input" and btype in ("int", "decimal"):
        base = "integer" if btype == "int" else "decimal"
        return (base + ":" + bind["constraint"]) if "constraint" in bind else base, None, False
    if tag == "input" and btype in ("date", "geopoint"):
        return btype, None, False
    if tag == "upload" and control.get("mediatype") == "image/*":
        return "image", None, False
    return f"unknown:{text}", None, False


@dataclass
class _Group:
    row: _Row
    name: str
    title: LocalText
    repeat: bool
    relevant: Condition | None


def _read_survey(reader: _Reader, rows: list[_Row], lists: dict[str, _List]) -> list[Section]:
    # Malformed structure first: duplicate names, unknown lists, unbalanced groups.
    names: dict[str, int] = {}
    problems: list[FieldProblem] = []
    depth: list[tuple[str, int]] = []

    def malformed_row(number: int, vi: str, en: str) -> None:
        problems.append(problem(f"survey!{number}", vi, en, row=number))

    for row in rows:
        raw = row.get("type")
        if not raw:
            continue
        kind, list_name, _other = _base_type(raw)
        name = row.get("name")
        if kind.startswith("begin "):
            depth.append((kind, row.number))
        elif kind.startswith("end "):
            if not depth or depth[-1][0].split()[1] != kind.split()[1]:
                malformed_row(
                    row.number,
                    f"'{raw}' ở dòng {row.number} không khớp với nhóm nào đang mở.",
                    f"'{raw}' on row {row.number} closes no open group.",
                )
            else:
                depth.pop()
            continue
        if name and not kind.startswith("begin "):
            if name in names:
                malformed_row(
                    row.number,
                    f"Tên '{name}' dùng hai lần (dòng {names[name]} và {row.number}).",
                    f"The name '{name}' is used twice (rows {names[name]} and {row.number}).",
                )
            names.setdefault(name, row.number)
        elif not kind.startswith("begin "):
            malformed_row(row.number, f"Dòng {row.number} thiếu tên (name).", f"Row {row.number} has no name.")
        if kind in ("select_one", "select_multiple", "rank") and list_name not in lists:
            malformed_row(
                row.number,
                f"Dòng {row.number} dùng danh sách lựa chọn '{list_name}', không có trong trang 'choices'.",
                f"Row {row.number} uses the choice list '{list_name}', which the 'choices' sheet lacks.",
            )
    for kind, number in depth:
        malformed_row(
            number, f"'{kind}' ở dòng {number} không có dòng kết thúc.", f"'{kind}' on row {number} is never closed."
        )
    if problems:
        raise _malformed(
            f"Trang 'survey' có {len(problems)} lỗi; không có gì được lưu.",
            f"The 'survey' sheet has {len(problems)} error(s); nothing was saved.",
            problems,
        )

    kinds: dict[str, str] = {}  # question id → our kind, for relevance
    sections: list[Section] = []
    stack: list[_Group] = []
    current: list[Question] = []
    current_key: tuple[str, ...] | None = None
    used_ids: set[str] = set()

    def flush() -> None:
        nonlocal current, current_key
        if current:
            if stack:
                base = stack[-1].name
                title = LocalText(
                    vi=" › ".join(g.title.vi for g in stack if g.title.vi),
                    en=" › ".join(g.title.en for g in stack if g.title.en),
                )
            else:
                base, title = "general", LocalText(vi="Câu hỏi chung", en="General questions")
            sid, n = base, 2
            while sid in used_ids:
                sid, n = f"{base}_{n}", n + 1
            used_ids.add(sid)
            sections.append(Section(id=sid, title=title, questions=current))
        current = []
        current_key = None

    for row in rows:
        raw = row.get("type")
        if not raw:
            continue
        kind, list_name, other = _base_type(raw)
        in_repeat = any(g.repeat for g in stack)
        if kind in ("begin group", "begin repeat"):
            flush()
            name = row.get("name") or f"group_{row.number}"
            title = reader.label(row, name)
            relevant = None
            if kind == "begin group" and not in_repeat and row.get("relevant"):
                relevant = _relevance(reader, row, kinds)
            if kind == "begin repeat" and not in_repeat:
                reader.issue(
                    row,
                    "type",
                    LocalText(
                        vi=f"Nhóm lặp '{name}' (dòng {row.number}) và mọi dòng bên trong",
                        en=f"Repeat '{name}' (row {row.number}) and every row in it",
                    ),
                    _UNSUPPORTED_WHY["repeat"],
                )
            elif in_repeat:
                _inside_repeat(reader, row, stack)
            stack.append(_Group(row, name, title, kind == "begin repeat", relevant))
            continue
        if kind in ("end group", "end repeat"):
            flush()
            group = stack.pop()
            if any(g.repeat for g in stack):
                _inside_repeat(reader, row, stack)
            elif group.repeat:
                pass  # the repeat's own issue names its end too
            continue
        if in_repeat:
            _inside_repeat(reader, row, stack)
            continue
        question = _question(reader, row, kind, list_name, other, lists, kinds)
        if question is None:
            continue
        conditions = [g.relevant for g in stack if g.relevant is not None]
        if conditions:
            if question.relevant_if is not None:
                conditions.append(question.relevant_if)
            question = msgspec.structs.replace(
                question, relevant_if=conditions[0] if len(conditions) == 1 else AllOf(conditions=conditions)
            )
        key = tuple(g.name for g in stack)
        if current_key is not None and key != current_key:
            flush()
        current_key = key
        current.append(question)
        kinds[question.id] = question.__struct_config__.tag  # type: ignore[assignment]
    flush()
    return sections


def _inside_repeat(reader: _Reader, row: _Row, stack: list[_Group]) -> None:
    repeat = next(g for g in stack if g.repeat)
    reader.issue(
        row,
        "type",
        LocalText(
            vi=f"'{row.get('name') or row.get('type')}' nằm trong nhóm lặp '{repeat.name}' (dòng {repeat.row.number})",
            en=f"'{row.get('name') or row.get('type')}' is inside repeat '{repeat.name}' (row {repeat.row.number})",
        ),
        _UNSUPPORTED_WHY["repeat"],
    )


_CELL_WHY = {
    "default": LocalText(
        vi="Bảng kiểm không có câu trả lời mặc định; câu hỏi được giữ, không có giá trị mặc định.",
        en="Checklists have no default answers; the question is kept without it.",
    ),
    "calculation": LocalText(
        vi="Bảng kiểm không tính giá trị câu trả lời; câu hỏi được giữ, không có phép tính.",
        en="Checklists do not compute answers; the question is kept without the calculation.",
    ),
    "readonly": LocalText(
        vi="Câu hỏi chỉ đọc không có trong bảng kiểm; câu hỏi được giữ và trả lời được.",
        en="Read-only questions do not exist in checklists; the question is kept and can be answered.",
    ),
    "choice_filter": LocalText(
        vi="Lọc lựa chọn (choice_filter) chưa được hỗ trợ; mọi lựa chọn được hiện.",
        en="Choice filters are not supported; every choice is shown.",
    ),
    "trigger": LocalText(
        vi="Trigger chưa được hỗ trợ; câu hỏi được giữ.",
        en="Triggers are not supported; the question is kept.",
    ),
}


def _question(
    reader: _Reader,
    row: _Row,
    kind: str,
    list_name: str | None,
    other: bool,
    lists: dict[str, _List],
    kinds: dict[str, str],
) -> Question | None:
    name = row.get("name")
    raw_type = row.get("type")

    def unsupported(why: LocalText) -> None:
        reader.issue(
            row,
            "type",
            LocalText(vi=f"Câu '{name}': loại '{raw_type}'", en=f"'{name}': type '{raw_type}'"),
            why,
        )

    if kind in ("note", "calculate", "metadata"):
        unsupported(_UNSUPPORTED_WHY[kind])
        return None
    if kind == "from_file":
        unsupported(_UNSUPPORTED_WHY["file"])
        return None
    if other:
        unsupported(_UNSUPPORTED_WHY["other"])
        return None
    base, _, builtin_constraint = kind.partition(":")
    if base not in ("select_one", "select_multiple", "text", "integer", "decimal", "date", "geopoint", "image"):
        unsupported(_UNSUPPORTED_WHY["type"])
        return None
    for c in row.cells:
        why = _CELL_WHY.get(c.field)
        if why is not None and not (c.field == "readonly" and _flag(c.value) is False):
            reader.issue(
                row,
                c.header,
                LocalText(vi=f"Câu '{name}': cột {c.header} = {c.value}", en=f"'{name}': {c.header} = {c.value}"),
                why,
                drops="cell",
            )
    label = reader.text(row, "label") or LocalText(vi="", en="")
    hint = reader.text(row, "hint")
    message = reader.text(row, "constraint_message")
    if message is not None:
        hint = LocalText(
            vi="\n".join(t for t in ((hint.vi if hint else ""), message.vi) if t),
            en="\n".join(t for t in ((hint.en if hint else ""), message.en) if t),
        )
    common: dict[str, Any] = {"id": name, "label": label, "help": hint}
    required_text = row.get("required")
    required = _flag(required_text)
    if required is None:
        reader.issue(
            row,
            row.header_of("required"),
            LocalText(vi=f"Câu '{name}': required = {required_text}", en=f"'{name}': required = {required_text}"),
            LocalText(
                vi="Chỉ hỗ trợ bắt buộc có/không (yes/no), không hỗ trợ biểu thức; câu hỏi được giữ, không bắt buộc.",
                en="Only yes/no is supported for required, not an expression; the question is kept as optional.",
            ),
            drops="cell",
        )
        required = False
    common["required"] = required
    common["critical"] = _yes_no_cell(reader, row, "critical", name)
    common["action_on_fail"] = _yes_no_cell(reader, row, "action_on_fail", name)
    weight = _number_cell(reader, row, "weight", name)
    if weight is not None:
        common["weight"] = weight
    evidence = row.get("evidence")
    if evidence in ("none", "optional", "required"):
        common["evidence"] = evidence
    if row.get("basis"):
        common["basis"] = row.get("basis")
    if row.get("relevant"):
        common["relevant_if"] = _relevance(reader, row, kinds)
    appearance = row.get("appearance").split()
    if any(a.startswith("ex:") for a in appearance):
        reader.issue(
            row,
            "appearance",
            LocalText(
                vi=f"Câu '{name}': ứng dụng ngoài {row.get('appearance')}",
                en=f"'{name}': external app {row.get('appearance')}",
            ),
            LocalText(
                vi="Câu trả lời không thể lấy từ ứng dụng khác; người kiểm tra nhập trực tiếp.",
                en="Answers cannot come from another app; the inspector enters them.",
            ),
            drops="cell",
        )
    constraint = row.get("constraint")
    constraint_column = row.header_of("constraint")
    if builtin_constraint and not constraint:
        constraint, constraint_column = builtin_constraint, "type"

    def bad_constraint(accepted: str) -> None:
        reader.issue(
            row,
            constraint_column,
            LocalText(vi=f"Câu '{name}': ràng buộc {constraint}", en=f"'{name}': constraint {constraint}"),
            LocalText(
                vi=f"Chỉ hỗ trợ ràng buộc dạng {accepted}; câu hỏi được giữ, không có ràng buộc này.",
                en=f"Only constraints like {accepted} are supported; the question is kept without it.",
            ),
            drops="cell",
        )

    if base == "select_one" and list_name in lists and _is_yes_no(lists[list_name].choices):
        if constraint:
            bad_constraint("count-selected(.) <= n")
        fail_answer = "yes" if row.get("fail_answer") == "yes" else "no"
        names = {c.id for c in lists[list_name].choices}
        return YesNoQuestion(**common, allow_na="na" in names, fail_answer=fail_answer)  # type: ignore[arg-type]
    if base in ("select_one", "select_multiple"):
        choices = list(lists[list_name].choices) if list_name else []
        if base == "select_one":
            if constraint:
                bad_constraint("count-selected(.) >= n")
            return SingleChoiceQuestion(**common, choices=choices)
        bounds = _bounds(constraint, "count-selected(.)") if constraint else {}
        if bounds is None or any(v != int(v) for v in bounds.values()):
            bad_constraint("count-selected(.) >= 1 and count-selected(.) <= 3")
            bounds = {}
        return MultipleChoiceQuestion(
            **common,
            choices=choices,
            min_selected=int(bounds.get("min", 0)),
            max_selected=int(bounds["max"]) if "max" in bounds else None,
        )
    if base in ("integer", "decimal"):
        bounds = _bounds(constraint, ".", integer=base == "integer") if constraint else {}
        if bounds is None:
            bad_constraint(". >= 0 and . <= 100")
            bounds = {}
        return NumberQuestion(
            **common,
            min=bounds.get("min"),
            max=bounds.get("max"),
            unit=reader.text(row, "unit"),
            integer=base == "integer",
        )
    if base == "text":
        bounds = _bounds(constraint, "string-length(.)") if constraint else {}
        if bounds is None or "min" in bounds or any(v != int(v) for v in bounds.values()):
            bad_constraint("string-length(.) <= 500")
            bounds = {}
        return TextQuestion(**common, max_length=int(bounds.get("max", 2000)), multiline="multiline" in appearance)
    if constraint:
        bad_constraint("(không có / none)")
    if base == "date":
        return DateQuestion(**common)
    if base == "geopoint":
        accuracy = parse_float(row.get("max_accuracy_m")) if row.get("max_accuracy_m") else None
        return LocationQuestion(**common, max_accuracy_m=accuracy)
    if "signature" in appearance:
        return SignatureQuestion(**common, signer=reader.text(row, "signer"))
    photos: dict[str, Any] = {}
    for key in ("min_photos", "max_photos"):
        text = row.get(key)
        if text and re.fullmatch(r"\d+", text):
            photos[key] = int(text)
    return PhotoQuestion(**common, **photos)


def _yes_no_cell(reader: _Reader, row: _Row, column: str, name: str) -> bool:
    """A yes/no extension column (``critical``, ``action_on_fail``): empty is no; anything but
    yes/no is named as an issue and read as no."""
    text = row.get(column)
    flag = _flag(text)
    if flag is None:
        subject = LocalText(vi=f"Câu '{name}': ", en=f"'{name}': ") if name else LocalText(vi="", en="")
        reader.issue(
            row,
            row.header_of(column),
            LocalText(vi=f"{subject.vi}{column} = {text}", en=f"{subject.en}{column} = {text}"),
            LocalText(
                vi=f"Cột {column} chỉ nhận yes hoặc no; được hiểu là no.",
                en=f"The {column} column takes yes or no; it is read as no.",
            ),
            drops="cell",
        )
    return bool(flag)


def _is_yes_no(choices: list[Choice]) -> bool:
    names = {c.id for c in choices}
    return (
        len(names) == len(choices)
        and {"yes", "no"} <= names <= {"yes", "no", "na"}
        and all(c.credit is None and not c.fails and not c.specify for c in choices)
    )


# --- expressions: relevance and simple constraints -------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[^}\s]+\})|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<op>!=|>=|<=|=|>|<)|(?P<punct>[(),])|(?P<word>[A-Za-z_][\w:-]*(?:\(\))?)|(?P<dot>\.(?![\d])))"
)


class _Unsupported(Exception):
    pass


@dataclass
class _Tok:
    kind: str
    text: str


def _tokens(text: str) -> list[_Tok]:
    from pyxform.parsing.sheet_headers import clean_text_values

    text = clean_text_values(text)  # smart quotes → plain, as pyxform does
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _Unsupported(text[pos:])
        kind = m.lastgroup or ""
        out.append(_Tok(kind, m.group(kind)))
        pos = m.end()
    return out


@dataclass
class _Node:
    """A parsed expression: ``cmp`` (ref op literal), ``call`` (selected), ``and``/``or``/``not``."""

    op: str
    args: list[Any]
    paren: bool = False


class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str | None = None, kind: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None or (text is not None and tok.text != text) or (kind is not None and tok.kind != kind):
            raise _Unsupported(text or kind or "")
        self.i += 1
        return tok

    def parse(self) -> _Node:
        node = self.or_expr()
        if self.peek() is not None:
            raise _Unsupported(self.peek().text)  # type: ignore[union-attr]
        return node

    def chain(self, word: str, inner: Any) -> _Node:
        first = inner()
        items = [first]
        while (tok := self.peek()) is not None and tok.kind == "word" and tok.text == word:
            self.i += 1
            items.append(inner())
        return items[0] if len(items) == 1 else _Node(word, items)

    def or_expr(self) -> _Node:
        return self.chain("or", self.and_expr)

    def and_expr(self) -> _Node:
        return self.chain("and", self.primary)

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise _Unsupported("")
        self.i += 1
        if tok.kind == "str":
            return tok.text[1:-1]
        if tok.kind == "num":
            return int(tok.text) if re.fullmatch(r"-?\d+", tok.text) else float(tok.text)
        if tok.kind == "word" and tok.text in ("true()", "false()"):
            return tok.text == "true()"
        raise _Unsupported(tok.text)

    def primary(self) -> _Node:
        tok = self.peek()
        if tok is None:
            raise _Unsupported("")
        if tok.text == "(":
            self.i += 1
            node = self.or_expr()
            self.take(")")
            node.paren = True
            return node
        if tok.kind == "word" and tok.text == "not":
            self.i += 1
            self.take("(")
            node = self.or_expr()
            self.take(")")
            return _Node("not", [node])
        if tok.kind == "word" and tok.text == "selected":
            self.i += 1
            self.take("(")
            ref = self.take(kind="ref").text[2:-1]
            self.take(",")
            value = self.literal()
            self.take(")")
            return _Node("selected", [ref, value])
        if tok.kind == "ref":
            self.i += 1
            op = self.take(kind="op").text
            return _Node("cmp", [tok.text[2:-1], op, self.literal()])
        raise _Unsupported(tok.text)


def _condition(node: _Node, kinds: dict[str, str]) -> Condition:
    if node.op in ("cmp", "selected"):
        return _test(node, kinds)
    if node.op == "not":
        return Not(condition=_condition(node.args[0], kinds))
    if node.op == "and":
        return AllOf(conditions=[_condition(a, kinds) for a in node.args])
    if node.op == "or":
        tests = [a for a in node.args if a.op in ("cmp", "selected") and not a.paren]
        if len(tests) == len(node.args):
            conds = [_test(a, kinds) for a in tests]
            if all(isinstance(c, Equals) for c in conds) and len({c.question for c in conds}) == 1:  # type: ignore[union-attr]
                return OneOf(question=conds[0].question, values=[c.value for c in conds])  # type: ignore[union-attr]
        return AnyOf(conditions=[_condition(a, kinds) for a in node.args])
    raise _Unsupported(node.op)


def _test(node: _Node, kinds: dict[str, str]) -> Condition:
    if node.op == "selected":
        ref, value = node.args
        if ref not in kinds:
            raise _Unsupported(ref)
        return Equals(question=ref, value=value)
    ref, op, value = node.args
    if ref not in kinds:
        raise _Unsupported(ref)
    if op in ("=", "!=") and value == "":
        return Answered(question=ref) if op == "!=" else Not(condition=Answered(question=ref))
    if op == "=":
        return Equals(question=ref, value=value)
    if op == "!=":
        return Not(condition=Equals(question=ref, value=value))
    if isinstance(value, str) or kinds[ref] != "number":
        raise _Unsupported(op)
    if op == ">=":
        return AtLeast(question=ref, value=float(value))
    if op == "<=":
        return AtMost(question=ref, value=float(value))
    # ``>`` / ``<`` hold only for an answered number: not(at most) needs the answer too
    inner: Condition = (
        AtMost(question=ref, value=float(value)) if op == ">" else AtLeast(question=ref, value=float(value))
    )
    return AllOf(conditions=[Answered(question=ref), Not(condition=inner)])


def _relevance(reader: _Reader, row: _Row, kinds: dict[str, str]) -> Condition | None:
    text = row.get("relevant")
    try:
        return _condition(_Parser(_tokens(text)).parse(), kinds)
    except _Unsupported:
        column = row.cell("relevant")
        reader.issue(
            row,
            column.header if column else "relevant",
            LocalText(
                vi=f"Câu '{row.get('name')}': điều kiện hiển thị {text}",
                en=f"'{row.get('name')}': relevance {text}",
            ),
            LocalText(
                vi="Chỉ hỗ trợ ${q} = 'x', ${q} != 'x', selected(${q}, 'x'), so sánh số (>=, <=, >, <) với câu hỏi số"
                " ở phía trên, and/or/not; khi chấp nhận, câu hỏi luôn được hiện.",
                en="Only ${q} = 'x', ${q} != 'x', selected(${q}, 'x'), number comparisons (>=, <=, >, <) with an"
                " earlier number question, and/or/not are supported; if accepted, the question is always shown.",
            ),
            drops="cell",
        )
        return None


def _bounds(text: str, subject: str, integer: bool = False) -> dict[str, float] | None:
    """``{"min": a, "max": b}`` from ``S >= a and S <= b`` (either order; ``>``/``<`` only for
    integers), or ``None`` when the constraint says anything else."""
    from pyxform.parsing.sheet_headers import clean_text_values

    out: dict[str, float] = {}
    number = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    subj = re.escape(subject).replace(r"\.", r"\s*\.\s*").replace(r"\(", r"\s*\(\s*").replace(r"\)", r"\s*\)")
    for part in re.split(r"\s+and\s+", clean_text_values(text).strip()):
        m = re.fullmatch(rf"\s*{subj}\s*(>=|<=|>|<)\s*{number}\s*", part)
        if m:
            op, value = m.group(1), float(m.group(2))
        else:
            m = re.fullmatch(rf"\s*{number}\s*(>=|<=|>|<)\s*{subj}\s*", part)
            if not m:
                return None
            value, op = float(m.group(1)), {">=": "<=", "<=": ">=", ">": "<", "<": ">"}[m.group(2)]
        if op in (">", "<"):
            if not integer or value != int(value):
                return None
            value, op = (value + 1, ">=") if op == ">" else (value - 1, "<=")
        key = "min" if op == ">=" else "max"
        if key in out:
            return None
        out[key] = value
    return out


# --- scoring and risk index sheets -----------------------------------------------------------

STANDARD_BANDS = [
    ResultBand(id="pass", label=LocalText(vi="Đạt", en="Pass"), min_score=90),
    ResultBand(id="pass_rec", label=LocalText(vi="Đạt, có khuyến nghị", en="Pass with recommendations"), min_score=75),
    ResultBand(
        id="fix",
        label=LocalText(vi="Chưa đạt – yêu cầu khắc phục", en="Not yet compliant – corrective action required"),
        min_score=50,
        passing=False,
        correction_days=15,
    ),
    ResultBand(
        id="fail",
        label=LocalText(vi="Không đạt – kiến nghị xử lý / tạm dừng", en="Fail – refer for enforcement or suspension"),
        min_score=0,
        passing=False,
    ),
]


def _read_scoring(reader: _Reader, rows: list[_Row]) -> Scoring:
    bands: list[ResultBand] = []
    critical = ""
    requires: list[str] = list(_ALL_REQUIRES)
    for row in rows:
        kind = row.get("type")
        if row.empty or not kind:
            continue
        if kind == "band":
            days = row.get("correction_days")
            bands.append(
                ResultBand(
                    id=row.get("name"),
                    label=reader.label(row),
                    min_score=parse_float(row.get("min_score")) or 0.0,
                    passing=_flag(row.get("passing")) is not False,
                    correction_days=int(days) if re.fullmatch(r"\d+", days) else None,
                )
            )
        elif kind == "critical_failure":
            critical = row.get("name")
            action = row.get("action_on_fail")
            if action:
                wanted = [] if action == "none" else action.replace(",", " ").split()
                unknown = [w for w in wanted if w not in _ALL_REQUIRES]
                if unknown:
                    reader.issue(
                        row,
                        "action_on_fail",
                        LocalText(
                            vi=f"Yêu cầu không rõ: {' '.join(unknown)}", en=f"Unknown requirement: {' '.join(unknown)}"
                        ),
                        LocalText(
                            vi="action_on_fail gồm photo, corrective_action, due_date hoặc none.",
                            en="action_on_fail lists photo, corrective_action, due_date, or none.",
                        ),
                        drops="cell",
                    )
                requires = [w for w in wanted if w in _ALL_REQUIRES]
        else:
            reader.issue(
                row,
                "type",
                LocalText(vi=f"Dòng chấm điểm '{kind}'", en=f"Scoring row '{kind}'"),
                LocalText(
                    vi="Trang scoring chỉ có dòng band và critical_failure.",
                    en="The scoring sheet has only band and critical_failure rows.",
                ),
            )
    if not bands:
        bands = list(STANDARD_BANDS)
    if not critical:
        critical = bands[-1].id
    return Scoring(bands=bands, critical_failure_band=critical, critical_failure_requires=requires)  # type: ignore[arg-type]


def _opt_number(text: str) -> float | None:
    return parse_float(text) if text else None


def _read_risk_index(reader: _Reader, rows: list[_Row]) -> RiskIndex | None:
    index: _Row | None = None
    criteria: list[RiskCriterion] = []
    bands: list[RiskBand] = []
    for row in rows:
        kind = row.get("type")
        if row.empty or not kind:
            continue
        label = reader.label(row)
        if kind == "index":
            index = row
        elif kind == "criterion":
            criteria.append(
                RiskCriterion(
                    id=row.get("name"),
                    label=label,
                    max_points=parse_float(row.get("max_points")) or 0.0,
                    question=row.get("question") or None,
                )
            )
        elif kind == "level" and criteria:
            criteria[-1].levels.append(
                RiskLevel(
                    points=parse_float(row.get("points")) or 0.0,
                    label=label,
                    choice=row.get("choice") or None,
                    min=_opt_number(row.get("min")),
                    max=_opt_number(row.get("max")),
                )
            )
        elif kind == "band":
            bands.append(
                RiskBand(
                    id=row.get("name"),
                    label=label,
                    max_percent=parse_float(row.get("max_percent")) or 0.0,
                    action=reader.text(row, "action"),
                )
            )
        else:
            reader.issue(
                row,
                "type",
                LocalText(vi=f"Dòng chỉ số nguy cơ '{kind}'", en=f"Risk index row '{kind}'"),
                LocalText(
                    vi="Trang risk_index có các dòng index, criterion, level (sau criterion của nó) và band.",
                    en="The risk_index sheet has index, criterion, level (after its criterion) and band rows.",
                ),
            )
    if index is None:
        return None
    return RiskIndex(
        id=index.get("name"),
        label=reader.label(index),
        total_points=parse_float(index.get("total_points")) or 0.0,
        expected_criteria=int(parse_float(index.get("expected_criteria")) or 0),
        criteria=criteria,
        bands=bands,
        source=index.get("source") or None,
    )


# --- writing ---------------------------------------------------------------------------------


def _num(value: float | int) -> float | int:
    """A whole number as an int (so the cell reads ``5``, not ``5.0``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _lit(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true()" if value else "false()"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ValueError(f"the value {value!r} has both kinds of quote")


def write_condition(c: Condition, kinds: dict[str, str]) -> str:
    """The XLSForm ``relevant`` expression of a condition (read back by :func:`read_xlsform`
    to the same condition)."""
    match c:
        case Equals(question=q, value=v):
            if kinds.get(q) == "multiple_choice":
                return f"selected(${{{q}}}, {_lit(v)})"
            return f"${{{q}}} = {_lit(v)}"
        case OneOf(question=q, values=vs):
            if not vs:
                return "false()"
            return " or ".join(write_condition(Equals(question=q, value=v), kinds) for v in vs)
        case AtLeast(question=q, value=v):
            return f"${{{q}}} >= {_lit(float(v))}"
        case AtMost(question=q, value=v):
            return f"${{{q}}} <= {_lit(float(v))}"
        case Answered(question=q):
            return f"${{{q}}} != ''"
        case AllOf(conditions=cs) | AnyOf(conditions=cs):
            if len(cs) < 2:  # no XLSForm form of its own: the condition itself, or a constant
                return write_condition(cs[0], kinds) if cs else ("true()" if isinstance(c, AllOf) else "false()")
            word = " and " if isinstance(c, AllOf) else " or "
            return word.join(f"({write_condition(x, kinds)})" for x in cs)
        case Not(condition=x):
            return f"not({write_condition(x, kinds)})"
    raise ValueError(f"unknown condition {c!r}")


def _bilingual(prefix: str) -> list[str]:
    return [f"{prefix}::{VI_COLUMN}", f"{prefix}::{EN_COLUMN}"]


SURVEY_COLUMNS = [
    "type",
    "name",
    *_bilingual("label"),
    *_bilingual("hint"),
    "required",
    "relevant",
    "constraint",
    "appearance",
    "weight",
    "critical",
    "action_on_fail",
    "fail_answer",
    "evidence",
    "basis",
    *_bilingual("unit"),
    "min_photos",
    "max_photos",
    *_bilingual("signer"),
    "max_accuracy_m",
]
CHOICES_COLUMNS = ["list_name", "name", *_bilingual("label"), "credit", "fails", "specify"]
SETTINGS_COLUMNS = [
    "form_id",
    "form_title",
    "form_title_en",
    "version",
    "default_language",
    *_bilingual("description"),
    "site_kinds",
    "action_on_fail",
]
SCORING_COLUMNS = ["type", "name", *_bilingual("label"), "min_score", "passing", "correction_days", "action_on_fail"]
RISK_COLUMNS = [
    "type",
    "name",
    *_bilingual("label"),
    "question",
    "max_points",
    "points",
    "choice",
    "min",
    "max",
    "max_percent",
    *_bilingual("action"),
    "total_points",
    "expected_criteria",
    "source",
]

_YES_NO_CHOICES = [
    ("yes", LocalText(vi="Có", en="Yes")),
    ("no", LocalText(vi="Không", en="No")),
    ("na", LocalText(vi="Không áp dụng", en="Not applicable")),
]


def _texts(prefix: str, text: LocalText | None) -> dict[str, str]:
    if text is None:
        return {}
    return {f"{prefix}::{VI_COLUMN}": text.vi, f"{prefix}::{EN_COLUMN}": text.en}


def _bounds_text(subject: str, lo: float | None, hi: float | None) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{subject} >= {_num(lo)}")
    if hi is not None:
        parts.append(f"{subject} <= {_num(hi)}")
    return " and ".join(parts)


def _list_name(q: Question, used: set[str]) -> str:
    base = q.id if q.id not in YES_NO_LISTS else f"{q.id}_choices"
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


def _question_row(q: Question, kinds: dict[str, str], lists: list[dict[str, Any]], used: set[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"name": q.id, **_texts("label", q.label), **_texts("hint", q.help)}
    if q.required:
        row["required"] = "yes"
    if q.relevant_if is not None:
        row["relevant"] = write_condition(q.relevant_if, kinds)
    if q.weight:
        row["weight"] = _num(q.weight)
    if q.critical:
        row["critical"] = "yes"
    if q.action_on_fail:
        row["action_on_fail"] = "yes"
    if q.evidence != "none":
        row["evidence"] = q.evidence
    if q.basis:
        row["basis"] = q.basis
    match q:
        case YesNoQuestion():
            row["type"] = "select_one yes_no_na" if q.allow_na else "select_one yes_no"
            if q.fail_answer == "yes":
                row["fail_answer"] = "yes"
        case NumberQuestion():
            row["type"] = "integer" if q.integer else "decimal"
            row["constraint"] = _bounds_text(".", q.min, q.max)
            row.update(_texts("unit", q.unit))
        case TextQuestion():
            row["type"] = "text"
            if q.max_length != 2000:
                row["constraint"] = f"string-length(.) <= {q.max_length}"
            if q.multiline:
                row["appearance"] = "multiline"
        case SingleChoiceQuestion() | MultipleChoiceQuestion():
            name = _list_name(q, used)
            if isinstance(q, SingleChoiceQuestion):
                row["type"] = f"select_one {name}"
            else:
                row["type"] = f"select_multiple {name}"
                row["constraint"] = _bounds_text("count-selected(.)", q.min_selected or None, q.max_selected)
            for c in q.choices:
                choice: dict[str, Any] = {"list_name": name, "name": c.id, **_texts("label", c.label)}
                if c.credit is not None:
                    choice["credit"] = _num(c.credit)
                if c.fails:
                    choice["fails"] = "yes"
                if c.specify:
                    choice["specify"] = "yes"
                lists.append(choice)
        case DateQuestion():
            row["type"] = "date"
        case PhotoQuestion():
            row["type"] = "image"
            row["min_photos"] = q.min_photos
            row["max_photos"] = q.max_photos
        case SignatureQuestion():
            row["type"] = "image"
            row["appearance"] = "signature"
            row.update(_texts("signer", q.signer))
        case LocationQuestion():
            row["type"] = "geopoint"
            if q.max_accuracy_m is not None:
                row["max_accuracy_m"] = _num(q.max_accuracy_m)
    return row


def _sheet(book: Any, title: str, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    ws = book.create_sheet(title)
    ws.append(columns)
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(columns, start=1):
            value = row.get(column)
            if value is None or value == "":
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that starts with "=" stays text, not a formula
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = 48 if col.startswith(("label", "hint", "description", "basis")) else 14


def write_xlsform(template: ChecklistTemplate) -> bytes:
    """The checklist version as an XLSForm workbook (``.xlsx`` bytes)."""
    import openpyxl

    kinds = {q.id: q.__struct_config__.tag for q in template.questions()}
    survey: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    used: set[str] = set(YES_NO_LISTS)
    yes_no_used: set[bool] = set()
    for section in template.sections:
        survey.append({"type": "begin group", "name": section.id, **_texts("label", section.title)})
        for q in section.questions:
            survey.append(_question_row(q, kinds, choices, used))  # type: ignore[arg-type]
            if isinstance(q, YesNoQuestion):
                yes_no_used.add(q.allow_na)
        survey.append({"type": "end group", "name": section.id})
    yes_no_rows = []
    for list_name, allow_na in YES_NO_LISTS.items():
        if allow_na in yes_no_used:
            for cid, label in _YES_NO_CHOICES:
                if cid != "na" or allow_na:
                    yes_no_rows.append({"list_name": list_name, "name": cid, **_texts("label", label)})
    settings = {
        "form_id": template.template_id,
        "form_title": template.title.vi,
        "form_title_en": template.title.en,
        "version": template.version,
        "default_language": VI_COLUMN,
        **_texts("description", template.description),
        "site_kinds": " ".join(template.site_kinds),
        "action_on_fail": "yes" if template.action_on_fail else None,
    }
    scoring: list[dict[str, Any]] = [
        {
            "type": "band",
            "name": b.id,
            **_texts("label", b.label),
            "min_score": _num(b.min_score),
            "passing": "yes" if b.passing else "no",
            "correction_days": b.correction_days,
        }
        for b in template.scoring.bands
    ]
    scoring.append(
        {
            "type": "critical_failure",
            "name": template.scoring.critical_failure_band,
            "action_on_fail": " ".join(template.scoring.critical_failure_requires) or "none",
        }
    )
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "survey", SURVEY_COLUMNS, survey)
    _sheet(book, "choices", CHOICES_COLUMNS, yes_no_rows + choices)
    _sheet(book, "settings", SETTINGS_COLUMNS, [settings])
    _sheet(book, "scoring", SCORING_COLUMNS, scoring)
    ri = template.risk_index
    if ri is not None:
        risk: list[dict[str, Any]] = [
            {
                "type": "index",
                "name": ri.id,
                **_texts("label", ri.label),
                "total_points": _num(ri.total_points),
                "expected_criteria": ri.expected_criteria,
                "source": ri.source,
            }
        ]
        for c in ri.criteria:
            risk.append(
                {
                    "type": "criterion",
                    "name": c.id,
                    **_texts("label", c.label),
                    "max_points": _num(c.max_points),
                    "question": c.question,
                }
            )
            for lv in c.levels:
                risk.append(
                    {
                        "type": "level",
                        **_texts("label", lv.label),
                        "points": _num(lv.points),
                        "choice": lv.choice,
                        "min": None if lv.min is None else _num(lv.min),
                        "max": None if lv.max is None else _num(lv.max),
                    }
                )
        for b in ri.bands:
            risk.append(
                {
                    "type": "band",
                    "name": b.id,
                    **_texts("label", b.label),
                    "max_percent": _num(b.max_percent),
                    **_texts("action", b.action),
                }
            )
        _sheet(book, "risk_index", RISK_COLUMNS, risk)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sync_server.core.xlsform FILE.yaml …``: write each checklist's XLSForm
    beside it (``FILE.xlsx``); this is how the shipped ``.xlsx`` copies are made."""
    import sys
    from pathlib import Path

    from sync_server.core.checklists import parse_template

    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        fmt = "yaml" if path.suffix.lower() in (".yaml", ".yml") else "json"
        template = parse_template(path.read_text(encoding="utf-8"), fmt)
        path.with_suffix(".xlsx").write_bytes(write_xlsform(template))
        print(f"{path.with_suffix('.xlsx')}: {len(template.questions())} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
