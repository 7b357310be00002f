"""Protocol constants: version, entities and fields, limits.

Field names are part of the wire contract: add freely, never rename.
"""

from __future__ import annotations

from typing import Final

PROTOCOL_VERSION: Final = 1
SUPPORTED_PROTOCOLS: Final = frozenset({1})

# Entities a device may push, and the fields of each that a device may write.
INSPECTION_DEVICE_FIELDS: Final = frozenset(
    {
        "site_id",
        "template_id",
        "template_version",
        "kind",
        "started_at",
        "completed_at",
        "location",
        "team",
        "findings",
        "representative",
        "signatures",
        "record_number",
        "status",
    }
)
# Fields only the server writes; they travel to devices by pull.
INSPECTION_SERVER_FIELDS: Final = frozenset({"score", "result", "review", "inspector", "risk_index"})
# ``other``: what an "other (specify)" choice is (``Choice.specify``), written by the inspector.
ANSWER_FIELDS: Final = frozenset({"value", "note", "photos", "corrective_action", "due_date", "other"})
SITE_DEVICE_FIELDS: Final = frozenset({"workers", "contact", "location"})

DEVICE_WRITABLE: Final[dict[str, frozenset[str]]] = {
    "inspection": INSPECTION_DEVICE_FIELDS,
    "answer": ANSWER_FIELDS,
    "site": SITE_DEVICE_FIELDS,
}

# Header fields that are fixed when the inspection is created (first write wins).
INSPECTION_IDENTITY_FIELDS: Final = frozenset({"site_id", "template_id", "template_version"})

# Limits both sides agree on.
MAX_CHANGES_PER_PUSH: Final = 500
MAX_PULL_LIMIT: Final = 5000
DEFAULT_PULL_LIMIT: Final = 1000
MAX_TEXT_LENGTH: Final = 4000
MAX_PHOTOS_PER_ANSWER: Final = 20
# A change whose clock is further ahead of the server's wall clock than this is refused
# (see docs/PROTOCOL.md, "Clock skew"): a phone with a wrong date must not win every conflict.
MAX_CLOCK_SKEW_MS: Final = 10 * 60 * 1000

SERVER_NODE: Final = "server"


def answer_entity_id(inspection_id: str, question_id: str) -> str:
    """The entity id of an answer: ``"{inspection_id}/{question_id}"``."""
    return f"{inspection_id}/{question_id}"


def split_answer_entity_id(entity_id: str) -> tuple[str, str]:
    """Split an answer entity id into ``(inspection_id, question_id)``.

    Raises ``ValueError`` when the id has no ``/``.
    """
    inspection_id, sep, question_id = entity_id.partition("/")
    if not sep or not inspection_id or not question_id:
        raise ValueError(f"answer id {entity_id!r} is not of the form 'inspection_id/question_id'")
    return inspection_id, question_id


def template_entity_id(template_id: str, version: int) -> str:
    """The entity id of a checklist version on the wire: ``"{template_id}@{version}"``."""
    return f"{template_id}@{version}"


def split_template_entity_id(entity_id: str) -> tuple[str, int]:
    template_id, sep, version = entity_id.rpartition("@")
    if not sep or not template_id or not version.isdigit():
        raise ValueError(f"template id {entity_id!r} is not of the form 'template_id@version'")
    return template_id, int(version)
