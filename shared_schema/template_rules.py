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


class TemplateProblem(msgspec.Struct, frozen=True):
    path: str
    message: str
    question_id: str | None = None


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

    def add(path: str, message: str, qid: str | None = None) -> None:
        problems.append(TemplateProblem(path, message, qid))

    if not t.template_id.strip():
        add("template_id", "The checklist needs an id (template_id).")
    if t.version < 1:
        add("version", "The version must be 1 or more.")
    if not t.title.vi.strip():
        add("title", "The checklist needs a Vietnamese title (title.vi).")
    if not t.site_kinds:
        add("site_kinds", "Name at least one site kind this checklist applies to (site_kinds).")
    if not t.sections:
        add("sections", "The checklist has no sections.")

    seen_sections: set[str] = set()
    seen: set[str] = set()
    for si, section in enumerate(t.sections):
        spath = f"sections[{si}]"
        if section.id in seen_sections:
            add(f"{spath}.id", f"Section id '{section.id}' is used twice.")
        seen_sections.add(section.id)
        if not section.questions:
            add(spath, f"Section '{section.id}' has no questions.")
        for qi, q in enumerate(section.questions):
            path = f"{spath}.questions[{qi}] ({q.id})"
            if not q.id.strip() or "/" in q.id or "@" in q.id:
                add(path, "A question id must be non-empty and contain neither '/' nor '@'.", q.id)
            if q.id in seen:
                add(path, f"Question id '{q.id}' is used twice.", q.id)
            if not q.label.vi.strip():
                add(path, "The question needs a Vietnamese label (label.vi).", q.id)
            if not q.label.en.strip():
                add(path, "The question needs an English label (label.en).", q.id)
            if q.weight < 0:
                add(path, "The weight cannot be negative.", q.id)
            if q.relevant_if is not None:
                for ref in _referenced(q.relevant_if):
                    if ref not in seen:
                        add(
                            path,
                            f"The relevance condition refers to '{ref}', which is not an earlier question.",
                            q.id,
                        )
            if isinstance(q, (SingleChoiceQuestion, MultipleChoiceQuestion)):
                ids = [c.id for c in q.choices]
                if not ids:
                    add(path, "A choice question needs at least one choice.", q.id)
                if len(set(ids)) != len(ids):
                    add(path, "Two choices have the same id.", q.id)
                for c in q.choices:
                    if c.credit is not None and not 0 <= c.credit <= 1:
                        add(path, f"Choice '{c.id}' has credit {c.credit}; credits must be between 0 and 1.", q.id)
                    if not c.label.vi.strip():
                        add(path, f"Choice '{c.id}' needs a Vietnamese label.", q.id)
                if q.weight > 0 and all(c.credit is None for c in q.choices):
                    add(path, "The question has a weight but no choice has a credit.", q.id)
            if (
                isinstance(q, MultipleChoiceQuestion)
                and q.max_selected is not None
                and q.max_selected < max(q.min_selected, 1)
            ):
                add(path, "max_selected must be at least min_selected and at least 1.", q.id)
            if isinstance(q, NumberQuestion) and q.min is not None and q.max is not None and q.min > q.max:
                add(path, f"min ({q.min}) is greater than max ({q.max}).", q.id)
            if isinstance(q, PhotoQuestion) and not 0 <= q.min_photos <= q.max_photos:
                add(path, "min_photos must be between 0 and max_photos.", q.id)
            if q.critical:
                can_fail = isinstance(q, YesNoQuestion) or (
                    isinstance(q, (SingleChoiceQuestion, MultipleChoiceQuestion)) and any(c.fails for c in q.choices)
                )
                if not can_fail:
                    add(
                        path,
                        "A critical question must be yes/no or have a choice marked 'fails'; "
                        "otherwise it can never fail.",
                        q.id,
                    )
            if q.weight > 0 and not isinstance(q, (YesNoQuestion, SingleChoiceQuestion, MultipleChoiceQuestion)):
                add(path, "Only yes/no and choice questions can carry a weight.", q.id)
            seen.add(q.id)

    bands = t.scoring.bands
    if not bands:
        add("scoring.bands", "The scoring needs at least one result band.")
    band_ids = [b.id for b in bands]
    if len(set(band_ids)) != len(band_ids):
        add("scoring.bands", "Two result bands have the same id.")
    for i in range(1, len(bands)):
        if bands[i].min_score > bands[i - 1].min_score:
            add(f"scoring.bands[{i}]", "Result bands must be listed from the highest min_score to the lowest.")
    for i, b in enumerate(bands):
        if not 0 <= b.min_score <= 100:
            add(f"scoring.bands[{i}]", f"Band '{b.id}' has min_score {b.min_score}; it must be 0–100.")
    if bands and bands[-1].min_score > 0:
        add("scoring.bands", "The last result band must start at 0 so that every score has a result.")
    crit = next((b for b in bands if b.id == t.scoring.critical_failure_band), None)
    if crit is None:
        add("scoring.critical_failure_band", f"Band '{t.scoring.critical_failure_band}' is not one of the bands.")
    elif crit.passing:
        add("scoring.critical_failure_band", "The band for a failed critical item must not be a passing band.")

    if t.risk_index is not None:
        ri = t.risk_index
        questions = t.question_map()
        if ri.total_points <= 0:
            add("risk_index.total_points", "total_points must be above 0.")
        if len(ri.criteria) > ri.expected_criteria:
            add("risk_index.criteria", "More criteria are loaded than expected_criteria says exist.")
        for i, criterion in enumerate(ri.criteria):
            if criterion.question is not None and criterion.question not in questions:
                add(
                    f"risk_index.criteria[{i}]",
                    f"Criterion '{criterion.id}' refers to unknown question '{criterion.question}'.",
                )
            for lv in criterion.levels:
                if lv.points > criterion.max_points:
                    add(f"risk_index.criteria[{i}]", f"Criterion '{criterion.id}' has a level above its max_points.")
        for i in range(1, len(ri.bands)):
            if ri.bands[i].max_percent < ri.bands[i - 1].max_percent:
                add(f"risk_index.bands[{i}]", "Risk bands must be listed from the lowest max_percent up.")
    return problems
