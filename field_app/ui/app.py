"""Start the app: open the services once per process, give every page (browser tab or window)
its own screen state, and keep the screens in step with background sync."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flet as ft

from field_app.core.models import AppEvent
from field_app.core.services import AppServices
from field_app.ui.state import AppState
from field_app.ui.views.shell import App, UiServices

log = logging.getLogger(__name__)


@dataclass
class AppConfig:
    server_url: str | None
    data_dir: Path | None
    lang: str = "vi"
    sync_interval_s: float = 30.0


class _Shared:
    """The one ``AppServices`` of this process (one writer to the store)."""

    lock = threading.Lock()
    services: AppServices | None = None

    @classmethod
    def get(cls, config: AppConfig) -> AppServices:
        with cls.lock:
            if cls.services is None:
                cls.services = AppServices.open(config.data_dir, config.server_url)
                if config.sync_interval_s > 0:
                    cls.services.start_background_sync(config.sync_interval_s)
            return cls.services


def _geolocator() -> Any:
    """Flet's Geolocator where the optional ``flet-geolocator`` package is installed, else None
    (the location questions then offer manual latitude/longitude entry only)."""
    try:
        import flet_geolocator  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return flet_geolocator.Geolocator()
    except Exception:  # not available on this platform
        return None


def make_main(config: AppConfig) -> Any:
    async def main(page: ft.Page) -> None:
        page.title = "Kiểm tra hiện trường"
        page.padding = 0
        page.theme_mode = ft.ThemeMode.LIGHT
        services = _Shared.get(config)
        state = AppState(services, config.server_url, lang=config.lang)
        state.start()
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()

        def on_event(event: AppEvent) -> None:
            # Called from the sync thread: hand the refresh to this page's event loop.
            loop.call_soon_threadsafe(state.refresh, event, context=ctx.copy())

        unsubscribe = services.subscribe(on_event)

        def on_close(e: Any) -> None:
            unsubscribe()
            state.close()

        page.on_close = on_close
        ui = UiServices(file_picker=ft.FilePicker(), geolocator=_geolocator())
        page.render(App, state, ui)
        page.run_task(state.watch_connection)

    return main


def run(config: AppConfig, port: int | None = None, host: str | None = None) -> None:
    """Serve in the browser (flet-web, no CDN, CanvasKit) when ``port`` is given, else open a window."""
    main = make_main(config)
    if port is not None:
        ft.run(
            main,
            view=ft.AppView.WEB_BROWSER,
            port=port,
            host=host,
            no_cdn=True,
            web_renderer=ft.WebRenderer.CANVAS_KIT,
            name="",
        )
    else:
        ft.run(main)
