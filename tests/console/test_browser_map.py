"""In Chromium: the map page (Bản đồ) with hundreds of real sites imported through the CLI and
inspections synced by a device, drawn as coloured clusters on a plain background (the test
server's tile address answers nothing, as offline), a filter applied, a site's popup, and
the phone width. Screenshots: test-artifacts/console/map-*.png."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import DISTRICT, OTHER_DISTRICT, World, shot, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KINDS = ("DN_SX", "CHO", "KTX", "ST")
SITES_PER_DISTRICT = 160
POPUP_SITE = "Công ty TNHH May Phú Bình – Xưởng 3"


def import_map_sites(world: World, directory: Path) -> dict[tuple[str, str], int]:
    """Sites around two district centres (once per test session); returns their count per
    (district, kind)."""
    rng = random.Random(16)
    counts: dict[tuple[str, str], int] = {}
    lines = ["code,name,kind,district,lat,lon"]
    for district, (lat, lon) in ((DISTRICT, (21.42, 105.87)), (OTHER_DISTRICT, (21.48, 105.80))):
        for n in range(SITES_PER_DISTRICT):
            kind = KINDS[n % len(KINDS)]
            counts[(district, kind)] = counts.get((district, kind), 0) + 1
            code = f"MAP-{'A' if district == DISTRICT else 'B'}-{n:03d}"
            lines.append(
                f"{code},Cơ sở bản đồ {code},{kind},{district},"
                f"{lat + rng.uniform(-0.05, 0.05):.5f},{lon + rng.uniform(-0.05, 0.05):.5f}"
            )
    path = directory / "map-sites.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = world.server.cli("import-sites", str(path))
    assert result.returncode == 0, result.stderr + result.stdout
    return counts


def wait_for_markers(page: Page) -> int:
    try:
        page.wait_for_selector("#site-map[data-ready]", state="attached", timeout=20_000)
    except Exception as exc:
        errors = getattr(page, "console_errors", [])
        raise AssertionError(f"the map did not load: {errors} {page.locator('#map-error').inner_text()}") from exc
    return int(page.locator("#site-map").get_attribute("data-ready") or "0")


def test_the_map_draws_real_sites_in_clusters_filters_them_and_opens_a_site(
    world: World, browser: object, artifacts_dir: Path, tmp_path: Path
) -> None:
    counts = import_map_sites(world, tmp_path)
    with world.api("quantri") as api:
        site = (
            api.post(
                "/api/v1/sites",
                json={
                    "code": "MAP-POPUP",
                    "name": POPUP_SITE,
                    "kind": "DN_SX",
                    "district": DISTRICT,
                    "location": {"lat": 21.4611, "lon": 105.9012},
                },
            )
            .raise_for_status()
            .json()
        )
    inspection_id = world.device().submit_inspection(site["id"], masks="few")  # a failed critical item

    admin: Page = signed_in_page(browser, world, "quantri")  # type: ignore[assignment]
    admin.goto(f"{world.base_url}/console/map")
    shown = wait_for_markers(admin)
    assert shown >= 2 * SITES_PER_DISTRICT
    expect(admin.locator("#map-no-tiles")).to_be_visible()  # no tiles answered: a plain background
    expect(admin.locator(".map-district", has_text=DISTRICT)).to_be_visible()
    expect(admin.locator(".map-district", has_text=OTHER_DISTRICT)).to_be_visible()
    assert admin.locator(".map-cluster").count() >= 2, "hundreds of sites are drawn as clusters"
    assert admin.locator("[data-count=never]").inner_text() != "–"
    shot(admin, artifacts_dir, "map-01-admin-desktop")
    assert admin.console_errors == []  # type: ignore[attr-defined]

    page: Page = signed_in_page(browser, world, "giamsat")  # type: ignore[assignment]
    page.goto(f"{world.base_url}/console/map")
    mine = wait_for_markers(page)
    assert mine < shown, "a supervisor sees the sites of their district only"
    expect(page.locator(".map-district", has_text=OTHER_DISTRICT)).to_have_count(0)

    page.locator("select[name=site_kind]").select_option("CHO")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**site_kind=CHO**")
    assert wait_for_markers(page) == counts[(DISTRICT, "CHO")]
    assert page.locator("#map-shown").inner_text() == str(counts[(DISTRICT, "CHO")])
    shot(page, artifacts_dir, "map-02-supervisor-filtered-markets")

    page.locator("select[name=site_kind]").select_option("DN_SX")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**site_kind=DN_SX**")
    wait_for_markers(page)
    page.evaluate("document.getElementById('site-map').leafletMap.setView([21.4611, 105.9012], 18, {animate: false})")
    marker = page.locator(f".map-marker[title='{POPUP_SITE}']")
    expect(marker).to_be_visible()
    marker.click()
    popup = page.locator(".map-popup")
    expect(popup).to_contain_text(POPUP_SITE)
    expect(popup).to_contain_text("Quá hạn khắc phục")  # its deadline (12/08/2021) has passed
    expect(popup).to_contain_text("Kết quả: Không đạt")
    expect(popup.get_by_role("link", name="Các lần kiểm tra")).to_have_attribute(
        "href", f"/console/inspections?site_id={site['id']}"
    )
    last = popup.get_by_role("link", name="Biên bản gần nhất")
    expect(last).to_have_attribute("href", f"/console/inspections/{inspection_id}")
    page.wait_for_timeout(400)  # the popup's fade-in
    shot(page, artifacts_dir, "map-03-site-popup")

    page.set_viewport_size({"width": 412, "height": 915})
    page.goto(f"{world.base_url}/console/map?site_kind=CHO")
    wait_for_markers(page)
    shot(page, artifacts_dir, "map-04-phone")
    assert page.console_errors == []  # type: ignore[attr-defined]
    admin.close()
    page.close()
