"""Positions and site corrections as the inspector makes them on the spot (no Flet here).

A position is stored as a ``shared_schema.records.Location`` value (``{lat, lon, accuracy_m,
at, source}``): ``source`` ``gps`` when the device's capability layer gave it (with its
accuracy), ``typed`` when the person typed the latitude and longitude. Typed numbers accept
a decimal comma (``21,5936``) as Vietnamese keyboards give it.

A site correction (workers, contact, location) is a draft of text boxes; ``site_changes``
turns it into the site fields that changed, or the problems in words, before anything is saved.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from field_app.core.capabilities import Position
from shared_schema.records import Site
from shared_schema.text import LocalText
from shared_schema.validation import parse_float, validate_site_field

BAD_NUMBER = LocalText("Cần một số, ví dụ {example}.", "A number is needed, for example {example}.")
LAT_RANGE = LocalText("Vĩ độ phải trong khoảng -90 đến 90.", "The latitude must be within -90 to 90.")
LON_RANGE = LocalText("Kinh độ phải trong khoảng -180 đến 180.", "The longitude must be within -180 to 180.")
BOTH_NEEDED = LocalText("Cần cả vĩ độ và kinh độ.", "Both the latitude and the longitude are needed.")
BAD_WORKERS = LocalText("Số lao động là một số nguyên không âm.", "The number of workers is a whole number, 0 or more.")
# Coordinates typed or shown keep 6 decimals (about 0.1 m).
DECIMALS = 6


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_decimal(text: str) -> float | None:
    """``"21,5936"``, ``"21.5936"``, ``" -0.5 "`` → a finite float; anything else → None."""
    cleaned = text.strip().replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return parse_float(cleaned)


def gps_location(position: Position, at: str | None = None) -> dict[str, Any]:
    """The stored value of a position from the capability layer."""
    value: dict[str, Any] = {
        "lat": round(position.latitude, DECIMALS),
        "lon": round(position.longitude, DECIMALS),
    }
    if position.accuracy_m is not None and math.isfinite(position.accuracy_m) and position.accuracy_m >= 0:
        value["accuracy_m"] = round(position.accuracy_m, 1)
    value["at"] = at or now_utc()
    value["source"] = "gps"
    return value


def typed_location(
    lat_text: str, lon_text: str, at: str | None = None
) -> tuple[dict[str, Any] | None, dict[str, LocalText]]:
    """(value, {}) for typed coordinates; (None, {}) when both boxes are empty; else (None,
    problems by box: ``lat``, ``lon``)."""
    if not lat_text.strip() and not lon_text.strip():
        return None, {}
    problems: dict[str, LocalText] = {}
    values: dict[str, float] = {}
    for box, text, limit, example, out_of_range in (
        ("lat", lat_text, 90.0, "21,5936", LAT_RANGE),
        ("lon", lon_text, 180.0, "105,8425", LON_RANGE),
    ):
        if not text.strip():
            problems[box] = BOTH_NEEDED
            continue
        number = parse_decimal(text)
        if number is None:
            problems[box] = LocalText(BAD_NUMBER.vi.format(example=example), BAD_NUMBER.en.format(example=example))
        elif not -limit <= number <= limit:
            problems[box] = out_of_range
        else:
            values[box] = round(number, DECIMALS)
    if problems:
        return None, problems
    return {"lat": values["lat"], "lon": values["lon"], "at": at or now_utc(), "source": "typed"}, {}


@dataclass
class SiteDraft:
    """The boxes of the site correction screen, as text."""

    workers: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    lat: str = ""
    lon: str = ""
    # The position "use my position" gave, kept while the boxes still show it.
    gps: dict[str, Any] | None = None


def coordinate_text(value: float, lang: str) -> str:
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "vi" else text


def draft_for(site: Site, lang: str = "vi") -> SiteDraft:
    contact = site.contact
    location = site.location
    return SiteDraft(
        workers="" if site.workers is None else str(site.workers),
        contact_name=(contact.name or "") if contact else "",
        contact_phone=(contact.phone or "") if contact else "",
        contact_email=(contact.email or "") if contact else "",
        lat=coordinate_text(location.lat, lang) if location else "",
        lon=coordinate_text(location.lon, lang) if location else "",
    )


def with_position(draft: SiteDraft, position: Position, lang: str = "vi", at: str | None = None) -> SiteDraft:
    """The draft with the boxes showing a GPS position (kept with its accuracy and time)."""
    value = gps_location(position, at)
    draft.gps = value
    draft.lat = coordinate_text(value["lat"], lang)
    draft.lon = coordinate_text(value["lon"], lang)
    return draft


def _location_of(draft: SiteDraft) -> tuple[dict[str, Any] | None, dict[str, LocalText]]:
    value, problems = typed_location(draft.lat, draft.lon)
    if (
        value is not None
        and draft.gps is not None
        and (value["lat"], value["lon"])
        == (
            draft.gps["lat"],
            draft.gps["lon"],
        )
    ):
        return dict(draft.gps), {}
    return value, problems


def site_changes(site: Site, draft: SiteDraft) -> tuple[dict[str, Any], dict[str, LocalText]]:
    """(the device-correctable site fields that differ from ``site``, {}) or ({}, problems by
    box: ``workers``, ``contact_email``, ``lat``, ``lon``, …). Nothing is saved here."""
    problems: dict[str, LocalText] = {}
    changes: dict[str, Any] = {}
    workers_text = draft.workers.strip().replace(".", "").replace(" ", "")
    workers: int | None = None
    if workers_text:
        if not workers_text.isdigit():
            problems["workers"] = BAD_WORKERS
        else:
            workers = int(workers_text)
    if "workers" not in problems and workers != site.workers:
        changes["workers"] = workers
    contact = {
        k: v.strip() or None
        for k, v in (("name", draft.contact_name), ("phone", draft.contact_phone), ("email", draft.contact_email))
    }
    new_contact = None if not any(contact.values()) else {k: v for k, v in contact.items() if v is not None}
    old = site.contact
    old_contact = (
        None
        if old is None or not any((old.name, old.phone, old.email))
        else {k: v for k, v in (("name", old.name), ("phone", old.phone), ("email", old.email)) if v}
    )
    if new_contact != old_contact:
        changes["contact"] = new_contact
    location, location_problems = _location_of(draft)
    problems.update(location_problems)
    if not location_problems:
        old_point = (round(site.location.lat, DECIMALS), round(site.location.lon, DECIMALS)) if site.location else None
        new_point = (location["lat"], location["lon"]) if location else None
        if new_point != old_point or (location is not None and location.get("source") == "gps"):
            changes["location"] = location
    for name, value in list(changes.items()):
        invalid = validate_site_field(name, value)
        if invalid is not None:
            problems[{"contact": "contact_name", "location": "lat"}.get(name, name)] = invalid.message
    return ({}, problems) if problems else (changes, {})
