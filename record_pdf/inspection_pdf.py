"""The inspection record ("Biên bản kiểm tra") as a PDF, the document a site receives.

``render_inspection_pdf(data)`` lays out, with fpdf2 and the shipped DejaVu Sans font (which
has every Vietnamese glyph), as an official biên bản: the agency header (``RecordSettings``)
beside the national motto, the record number and the place-and-date line (local time), the
title, the site, the team by full name and title, the unit's representative, the answers
section by section (question, answer in words, note), the failed critical items with their
corrective actions and deadlines, the findings, the score and the result, and the signatures
(drawn images when the blob is available) each with whether it matches the content it
signed (``shared_schema.evidence``). Numbers are written the Vietnamese way (82,2 %;
120.000 đ/kg). The supervisor's internal review comment is not part of the record.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
from collections.abc import Mapping

import msgspec
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from record_pdf import fonts
from record_pdf.formatting import (
    answer_text,
    fmt_date,
    fmt_datetime,
    fmt_location,
    fmt_percent_local,
    inspection_kind_label,
    local_day,
    nfc,
    site_kind_label,
    status_label,
)
from record_pdf.model import BlobLoader, ReportData
from record_pdf.settings import RecordSettings
from shared_schema import actions as action_rules
from shared_schema import evidence
from shared_schema.checklist import PhotoQuestion, Question, SignatureQuestion
from shared_schema.relevance import relevant_questions
from shared_schema.scoring import ScoreResult, risk_index, score
from shared_schema.text import LocalText
from shared_schema.validation import is_sha256

# fontTools logs every font subset at INFO; that is noise in a server log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "DejaVu"
INK = (30, 30, 30)
MUTED = (90, 90, 90)
HEAD_FILL = (225, 232, 240)
FAIL_FILL = (253, 226, 226)
PASS_FILL = (222, 244, 228)

L: dict[str, LocalText] = {
    "nation": LocalText("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"),
    "motto": LocalText("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    "title": LocalText("BIÊN BẢN KIỂM TRA", "INSPECTION RECORD"),
    "number": LocalText("Số", "No."),
    "site_section": LocalText("I. THÔNG TIN CHUNG", "I. GENERAL INFORMATION"),
    "site": LocalText("Cơ sở được kiểm tra", "Site inspected"),
    "code": LocalText("Mã cơ sở", "Site code"),
    "kind": LocalText("Loại cơ sở", "Site kind"),
    "address": LocalText("Địa chỉ", "Address"),
    "district": LocalText("Huyện/Thành phố", "District"),
    "date": LocalText("Thời gian kiểm tra", "Date of inspection"),
    "completed": LocalText("Hoàn thành lúc", "Completed at"),
    "inspection_kind": LocalText("Hình thức kiểm tra", "Kind of inspection"),
    "checklist": LocalText("Bảng kiểm", "Checklist"),
    "version": LocalText("phiên bản", "version"),
    "location": LocalText("Vị trí GPS", "GPS location"),
    "status": LocalText("Trạng thái", "Status"),
    "team": LocalText("Đoàn kiểm tra", "Inspection team"),
    "inspector": LocalText("Người lập biên bản", "Recorded by"),
    "representative": LocalText("Đại diện cơ sở", "Site representative"),
    "answers_section": LocalText("II. NỘI DUNG KIỂM TRA", "II. ITEMS INSPECTED"),
    "col_no": LocalText("TT", "No."),
    "col_question": LocalText("Nội dung kiểm tra", "Item"),
    "col_answer": LocalText("Kết quả", "Finding"),
    "col_note": LocalText("Ghi chú", "Note"),
    "critical_mark": LocalText("★ = mục trọng yếu", "★ = critical item"),
    "failed_section": LocalText(
        "III. MỤC TRỌNG YẾU KHÔNG ĐẠT VÀ BIỆN PHÁP KHẮC PHỤC", "III. FAILED CRITICAL ITEMS AND CORRECTIVE ACTIONS"
    ),
    "no_failed": LocalText("Không có mục trọng yếu nào không đạt.", "No critical item failed."),
    "col_action": LocalText("Biện pháp khắc phục", "Corrective action"),
    "actions_section": LocalText("Biện pháp khắc phục và tình trạng", "Corrective actions and their status"),
    "col_status": LocalText("Tình trạng", "Status"),
    "col_responsible": LocalText("Người chịu trách nhiệm", "Responsible"),
    "col_deadline": LocalText("Thời hạn", "Deadline"),
    "none_given": LocalText("(chưa nêu)", "(not given)"),
    "findings_section": LocalText("IV. NHẬN XÉT, KẾT LUẬN", "IV. FINDINGS AND CONCLUSION"),
    "no_findings": LocalText("(Không có nhận xét thêm.)", "(No further findings.)"),
    "score": LocalText("Điểm tuân thủ", "Compliance score"),
    "result": LocalText("Kết quả", "Result"),
    "no_score": LocalText("chưa tính được", "not computable"),
    "correction_days": LocalText("Thời hạn khắc phục: {days} ngày", "Correction period: {days} days"),
    "signatures_section": LocalText("V. CHỮ KÝ", "V. SIGNATURES"),
    "signature_missing": LocalText("(chưa có ảnh chữ ký)", "(signature image not available)"),
    "no_signatures": LocalText("(Chưa có chữ ký.)", "(Not signed yet.)"),
    "review": LocalText("Duyệt", "Review"),
    "page": LocalText("Trang {page}/{pages}", "Page {page} of {pages}"),
    "photos": LocalText("ảnh", "photo(s)"),
    "photos_section": LocalText("PHỤ LỤC: ẢNH MINH CHỨNG", "APPENDIX: PHOTOS"),
    "photo_missing": LocalText("(ảnh chưa có trên máy chủ)", "(photo not on the server)"),
    "photo_missing_device": LocalText("(ảnh chưa có trên máy này)", "(photo not on this device)"),
    "revised": LocalText(
        "Biên bản đã được sửa đổi sau lần nộp đầu tiên (lịch sử sửa đổi lưu tại Sở).",
        "This record was revised after its first submission (the revision history is kept by the Department).",
    ),
    "place_date": LocalText("{place}, ngày {day} tháng {month} năm {year}", "{place}, {date}"),
}

SIGNATURE_ROLES: dict[str, LocalText] = {
    "representative": LocalText("Đại diện cơ sở", "Site representative"),
    "site": LocalText("Đại diện cơ sở", "Site representative"),
    "lead": LocalText("Trưởng đoàn kiểm tra", "Team leader"),
    "team_lead": LocalText("Trưởng đoàn kiểm tra", "Team leader"),
    "inspector": LocalText("Cán bộ kiểm tra", "Inspector"),
    "witness": LocalText("Người chứng kiến", "Witness"),
}


def _t(key: str, lang: str, **kw: object) -> str:
    text = L[key].get(lang)
    return text.format(**kw) if kw else text


class _RecordPDF(FPDF):
    """A4 page with the record number and page count in the footer."""

    def __init__(self, lang: str, record_label: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.record_label = record_label
        self.add_font(FONT, "", str(fonts.REGULAR))
        self.add_font(FONT, "B", str(fonts.BOLD))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        page = _t("page", self.lang, page=self.page_no(), pages="{nb}")
        self.cell(0, 5, nfc(f"{self.record_label}    {page}"), align="R")
        self.set_text_color(*INK)


def render_inspection_pdf(
    data: ReportData,
    lang: str = "vi",
    load_blob: BlobLoader | None = None,
    settings: RecordSettings | None = None,
) -> bytes:
    """The inspection record of ``data`` as PDF bytes, in ``lang`` ("vi" or "en").

    ``load_blob(sha256)`` returns a signature image's bytes (PNG, JPEG, WebP or SVG) or None;
    without it, or when a blob is missing, the signature box says so instead of an image.
    ``settings``: the agency header, place and time zone (the defaults without it).
    """
    settings = settings or RecordSettings()
    header = data.header
    record_label = f"{_t('title', lang).capitalize()} {header.record_number or ''}".strip()
    pdf = _RecordPDF(lang, record_label)
    pdf.set_title(nfc(f"{_t('title', lang)} {header.record_number or header.id}"))
    pdf.set_author(nfc(settings.agency_name))
    pdf.set_creation_date(dt.datetime.now(dt.UTC))
    pdf.add_page()
    pdf.set_text_color(*INK)
    result = score(data.template, data.values())

    _agency_block(pdf, data, lang, settings)
    _title_block(pdf, data, lang)
    _general_block(pdf, data, lang, settings)
    _answers_block(pdf, data, lang)
    _failed_block(pdf, data, result, lang)
    _actions_block(pdf, data, lang)
    _findings_block(pdf, data, result, lang)
    _signatures_block(pdf, data, lang, load_blob)
    _photos_block(pdf, data, lang, load_blob, settings)
    return bytes(pdf.output())


def pdf_file_stem(record_number: str | None, inspection_id: str) -> str:
    """An ASCII-safe file name stem for a record: ``bien-ban-15-BB-SCT`` for ``15/BB-SCT``
    (Vietnamese letters lose their marks, ``đ`` becomes ``d``, anything else a ``-``), or
    ``bien-ban-<inspection id>`` before a number is given."""
    base = record_number or inspection_id
    folded = unicodedata.normalize("NFKD", base.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9._]+", "-", ascii_only).strip("-._")[:80]
    return f"bien-ban-{safe or 'khong-so'}"


# --- blocks ------------------------------------------------------------------------------


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, nfc(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)


def place_and_date(
    moment: str | None, lang: str, place: str | None = None, settings: RecordSettings | None = None
) -> str:
    """``Thái Nguyên, ngày 05 tháng 8 năm 2021`` for the local day of ``moment`` (days below 10
    and the months January and February with a leading zero, as official records write them)."""
    settings = settings or RecordSettings()
    place = place or settings.place_name
    day = local_day(moment, settings.zone)
    if day is None:
        return _t("place_date", lang, place=place, day="……", month="……", year="……", date="……")
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _t(
        "place_date", lang, place=place, day=f"{day.day:02d}", month=month, year=day.year, date=day.strftime("%d %B %Y")
    )


def _agency_block(pdf: FPDF, data: ReportData, lang: str, settings: RecordSettings) -> None:
    """The agency (left) and the national motto (right), the number under the agency and the
    place and date under the motto: the head of a Vietnamese administrative record."""
    top = pdf.get_y()
    left_w, right_w = 68.0, pdf.w - pdf.l_margin - pdf.r_margin - 68.0
    left_x, right_x = pdf.l_margin, pdf.l_margin + left_w
    pdf.set_xy(left_x, top)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(left_w, 5.2, nfc(settings.agency_parent.upper()), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(left_w, 5.2, nfc(settings.agency_name.upper()), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    line_y = pdf.get_y() + 0.5
    pdf.line(left_x + left_w / 2 - 14, line_y, left_x + left_w / 2 + 14, line_y)
    pdf.set_xy(left_x, line_y + 2.5)
    pdf.set_font(FONT, "", 10)
    number = data.header.record_number or "……"
    pdf.multi_cell(left_w, 5.2, nfc(f"{_t('number', lang)}: {number}"), align="C")
    left_bottom = pdf.get_y()
    pdf.set_xy(right_x, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(right_w, 5.2, nfc(_t("nation", lang)), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(right_w, 5.2, nfc(_t("motto", lang)), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    line_y = pdf.get_y() + 0.5
    pdf.line(right_x + right_w / 2 - 30, line_y, right_x + right_w / 2 + 30, line_y)
    pdf.set_xy(right_x, line_y + 2.5)
    pdf.set_font(FONT, "", 10)
    when = data.header.completed_at or data.header.started_at
    pdf.multi_cell(right_w, 5.2, nfc(place_and_date(when, lang, settings=settings)), align="C")
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 5)


def _title_block(pdf: FPDF, data: ReportData, lang: str) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 8, nfc(_t("title", lang)), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(0, 6, nfc(data.template.title.get(lang)), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if data.revised:
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5, nfc(_t("revised", lang)), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
    pdf.ln(2)


def _key_value_table(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    pdf.set_font(FONT, "", 9.5)
    label_style = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    with pdf.table(
        col_widths=(48, 126), first_row_as_headings=False, text_align="LEFT", line_height=5.2, padding=1.2
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(nfc(label), style=label_style)
            row.cell(nfc(value))


def _general_block(pdf: FPDF, data: ReportData, lang: str, settings: RecordSettings) -> None:
    header, site = data.header, data.site
    _heading(pdf, _t("site_section", lang))
    # each member by full name, then title (role) and agency: "Phạm Quốc Khánh - Trưởng đoàn, Sở Công Thương"
    team = "\n".join(
        m.name + (" - " + ", ".join(p for p in (m.role, m.agency) if p) if (m.role or m.agency) else "")
        for m in header.team
    )
    rep = header.representative
    rows = [
        (_t("site", lang), site.name),
        (_t("code", lang), site.code),
        (_t("kind", lang), site_kind_label(site.kind, lang)),
        (_t("address", lang), site.address or ""),
        (_t("district", lang), site.district),
        (_t("date", lang), fmt_datetime(header.started_at, lang, settings.zone)),
        (_t("completed", lang), fmt_datetime(header.completed_at, lang, settings.zone)),
        (_t("inspection_kind", lang), inspection_kind_label(header.kind, lang)),
        (
            _t("checklist", lang),
            f"{data.template.title.get(lang)} ({_t('version', lang)} {header.template_version})",
        ),
        (_t("location", lang), fmt_location(header.location) if header.location else ""),
        (_t("team", lang), team),
        (_t("inspector", lang), data.inspector_name or header.inspector or ""),
        (
            _t("representative", lang),
            ", ".join(part for part in (rep.name, rep.title, rep.phone) if part) if rep else "",
        ),
        (_t("status", lang), status_label(header.status, lang)),
    ]
    _key_value_table(pdf, [(k, v) for k, v in rows if v])


def _answer_cell_text(question: Question, data: ReportData, lang: str) -> str:
    answer = data.answers.get(question.id)
    value = answer.value if answer else None
    text = answer_text(question, value, lang, local_numbers=True)
    if answer and answer.photos and not isinstance(question, PhotoQuestion):
        text += f" ({len(answer.photos)} {_t('photos', lang)})"
    return text


def _answers_block(pdf: FPDF, data: ReportData, lang: str) -> None:
    _heading(pdf, _t("answers_section", lang))
    relevant = set(relevant_questions(data.template, data.values()))
    failed = set(score(data.template, data.values()).failed_critical)
    head_style = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    section_style = FontFace(emphasis="BOLD", fill_color=(240, 240, 240))
    fail_style = FontFace(fill_color=FAIL_FILL)
    pdf.set_font(FONT, "", 9)
    number = 0
    with pdf.table(
        col_widths=(10, 78, 44, 42),
        text_align=("CENTER", "LEFT", "LEFT", "LEFT"),
        line_height=4.8,
        padding=1.2,
        headings_style=head_style,
    ) as table:
        heading = table.row()
        for key in ("col_no", "col_question", "col_answer", "col_note"):
            heading.cell(nfc(_t(key, lang)))
        for section in data.template.sections:
            shown = [q for q in section.questions if q.id in relevant]
            if not shown:
                continue
            row = table.row()
            row.cell(nfc(section.title.get(lang)), colspan=4, style=section_style)
            for question in shown:
                number += 1
                answer = data.answers.get(question.id)
                style = fail_style if question.id in failed else None
                label = question.label.get(lang) + (" ★" if question.critical else "")
                row = table.row()
                row.cell(str(number), style=style)
                row.cell(nfc(label), style=style)
                row.cell(nfc(_answer_cell_text(question, data, lang)), style=style)
                row.cell(nfc(answer.note or "") if answer else "", style=style)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, nfc(_t("critical_mark", lang)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _failed_block(pdf: FPDF, data: ReportData, result: ScoreResult, lang: str) -> None:
    _heading(pdf, _t("failed_section", lang))
    if not result.failed_critical:
        pdf.multi_cell(0, 5.5, nfc(_t("no_failed", lang)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    questions = data.template.question_map()
    head_style = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(62, 36, 52, 24), text_align="LEFT", line_height=4.8, padding=1.2, headings_style=head_style
    ) as table:
        heading = table.row()
        for key in ("col_question", "col_answer", "col_action", "col_deadline"):
            heading.cell(nfc(_t(key, lang)))
        for qid in result.failed_critical:
            question = questions[qid]
            answer = data.answers.get(qid)
            row = table.row()
            row.cell(nfc(question.label.get(lang)))
            row.cell(nfc(_answer_cell_text(question, data, lang)))
            action = next((a for a in data.actions if a.question_id == qid), None)
            text = (answer.corrective_action if answer else None) or (action.description if action else None)
            due = (answer.due_date if answer else None) or (action.deadline if action else None)
            row.cell(nfc(text or _t("none_given", lang)))
            row.cell(fmt_date(due, lang) if due else _t("none_given", lang))


def _actions_block(pdf: FPDF, data: ReportData, lang: str) -> None:
    """Every corrective action the inspection gave, with its deadline and status (overdue in
    Viet Nam days), so the printed record shows what follows from it."""
    if not data.actions:
        return
    _heading(pdf, _t("actions_section", lang))
    questions = data.template.question_map()
    today = action_rules.viet_nam_today()
    head_style = FontFace(emphasis="BOLD", fill_color=HEAD_FILL)
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(40, 56, 30, 22, 26), text_align="LEFT", line_height=4.8, padding=1.2, headings_style=head_style
    ) as table:
        heading = table.row()
        for key in ("col_question", "col_action", "col_responsible", "col_deadline", "col_status"):
            heading.cell(nfc(_t(key, lang)))
        for action in data.actions:
            question = questions.get(action.question_id or "")
            status = action_rules.STATUS_LABELS.get(action.status)
            state = status.get(lang) if status else action.status
            if action_rules.is_overdue(action.status, action.deadline, today):
                state += f" ({action_rules.OVERDUE_LABEL.get(lang)})"
            row = table.row()
            row.cell(nfc(question.label.get(lang) if question else (action.question_id or "")))
            row.cell(nfc(action.description or _t("none_given", lang)))
            row.cell(nfc(" ".join(p for p in (action.responsible_name, action.responsible_phone) if p)))
            row.cell(fmt_date(action.deadline, lang) if action.deadline else _t("none_given", lang))
            row.cell(nfc(state))


def _findings_block(pdf: FPDF, data: ReportData, result: ScoreResult, lang: str) -> None:
    _heading(pdf, _t("findings_section", lang))
    pdf.set_font(FONT, "", 9.5)
    findings = data.header.findings or _t("no_findings", lang)
    pdf.multi_cell(0, 5.2, nfc(findings), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    shown_score = data.header.score if data.header.score is not None else result.score
    band_id = data.header.result or result.result
    band = next((b for b in data.template.scoring.bands if b.id == band_id), None)
    result_text = band.label.get(lang) if band else (band_id or _t("no_score", lang))
    score_text = fmt_percent_local(shown_score, lang) if shown_score is not None else _t("no_score", lang)
    fill = PASS_FILL if band is not None and band.passing else FAIL_FILL
    pdf.set_fill_color(*fill)
    pdf.set_font(FONT, "B", 11)
    line = f"{_t('score', lang)}: {score_text}    {_t('result', lang)}: {result_text}"
    pdf.multi_cell(0, 8, nfc(line), border=1, fill=True, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    if band is not None and band.correction_days:
        pdf.cell(0, 6, nfc(_t("correction_days", lang, days=band.correction_days)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if data.template.risk_index is not None:
        index = data.template.risk_index
        risk = risk_index(index, data.template, data.values())
        # Only a complete index is printed: a partial one is working data, not a finding.
        if risk.complete and risk.band_label is not None:
            line = f"{index.label.get(lang)}: {fmt_percent_local(risk.percent, lang)} - {risk.band_label.get(lang)}"
            pdf.multi_cell(0, 5.2, nfc(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # The supervisor's review (and its comment) is internal to the Department: not printed.


def signature_states(data: ReportData) -> dict[str, str]:
    """Signature image SHA-256 → ``matches``/``stale``/``unbound`` against the content now."""
    header = msgspec.to_builtins(data.header)
    sig_questions = evidence.signature_question_ids(data.template)
    current = evidence.current_digests(header, data.answers, sig_questions, data.actions)
    return {
        str(s["sha256"]): evidence.signature_state(s["digest"], current)
        for s in evidence.signatures_of(header, data.answers, sig_questions)
    }


def _signature_entries(data: ReportData, lang: str) -> list[tuple[str, str, str | None]]:
    """(caption, name, sha256) of every signature: the header's, then signature answers."""
    entries: list[tuple[str, str, str | None]] = []
    for sig in data.header.signatures:
        role = SIGNATURE_ROLES.get(sig.role)
        entries.append((role.get(lang) if role else sig.role, sig.name, sig.sha256))
    seen = {sha for _, _, sha in entries}
    for question in data.template.questions():
        if not isinstance(question, SignatureQuestion):
            continue
        answer = data.answers.get(question.id)
        value = answer.value if answer else None
        if isinstance(value, Mapping) and is_sha256(value.get("sha256")) and value["sha256"] not in seen:
            caption = question.signer.get(lang) if question.signer else question.label.get(lang)
            entries.append((caption, str(value.get("name") or ""), value["sha256"]))
    return entries


