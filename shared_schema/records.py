"""Records of the registry: sites, inspections, answers, reviews, users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from shared_schema.text import LocalText

Role = Literal["inspector", "supervisor", "admin"]
ROLES: tuple[str, ...] = ("inspector", "supervisor", "admin")

InspectionStatus = Literal["draft", "submitted", "approved", "returned", "rejected", "discarded"]
STATUSES: tuple[str, ...] = ("draft", "submitted", "approved", "returned", "rejected", "discarded")

InspectionKind = Literal["periodic", "unannounced", "thematic"]
INSPECTION_KINDS: tuple[str, ...] = ("periodic", "unannounced", "thematic")

ReviewDecision = Literal["approve", "return", "reject"]
REVIEW_DECISIONS: tuple[str, ...] = ("approve", "return", "reject")

# Site kinds of the Thai Nguyen registry (CHECKLISTS.md §3.1).
SITE_KINDS: dict[str, LocalText] = {
    "KCN": LocalText("Khu công nghiệp", "Industrial park"),
    "CCN": LocalText("Cụm công nghiệp", "Industrial cluster"),
    "DN_SX": LocalText("Doanh nghiệp / nhà máy sản xuất", "Factory or enterprise"),
    "CHO": LocalText("Chợ", "Retail market"),
    "CHO_DM": LocalText("Chợ đầu mối", "Wholesale market"),
    "ST": LocalText("Siêu thị", "Supermarket"),
    "TTTM": LocalText("Trung tâm thương mại", "Shopping centre"),
    "CHTL": LocalText("Cửa hàng tiện lợi", "Convenience store"),
    "KTX": LocalText("Ký túc xá công nhân", "Workers' dormitory"),
    "NT": LocalText("Nhà trọ công nhân", "Workers' boarding house"),
    "HTX": LocalText("Hợp tác xã", "Cooperative"),
}


# Kinds of administrative unit (sync_server ``units``): thành phố, thị xã, huyện, xã/phường.
UNIT_KINDS: dict[str, LocalText] = {
    "city": LocalText(vi="Thành phố", en="City"),
    "town": LocalText(vi="Thị xã", en="Town"),
    "district": LocalText(vi="Huyện", en="District"),
    "commune": LocalText(vi="Xã/phường/thị trấn", en="Commune/ward"),
}


# How a location was taken: by the device's GPS, or typed by the person.
LOCATION_SOURCES: dict[str, LocalText] = {
    "gps": LocalText("Định vị của máy", "The device's GPS"),
    "typed": LocalText("Nhập tay", "Typed"),
}


class Location(msgspec.Struct, frozen=True, omit_defaults=True):
    lat: float
    lon: float
    accuracy_m: float | None = None
    # When the position was taken (ISO 8601 UTC) and how (a key of LOCATION_SOURCES).
    at: str | None = None
    source: str | None = None


class Contact(msgspec.Struct, frozen=True):
    name: str | None = None
    phone: str | None = None
    email: str | None = None


class Site(msgspec.Struct, kw_only=True):
    """A place that gets inspected. Uncertain facts are left ``None``, never guessed."""

    id: str
    code: str
    name: str
    kind: str
    district: str
    address: str | None = None
    parent_id: str | None = None
    workers: int | None = None
    contact: Contact | None = None
    location: Location | None = None
    notes: str | None = None
    active: bool = True


# The fields of a site record besides its id, in order (``protocol.SITE_DEVICE_FIELDS`` and
# ``protocol.SITE_SERVER_FIELDS`` divide them between who may write them).
SITE_FIELDS: tuple[str, ...] = tuple(f for f in Site.__struct_fields__ if f != "id")


class TeamMember(msgspec.Struct, frozen=True):
    name: str
    agency: str | None = None
    role: str | None = None


class Representative(msgspec.Struct, frozen=True):
    name: str
    title: str | None = None
    phone: str | None = None


class Signature(msgspec.Struct, frozen=True):
    """A drawn signature stored as a blob (PNG or SVG) addressed by its SHA-256."""

    role: str
    name: str
    sha256: str
    signed_at: str | None = None
    # ``shared_schema.evidence.content_digest`` of the content when it was signed (``"bb2:<hex>"``;
    # a bare hex one is an older app's bb1); a signature whose digest no longer matches the
    # content is stale and must be taken again.
    digest: str | None = None


class Review(msgspec.Struct, frozen=True, kw_only=True):
    decision: ReviewDecision
    comment: str | None = None
    reviewer: str
    decided_at: str


class InspectionHeader(msgspec.Struct, kw_only=True):
    """The header of an inspection as a device or a report sees it."""

    id: str
    site_id: str
    template_id: str
    template_version: int
    kind: InspectionKind = "periodic"
    status: InspectionStatus = "draft"
    started_at: str | None = None
    completed_at: str | None = None
    location: Location | None = None
    team: list[TeamMember] = msgspec.field(default_factory=list)
    findings: str | None = None
    representative: Representative | None = None
    signatures: list[Signature] = msgspec.field(default_factory=list)
    record_number: str | None = None
    # the inspection this discarded draft was moved to (a newer checklist version)
    migrated_to: str | None = None
    # Computed by the server, read-only on a device.
    score: float | None = None
    result: str | None = None
    review: Review | None = None
    inspector: str | None = None


class Answer(msgspec.Struct, kw_only=True):
    inspection_id: str
    question_id: str
    value: Any = None
    note: str | None = None
    photos: list[str] = msgspec.field(default_factory=list)
    corrective_action: str | None = None
    due_date: str | None = None
    other: str | None = None


def answer_from_fields(inspection_id: str, question_id: str, fields: Mapping[str, Any]) -> Answer:
    """An ``Answer`` from the merged fields of its entity (``value``, ``note``, ``photos``, …)."""
    return Answer(
        inspection_id=inspection_id,
        question_id=question_id,
        value=fields.get("value"),
        note=fields.get("note"),
        photos=fields.get("photos") or [],
        corrective_action=fields.get("corrective_action"),
        due_date=fields.get("due_date"),
        other=fields.get("other"),
    )


class UserInfo(msgspec.Struct, kw_only=True):
    id: str
    username: str
    full_name: str | None = None
    role: Role
    districts: list[str] = msgspec.field(default_factory=list)
