"""Protocol constants: version, entities and fields, limits.

Field names are part of the wire contract: add freely, never rename.
"""

from __future__ import annotations

from typing import Final

from shared_schema.errors import Code

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
        "status",
        # The assignment the inspection was started from (first write wins, like identity).
        "assignment_id",
        "migrated_to",
    }
)
# Fields only the server writes; they travel to devices by pull.
# ``record_number`` ("Số biên bản") is given by the server on first submission (PROTOCOL.md §6);
# a device that writes it is refused ``not_permitted``.
INSPECTION_SERVER_FIELDS: Final = frozenset({"score", "result", "review", "inspector", "risk_index", "record_number"})
# ``other``: what an "other (specify)" choice is (``Choice.specify``), written by the inspector.
ANSWER_FIELDS: Final = frozenset({"value", "note", "photos", "corrective_action", "due_date", "other"})
SITE_DEVICE_FIELDS: Final = frozenset({"workers", "contact", "location"})
# The other fields of a site (``records.Site``, ``records.SITE_FIELDS``): only the server
# (an admin, the registry import) writes them; they travel to devices by pull.
SITE_SERVER_FIELDS: Final = frozenset({"code", "name", "kind", "district", "address", "parent_id", "notes", "active"})
# A corrective action (``shared_schema.actions``), its id made on the device. ``status`` moves
# by the action state machine: a device may set ``open`` and ``reported_fixed``; ``verified``
# and ``reopened`` come only from a supervisor's review on the server. ``checked_on`` and
# ``check_note``: the last follow-up visit that found it not yet fixed (the day, what was seen);
# the status stays as it was.
ACTION_DEVICE_FIELDS: Final = frozenset(
    {
        "inspection_id",
        "question_id",
        "site_id",
        "description",
        "deadline",
        "responsible_name",
        "responsible_phone",
        "finding_photos",
        "fix_photos",
        "fix_note",
        "fixed_on",
        "checked_on",
        "check_note",
        "status",
    }
)
# ``history``: the steps of the action (created, reported fixed, verified, reopened, with the
# reviewer's comment), written by the server only.
ACTION_SERVER_FIELDS: Final = frozenset({"history"})
# Fixed when the action is created; ``inspection_id`` creates it and the server takes
# ``site_id`` from that inspection (a different value is refused ``identity_fixed``).
ACTION_IDENTITY_FIELDS: Final = frozenset({"inspection_id", "site_id"})
# What was found and asked: signed with the inspection, so fixed once it is submitted.
ACTION_FINDING_FIELDS: Final = frozenset({"question_id", "description", "deadline", "finding_photos"})

DEVICE_WRITABLE: Final[dict[str, frozenset[str]]] = {
    "inspection": INSPECTION_DEVICE_FIELDS,
    "answer": ANSWER_FIELDS,
    "site": SITE_DEVICE_FIELDS,
    "action": ACTION_DEVICE_FIELDS,
}

# Entity of an assignment of an inspection plan in a pull page (server-written only); its
# one field holds a ``shared_schema.assignments.AssignmentDocument``.
ASSIGNMENT_ENTITY: Final = "assignment"
ASSIGNMENT_FIELDS: Final = frozenset({"document"})

# Header fields that are fixed when the inspection is created (first write wins).
INSPECTION_IDENTITY_FIELDS: Final = frozenset({"site_id", "template_id", "template_version"})
# ``migrated_to``: the id of the inspection a draft was moved to when a newer checklist version
# reached the device (the draft is discarded in the same step). Written once, first write wins;
# a different later value is refused ``identity_fixed`` (PROTOCOL.md §3).
MIGRATED_TO: Final = "migrated_to"

