"""Checks a checklist version must pass before it can be published.

Each problem names where it is (section and question) and what to fix, so an admin can
correct the file without reading code.
"""

from __future__ import annotations

import msgspec

from shared_schema.checklist import (
    AllOf,
    Answered,
    AnyOf,
    AtLeast,
    AtMost,
    ChecklistTemplate,
    Condition,
    Equals,
    MultipleChoiceQuestion,
    Not,
    NumberQuestion,
    OneOf,
    PhotoQuestion,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from shared_schema.text import BiText, LocalText


class TemplateProblem(msgspec.Struct, frozen=True):
    """One problem with a checklist version: where it is and what to fix.

    ``message`` is the "vi / en" text older clients show; ``messages`` keeps the two
    languages apart for a page that picks one.
    """

    path: str
    message: str
    question_id: str | None = None
    messages: LocalText | None = None


def _referenced(condition: Condition) -> list[str]:
    match condition:
        case Equals(question=q) | OneOf(question=q) | AtLeast(question=q) | AtMost(question=q) | Answered(question=q):
            return [q]
        case AllOf(conditions=cs) | AnyOf(conditions=cs):
            return [q for c in cs for q in _referenced(c)]
        case Not(condition=c):
            return _referenced(c)
    return []


def validate_template(t: ChecklistTemplate) -> list[TemplateProblem]:
    """Every problem with a checklist version; an empty list means it can be published."""
    problems: list[TemplateProblem] = []

    def add(path: str, vi: str, en: str, qid: str | None = None) -> None:
        text = BiText(vi, en)
        problems.append(TemplateProblem(path, str(text), qid, text.text))

    if not t.template_id.strip():
        add("template_id", "Bảng kiểm cần có mã (template_id).", "The checklist needs an id (template_id).")
    if t.version < 1:
        add("version", "Phiên bản phải từ 1 trở lên.", "The version must be 1 or more.")
    if not t.title.vi.strip():
        add(
            "title", "Bảng kiểm cần có tên tiếng Việt (title.vi).", "The checklist needs a Vietnamese title (title.vi)."
        )
    if not t.site_kinds:
        add(
            "site_kinds",
            "Hãy nêu ít nhất một loại cơ sở mà bảng kiểm áp dụng (site_kinds).",
            "Name at least one site kind this checklist applies to (site_kinds).",
        )
    if not t.sections:
        add("sections", "Bảng kiểm chưa có phần nào.", "The checklist has no sections.")

    seen_sections: set[str] = set()
    seen: set[str] = set()
    for si, section in enumerate(t.sections):
        spath = f"sections[{si}]"
        if section.id in seen_sections:
            add(f"{spath}.id", f"Mã phần '{section.id}' bị dùng hai lần.", f"Section id '{section.id}' is used twice.")
        seen_sections.add(section.id)
        if not section.questions:
            add(spath, f"Phần '{section.id}' chưa có câu hỏi nào.", f"Section '{section.id}' has no questions.")
        for qi, q in enumerate(section.questions):
            path = f"{spath}.questions[{qi}] ({q.id})"
            if not q.id.strip() or "/" in q.id or "@" in q.id:
                add(
                    path,
                    "Mã câu hỏi không được để trống và không được chứa '/' hay '@'.",
                    "A question id must be non-empty and contain neither '/' nor '@'.",
                    q.id,
                )
            if q.id in seen:
                add(path, f"Mã câu hỏi '{q.id}' bị dùng hai lần.", f"Question id '{q.id}' is used twice.", q.id)
            if not q.label.vi.strip():
                add(
                    path,
                    "Câu hỏi cần có nội dung tiếng Việt (label.vi).",
                    "The question needs a Vietnamese label (label.vi).",
                    q.id,
                )
            if not q.label.en.strip():
                add(
                    path,
                    "Câu hỏi cần có nội dung tiếng Anh (label.en).",
                    "The question needs an English label (label.en).",
                    q.id,
                )
            if q.weight < 0:
                add(path, "Trọng số không được âm.", "The weight cannot be negative.", q.id)
            if q.relevant_if is not None:
                for ref in _referenced(q.relevant_if):
                    if ref not in seen:
                        add(
                            path,
                            f"Điều kiện hiển thị nhắc đến '{ref}', không phải một câu hỏi đứng trước.",
                            f"The relevance condition refers to '{ref}', which is not an earlier question.",
                            q.id,
                        )
            if isinstance(q, (SingleChoiceQuestion, MultipleChoiceQuestion)):
                ids = [c.id for c in q.choices]
                if not ids:
                    add(
                        path,
                        "Câu hỏi lựa chọn cần ít nhất một phương án.",
                        "A choice question needs at least one choice.",
                        q.id,
                    )
                if len(set(ids)) != len(ids):
                    add(path, "Hai phương án trùng mã.", "Two choices have the same id.", q.id)
                for c in q.choices:
                    if c.credit is not None and not 0 <= c.credit <= 1:
                        add(
                            path,
                            f"Phương án '{c.id}' có điểm {c.credit}; điểm phải từ 0 đến 1.",
                            f"Choice '{c.id}' has credit {c.credit}; credits must be between 0 and 1.",
                            q.id,
                        )
                    if not c.label.vi.strip():
                        add(
                            path,
                            f"Phương án '{c.id}' cần có nội dung tiếng Việt.",
                            f"Choice '{c.id}' needs a Vietnamese label.",
                            q.id,
                        )
                if q.weight > 0 and all(c.credit is None for c in q.choices):
                    add(
                        path,
                        "Câu hỏi có trọng số nhưng không phương án nào có điểm.",
                        "The question has a weight but no choice has a credit.",
                        q.id,
                    )
            if (
                isinstance(q, MultipleChoiceQuestion)
                and q.max_selected is not None
                and q.max_selected < max(q.min_selected, 1)
            ):
                add(
                    path,
                    "max_selected phải không nhỏ hơn min_selected và ít nhất là 1.",
                    "max_selected must be at least min_selected and at least 1.",
                    q.id,
                )
            if isinstance(q, NumberQuestion) and q.min is not None and q.max is not None and q.min > q.max:
                add(
                    path, f"min ({q.min}) lớn hơn max ({q.max}).", f"min ({q.min}) is greater than max ({q.max}).", q.id
                )
            if isinstance(q, PhotoQuestion) and not 0 <= q.min_photos <= q.max_photos:
                add(path, "min_photos phải từ 0 đến max_photos.", "min_photos must be between 0 and max_photos.", q.id)
            if q.critical:
                can_fail = isinstance(q, YesNoQuestion) or (
                    isinstance(q, (SingleChoiceQuestion, MultipleChoiceQuestion)) and any(c.fails for c in q.choices)
                )
                if not can_fail:
                    add(
                        path,
                        "Câu hỏi trọng yếu phải là câu Có/Không hoặc có phương án được đánh dấu 'fails'; "
                        "nếu không, câu này không bao giờ bị tính là không đạt.",
                        "A critical question must be yes/no or have a choice marked 'fails'; "
                        "otherwise it can never fail.",
                        q.id,
                    )
            if q.weight > 0 and not isinstance(q, (YesNoQuestion, SingleChoiceQuestion, MultipleChoiceQuestion)):
                add(
                    path,
                    "Chỉ câu có/không và câu lựa chọn mới có trọng số.",
                    "Only yes/no and choice questions can carry a weight.",
                    q.id,
                )
            seen.add(q.id)

    bands = t.scoring.bands
    if not bands:
        add(
            "scoring.bands",
            "Cách chấm điểm cần ít nhất một mức kết quả.",
            "The scoring needs at least one result band.",
        )
    band_ids = [b.id for b in bands]
    if len(set(band_ids)) != len(band_ids):
        add("scoring.bands", "Hai mức kết quả trùng mã.", "Two result bands have the same id.")
    for i in range(1, len(bands)):
        if bands[i].min_score > bands[i - 1].min_score:
            add(
                f"scoring.bands[{i}]",
                "Các mức kết quả phải xếp từ min_score cao nhất đến thấp nhất.",
                "Result bands must be listed from the highest min_score to the lowest.",
            )
    for i, b in enumerate(bands):
        if not 0 <= b.min_score <= 100:
            add(
                f"scoring.bands[{i}]",
                f"Mức '{b.id}' có min_score {b.min_score}; giá trị phải từ 0 đến 100.",
                f"Band '{b.id}' has min_score {b.min_score}; it must be 0–100.",
            )
    if bands and bands[-1].min_score > 0:
        add(
            "scoring.bands",
            "Mức kết quả cuối cùng phải bắt đầu từ 0 để điểm nào cũng có kết quả.",
            "The last result band must start at 0 so that every score has a result.",
        )
    crit = next((b for b in bands if b.id == t.scoring.critical_failure_band), None)
    if crit is None:
        add(
            "scoring.critical_failure_band",
            f"Mức '{t.scoring.critical_failure_band}' không nằm trong các mức kết quả.",
            f"Band '{t.scoring.critical_failure_band}' is not one of the bands.",
        )
    elif crit.passing:
        add(
            "scoring.critical_failure_band",
            "Mức dành cho mục trọng yếu không đạt không được là mức đạt.",
            "The band for a failed critical item must not be a passing band.",
        )

    if t.risk_index is not None:
        ri = t.risk_index
        questions = t.question_map()
        if ri.total_points <= 0:
            add("risk_index.total_points", "total_points phải lớn hơn 0.", "total_points must be above 0.")
        if len(ri.criteria) > ri.expected_criteria:
            add(
                "risk_index.criteria",
                "Số tiêu chí nạp vào nhiều hơn expected_criteria.",
                "More criteria are loaded than expected_criteria says exist.",
            )
        for i, criterion in enumerate(ri.criteria):
            if criterion.question is not None and criterion.question not in questions:
                add(
                    f"risk_index.criteria[{i}]",
                    f"Tiêu chí '{criterion.id}' nhắc đến câu hỏi không có '{criterion.question}'.",
                    f"Criterion '{criterion.id}' refers to unknown question '{criterion.question}'.",
                )
            for lv in criterion.levels:
                if lv.points > criterion.max_points:
                    add(
                        f"risk_index.criteria[{i}]",
                        f"Tiêu chí '{criterion.id}' có mức điểm vượt max_points.",
                        f"Criterion '{criterion.id}' has a level above its max_points.",
                    )
        for i in range(1, len(ri.bands)):
            if ri.bands[i].max_percent < ri.bands[i - 1].max_percent:
                add(
                    f"risk_index.bands[{i}]",
                    "Các mức rủi ro phải xếp từ max_percent thấp nhất trở lên.",
                    "Risk bands must be listed from the lowest max_percent up.",
                )
    return problems
