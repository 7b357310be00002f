"""What the inspection page shows, built from the service's ``InspectionDetail`` and the
pinned checklist version: answers by section in words, photos with whether the server has
them, failed critical items, and why approval is blocked. Plain Python, no web framework."""

from __future__ import annotations

from typing import Any

import msgspec

from shared_schema import evidence, protocol
from shared_schema.checklist import ChecklistTemplate, PhotoQuestion, SignatureQuestion
from shared_schema.relevance import relevant_questions
from shared_schema.scoring import risk_index, score
from shared_schema.validation import is_sha256
from shared_schema.workflow import STATUS_LABELS
from sync_server.core.inspections import InspectionDetail
from sync_server.reports.formatting import answer_text


class PhotoView(msgspec.Struct, frozen=True):
    sha256: str
    missing: bool


class AnswerView(msgspec.Struct, kw_only=True):
    question_id: str
    label: str
    answer: str
    answered: bool
    note: str | None
    critical: bool
    failed: bool
    photos: list[PhotoView]
    corrective_action: str | None
    due_date: str | None


class SectionView(msgspec.Struct, kw_only=True):
    title: str
    answers: list[AnswerView]


class RiskView(msgspec.Struct, kw_only=True):
    label: str
    percent: float
    complete: bool
    loaded: int
    expected: int
    band: str | None


class SignatureView(msgspec.Struct, kw_only=True):
    who: str
    name: str
    state: str  # matches | stale | unbound
    state_label: str


class HistoryView(msgspec.Struct, kw_only=True):
    at: str
    who: str
    device: str | None
    what: str
    old: str
    new: str
    reason: str  # push | review | resolution


REASON_LABELS = {
    "push": ("sửa từ thiết bị", "edited on a device"),
    "review": ("quyết định duyệt", "review decision"),
    "resolution": ("xử lý xung đột", "conflict resolution"),
}
FIELD_LABELS = {
    "status": ("Trạng thái", "Status"),
    "findings": ("Nhận xét, kết luận", "Findings"),
    "team": ("Đoàn kiểm tra", "Team"),
    "representative": ("Đại diện cơ sở", "Representative"),
    "signatures": ("Chữ ký", "Signatures"),
    "kind": ("Hình thức kiểm tra", "Kind"),
    "location": ("Vị trí", "Location"),
    "completed_at": ("Hoàn thành lúc", "Completed at"),
    "started_at": ("Thời gian kiểm tra", "Started at"),
    "note": ("ghi chú", "note"),
    "photos": ("ảnh", "photos"),
    "corrective_action": ("biện pháp khắc phục", "corrective action"),
    "due_date": ("thời hạn khắc phục", "deadline"),
}


class InspectionView(msgspec.Struct, kw_only=True):
    sections: list[SectionView]
    failed: list[AnswerView]
    result_label: str | None
    passing: bool | None
    missing_blobs: int
    open_conflicts: int
    can_review: bool
    approve_blockers: list[tuple[str, int]]  # (message key, count)
    risk: RiskView | None = None
    signatures: list[SignatureView] = msgspec.field(default_factory=list)
    history: list[HistoryView] = msgspec.field(default_factory=list)


def _photos(question: Any, value: Any, photos: list[str], missing: set[str]) -> list[PhotoView]:
    names = list(photos)
    if isinstance(question, PhotoQuestion) and isinstance(value, list):
        names = [v for v in value if is_sha256(v)] + [p for p in names if p not in value]
    if isinstance(question, SignatureQuestion) and isinstance(value, dict) and is_sha256(value.get("sha256")):
        names = [value["sha256"], *names]
    return [PhotoView(n, n in missing) for n in names]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "vi" else pair[1]


