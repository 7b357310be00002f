"""Positions and site corrections on the device (no server, real SQLite): typed coordinates
with a decimal comma, a GPS position with its accuracy and time, the site correction saved
all or nothing, and the position recorded when an inspection starts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from field_app.core.capabilities import NO_LOCATION, Capabilities, LocationDenied, Position
from field_app.core.services import AppServices
from field_app.core.site_correction import (
    SiteDraft,
    coordinate_text,
    draft_for,
    gps_location,
    parse_decimal,
    site_changes,
    typed_location,
    with_position,
)
from shared_schema.validation import validate_site_field
from tests.field_app.helpers import signed_in_device, site_fields

SITES = {"s1": {**site_fields("DN-001", "Công ty May Hà Nội"), "workers": 120}}


@pytest.fixture
def app(tmp_path: Any) -> Any:
    with signed_in_device(tmp_path / "device", SITES) as services:
        yield services


def outbox(app: AppServices) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = app.store.query("SELECT * FROM outbox ORDER BY client_seq")
    return rows


class FixedLocator:
    def __init__(self, position: Position | None = None, error: BaseException | None = None):
        self.position, self.error = position, error

    async def locate(self) -> Position:
        if self.error is not None:
            raise self.error
        assert self.position is not None
        return self.position


# --- plain rules ---------------------------------------------------------------------------


def test_typed_numbers_accept_a_decimal_comma_or_point() -> None:
    assert parse_decimal("21,5936") == 21.5936
    assert parse_decimal(" 105.8425 ") == 105.8425
    assert parse_decimal("1,234.5") is None
    assert parse_decimal("abc") is None and parse_decimal("nan") is None and parse_decimal("inf") is None


@settings(max_examples=80, deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
    lang=st.sampled_from(["vi", "en"]),
)
def test_coordinates_shown_then_typed_back_give_the_same_point(lat: float, lon: float, lang: str) -> None:
    value, problems = typed_location(coordinate_text(lat, lang), coordinate_text(lon, lang), at="2026-11-30T04:00:00Z")
    assert problems == {} and value is not None
    assert value["lat"] == round(lat, 6) and value["lon"] == round(lon, 6) and value["source"] == "typed"
    assert validate_site_field("location", value) is None


def test_typed_coordinates_out_of_range_or_half_empty_are_explained_in_both_languages() -> None:
    assert typed_location("", "") == (None, {})
    value, problems = typed_location("95", "105,8")
    assert value is None and set(problems) == {"lat"} and "-90" in problems["lat"].vi and problems["lat"].en
    value, problems = typed_location("21,5", "")
    assert value is None and set(problems) == {"lon"}
    value, problems = typed_location("bắc", "105")
    assert value is None and "21,5936" in problems["lat"].vi


def test_a_gps_position_keeps_its_accuracy_time_and_source() -> None:
    value = gps_location(Position(21.59361234, 105.84251234, 7.94), at="2026-11-30T04:00:00Z")
    assert value == {
        "lat": 21.593612,
        "lon": 105.842512,
        "accuracy_m": 7.9,
        "at": "2026-11-30T04:00:00Z",
        "source": "gps",
    }
    assert validate_site_field("location", value) is None
    assert validate_site_field("location", {**value, "source": "guess"}) is not None
    assert validate_site_field("location", {**value, "accuracy_m": -1}) is not None
    assert validate_site_field("location", {**value, "at": "yesterday"}) is not None


# --- the site correction ------------------------------------------------------------------


def test_an_untouched_draft_changes_nothing(app: AppServices) -> None:
    site = app.get_site("s1").site
    assert site_changes(site, draft_for(site)) == ({}, {})
    assert app.correct_site("s1", draft_for(site)) == ([], {})
    assert outbox(app) == []


def test_a_correction_with_one_bad_box_saves_nothing(app: AppServices) -> None:
    site = app.get_site("s1").site
    draft = draft_for(site)
    draft.workers, draft.contact_name, draft.lat, draft.lon = "250", "Chị Hoa", "21,59", "200"
    saved, problems = app.correct_site("s1", draft)
    assert saved == [] and set(problems) == {"lon"}
    assert outbox(app) == [] and app.get_site("s1").site.workers == 120


def test_a_correction_saves_workers_contact_and_a_typed_location(app: AppServices) -> None:
    site = app.get_site("s1").site
    draft = draft_for(site)
    draft.workers, draft.contact_name, draft.contact_phone = "1.250", "Chị Hoa", "0912 345 678"
    draft.lat, draft.lon = "21,5936", "105,8425"
    saved, problems = app.correct_site("s1", draft)
    assert problems == {} and sorted(saved) == ["contact", "location", "workers"]
    after = app.get_site("s1").site
    assert after.workers == 1250
    assert after.contact is not None and after.contact.name == "Chị Hoa"
    assert after.location is not None and (after.location.lat, after.location.lon) == (21.5936, 105.8425)
    assert after.location.source == "typed" and after.location.at
    assert {r["entity"] for r in outbox(app)} == {"site"}
    assert sorted(r["field"] for r in outbox(app)) == ["contact", "location", "workers"]


def test_use_my_position_then_save_keeps_the_gps_accuracy(app: AppServices) -> None:
    site = app.get_site("s1").site
    draft = with_position(draft_for(site), Position(21.6, 105.85, 12.0), "vi")
    assert (draft.lat, draft.lon) == ("21,6", "105,85")
    saved, _ = app.correct_site("s1", draft)
    assert saved == ["location"]
    location = app.get_site("s1").site.location
    assert location is not None and (location.source, location.accuracy_m) == ("gps", 12.0)
    # Typing over the GPS numbers makes it a typed position.
    draft = draft_for(app.get_site("s1").site)
    draft.gps = None
    draft.lat = "21,61"
    app.correct_site("s1", draft)
    location = app.get_site("s1").site.location
    assert location is not None and location.source == "typed" and location.accuracy_m is None


def test_clearing_the_contact_sends_null() -> None:
    from shared_schema.records import Contact, Site

    site = Site(id="x", code="C", name="N", kind="CHO", district="TX Phổ Yên", contact=Contact(name="A"))
    changes, problems = site_changes(site, SiteDraft())
    assert problems == {} and changes == {"contact": None}


# --- the position when an inspection starts ---------------------------------------------


def test_capabilities_without_gps_say_so_and_a_fix_is_recorded_once(app: AppServices) -> None:
    outcome = asyncio.run(Capabilities().locate())
    assert outcome.value is None and outcome.problem == NO_LOCATION
    denied = asyncio.run(Capabilities(locator=FixedLocator(error=LocationDenied())).locate())
    assert denied.problem is not None and "Cài đặt" in denied.problem.vi

    iid = app.start_inspection("s1", "sample-factory")
    fix = asyncio.run(Capabilities(locator=FixedLocator(Position(21.59, 105.84, 8.0))).locate())
    assert fix.value is not None
    assert app.record_start_location(iid, gps_location(fix.value)) is None
    header = app.get_inspection(iid).header
    assert header.location is not None and (header.location.accuracy_m, header.location.source) == (8.0, "gps")
    assert header.location.at is not None
    # A later fix does not overwrite the start position.
    assert app.record_start_location(iid, gps_location(Position(10.0, 100.0))) is None
    header = app.get_inspection(iid).header
    assert header.location is not None and header.location.lat == 21.59
    fields = [r["field"] for r in outbox(app) if r["entity"] == "inspection"]
    assert fields.count("location") == 1
