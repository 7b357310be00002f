"""What a signature on a biên bản binds to: one canonical digest of the signed content.

The field app stores ``content_digest`` with every signature it takes; the server recomputes
it before accepting a submission and the console and the PDF show, per signature, whether it
still matches. Both sides call this one function, so they cannot disagree.

The signed content is the header (``SIGNED_HEADER_FIELDS``), for every answer its value,
note, photos, corrective action and deadline, and for every corrective action record of the
inspection (entity ``action``) what was found and asked (``SIGNED_ACTION_FIELDS``: its item,
description, deadline and finding photos). Signature answers (the drawn signatures
themselves), the header ``signatures``, ``status``, ``record_number`` and the fields the server
derives are not content. The digest does not depend on the order of answers, of keys or of
photos, on Unicode normalisation (NFC/NFD), on ``1`` against ``1.0``, or on a field that is
absent against one that is empty (``None``, ``""``, ``[]``, ``{}``), so a JSON round trip
through the sync feed never changes it; any change of a signed value does. Header fields are
read as ``InspectionHeader`` reads them (an unset ``kind`` is ``periodic``; a key that a team
member, the representative or the location does not have is not content), so the server, the
console, the PDF and the app compute one digest for one record.

Versions. A digest is stored as ``"<version>:<hex>"``; one without a prefix is ``bb1``, the
content before actions were records of their own (header and answers only). Signatures taken
now store ``bb2`` (with the actions). A signature is compared with the content in its own
version (``current_digests``, ``signature_state``), so one taken by an older app keeps the state
it had: it never covered the action records (an action changed after it does not make it
stale). An answer's ``corrective_action``/``due_date`` is also the action
``"{inspection_id}:{question_id}"``: while the answer holds either, the server keeps that
action's description and deadline equal to them (``sync_service``), so the bb2 content reads
them from the answer, as the server holds them, whether or not the device has pulled the
mirrored action yet. Once the answer has held either, that action stays, with its item, when
both are cleared again (its description and deadline then empty, as the server mirrors the
clearing): a device writes its own copy of the action with each such edit, as the server will
(``field_app.core.editing``), so a signature taken before the device pulls binds the content
the server checks. Actions cannot be deleted;
one whose finding fields are all empty adds nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import msgspec

from shared_schema import protocol
from shared_schema.actions import migrated_action_id
from shared_schema.checklist import ChecklistTemplate, SignatureQuestion
from shared_schema.records import Answer, InspectionHeader, Location, Representative, TeamMember
from shared_schema.text import LocalText
from shared_schema.workflow import MissingItem

SIGNED_HEADER_FIELDS: tuple[str, ...] = (
    "site_id",
    "template_id",
    "template_version",
    "kind",
    "started_at",
    "location",
    "team",
    "findings",
    "representative",
)
SIGNED_ANSWER_FIELDS: tuple[str, ...] = ("value", "note", "photos", "corrective_action", "due_date", "other")
# Header fields with a shape of their own are read through it, as the console, the PDF and a
# device's replica read them: a key the shape does not know (a newer app's) is not content, so
# every reader computes the digest the server checked.
SHAPED_HEADER_FIELDS: dict[str, Any] = {
    "team": list[TeamMember],
    "representative": Representative,
    "location": Location,
}
# A signed header field left unset reads as its default, as every reader of the header sees it
# (an inspection whose device never wrote ``kind`` is ``periodic`` on the server, the console and
# the PDF alike).
HEADER_DEFAULTS: dict[str, Any] = {
    f.name: f.default
    for f in msgspec.structs.fields(InspectionHeader)
    if f.name in SIGNED_HEADER_FIELDS and f.default is not msgspec.NODEFAULT
}
SIGNED_ACTION_FIELDS: tuple[str, ...] = tuple(sorted(protocol.ACTION_FINDING_FIELDS))
# The canonical form's versions: ``bb1`` (header and answers, stored without a prefix) and
# ``bb2`` (also the action records, stored as ``"bb2:<hex>"``); new signatures take the last.
LEGACY_DIGEST_VERSION = "bb1"
DIGEST_VERSION = "bb2"
DIGEST_VERSIONS: tuple[str, ...] = (LEGACY_DIGEST_VERSION, DIGEST_VERSION)


def signature_question_ids(template: ChecklistTemplate | None) -> frozenset[str]:
    """The questions whose answer is a drawn signature (they sign the content, they are not it)."""
    if template is None:
        return frozenset()
    return frozenset(q.id for s in template.sections for q in s.questions if isinstance(q, SignatureQuestion))


def _canonical(value: Any) -> Any:
    """A value in its canonical form, or ``None`` when it is empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value)
        return text if text else None
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            c = _canonical(v)
            if c is not None:
                out[unicodedata.normalize("NFC", str(k))] = c
        return out or None
    if isinstance(value, (list, tuple)):
        items = [_canonical(v) for v in value]
        return items or None
    if isinstance(value, msgspec.Struct):
        return _canonical(msgspec.to_builtins(value))
    return _canonical(msgspec.to_builtins(value))