def _shown(value: Any, question: Any, field: str, lang: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field == "status" and isinstance(value, str) and value in STATUS_LABELS:
        return STATUS_LABELS[value].get(lang)
    if question is not None and field == "value":
        return answer_text(question, value, lang, local_numbers=True)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
        return "; ".join(str(v["name"]) for v in value)
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if field == "photos" and isinstance(value, list):
        return f"{len(value)} {'ảnh' if lang == 'vi' else 'photo(s)'}"
    return msgspec.json.encode(value).decode()


def _signatures(detail: InspectionDetail, template: ChecklistTemplate | None, lang: str) -> list[SignatureView]:
    answers = {a.question_id: a for a in detail.answers}
    header = detail.header
    sig_questions = evidence.signature_question_ids(template)
    current = evidence.current_digests(header, answers, sig_questions, detail.actions)
    questions = template.question_map() if template is not None else {}
    out: list[SignatureView] = []
    for sig in evidence.signatures_of(header, answers, sig_questions):
        q = questions.get(str(sig["where"]))
        who = (q.signer or q.label).get(lang) if isinstance(q, SignatureQuestion) else str(sig["role"] or "")
        state = evidence.signature_state(sig["digest"], current)
        out.append(
            SignatureView(
                who=who,
                name=str(sig["name"] or ""),
                state=state,
                state_label=evidence.SIGNATURE_STATE_LABELS[state].get(lang),
            )
        )
    return out


def _history(detail: InspectionDetail, template: ChecklistTemplate | None, lang: str) -> list[HistoryView]:
    questions = template.question_map() if template is not None else {}
    out: list[HistoryView] = []
    for h in detail.history:
        question = questions.get(protocol.question_of_answer(h.entity_id)) if h.entity == "answer" else None
        if question is not None:
            what = question.label.get(lang)
            if h.field != "value":
                what += f" ({_pick(FIELD_LABELS.get(h.field, (h.field, h.field)), lang)})"
        else:
            what = _pick(FIELD_LABELS.get(h.field, (h.field, h.field)), lang)
        out.append(
            HistoryView(
                at=h.at,
                who=h.user_full_name or h.user or "",
                device=h.client_id,
                what=what,
                old=_shown(h.old_value, question, h.field, lang),
                new=_shown(h.new_value, question, h.field, lang),
                reason=_pick(REASON_LABELS.get(h.reason, (h.reason, h.reason)), lang),
            )
        )
    return out


def build_view(detail: InspectionDetail, template: ChecklistTemplate | None, lang: str) -> InspectionView:
    missing = set(detail.missing_blobs)
    open_conflicts = sum(1 for c in detail.conflicts if not c.resolved)
    status = detail.summary.status
    blockers: list[tuple[str, int]] = []
    if missing:
        blockers.append(("missing_blobs", len(missing)))
    if open_conflicts:
        blockers.append(("open_conflicts", open_conflicts))
    sections: list[SectionView] = []
    failed_views: list[AnswerView] = []
    result_label = None
    passing = None
    risk = None
    if template is not None:
        answers = {a.question_id: a for a in detail.answers}
        values = {qid: a.value for qid, a in answers.items()}
        relevant = set(relevant_questions(template, values))
        result = score(template, values)
        failed = set(result.failed_critical)
        band_id = detail.summary.result or result.result
        band = next((b for b in template.scoring.bands if b.id == band_id), None)
        result_label = band.label.get(lang) if band else band_id
        passing = band.passing if band else None
        if template.risk_index is not None:
            r = risk_index(template.risk_index, template, values)
            risk = RiskView(
                label=template.risk_index.label.get(lang),
                percent=r.percent,
                complete=r.complete,
                loaded=r.loaded_criteria,
                expected=r.expected_criteria,
                band=r.band_label.get(lang) if r.band_label else None,
            )
        for section in template.sections:
            views: list[AnswerView] = []
            for q in section.questions:
                if q.id not in relevant:
                    continue
                a = answers.get(q.id)
                value = a.value if a else None
                view = AnswerView(
                    question_id=q.id,
                    label=q.label.get(lang),
                    answer=answer_text(q, value, lang, local_numbers=True),
                    answered=value is not None,
                    note=a.note if a else None,
                    critical=q.critical,
                    failed=q.id in failed,
                    photos=_photos(q, value, a.photos if a else [], missing),
                    corrective_action=a.corrective_action if a else None,
                    due_date=a.due_date if a else None,
                )
                views.append(view)
                if view.failed:
                    failed_views.append(view)
            if views:
                sections.append(SectionView(title=section.title.get(lang), answers=views))
    return InspectionView(
        sections=sections,
        failed=failed_views,
        result_label=result_label,
        passing=passing,
        missing_blobs=len(missing),
        open_conflicts=open_conflicts,
        can_review=status == "submitted",
        approve_blockers=blockers,
        risk=risk,
        signatures=_signatures(detail, template, lang),
        history=_history(detail, template, lang),
    )
