"""Headless Chromium for browser tests: find a browser, launch it, talk to a Flutter page.

Flutter draws on a canvas; what a test can see is its accessibility (semantics) tree, which
``enable_semantics`` turns on. Tests select controls by role and name, never by coordinates.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.app_process import AppProcess

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
]
PHONE = {"width": 412, "height": 915}
HOW_TO_GET_ONE = (
    "No Chromium found for the browser tests. Install one with `sudo apt-get install -y chromium` "
    "(Debian/Ubuntu: gives /usr/bin/chromium) or point CHROMIUM_PATH at a Chromium/Chrome binary. "
    "Browser tests never skip silently."
)


_PLAYWRIGHT: object | None = None


def _playwright() -> object:
    """The one Playwright driver of this test process.

    Playwright's sync API allows one running instance per thread: a second
    ``sync_playwright()`` while another is open fails ("Sync API inside the asyncio loop").
    Console and app browser tests share this one, started on first use, stopped at exit.
    """
    global _PLAYWRIGHT
    if _PLAYWRIGHT is None:
        from playwright.sync_api import sync_playwright

        _PLAYWRIGHT = sync_playwright().start()
        atexit.register(_PLAYWRIGHT.stop)  # type: ignore[attr-defined]
    return _PLAYWRIGHT


def _playwright_chromium() -> str | None:
    try:
        path = _playwright().chromium.executable_path  # type: ignore[attr-defined]
    except Exception:
        return None
    return path if path and Path(path).exists() else None


def _candidates() -> Iterator[str | None]:
    yield os.environ.get("CHROMIUM_PATH")
    yield "/usr/bin/chromium"
    yield shutil.which("chromium")
    yield shutil.which("chromium-browser")
    yield shutil.which("google-chrome")
    yield _playwright_chromium()


def _install_on_debian() -> None:
    """Install Debian's chromium where we are root on Debian, as UI_TESTING.md asks."""
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists() or not shutil.which("apt-get"):
        return
    subprocess.run(["apt-get", "install", "-y", "chromium"], check=False, capture_output=True, timeout=900)


def find_chromium() -> str:
    """The path of a Chromium to drive, or a test failure saying how to get one."""
    for attempt in range(2):
        for path in _candidates():
            if path and Path(path).is_file() and os.access(path, os.X_OK):
                return path
        if attempt == 0:
            _install_on_debian()
    pytest.fail(HOW_TO_GET_ONE, pytrace=False)


class chromium_browser:  # used like a function: ``with chromium_browser() as browser``
    """A launched headless Chromium (a Playwright ``Browser``), closed afterwards.

    A class rather than a generator-based context manager: Playwright's sync API switches
    greenlets when it stops, and doing that from inside a suspended generator leaves its event
    loop marked as running, which breaks every later ``asyncio.run`` in the same process.
    """

    def __enter__(self) -> object:
        from playwright.sync_api import sync_playwright

        executable = find_chromium()
        self._manager = sync_playwright()
        playwright = self._manager.__enter__()
        try:
            self._browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        except BaseException:
            self._manager.__exit__(None, None, None)
            raise
        return self._browser

    def __exit__(self, *exc: object) -> None:
        try:
            self._browser.close()
        finally:
            self._manager.__exit__(None, None, None)


def enable_semantics(page: object) -> None:
    """Turn on Flutter's accessibility tree so roles and names become visible to the test."""
    page.wait_for_selector("flt-glass-pane", state="attached", timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('flt-semantics-placeholder') !== null "
        "|| document.querySelector('flt-semantics-host') !== null",
        timeout=60_000,
    )
    page.evaluate("document.querySelector('flt-semantics-placeholder')?.click()")  # type: ignore[attr-defined]


def open_flet_app(browser: object, url: str, viewport: dict[str, int] | None = None) -> object:
    """A new phone-sized page showing the Flet app at ``url`` with semantics on."""
    page = browser.new_page(viewport=viewport or PHONE)  # type: ignore[attr-defined]
    page.goto(url)
    enable_semantics(page)
    return page


