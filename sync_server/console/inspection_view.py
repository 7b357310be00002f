"""What the inspection page shows, built from the service's ``InspectionDetail`` and the
pinned checklist version: answers by section in words, photos with whether the server has
them, failed critical items, and why approval is blocked. Plain Python, no web framework."""

from __future__ import annotations

from typing import Any

import msgspec

from shared_schema.checklist import ChecklistTemplate, PhotoQuestion, SignatureQuestion
from shared_schema.relevance import relevant_questions
from shared_schema.scoring import risk_index, score
from shared_schema.validation import is_sha256
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


def _photos(question: Any, value: Any, photos: list[str], missing: set[str]) -> list[PhotoView]:
    names = list(photos)
    if isinstance(question, PhotoQuestion) and isinstance(value, list):
        names = [v for v in value if is_sha256(v)] + [p for p in names if p not in value]
    if isinstance(question, SignatureQuestion) and isinstance(value, dict) and is_sha256(value.get("sha256")):
        names = [value["sha256"], *names]
    return [PhotoView(n, n in missing) for n in names]


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
                    answer=answer_text(q, value, lang),
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
    )
