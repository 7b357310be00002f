"""A checklist version as data: sections of questions, relevance conditions, scoring.

Question kinds are a tagged union on ``kind``; relevance conditions a tagged union on
``op``. A document with a kind this code does not know fails to decode with a clear error
(see ``shared_schema.codec.decode_template``), never with a crash later.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from shared_schema.text import LocalText

Evidence = Literal["none", "optional", "required"]


# --- relevance conditions ---------------------------------------------------------------


class Equals(msgspec.Struct, frozen=True, tag_field="op", tag="equals"):
    """The answer to ``question`` equals ``value`` (for multiple choice: contains it)."""

    question: str
    value: str | int | float | bool


class OneOf(msgspec.Struct, frozen=True, tag_field="op", tag="one_of"):
    question: str
    values: list[str | int | float | bool]


class AtLeast(msgspec.Struct, frozen=True, tag_field="op", tag="at_least"):
    """A number answer ``>= value``."""

    question: str
    value: float


class AtMost(msgspec.Struct, frozen=True, tag_field="op", tag="at_most"):
    question: str
    value: float


class Answered(msgspec.Struct, frozen=True, tag_field="op", tag="answered"):
    question: str


class AllOf(msgspec.Struct, frozen=True, tag_field="op", tag="all"):
    conditions: list[Condition]


class AnyOf(msgspec.Struct, frozen=True, tag_field="op", tag="any"):
    conditions: list[Condition]


class Not(msgspec.Struct, frozen=True, tag_field="op", tag="not"):
    condition: Condition


Condition = Equals | OneOf | AtLeast | AtMost | Answered | AllOf | AnyOf | Not


# --- questions ---------------------------------------------------------------------------


class Choice(msgspec.Struct, frozen=True):
    """One option of a choice question.

    ``credit`` in [0, 1] counts towards the compliance score; ``None`` leaves the question out
    of the score (like "not applicable"). ``fails`` marks the option as a failure of a critical
    question.
    """

    id: str
    label: LocalText
    credit: float | None = None
    fails: bool = False
    # "Other (specify)": choosing it asks the inspector to write what it is (the answer's
    # ``other`` field); the inspection cannot be submitted while that is empty.
    specify: bool = False


def specify_choices(question: Any) -> frozenset[str]:
    """Ids of a question's "other (specify)" choices (``Choice.specify``); empty for other kinds."""
    return frozenset(c.id for c in getattr(question, "choices", None) or [] if c.specify)


