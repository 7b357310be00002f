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
from field_app.ui.device import capabilities_for, share_for
from field_app.ui.state import AppState
from field_app.ui.views.shell import AppViews, UiServices

log = logging.getLogger(__name__)

CONNECTIVITY_KEY = "field_app.connectivity"  # the page's network-change service, in its session store


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


def guard_errors(page: ft.Page, state: AppState) -> None:
    """A control or handler that fails (e.g. a dialog's call timing out after the app process
    restarted) shows a message in the sync bar and the app goes on; Flet would otherwise replace
    the whole screen with the error ("session crashed")."""

    def report(message: str) -> None:
        log.error("a screen action failed: %s", message)
        state.control_failed()

    page.session.error = report  # type: ignore[method-assign]


def watch_device(page: ft.Page, services: AppServices) -> None:
    """Sync when the app comes back to the foreground and when the network comes back."""

    def lifecycle(e: Any) -> None:
        if e.state in (ft.AppLifecycleState.RESUME, ft.AppLifecycleState.SHOW):
            services.sync_soon()

    def network(e: Any) -> None:
        if any(kind != ft.ConnectivityType.NONE for kind in e.connectivity or []):
            services.sync_soon()

    page.on_app_lifecycle_state_change = lifecycle
    try:
        connectivity = ft.Connectivity(on_change=network)
    except Exception:  # no connectivity service on this client: the background check still runs
        log.info("no connectivity events on this client", exc_info=True)
        return
    # Flet drops a service nothing else references from the page after the next event (and with
    # it the network events): the session keeps it for as long as the page lives.
    page.session.store.set(CONNECTIVITY_KEY, connectivity)


def handle_back(page: ft.Page, state: AppState) -> None:
    """The system back gesture (Android) or a swipe back (iOS) pops the top view: go one screen
    back (complete → fill → site → sites → home); the views then follow the state."""

    def view_pop(e: Any) -> None:
        state.go_back()

    page.on_view_pop = view_pop


def make_main(config: AppConfig) -> Any:
    async def main(page: ft.Page) -> None:
        page.title = "Kiểm tra hiện trường"
        page.padding = 0
        page.theme_mode = ft.ThemeMode.LIGHT
        # Vietnamese first (calendars Monday first, dd/mm/yyyy); British English as the other
        page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=[ft.Locale("vi", "VN"), ft.Locale("en", "GB")],
            current_locale=ft.Locale("vi", "VN"),
        )
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
        guard_errors(page, state)
        watch_device(page, services)
        ui = UiServices(capabilities=capabilities_for(page, state.t), share=share_for(page))
        handle_back(page, state)
        page.render_views(AppViews, state, ui)
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
