"""The map page and its markers endpoint against the real server (no browser): district
scope, filters, bad input, the tile setting in the page and its Content-Security-Policy."""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest

from tests.console.conftest import DISTRICT, NO_TILES, OTHER_DISTRICT, ConsoleClient, World

pytestmark = pytest.mark.slow


def markers(console: ConsoleClient, **params: str) -> dict:
    response = console.page("/console/map/markers", **params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    return response.json()


def test_markers_hold_the_viewers_districts_only(world: World, console: ConsoleClient) -> None:
    # After every other test's visit of this site (the latest, the summary's, is on 9 August),
    # so it is the site's newest.
    inspection_id = world.device().submit_inspection(world.site_id, masks="all", started_at="2021-09-15T02:30:00Z")
    console.login("giamsat")
    data = markers(console)
    mine = next(m for m in data["markers"] if m["site_id"] == world.site_id)
    assert mine["district"] == DISTRICT and mine["lat"] == 21.4932 and mine["lon"] == 105.9871
    assert {m["district"] for m in data["markers"]} == {DISTRICT}
    assert world.other_site_id not in {m["site_id"] for m in data["markers"]}
    assert mine["state"] in ("passed", "failed", "overdue", "action_open")
    assert mine["inspection_id"] is not None and mine["inspected_at_text"]
    assert markers(console, district=OTHER_DISTRICT)["markers"] == []
    assert mine["inspection_id"] == inspection_id, "the newest inspection of the site"


def test_the_map_filters_by_kind_and_period(world: World, console: ConsoleClient) -> None:
    console.login("quantri")
    assert all(m["kind"] == "CHO" for m in markers(console, site_kind="CHO")["markers"])
    future = markers(console, date_from="2100-01-01")
    assert future["markers"] and {m["state"] for m in future["markers"]} == {"never"}


def test_a_bad_period_is_refused_with_a_message_in_the_viewers_language(world: World, console: ConsoleClient) -> None:
    console.login("giamsat")
    response = console.page("/console/map/markers", date_from="31/12/2021")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date" and "YYYY-MM-DD" in response.json()["detail"]
    assert "không hợp lệ" in response.json()["detail"]


def test_the_map_page_carries_the_tile_setting_and_allows_only_that_tile_host(
    world: World, console: ConsoleClient
) -> None:
    console.login("giamsat")
    page = console.page("/console/map")
    assert page.status_code == 200 and "Bản đồ chung sống an toàn" in page.text
    match = re.search(r'data-settings="([^"]+)"', page.text)
    assert match is not None
    settings = json.loads(html.unescape(match.group(1)))
    assert settings["tiles"] == NO_TILES and "OpenStreetMap" in settings["attribution"]
    assert settings["states"]["never"] == "Chưa kiểm tra"
    assert "img-src 'self' data: http://127.0.0.1:9;" in page.headers["content-security-policy"]
    for asset in ("vendor/leaflet/leaflet.js", "vendor/leaflet.markercluster/leaflet.markercluster.js", "map.js"):
        assert httpx.get(f"{world.base_url}/console/static/{asset}").status_code == 200


def test_inspectors_and_strangers_get_no_markers(world: World, console: ConsoleClient) -> None:
    assert console.page("/console/map/markers").status_code in (302, 303)
    console.login("thanhtra")  # the console refuses inspectors at the door
    refused = console.page("/console/map/markers")
    assert refused.status_code in (303, 403) and "markers" not in refused.text


def test_the_tile_setting_is_checked_and_can_be_turned_off(tmp_path: object) -> None:
    from sync_server.console.pages_map import tile_origin
    from sync_server.core.config import DEFAULT_TILE_URL, ConfigError, from_env

    env = {"SYNC_DATABASE_URL": f"sqlite:///{tmp_path}/registry.db", "SYNC_SECRET_KEY": "k"}
    assert from_env(env).map_tile_url == DEFAULT_TILE_URL == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert from_env({**env, "SYNC_MAP_TILE_URL": "none"}).map_tile_url == ""
    own = "https://tiles.example.vn/{z}/{x}/{y}.png"
    assert from_env({**env, "SYNC_MAP_TILE_URL": own}).map_tile_url == own
    with pytest.raises(ConfigError, match="SYNC_MAP_TILE_URL"):
        from_env({**env, "SYNC_MAP_TILE_URL": "tiles.example.vn/map.png"})
    assert tile_origin(DEFAULT_TILE_URL) == "https://tile.openstreetmap.org"
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_origin("/tiles/{z}/{x}/{y}.png") is None and tile_origin("") is None
