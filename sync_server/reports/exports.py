"""Exports of a list of inspections that people open: CSV and XLSX (one row per inspection,
answers one column per question) and GeoJSON (RFC 7946: each inspection a Point at its
recorded location, else its site's).

**Headers.** Row 1 holds the column labels in the reader's language (Vietnamese unless
``lang="en"``), row 2 the stable column ids (``inspection_id``, ``masks``, …) — in CSV and
XLSX alike, so a program reading the CSV skips one row (``pandas.read_csv(path, header=1)``)
and a person sees words. A question column's id is the question id; when two checklists in
one export use the same question id (or a question id is a header column's, like ``team``)
it is ``template_id.question_id`` so they never mix.
The XLSX also lists every question column on a second sheet ("Câu hỏi") with both labels.

**Cells.** Numbers are numbers (a number question's unit is in its label, not in the cell);
times are the local time of ``SYNC_TIMEZONE`` — real date cells in XLSX, ``YYYY-MM-DD HH:MM``
in CSV (which every spreadsheet program reads as a date); a multiple-choice question is one
column per option in XLSX (1 chosen, 0 not chosen, empty when unanswered) and one column of
the chosen labels in CSV; photos are links to the console (``/console/blobs/<sha256>``) and
each row links to its record (``/console/inspections/<id>``).

**Formula injection.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is never a formula: in CSV it gets a leading apostrophe (OWASP's advice; the
spreadsheet shows the text as typed), in XLSX it is written as a string cell marked
"quote prefix" (Excel's own flag for text that looks like a formula), so it stays text
even when someone edits it.

**Streaming.** Every format is written one record at a time from an iterable: ``csv_chunks``
and ``geojson_chunks`` yield pieces for a streamed response; ``write_xlsx`` writes through
XlsxWriter's constant-memory mode to a file (an XLSX is a zip, complete only at its end), so
memory holds one row, never the sheet. XlsxWriter was measured against openpyxl's
write-only mode (``bench/export_bench.py``) and is about twice as fast.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import msgspec
import xlsxwriter

from shared_schema.checklist import (
    ChecklistTemplate,
    DateQuestion,
    LocationQuestion,
    MultipleChoiceQuestion,
    NumberQuestion,
    PhotoQuestion,
    Question,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from shared_schema.relevance import is_given
from shared_schema.scoring import score
from shared_schema.text import LocalText
from sync_server.core import local_time
from sync_server.reports.formatting import (
    answer_text,
    inspection_kind_label,
    parse_instant,
    site_kind_label,
    status_label,
)
from sync_server.reports.model import ReportData

ROWS_PER_CHUNK = 1000  # rows per streamed piece (~0.4 MB of CSV): each piece is a hop to the worker thread
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel keeps at most 65,530 hyperlinks per sheet; past this many, links are written as text.
MAX_LINKS_PER_SHEET = 65_000


class Links(msgspec.Struct, frozen=True):
    """A cell of links (photos, the record): CSV writes the URLs separated by spaces, XLSX
    shows them one per line and links the first."""

    urls: tuple[str, ...]


Cell = str | int | float | dt.datetime | dt.date | Links | None


class Column(msgspec.Struct, frozen=True):
    """One export column: a label (header row 1) and a stable id (header row 2)."""

    id: str
    label: LocalText
    # For answer columns: which checklist and question the column holds (and, for one
    # column per option of a multiple-choice question in XLSX, which option).
    template_id: str | None = None
    question_id: str | None = None
    choice_id: str | None = None


def neutralise(text: str) -> str:
    """``text`` made inert for a CSV cell: a leading apostrophe when it could start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def _band_label(data: ReportData, lang: str) -> str:
    band_id = data.header.result
    for band in data.template.scoring.bands:
        if band.id == band_id:
            return band.label.get(lang)
    return band_id or ""


