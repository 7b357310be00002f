"""The record's header as text boxes (team, findings, representative, record number).

``header_text`` is what a box shows; ``header_change`` turns what was typed into the header
field to save and its value. Plain functions over ``InspectionHeader``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from field_app.core.signature_values import plain
from shared_schema.records import InspectionHeader, TeamMember

# A team box line is "full name - title" (the title may be left out): what the biên bản prints.
TITLE_SEPARATORS = (" - ", " – ")


def member_line(member: TeamMember) -> str:
    """One team member as the team box shows them: "Phạm Quốc Khánh - Trưởng đoàn"."""
    title = ", ".join(p for p in (member.role, member.agency) if p)
    return f"{member.name} - {title}" if title else member.name


def _member(member: TeamMember) -> dict[str, Any]:
    return {k: v for k, v in plain(member).items() if v is not None}


def team_value(header: InspectionHeader, text: str) -> list[dict[str, Any]]:
    """The team typed in its box, one person a line as "full name - title"; a line left as it
    was shown keeps its member as stored."""
    shown = {member_line(m): _member(m) for m in header.team}
    members: list[dict[str, Any]] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if line in shown:
            members.append(shown[line])
            continue
        name, title = line, ""
        for sep in TITLE_SEPARATORS:
            if sep in line:
                name, _, title = line.partition(sep)
                break
        name, title = name.strip(" -–"), title.strip(" -–")
        if not name:
            name, title = title, ""
        if name:
            members.append({"name": name, "role": title} if title else {"name": name})
    return members


def header_text(header: InspectionHeader, field: str) -> str:
    """What the header box ``field`` shows when nothing is being typed in it."""
    match field:
        case "team":
            return "\n".join(member_line(m) for m in header.team)
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
        return HeaderChange("team", team_value(header, text), [_member(m) for m in header.team])
    if field in ("rep_name", "rep_title"):
        name = (text if field == "rep_name" else rep_name).strip()
        title = (text if field == "rep_title" else rep_title).strip()
        value = {"name": name, "title": title or None} if name else None
        if value is None and title:
            return None
        return HeaderChange("representative", value, plain(header.representative))
    return HeaderChange(field, text.strip() or None, getattr(header, field))