def _header_value(name: str, value: Any) -> Any:
    if value is None:
        value = HEADER_DEFAULTS.get(name)
    shape = SHAPED_HEADER_FIELDS.get(name)
    if shape is not None and value is not None:
        # a value not of its shape (the server refuses such a value) is digested as it is
        with contextlib.suppress(msgspec.ValidationError):
            value = msgspec.convert(msgspec.to_builtins(value), shape)
    return _canonical(value)


def _photos(value: Any) -> Any:
    """Photos are a set of blob hashes: their order on the screen is not content."""
    if isinstance(value, list) and all(isinstance(p, str) for p in value):
        return sorted(value) or None
    return _canonical(value)


def _action_fields(action: Any) -> tuple[str, dict[str, Any]] | None:
    """(id, fields) of an action given as an ``Action`` or a mapping with its ``id``."""
    fields = msgspec.to_builtins(action) if isinstance(action, msgspec.Struct) else action
    if not isinstance(fields, Mapping) or not isinstance(fields.get("id"), str):
        return None
    return fields["id"], {name: fields.get(name) for name in SIGNED_ACTION_FIELDS}


def _signed_actions(answers: Iterable[Answer], actions: Iterable[Any]) -> dict[str, Any]:
    """The ``actions`` part of the bb2 content: action id → its canonical finding fields."""
    merged: dict[str, dict[str, Any]] = {}
    for action in actions:
        found = _action_fields(action)
        if found is not None:
            merged[unicodedata.normalize("NFC", found[0])] = found[1]
    for a in answers:
        # what the server holds for the action an answer's corrective action is mirrored into
        if _canonical(a.corrective_action) is None and _canonical(a.due_date) is None:
            continue
        key = unicodedata.normalize("NFC", migrated_action_id(a.inspection_id, a.question_id))
        held = merged.get(key, {})
        merged[key] = {
            **held,
            "question_id": held.get("question_id") or a.question_id,
            "description": a.corrective_action,
            "deadline": a.due_date,
        }
    out = {}
    for action_id, raw in merged.items():
        fields = {}
        for name in SIGNED_ACTION_FIELDS:
            c = _photos(raw.get(name)) if name == "finding_photos" else _canonical(raw.get(name))
            if c is not None:
                fields[name] = c
        if fields:
            out[action_id] = fields
    return out


def content_digest(
    header: Mapping[str, Any],
    answers: Mapping[str, Answer] | Iterable[Answer],
    signature_questions: Collection[str] = (),
    actions: Iterable[Any] = (),
    *,
    version: str = DIGEST_VERSION,
) -> str:
    """The digest of the canonical signed content of an inspection, as a signature stores it:
    ``"bb2:<sha256 hex>"``, or for ``version="bb1"`` the bare hex of the content without actions.

    ``header`` maps header field names to values (the extra fields of either side are ignored);
    ``answers`` are the inspection's answers; ``signature_questions`` are the ids of questions
    whose answers are signatures (``signature_question_ids``), left out of the content;
    ``actions`` are the inspection's corrective actions (``shared_schema.actions.Action`` or
    mappings of field → value with the action's ``id``), of which only ``SIGNED_ACTION_FIELDS``
    are content.
    """
    if version not in DIGEST_VERSIONS:
        raise ValueError(f"unknown digest version {version!r}")
    items = [
        a
        for a in (answers.values() if isinstance(answers, Mapping) else answers)
        if a.question_id not in signature_questions
    ]
    head = {}
    for name in SIGNED_HEADER_FIELDS:
        c = _header_value(name, header.get(name))
        if c is not None:
            head[name] = c
    body = {}
    for a in items:
        fields = {}
        for name in SIGNED_ANSWER_FIELDS:
            raw = getattr(a, name)
            c = _photos(raw) if name == "photos" else _canonical(raw)
            if c is not None:
                fields[name] = c
        if fields:
            body[unicodedata.normalize("NFC", a.question_id)] = fields
    document: dict[str, Any] = {"v": version, "header": head, "answers": body}
    if version == LEGACY_DIGEST_VERSION:
        return hashlib.sha256(msgspec.json.encode(document, order="sorted")).hexdigest()
    document["actions"] = _signed_actions(items, actions)
    return f"{version}:" + hashlib.sha256(msgspec.json.encode(document, order="sorted")).hexdigest()