class app_in_chromium:  # used like a function: ``with app_in_chromium(app, shots) as page``
    """The field app started, and shown phone-sized in a headless Chromium with semantics on.

    ``before(browser)``, when given, runs in the same browser before the app's page opens (an
    admin's console step, say). A failure inside the ``with`` block leaves a screenshot
    ``<shots>/screens/<failure>.png`` and prints the page's accessibility tree and the app's log
    before it propagates; the browser is closed and the app stopped in every case. A class, like
    ``chromium_browser``, so that Playwright never stops inside a suspended generator.
    """

    def __init__(
        self,
        app: AppProcess,
        shots: Path,
        failure: str = "failure",
        before: Callable[[Any], None] | None = None,
    ) -> None:
        self._app = app
        self._shots = shots
        self._failure = failure
        self._before = before
        self._chromium = chromium_browser()

    def __enter__(self) -> Any:
        try:
            self._app.start()
            browser = self._chromium.__enter__()
            try:
                if self._before is not None:
                    self._before(browser)
                self.page: Any = open_flet_app(browser, self._app.url)
            except BaseException:
                self._chromium.__exit__(None, None, None)
                raise
        except BaseException:
            self._app.stop()
            raise
        return self.page

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            try:
                if exc_type is not None and issubclass(exc_type, Exception):
                    screenshot(self.page, self._shots, self._failure)
                    print(self.page.locator("body").aria_snapshot())
                    print(self._app.log_tail())
            finally:
                self._chromium.__exit__(None, None, None)
        finally:
            self._app.stop()


def screenshot(page: object, artifacts_dir: Path, name: str) -> Path:
    """Save a screenshot of what the page shows now as ``<artifacts>/screens/<name>.png``."""
    folder = artifacts_dir / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path


def retype(box: object, text: str, attempts: int = 4) -> None:
    """Replace what a text box holds the way a person does (click, select all, delete, type),
    and type again when the box does not then hold ``text``: on a busy machine a keystroke (the
    select-all, most often) can be lost before Flutter's text field sees it. The caller's next
    assertion fails if the box never holds ``text``."""
    from playwright.sync_api import expect

    for _ in range(attempts):
        box.click()  # type: ignore[attr-defined]
        box.press("Control+a")  # type: ignore[attr-defined]
        box.press("Backspace")  # type: ignore[attr-defined]
        if text:
            box.press_sequentially(text)  # type: ignore[attr-defined]
        try:
            expect(box).to_have_value(text, timeout=2_000)  # type: ignore[arg-type]
        except AssertionError:
            continue
        return


def choose(radio: object, attempts: int = 4) -> None:
    """Click a radio button and click again until it is checked: on a busy machine a click can be
    lost before Flutter sees it (as a keystroke can, see ``retype``). The caller's next assertion
    fails if it never is."""
    from playwright.sync_api import expect

    for _ in range(attempts):
        radio.click()  # type: ignore[attr-defined]
        try:
            expect(radio).to_be_checked(timeout=2_000)  # type: ignore[arg-type]
        except AssertionError:
            continue
        return


def click_until(button: object, shown: object, attempts: int = 3, wait_ms: int = 8_000) -> None:
    """Click ``button`` until ``shown`` is visible (a screen it opens): on a busy machine a click
    can be lost before Flutter sees it. Never clicks again once ``shown`` is there; the caller's
    next assertion fails if it never is."""
    from playwright.sync_api import expect

    for _ in range(attempts):
        if shown.is_visible():  # type: ignore[attr-defined]
            return
        button.click()  # type: ignore[attr-defined]
        try:
            expect(shown).to_be_visible(timeout=wait_ms)  # type: ignore[arg-type]
        except AssertionError:
            continue
        return


def log_in(page: object, username: str, password: str) -> None:
    """Type ``username`` and ``password`` on the app's login screen and press "Đăng nhập"."""
    retype(page.get_by_role("textbox", name="Tên đăng nhập"), username)  # type: ignore[attr-defined]
    retype(page.get_by_role("textbox", name="Mật khẩu"), password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Đăng nhập").click()  # type: ignore[attr-defined]


def console_log_in(page: object, base_url: str, username: str, password: str) -> None:
    """Sign in to the web console at ``base_url`` through its login form and wait for the
    page it opens on (the inspections)."""
    page.goto(f"{base_url}/console/")  # type: ignore[attr-defined]
    page.get_by_label("Tên đăng nhập").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Mật khẩu").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Đăng nhập").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/console/inspections")  # type: ignore[attr-defined]


def plan_sites_by_filters(page: object, district: str, kind: str) -> None:
    """On the console's new-plan form: the window 2021-08-01 to 2999-08-31, the sites of
    ``district`` of ``kind``, and "Xem trước số cơ sở" pressed."""
    page.get_by_label("Từ ngày").fill("2021-08-01")  # type: ignore[attr-defined]
    page.get_by_label("Đến ngày (hạn hoàn thành)").fill("2999-08-31")  # type: ignore[attr-defined]
    page.get_by_label("Theo bộ lọc").check()  # type: ignore[attr-defined]
    page.locator("#site-selection select[name=district]").select_option(district)  # type: ignore[attr-defined]
    page.locator("#site-selection select[name=kind]").select_option(kind)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Xem trước số cơ sở").click()  # type: ignore[attr-defined]
