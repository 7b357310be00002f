"""The record's header as text boxes (team, findings, representative, record number).

``header_text`` is what a box shows; ``header_change`` turns what was typed into the header
field to save and its value. Plain functions over ``InspectionHeader``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from field_app.core.signature_values import plain
from shared_schema.records import InspectionHeader


def header_text(header: InspectionHeader, field: str) -> str:
    """What the header box ``field`` shows when nothing is being typed in it."""
    match field:
        case "team":
            return "\n".join(m.name for m in header.team)
        case "findings":
            return header.findings or ""
        case "rep_name":
            return header.representative.name if header.representative else ""
        case "rep_title":
            return (header.representative.title or "") if header.representative else ""
        case "record_number":
            return header.record_number or ""
    return ""


@dataclass(frozen=True)
class HeaderChange:
    target: str  # the header field saved (``representative`` for both representative boxes)
    value: Any
    stored: Any  # what is saved now (nothing to do when equal to ``value``)


def header_change(
    header: InspectionHeader, field: str, text: str, rep_name: str, rep_title: str
) -> HeaderChange | None:
    """The change that saves ``text`` typed in the header box ``field``; ``rep_name`` and
    ``rep_title`` are what the two representative boxes show. None when it cannot be saved yet
    (a title without a name stays in its box)."""
    if field == "team":
        return HeaderChange(
            "team", [{"name": line.strip()} for line in text.splitlines() if line.strip()], plain(header.team)
        )
    if field in ("rep_name", "rep_title"):
        name = (text if field == "rep_name" else rep_name).strip()
        title = (text if field == "rep_title" else rep_title).strip()
        value = {"name": name, "title": title or None} if name else None
        if value is None and title:
            return None
        return HeaderChange("representative", value, plain(header.representative))
    return HeaderChange(field, text.strip() or None, getattr(header, field))
