"""The inspection page's content from plain data: answers in words by section, photos the
server lacks, failed critical items, approval blockers and the risk index."""

from __future__ import annotations

from shared_schema.sync import ConflictEntry
from sync_server.console.inspection_view import build_view
from sync_server.core.content import checklist_paths, load_checklist
from sync_server.core.inspections import ConflictRecord, InspectionDetail, InspectionSummary
from sync_server.reports.model import ReportData
from tests.reports.sample_report import answers_for, sample_report


def detail_for(data: ReportData, *, missing: list[str] | None = None, conflicts: int = 0) -> InspectionDetail:
    summary = InspectionSummary(
        id=data.header.id,
        site_id=data.site.id,
        site_name=data.site.name,
        site_kind=data.site.kind,
        district=data.site.district,
        template_id=data.template.template_id,
        template_version=data.template.version,
        status="submitted",
        kind="periodic",
        score=None,
        result=None,
        inspector="thanhtra",
        started_at=None,
        submitted_at=None,
        created_at="2021-08-05T00:00:00Z",
        updated_at="2021-08-05T00:00:00Z",
    )
    entry = ConflictEntry(
        entity="answer",
        entity_id=f"{summary.id}/manager",
        field="value",
        winner_value="A",
        winner_hlc="1",
        loser_value="B",
        loser_hlc="0",
    )
    return InspectionDetail(
        summary=summary,
        site=data.site,
        header={},
        answers=list(data.answers.values()),
        conflicts=[ConflictRecord(id=f"c{i}", entry=entry, resolved=False) for i in range(conflicts)],
        reviews=[],
        blobs=[],
        missing_blobs=missing or [],
    )


def test_answers_by_section_with_missing_photos_and_blockers() -> None:
    report = sample_report()
    photo = report.answers["masks"].photos[0]
    view = build_view(detail_for(report, missing=[photo], conflicts=2), report.template, "vi")
    assert [s.title for s in view.sections] == ["Thông tin chung", "Biện pháp phòng dịch", "Kết luận"]
    masks = next(a for s in view.sections for a in s.answers if a.question_id == "masks")
    assert masks.answer == "Dưới 80%" and masks.failed and masks.critical
    assert [(p.sha256, p.missing) for p in masks.photos] == [(photo, True)]
    assert [a.question_id for a in view.failed] == ["masks"]
    assert view.result_label == "Không đạt" and view.passing is False
    assert view.approve_blockers == [("missing_blobs", 1), ("open_conflicts", 2)]
    assert view.can_review and view.risk is None


def test_questions_that_do_not_apply_are_not_shown() -> None:
    report = sample_report()
    report.answers["dorm"].value = "no"
    view = build_view(detail_for(report), report.template, "en")
    shown = [a.question_id for s in view.sections for a in s.answers]
    assert "dorm" in shown and "dorm_residents" not in shown
    assert view.approve_blockers == []


def test_an_incomplete_risk_index_is_reported_without_a_band() -> None:
    template = load_checklist(next(p for p in checklist_paths() if "industrial" in p.stem))
    report = sample_report()
    report.template = template
    report.answers = answers_for(template)
    view = build_view(detail_for(report), template, "vi")
    assert view.risk is not None
    assert not view.risk.complete and view.risk.band is None
    assert view.risk.loaded < view.risk.expected


def test_signatures_say_whether_they_match_and_the_history_is_in_words() -> None:
    import msgspec

    from shared_schema import evidence
    from sync_server.core.revisions import Revision

    report = sample_report()
    detail = detail_for(report)
    header = {"site_id": report.site.id, "template_id": "sample-factory", "template_version": 1, "findings": "Tốt"}
    digest = evidence.content_digest(header, report.answers, evidence.signature_question_ids(report.template))
    header["signatures"] = [{"role": "lead", "name": "Phạm Quốc Khánh", "sha256": "a" * 64, "digest": digest}]
    detail = msgspec.structs.replace(
        detail,
        header=header,
        history=[
            Revision(
                at="2021-08-06T02:00:00Z",
                entity="answer",
                entity_id=f"{report.header.id}/workers",
                field="value",
                old_value=1850,
                new_value=1900,
                user="thanhtra",
                user_full_name="Nguyễn Văn An",
                client_id="dev-1",
                reason="push",
            ),
            Revision(
                at="2021-08-06T01:00:00Z",
                entity="inspection",
                entity_id=report.header.id,
                field="status",
                old_value="submitted",
                new_value="returned",
                user="giamsat",
                reason="review",
            ),
        ],
    )
    view = build_view(detail, report.template, "vi")
    assert [(g.name, g.state) for g in view.signatures] == [("Phạm Quốc Khánh", "matches"), ("Lê Thị Hương", "unbound")]
    assert view.signatures[0].state_label == "Khớp nội dung đã ký"
    first, second = view.history
    assert (first.who, first.what, first.old, first.new, first.reason) == (
        "Nguyễn Văn An",
        "Tổng số người lao động",
        "1.850 người",
        "1.900 người",
        "sửa từ thiết bị",
    )
    assert (second.what, second.old, second.new, second.reason) == (
        "Trạng thái",
        "Đã nộp",
        "Trả lại để sửa",
        "quyết định duyệt",
    )
    changed = msgspec.structs.replace(detail, header={**header, "findings": "Khác"})
    assert build_view(changed, report.template, "en").signatures[0].state == "stale"