def _valid_point(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


class TemplateFacts:
    """What rows need of one checklist version, worked out once per export."""

    def __init__(self, template: ChecklistTemplate) -> None:
        questions = template.questions()
        self.question_map = {q.id: q for q in questions}
        self.location_ids = [q.id for q in questions if isinstance(q, LocationQuestion)]
        self.photo_ids = {q.id for q in questions if isinstance(q, PhotoQuestion)}
        self.ordered_ids = [q.id for q in questions]
        self.has_critical = any(getattr(q, "critical", False) for q in questions)


_facts: dict[int, tuple[ChecklistTemplate, TemplateFacts]] = {}


def facts_of(template: ChecklistTemplate) -> TemplateFacts:
    """``TemplateFacts`` of ``template`` (kept while the template object lives)."""
    hit = _facts.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    if len(_facts) > 256:
        _facts.clear()
    facts = TemplateFacts(template)
    _facts[id(template)] = (template, facts)
    return facts


def location_of(data: ReportData) -> tuple[float | None, float | None, str]:
    """(lat, lon, source) of an inspection: its recorded location (``inspection``), else the
    first answered location question (``answer``), else its site's (``site``)."""
    if data.header.location is not None:
        point = _valid_point(data.header.location.lat, data.header.location.lon)
        if point:
            return point[0], point[1], "inspection"
    for question_id in facts_of(data.template).location_ids:
        answer = data.answers.get(question_id)
        value = answer.value if answer is not None else None
        if isinstance(value, dict):
            point = _valid_point(value.get("lat"), value.get("lon"))
            if point:
                return point[0], point[1], "answer"
    if data.site.location is not None:
        point = _valid_point(data.site.location.lat, data.site.location.lon)
        if point:
            return point[0], point[1], "site"
    return None, None, ""


def _failed_labels(data: ReportData, lang: str) -> str:
    facts = facts_of(data.template)
    if not facts.has_critical:
        return ""
    if data.header.result is not None and data.header.result != data.template.scoring.critical_failure_band:
        return ""  # the server scores with the same rules: a result other than that band means none failed
    questions = facts.question_map
    failed = score(data.template, data.values()).failed_critical
    return "; ".join(questions[q].label.get(lang) for q in failed)


def local_datetime(value: str | None) -> dt.datetime | None:
    """An ISO time as a naive local datetime (``SYNC_TIMEZONE``), what a spreadsheet shows."""
    moment = parse_instant(value)
    return moment.astimezone(local_time.zone()).replace(tzinfo=None) if moment else None


def blob_url(base_url: str, sha256: str) -> str:
    return f"{base_url}/console/blobs/{sha256}"


def record_url(base_url: str, inspection_id: str) -> str:
    return f"{base_url}/console/inspections/{inspection_id}"


def _photos(data: ReportData) -> list[str]:
    """Every photo of the inspection: photo questions' answers, then photos attached to answers."""
    facts = facts_of(data.template)
    answers = data.answers
    for answer in answers.values():
        if answer.photos:
            break
    else:
        if answers.keys().isdisjoint(facts.photo_ids):
            return []  # the usual row: no photo at all, known without walking the questions
    seen: dict[str, None] = {}
    for question_id in facts.ordered_ids:
        answer = answers.get(question_id)
        if answer is None:
            continue
        if question_id in facts.photo_ids and isinstance(answer.value, list):
            seen.update((s, None) for s in answer.value if isinstance(s, str))
        if answer.photos:
            seen.update((s, None) for s in answer.photos)
    return list(seen)


class RowContext:
    """The export's language and address, and the current row's location (worked out once)."""

    def __init__(self, lang: str, base_url: str) -> None:
        self.lang = lang
        self.base_url = base_url
        self._located: tuple[ReportData | None, tuple[float | None, float | None, str]] = (None, (None, None, ""))

    def location(self, record: ReportData) -> tuple[float | None, float | None, str]:
        if self._located[0] is not record:
            self._located = (record, location_of(record))
        return self._located[1]


HeaderGetter = Callable[[ReportData, RowContext], Cell]


def _links(urls: list[str]) -> Links | None:
    return Links(tuple(urls)) if urls else None


HEADER_COLUMNS: list[tuple[str, LocalText, HeaderGetter]] = [
    ("inspection_id", LocalText("Mã biên bản (hệ thống)", "Inspection id"), lambda d, _: d.header.id),
    ("record_number", LocalText("Số biên bản", "Record number"), lambda d, _: d.header.record_number or None),
    ("status", LocalText("Trạng thái", "Status"), lambda d, c: status_label(d.header.status, c.lang)),
    ("started_at", LocalText("Thời gian kiểm tra", "Inspected at"), lambda d, _: local_datetime(d.header.started_at)),
    (
        "completed_at",
        LocalText("Hoàn thành lúc", "Completed at"),
        lambda d, _: local_datetime(d.header.completed_at),
    ),
    ("kind", LocalText("Hình thức", "Kind"), lambda d, c: inspection_kind_label(d.header.kind, c.lang)),
    ("site_code", LocalText("Mã cơ sở", "Site code"), lambda d, _: d.site.code),
    ("site_name", LocalText("Tên cơ sở", "Site name"), lambda d, _: d.site.name),
    ("site_kind", LocalText("Loại cơ sở", "Site kind"), lambda d, c: site_kind_label(d.site.kind, c.lang)),
    ("district", LocalText("Huyện/Thành phố", "District"), lambda d, _: d.site.district),
    ("template_id", LocalText("Bảng kiểm", "Checklist"), lambda d, _: d.header.template_id),
    ("template_version", LocalText("Phiên bản", "Version"), lambda d, _: d.header.template_version),
    ("inspector", LocalText("Cán bộ kiểm tra", "Inspector"), lambda d, _: d.inspector_name or d.header.inspector),
    ("team", LocalText("Đoàn kiểm tra", "Team"), lambda d, _: "; ".join(m.name for m in d.header.team)),
    ("score", LocalText("Điểm (%)", "Score (%)"), lambda d, _: d.header.score),
    ("result", LocalText("Kết quả", "Result"), lambda d, c: _band_label(d, c.lang)),
    (
        "failed_critical",
        LocalText("Mục trọng yếu không đạt", "Failed critical items"),
        lambda d, c: _failed_labels(d, c.lang),
    ),
    ("findings", LocalText("Nhận xét, kết luận", "Findings"), lambda d, _: d.header.findings),
    ("lat", LocalText("Vĩ độ", "Latitude"), lambda d, c: c.location(d)[0]),
    ("lon", LocalText("Kinh độ", "Longitude"), lambda d, c: c.location(d)[1]),
    (
        "photos",
        LocalText("Ảnh (liên kết)", "Photos (links)"),
        lambda d, c: _links([blob_url(c.base_url, s) for s in _photos(d)]),
    ),
    (
        "record_url",
        LocalText("Xem biên bản", "Open the record"),
        lambda d, c: Links((record_url(c.base_url, d.header.id),)),
    ),
]


def _question_label(question: Question) -> LocalText:
    if isinstance(question, NumberQuestion) and question.unit is not None:
        return LocalText(f"{question.label.vi} ({question.unit.vi})", f"{question.label.en} ({question.unit.en})")
    return question.label


def columns_for_templates(templates: Iterable[ChecklistTemplate], *, split_choices: bool = False) -> list[Column]:
    """The header columns, then one column per question of every checklist in ``templates``
    (with ``split_choices``, one per option of a multiple-choice question, for XLSX).

    Questions come in checklist order; checklists in the order they first appear; for a
    checklist seen in several versions, the newest version's label and order win, and
    questions only an older version has follow.
    """
    columns = [Column(cid, label) for cid, label, _ in HEADER_COLUMNS]
    versions: dict[str, dict[int, ChecklistTemplate]] = {}
    for template in templates:
        versions.setdefault(template.template_id, {}).setdefault(template.version, template)
    per_template: dict[str, list[Question]] = {}
    for tid, by_version in versions.items():
        questions: dict[str, Question] = {}
        for version in sorted(by_version, reverse=True):
            for q in by_version[version].questions():
                questions.setdefault(q.id, q)
        per_template[tid] = list(questions.values())
    owners: dict[str, set[str]] = {cid: {""} for cid, _, _ in HEADER_COLUMNS}  # a header id is taken
    for tid, questions in per_template.items():
        for q in questions:
            owners.setdefault(q.id, set()).add(tid)
    for tid, questions in per_template.items():
        for q in questions:
            cid = q.id if len(owners[q.id]) == 1 else f"{tid}.{q.id}"
            if split_choices and isinstance(q, MultipleChoiceQuestion):
                for choice in q.choices:
                    label = LocalText(f"{q.label.vi}: {choice.label.vi}", f"{q.label.en}: {choice.label.en}")
                    columns.append(Column(f"{cid}:{choice.id}", label, tid, q.id, choice.id))
            else:
                columns.append(Column(cid, _question_label(q), template_id=tid, question_id=q.id))
    return columns


def columns_for(records: Sequence[ReportData], *, split_choices: bool = False) -> list[Column]:
    """``columns_for_templates`` of the records' checklists."""
    return columns_for_templates((r.template for r in records), split_choices=split_choices)


def _answer_cell(question: Question, value: Any, choice_id: str | None, ctx: RowContext) -> Cell:
    if choice_id is not None:
        chosen = value if isinstance(value, list) else [value]
        return 1 if choice_id in chosen else 0
    match question:
        case NumberQuestion() if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        case DateQuestion():
            try:
                return dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                return str(value)
        case PhotoQuestion() if isinstance(value, list):
            return _links([blob_url(ctx.base_url, s) for s in value if isinstance(s, str)])
    return answer_text(question, value, ctx.lang)


MEMO_KINDS = (YesNoQuestion, SingleChoiceQuestion)
_MISSING = object()

# Per checklist version: (position in the row, question id, question, choice id, memo) of each
# of its columns. ``memo`` (yes/no and single-choice columns) maps an answer text to its cell:
# such answers take few values, each put in words once per export.
Plan = list[tuple[int, str, Question, str | None, dict[str, Cell] | None]]


def _plan(
    template: ChecklistTemplate, columns: Sequence[Column], memos: dict[tuple[int, str | None], dict[str, Cell]]
) -> Plan:
    questions = facts_of(template).question_map
    plan: Plan = []
    for index, c in enumerate(columns):
        if c.template_id != template.template_id or c.question_id not in questions:
            continue
        question = questions[c.question_id]
        # one memo per question object (shared by the versions that share it) and option
        memo = memos.setdefault((id(question), c.choice_id), {}) if isinstance(question, MEMO_KINDS) else None
        plan.append((index, question.id, question, c.choice_id, memo))
    return plan


def rows_for(
    records: Iterable[ReportData], columns: Sequence[Column], lang: str = "vi", base_url: str = ""
) -> Iterator[list[Cell]]:
    """The cells of every record, in the order of ``columns``, one record at a time."""
    ctx = RowContext(lang=lang, base_url=base_url)
    getters = {cid: getter for cid, _, getter in HEADER_COLUMNS}
    header = [(index, getters[c.id]) for index, c in enumerate(columns) if c.question_id is None]
    plans: dict[tuple[str, int], Plan] = {}
    width = len(columns)
    # the questions live as long as the export, so the ids the memos are keyed by do too
    memos: dict[tuple[int, str | None], dict[str, Cell]] = {}
    for record in records:
        template = record.template
        key = (template.template_id, template.version)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = _plan(template, columns, memos)
        row: list[Cell] = [None] * width
        for index, getter in header:
            row[index] = getter(record, ctx)
        answers = record.answers
        for index, question_id, question, choice_id, memo in plan:
            answer = answers.get(question_id)
            if answer is None:
                continue
            value = answer.value
            if value.__class__ is str:
                if memo is not None:
                    cell = memo.get(value, _MISSING)
                    if cell is _MISSING:
                        cell = memo[value] = _answer_cell(question, value, choice_id, ctx) if value.strip() else None
                    row[index] = cell
                    continue
                if not value.strip():
                    continue
            elif not is_given(value):
                continue
            row[index] = _answer_cell(question, value, choice_id, ctx)
        yield row


def _csv_text(cell: Cell) -> str | int | float:
    if cell is None:
        return ""
    if cell.__class__ is str:
        return "'" + cell if cell.startswith(FORMULA_STARTS) else cell  # type: ignore[union-attr,operator]
    if isinstance(cell, str):
        return neutralise(cell)
    if isinstance(cell, dt.datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, Links):
        return " ".join(cell.urls)
    return cell


def csv_chunks(
    records: Iterable[ReportData], columns: Sequence[Column], lang: str = "vi", base_url: str = ""
) -> Iterator[bytes]:
    """CSV in pieces of about ``ROWS_PER_CHUNK`` rows, UTF-8 with a byte-order mark (so
    spreadsheet programs read Vietnamese right); row 1 the labels, row 2 the column ids."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([neutralise(c.label.get(lang)) for c in columns])
    writer.writerow([c.id for c in columns])
    for n, row in enumerate(rows_for(records, columns, lang, base_url), start=1):
        writer.writerow(
            [
                # the writer writes None as an empty field, as _csv_text would
                cell
                if (cell.__class__ is str and not cell.startswith(FORMULA_STARTS)) or cell is None  # type: ignore[union-attr]
                else _csv_text(cell)
                for cell in row
            ]
        )
        if n % ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def inspections_csv(records: Sequence[ReportData], lang: str = "vi", base_url: str = "") -> bytes:
    """The whole CSV of ``records`` (``csv_chunks`` with their columns)."""
    return b"".join(csv_chunks(records, columns_for(records), lang, base_url))


class _XlsxCells:
    """Typed cell writing on one XlsxWriter sheet (never ``write()``, which would turn a
    string starting with ``=`` into a formula)."""

    def __init__(self, book: Any, sheet: Any, lang: str) -> None:
        self.sheet = sheet
        self.text_prefixed = book.add_format({"quote_prefix": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.link = book.add_format({"font_color": "#1F4E8C", "underline": 1})
        self.datetime = book.add_format({"num_format": "dd/mm/yyyy hh:mm" if lang == "vi" else "yyyy-mm-dd hh:mm"})
        self.date = book.add_format({"num_format": "dd/mm/yyyy" if lang == "vi" else "yyyy-mm-dd"})
        self.links_left = MAX_LINKS_PER_SHEET

    def write(self, r: int, c: int, cell: Cell) -> None:
        sheet = self.sheet
        if cell is None:
            return
        if isinstance(cell, str):
            if cell.startswith(FORMULA_STARTS):
                sheet.write_string(r, c, cell, self.text_prefixed)
            else:
                sheet.write_string(r, c, cell)
        elif isinstance(cell, bool):
            sheet.write_number(r, c, int(cell))
        elif isinstance(cell, (int, float)):
            sheet.write_number(r, c, cell)
        elif isinstance(cell, dt.datetime):
            sheet.write_datetime(r, c, cell, self.datetime)
        elif isinstance(cell, dt.date):
            sheet.write_datetime(r, c, dt.datetime.combine(cell, dt.time()), self.date)
        elif isinstance(cell, Links):
            text = "\n".join(cell.urls)
            if self.links_left > 0 and "://" in cell.urls[0] and len(cell.urls[0]) <= 2079:
                self.links_left -= 1
                sheet.write_url(r, c, cell.urls[0], self.link, text)
            else:
                sheet.write_string(r, c, text)


def write_xlsx(
    target: str | os.PathLike[str],
    records: Iterable[ReportData],
    columns: Sequence[Column],
    lang: str = "vi",
    base_url: str = "",
) -> None:
    """An XLSX workbook at ``target``: row 1 the column labels, row 2 their ids, then one row
    per inspection; a second sheet lists every question column with its Vietnamese and
    English label. Rows go to disk as they come (XlsxWriter's constant-memory mode)."""
    book = xlsxwriter.Workbook(
        os.fspath(target), {"constant_memory": True, "tmpdir": os.path.dirname(os.fspath(target)) or None}
    )
    try:
        sheet = book.add_worksheet("Biên bản" if lang == "vi" else "Inspections")
        cells = _XlsxCells(book, sheet, lang)
        head = book.add_format(
            {
                "bold": True,
                "bg_color": "#E1E8F0",
                "text_wrap": True,
                "valign": "top",
                "border": 1,
                "border_color": "#B8C4D0",
            }
        )
        ids = book.add_format({"font_color": "#5A6B7B", "font_size": 8, "bg_color": "#F2F5F8"})
        for index, column in enumerate(columns):
            width = 14 if column.question_id else 18
            sheet.set_column(index, index, width, cells.wrap if column.id in ("findings", "photos") else None)
        sheet.freeze_panes(2, 2)
        for index, column in enumerate(columns):  # constant memory: a row is complete before the next one
            sheet.write_string(0, index, column.label.get(lang), head)
        for index, column in enumerate(columns):
            sheet.write_string(1, index, column.id, ids)
        sheet.set_row(0, 45)
        r = 2
        for row in rows_for(records, columns, lang, base_url):
            for c, cell in enumerate(row):
                if cell is not None:
                    cells.write(r, c, cell)
            r += 1
        if r > 2:
            sheet.autofilter(1, 0, r - 1, len(columns) - 1)
        legend = book.add_worksheet("Câu hỏi" if lang == "vi" else "Questions")
        for index, title in enumerate(["column", "template_id", "question_id", "choice_id", "label_vi", "label_en"]):
            legend.write_string(0, index, title, head)
        legend.set_column(0, 3, 18)
        legend.set_column(4, 5, 50)
        legend_cells = _XlsxCells(book, legend, lang)
        n = 1
        for column in columns:
            if column.question_id:
                values = (column.id, column.template_id, column.question_id, column.choice_id)
                for index, value in enumerate((*values, column.label.vi, column.label.en)):
                    legend_cells.write(n, index, value)
                n += 1
    finally:
        book.close()


def inspections_xlsx(
    records: Iterable[ReportData], lang: str = "vi", columns: Sequence[Column] | None = None, base_url: str = ""
) -> bytes:
    """The bytes of ``write_xlsx`` (``columns`` default to the records' own, one column per
    option of a multiple-choice question)."""
    if columns is None:
        records = list(records)
        columns = columns_for(records, split_choices=True)
    with tempfile.TemporaryDirectory(prefix="xlsx-") as tmp:
        path = os.path.join(tmp, "export.xlsx")
        write_xlsx(path, records, columns, lang, base_url)
        with open(path, "rb") as handle:
            return handle.read()


def _feature(record: ReportData, lang: str, base_url: str) -> dict[str, Any]:
    lat, lon, source = location_of(record)
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return {
        "type": "Feature",
        "id": record.header.id,
        "geometry": geometry,
        "properties": {
            "inspection_id": record.header.id,
            "record_number": record.header.record_number,
            "status": record.header.status,
            "status_label": status_label(record.header.status, lang),
            "site_id": record.site.id,
            "site_code": record.site.code,
            "site_name": record.site.name,
            "site_kind": record.site.kind,
            "site_kind_label": site_kind_label(record.site.kind, lang),
            "district": record.site.district,
            "template_id": record.header.template_id,
            "template_version": record.header.template_version,
            "started_at": record.header.started_at,
            "score": record.header.score,
            "result": record.header.result,
            "result_label": _band_label(record, lang),
            "location_source": source or None,
            "url": record_url(base_url, record.header.id),
        },
    }


def geojson_chunks(records: Iterable[ReportData], lang: str = "vi", base_url: str = "") -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946: WGS 84, ``[longitude, latitude]``), one feature
    per line: a Point per inspection at its recorded location, else its location answer,
    else its site's location (``location_source`` says which); null geometry when none is
    known."""
    yield b'{"type": "FeatureCollection", "features": [\n'
    separator = b""
    buffer: list[bytes] = []
    for n, record in enumerate(records, start=1):
        buffer.append(separator + json.dumps(_feature(record, lang, base_url), ensure_ascii=False).encode("utf-8"))
        separator = b",\n"
        if n % ROWS_PER_CHUNK == 0:
            yield b"".join(buffer)
            buffer.clear()
    yield b"".join(buffer) + b"\n]}\n"


def inspections_geojson(records: Iterable[ReportData], lang: str = "vi", base_url: str = "") -> bytes:
    """The whole GeoJSON of ``records``."""
    return b"".join(geojson_chunks(records, lang, base_url))