# Limits both sides agree on.
MAX_CHANGES_PER_PUSH: Final = 500
MAX_PULL_LIMIT: Final = 5000
DEFAULT_PULL_LIMIT: Final = 1000
# A bounded first sync (PROTOCOL.md §7, ``bounded=1`` on pull): of the inspections that were
# already settled (approved, rejected or discarded) when the device's first sync began, a device gets only
# the latest ``BOUNDED_LATEST_PER_SITE`` per site (for context) and its user's own latest
# ``BOUNDED_OWN_RECENT``; the others come on demand (``GET /api/v1/sync/records``).
BOUNDED_LATEST_PER_SITE: Final = 3
BOUNDED_OWN_RECENT: Final = 20
BOUNDED_SETTLED_STATUSES: Final = frozenset({"approved", "rejected", "discarded"})
# At most this many inspections asked for by id in one ``GET /api/v1/sync/records``, and at
# most this many of a site's inspections (newest first) in one site history reply.
MAX_RECORDS_PER_FETCH: Final = 100
MAX_TEXT_LENGTH: Final = 4000
MAX_PHOTOS_PER_ANSWER: Final = 20
# The largest integer anywhere in a request (a query parameter, a path, a JSON number): a
# signed 64-bit integer, what both databases store. Larger ones are refused with 400.
MAX_INT: Final = 2**63 - 1
# How deeply an answer value may nest lists and objects (a location or a photo list needs 2).
MAX_VALUE_DEPTH: Final = 16
# A change whose clock is further ahead of the server's wall clock than this is refused
# (see docs/PROTOCOL.md, "Clock skew"): a phone with a wrong date must not win every conflict.
MAX_CLOCK_SKEW_MS: Final = 10 * 60 * 1000
# The largest photo or signature (bytes): the app refuses to keep a larger one, and it is the
# server's default ``SYNC_MAX_BLOB_BYTES`` (a server may set another; docs/CONFIGURATION.md).
MAX_BLOB_BYTES: Final = 25 * 1024 * 1024

# The images a blob may be (PROTOCOL.md §9), told by their first bytes, never by a name.
IMAGE_MEDIA_TYPES: Final = ("image/jpeg", "image/png", "image/webp")


def image_media_type(head: bytes) -> str | None:
    """JPEG, PNG or WebP by the magic bytes at the start of ``head``; ``None`` for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


SERVER_NODE: Final = "server"

# Problem codes of the sync protocol (the ``code`` of an error reply, docs/PROTOCOL.md §4, §7;
# every code is a ``shared_schema.errors.Code``).
SEQUENCE_GAP: Final = Code.SEQUENCE_GAP
# 403: the client_id is registered to another user; nothing applied, no sequence disclosed.
CLIENT_NOT_YOURS: Final = Code.CLIENT_NOT_YOURS
# 409: a second install is using this client_id (a restored backup, a copied data folder):
# the device takes a new client_id and sends its unsent changes again under it.
CLIENT_REREGISTER: Final = Code.CLIENT_REREGISTER


def within_depth(value: object, depth: int = MAX_VALUE_DEPTH) -> bool:
    """True when ``value`` nests lists and objects at most ``depth`` levels deep."""
    if isinstance(value, dict):
        return depth > 0 and all(within_depth(v, depth - 1) for v in value.values())
    if isinstance(value, list):
        return depth > 0 and all(within_depth(v, depth - 1) for v in value)
    return True


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


def question_of_answer(entity_id: str) -> str:
    """The question id of an answer entity id (``ValueError`` when it is not one)."""
    # split_answer_entity_id's rule without its tuple: the server reads every answer's
    # question this way when it scores a push
    inspection_id, sep, question_id = entity_id.partition("/")
    if not sep or not inspection_id or not question_id:
        return split_answer_entity_id(entity_id)[1]  # raises ValueError
    return question_id


def inspection_of(entity: str, entity_id: str) -> str | None:
    """The inspection a change of ``entity``/``entity_id`` belongs to: an inspection's own id,
    an answer's inspection; ``None`` for other entities and for a malformed answer id."""
    if entity == "inspection":
        return entity_id
    if entity == "answer":
        inspection_id, sep, question_id = entity_id.partition("/")
        return inspection_id if sep and inspection_id and question_id else None
    return None


def template_entity_id(template_id: str, version: int) -> str:
    """The entity id of a checklist version on the wire: ``"{template_id}@{version}"``."""
    return f"{template_id}@{version}"


def split_template_entity_id(entity_id: str) -> tuple[str, int]:
    template_id, sep, version = entity_id.rpartition("@")
    if not sep or not template_id or not version.isdigit():
        raise ValueError(f"template id {entity_id!r} is not of the form 'template_id@version'")
    return template_id, int(version)