def _signatures_block(pdf: FPDF, data: ReportData, lang: str, load_blob: BlobLoader | None) -> None:
    entries = _signature_entries(data, lang)
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    _heading(pdf, _t("signatures_section", lang))
    if not entries:
        pdf.multi_cell(0, 5.5, nfc(_t("no_signatures", lang)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    states = signature_states(data)
    per_row = 2 if len(entries) <= 2 else 3
    box_w = (pdf.w - pdf.l_margin - pdf.r_margin) / per_row
    for start in range(0, len(entries), per_row):
        if pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        top = pdf.get_y()
        for i, (caption, name, sha) in enumerate(entries[start : start + per_row]):
            x = pdf.l_margin + i * box_w
            pdf.set_xy(x, top)
            pdf.set_font(FONT, "B", 9.5)
            pdf.multi_cell(box_w, 5, nfc(caption), align="C")
            image = load_blob(sha) if load_blob and sha else None
            placed = False
            if image:
                try:
                    pdf.image(io.BytesIO(image), x=x + box_w / 2 - 22, y=top + 7, w=44, h=22, keep_aspect_ratio=True)
                    placed = True
                except Exception:  # an unreadable image must not stop the record from printing
                    placed = False
            if not placed:
                pdf.set_xy(x, top + 15)
                pdf.set_font(FONT, "", 8)
                pdf.set_text_color(*MUTED)
                pdf.multi_cell(box_w, 4.5, nfc(_t("signature_missing", lang)), align="C")
                pdf.set_text_color(*INK)
            pdf.set_xy(x, top + 31)
            pdf.set_font(FONT, "", 9.5)
            pdf.multi_cell(box_w, 5, nfc(name), align="C")
            state = states.get(sha or "", "unbound")
            pdf.set_xy(x, top + 36.5)
            pdf.set_font(FONT, "B" if state == "stale" else "", 7.5)
            pdf.set_text_color(*((170, 20, 20) if state == "stale" else MUTED))
            pdf.multi_cell(box_w, 3.8, nfc(evidence.SIGNATURE_STATE_LABELS[state].get(lang)), align="C")
            pdf.set_text_color(*INK)
        pdf.set_xy(pdf.l_margin, top + 46)


def _photo_entries(data: ReportData, lang: str) -> list[tuple[str, str]]:
    """(caption, sha256) of every photo of the questions that apply, in checklist order."""
    relevant = set(relevant_questions(data.template, data.values()))
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for question in data.template.questions():
        answer = data.answers.get(question.id)
        if question.id not in relevant or answer is None:
            continue
        names = list(answer.photos)
        if isinstance(question, PhotoQuestion) and isinstance(answer.value, list):
            names = [v for v in answer.value if isinstance(v, str)] + names
        for sha in names:
            if is_sha256(sha) and sha not in seen:
                seen.add(sha)
                entries.append((question.label.get(lang), sha))
    return entries


def _photos_block(
    pdf: FPDF, data: ReportData, lang: str, load_blob: BlobLoader | None, settings: RecordSettings
) -> None:
    """An appendix with the evidence photos, three to a row, each captioned with its question."""
    entries = _photo_entries(data, lang)
    if not entries:
        return
    pdf.add_page()
    _heading(pdf, _t("photos_section", lang))
    per_row, box_h, gap = 3, 62.0, 4.0
    box_w = (pdf.w - pdf.l_margin - pdf.r_margin - gap * (per_row - 1)) / per_row
    for start in range(0, len(entries), per_row):
        if pdf.get_y() + box_h > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.get_y()
        for i, (caption, sha) in enumerate(entries[start : start + per_row]):
            x = pdf.l_margin + i * (box_w + gap)
            image = load_blob(sha) if load_blob else None
            placed = False
            if image:
                try:
                    pdf.image(io.BytesIO(image), x=x, y=top, w=box_w, h=44, keep_aspect_ratio=True)
                    placed = True
                except Exception:  # an unreadable photo must not stop the record from printing
                    placed = False
            if not placed:
                pdf.set_draw_color(*MUTED)
                pdf.rect(x, top, box_w, 44)
                pdf.set_xy(x, top + 19)
                pdf.set_font(FONT, "", 8)
                pdf.set_text_color(*MUTED)
                missing = "photo_missing_device" if settings.on_device else "photo_missing"
                pdf.multi_cell(box_w, 4.5, nfc(_t(missing, lang)), align="C")
                pdf.set_text_color(*INK)
            pdf.set_xy(x, top + 46)
            pdf.set_font(FONT, "", 8)
            pdf.multi_cell(box_w, 4, nfc(caption), align="C", max_line_height=4)
        pdf.set_xy(pdf.l_margin, top + box_h)
