"""One real server process for the console tests (started once per session): users of every
role, two districts, the sample checklist published, sites, and a device that syncs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_schema.codec import encode
from tests.console.device import Device
from tests.support.browser import console_log_in
from tests.support.sample_checklist import sample_template
from tests.support.server_process import ServerProcess, start_server

PASSWORD = "mat-khau-an-toan"
DISTRICT = "TX Phổ Yên"
OTHER_DISTRICT = "TP Sông Công"
USERS = {
    "quantri": ("admin", []),
    "giamsat": ("supervisor", [DISTRICT]),
    "giamsat_b": ("supervisor", [OTHER_DISTRICT]),
    "thanhtra": ("inspector", [DISTRICT]),
}
SITE_NAME = "Công ty TNHH Điện tử Phổ Yên – Xưởng 2"
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@dataclass
class World:
    server: ServerProcess
    tokens: dict[str, str]
    site_id: str
    other_site_id: str
    devices: list[Device] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def api(self, username: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.tokens[username]}"}, timeout=30
        )

    def device(self, username: str = "thanhtra") -> Device:
        device = Device(self.base_url, self.tokens[username])
        self.devices.append(device)
        return device


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("console-server")
    # CONSOLE_TEST_DATABASE_URL=postgresql://… runs the console tests on an empty PostgreSQL database.
    database = os.environ.get("CONSOLE_TEST_DATABASE_URL")
    env = {"SYNC_DATABASE_URL": database} if database else {}
    # Map tiles from a port nothing listens on: the map page meets "no tiles reachable" at once,
    # as it would offline (no test depends on the internet).
    env["SYNC_MAP_TILE_URL"] = NO_TILES
    server = start_server(directory, **env)
    try:
        server.create_user("quantri", PASSWORD, "admin")
        admin = httpx.Client(
            base_url=server.base_url,
            timeout=30,
            headers={"Authorization": f"Bearer {server.token('quantri', PASSWORD)}"},
        )
        for username, (role, districts) in USERS.items():
            if username != "quantri":
                admin.post(
                    "/api/v1/users",
                    json={"username": username, "password": PASSWORD, "role": role, "districts": districts},
                ).raise_for_status()
        checklist = directory / "sample.json"
        checklist.write_bytes(encode(sample_template()))
        loaded = server.cli("load-checklist", str(checklist), "--publish")
        assert loaded.returncode == 0, loaded.stderr + loaded.stdout
        site = admin.post(
            "/api/v1/sites",
            json={
                "code": "DN-PY-002",
                "name": SITE_NAME,
                "kind": "DN_SX",
                "district": DISTRICT,
                "address": "KCN Yên Bình, TX Phổ Yên",
                "location": {"lat": 21.4932, "lon": 105.9871},
            },
        ).raise_for_status()
        other = admin.post(
            "/api/v1/sites",
            json={
                "code": "CHO-SC-001",
                "name": "Chợ Sông Công",
                "kind": "CHO",
                "district": OTHER_DISTRICT,
            },
        ).raise_for_status()
        tokens = {u: server.token(u, PASSWORD) for u in USERS}
        yield World(server=server, tokens=tokens, site_id=site.json()["id"], other_site_id=other.json()["id"])
    finally:
        server.stop()


CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class ConsoleClient:
    """A browser-like HTTP client of the console: cookies, and the CSRF token of the last page."""

    def __init__(self, base_url: str):
        self.http = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)
        self.csrf = ""

    def page(self, path: str, **params: str) -> httpx.Response:
        response = self.http.get(path, params=params or None)
        if match := CSRF_RE.search(response.text):
            self.csrf = match.group(1)
        return response

    def post(
        self,
        path: str,
        data: dict[str, str] | None = None,
        *,
        csrf: bool = True,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        body = dict(data or {})
        if csrf:
            body["csrf_token"] = self.csrf
        response = self.http.post(path, data=body, files=files)
        if match := CSRF_RE.search(response.text):
            self.csrf = match.group(1)
        return response

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.page("/console/login")
        return self.post("/console/login", {"username": username, "password": password})

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def console(world: World) -> Iterator[ConsoleClient]:
    client = ConsoleClient(world.base_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Module scope: Playwright's sync driver must be stopped before another test module (the
    # app's browser tests, anything using asyncio.run) runs in this process.
    from tests.support.browser import chromium_browser

    with chromium_browser() as launched:
        yield launched


DESK = {"width": 1366, "height": 900}


def signed_in_page(
    browser: object, world: World, username: str, locale: str = "vi-VN", viewport: dict[str, int] = DESK
) -> object:
    """A new browser page (desk-sized, a Vietnamese browser unless told), signed in through the login form."""
    page = browser.new_page(viewport=viewport, locale=locale, timezone_id="Asia/Ho_Chi_Minh")  # type: ignore[attr-defined]
    page.set_default_timeout(10_000)
    errors: list[str] = []

    def keep(message: Any) -> None:
        # Pages answered 4xx on purpose (refused input) log "Failed to load resource"; anything
        # else (a CSP violation, a script error) is a defect.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", keep)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors  # type: ignore[attr-defined]
    console_log_in(page, world.base_url, username, PASSWORD)
    return page


def follow_menu(page: Any, link: str, heading: str) -> None:
    """Follow the console menu's ``link`` and wait for the page it opens (its ``h1``)."""
    from playwright.sync_api import expect

    page.get_by_role("link", name=link, exact=True).click()
    expect(page.locator("h1")).to_have_text(heading)


def shot(page: object, artifacts_dir: Path, name: str) -> Path:
    """A full-page screenshot saved as ``<artifacts>/console/<name>.png``."""
    folder = artifacts_dir / "console"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
