"""The data a report is made from: one inspection with its checklist version, site and answers."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from shared_schema.actions import Action
from shared_schema.checklist import ChecklistTemplate
from shared_schema.records import Answer, InspectionHeader, Review, Site

# Returns the bytes of a blob (photo or signature) by its SHA-256, or None when the server
# does not hold it (yet).
BlobLoader = Callable[[str], bytes | None]


class ReportData(msgspec.Struct, kw_only=True):
    """One inspection, everything a report or an export row needs.

    ``answers`` maps question id to answer. ``inspector_name`` and ``reviews`` are optional
    extras the server knows (the display name of the inspector, the review history).
    """

    header: InspectionHeader
    site: Site
    template: ChecklistTemplate
    answers: dict[str, Answer] = msgspec.field(default_factory=dict)
    reviews: list[Review] = msgspec.field(default_factory=list)
    inspector_name: str | None = None
    # changes were made after the first submission (the revision history is not empty)
    revised: bool = False
    # the corrective actions the inspection gave (``shared_schema.actions``), with their status
    actions: list[Action] = msgspec.field(default_factory=list)

    def values(self) -> dict[str, object]:
        """Question id → answer value, as the shared scoring and relevance rules take them."""
        return {qid: a.value for qid, a in self.answers.items()}