def current_digests(
    header: Mapping[str, Any],
    answers: Mapping[str, Answer] | Iterable[Answer],
    signature_questions: Collection[str] = (),
    actions: Iterable[Any] = (),
) -> dict[str, str]:
    """The content's digest in every version (version → digest as stored), what
    ``signature_state`` compares a signature with."""
    items = list(answers.values() if isinstance(answers, Mapping) else answers)
    acts = list(actions)
    return {v: content_digest(header, items, signature_questions, acts, version=v) for v in DIGEST_VERSIONS}


def digest_version(signature_digest: str) -> str:
    """The version of a stored digest: its prefix, ``bb1`` when it has none."""
    prefix, sep, _ = signature_digest.partition(":")
    return prefix if sep else LEGACY_DIGEST_VERSION


def signatures_of(
    header: Mapping[str, Any], answers: Mapping[str, Answer], signature_questions: Collection[str]
) -> list[dict[str, Any]]:
    """Every signature of an inspection as ``{"where", "role", "name", "sha256", "digest"}``:
    the header ``signatures`` first, then the signature answers in question-id order."""
    out: list[dict[str, Any]] = []
    for s in header.get("signatures") or []:
        if isinstance(s, Mapping):
            out.append(
                {
                    "where": "header",
                    "role": s.get("role"),
                    "name": s.get("name"),
                    "sha256": s.get("sha256"),
                    "digest": s.get("digest"),
                }
            )
    for qid in sorted(signature_questions):
        a = answers.get(qid)
        if a is not None and isinstance(a.value, Mapping) and a.value.get("sha256"):
            out.append(
                {
                    "where": qid,
                    "role": qid,
                    "name": a.value.get("name"),
                    "sha256": a.value.get("sha256"),
                    "digest": a.value.get("digest"),
                }
            )
    return out


def signature_state(signature_digest: str | None, current: Mapping[str, str]) -> str:
    """``matches`` (signed this very content), ``stale`` (the content changed after signing) or
    ``unbound`` (signed by an app that did not record the content). ``current`` is the content's
    ``current_digests``: a signature is compared in its own digest version (a version this side
    does not know cannot be shown to match, so it is ``stale``)."""
    if not signature_digest:
        return "unbound"
    expected = current.get(digest_version(signature_digest))
    return "matches" if expected is not None and signature_digest == expected else "stale"


SIGNATURE_STATE_LABELS: dict[str, LocalText] = {
    "matches": LocalText("Khớp nội dung đã ký", "Matches the signed content"),
    "stale": LocalText("Nội dung đã đổi sau khi ký: cần ký lại", "Content changed after signing: sign again"),
    "unbound": LocalText("Chữ ký không gắn với nội dung (ứng dụng cũ)", "Not bound to the content (older app)"),
}

STALE_SIGNATURE = LocalText(
    "Nội dung biên bản đã thay đổi sau khi ký; hãy cho các bên ký lại trước khi nộp.",
    "The content changed after it was signed; have it signed again before submitting.",
)


def stale_signatures(
    template: ChecklistTemplate | None,
    header: Mapping[str, Any],
    answers: Mapping[str, Answer],
    actions: Iterable[Any] = (),
) -> list[MissingItem]:
    """Every signature whose content changed after it was taken, as items that stop submission
    (``code="stale_signature"``; ``question_id`` is the signature question, ``""`` for a
    header signature). ``actions`` are the inspection's corrective actions."""
    sig_questions = signature_question_ids(template)
    current = current_digests(header, answers, sig_questions, actions)
    sections = {q.id: s.id for s in template.sections for q in s.questions} if template is not None else {}
    out: list[MissingItem] = []
    for s in signatures_of(header, answers, sig_questions):
        if signature_state(s["digest"], current) != "stale":
            continue
        qid = "" if s["where"] == "header" else str(s["where"])
        question = template.question_map().get(qid) if template is not None and qid else None
        fallback = (question.signer or question.label) if isinstance(question, SignatureQuestion) else None
        who_vi = str(s["name"] or (fallback.vi if fallback else s["role"]) or "")
        who_en = str(s["name"] or (fallback.en or fallback.vi if fallback else s["role"]) or "")
        out.append(
            MissingItem(
                qid,
                sections.get(qid, ""),
                "stale_signature",
                LocalText(
                    f"Nội dung đã đổi sau khi {who_vi} ký: cần ký lại",
                    f"The content changed after {who_en} signed: sign again",
                ),
            )
        )
    return out