class _Question(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    id: str
    label: LocalText
    help: LocalText | None = None
    required: bool = False
    critical: bool = False
    weight: float = 0.0
    relevant_if: Condition | None = None
    evidence: Evidence = "none"
    # Where the question comes from (a directive, decision or design note); shown as help.
    basis: str | None = None
    # A failed answer needs a corrective action (``shared_schema.actions``) before submission.
    action_on_fail: bool = False


class YesNoQuestion(_Question, frozen=True, kw_only=True, tag="yes_no"):
    """Answer ``"yes"``, ``"no"`` or (when ``allow_na``) ``"na"``.

    ``fail_answer`` is the answer that counts as non-compliant (credit 0). For most
    questions that is ``"no"``; for "signs of hoarding?" it is ``"yes"``.
    """

    allow_na: bool = True
    fail_answer: Literal["yes", "no"] = "no"


class NumberQuestion(_Question, frozen=True, kw_only=True, tag="number"):
    min: float | None = None
    max: float | None = None
    unit: LocalText | None = None
    integer: bool = False


class TextQuestion(_Question, frozen=True, kw_only=True, tag="text"):
    max_length: int = 2000
    multiline: bool = True


class SingleChoiceQuestion(_Question, frozen=True, kw_only=True, tag="single_choice"):
    choices: list[Choice]


class MultipleChoiceQuestion(_Question, frozen=True, kw_only=True, tag="multiple_choice"):
    choices: list[Choice]
    min_selected: int = 0
    max_selected: int | None = None


class DateQuestion(_Question, frozen=True, kw_only=True, tag="date"):
    pass


class PhotoQuestion(_Question, frozen=True, kw_only=True, tag="photo"):
    min_photos: int = 1
    max_photos: int = 10


class SignatureQuestion(_Question, frozen=True, kw_only=True, tag="signature"):
    signer: LocalText | None = None


class LocationQuestion(_Question, frozen=True, kw_only=True, tag="location"):
    max_accuracy_m: float | None = None


Question = (
    YesNoQuestion
    | NumberQuestion
    | TextQuestion
    | SingleChoiceQuestion
    | MultipleChoiceQuestion
    | DateQuestion
    | PhotoQuestion
    | SignatureQuestion
    | LocationQuestion
)

QUESTION_KINDS: tuple[str, ...] = (
    "yes_no",
    "number",
    "text",
    "single_choice",
    "multiple_choice",
    "date",
    "photo",
    "signature",
    "location",
)

CONDITION_OPS: tuple[str, ...] = ("equals", "one_of", "at_least", "at_most", "answered", "all", "any", "not")


class Section(msgspec.Struct, frozen=True):
    id: str
    title: LocalText
    questions: list[Question]


# --- scoring -----------------------------------------------------------------------------


class ResultBand(msgspec.Struct, frozen=True):
    """A result: reached when the score is at least ``min_score`` (bands are tried in order)."""

    id: str
    label: LocalText
    min_score: float
    passing: bool = True
    # Days the site has to correct what was found, when the band asks for it.
    correction_days: int | None = None


class Scoring(msgspec.Struct, frozen=True):
    """Compliance score ``Σ(weight × credit) / Σ(weight of applicable items) × 100``.

    ``bands`` are tried from first to last; the first whose ``min_score`` the score reaches is
    the result. Any failed critical question forces ``critical_failure_band``.
    ``critical_failure_requires`` lists what a failed critical question needs before the
    inspection can be submitted: any of ``photo``, ``corrective_action``, ``due_date``.
    """

    bands: list[ResultBand]
    critical_failure_band: str
    critical_failure_requires: list[Literal["photo", "corrective_action", "due_date"]] = msgspec.field(
        default_factory=lambda: ["photo", "corrective_action", "due_date"]
    )


# --- the optional risk index (e.g. Decision 2194/QĐ-BCĐQG) ------------------------------


class RiskLevel(msgspec.Struct, frozen=True):
    """Points for one level of a criterion: a choice id, or a number range ``[min, max)``."""

    points: float
    label: LocalText
    choice: str | None = None
    min: float | None = None
    max: float | None = None


class RiskCriterion(msgspec.Struct, frozen=True):
    id: str
    label: LocalText
    max_points: float
    question: str | None = None
    levels: list[RiskLevel] = msgspec.field(default_factory=list)


class RiskBand(msgspec.Struct, frozen=True):
    """Reached when the index percentage is at most ``max_percent`` (tried in order)."""

    id: str
    label: LocalText
    max_percent: float
    action: LocalText | None = None


class RiskIndex(msgspec.Struct, frozen=True):
    """A risk index: Σ criterion points / ``total_points`` × 100, higher is worse.

    ``expected_criteria`` is how many criteria the official text has; while fewer are loaded
    the index is reported as incomplete and no band is given.
    """

    id: str
    label: LocalText
    total_points: float
    expected_criteria: int
    criteria: list[RiskCriterion]
    bands: list[RiskBand]
    source: str | None = None


# --- the checklist version ---------------------------------------------------------------


class ChecklistTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a checklist. Immutable once published."""

    template_id: str
    version: int
    title: LocalText
    site_kinds: list[str]
    sections: list[Section]
    scoring: Scoring
    description: LocalText | None = None
    risk_index: RiskIndex | None = None
    schema: int = 1
    # Every failed item of this checklist needs a corrective action before submission.
    action_on_fail: bool = False

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question_map(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}
