"""The frame of every screen: top bar, the sync bar (always visible once logged in), the body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flet as ft

from field_app.core.capabilities import Capabilities
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from field_app.ui.views.complete import CompleteScreen
from field_app.ui.views.fill import FillScreen
from field_app.ui.views.home import HomeScreen
from field_app.ui.views.login import LoginScreen
from field_app.ui.views.site_edit import SiteEditScreen
from field_app.ui.views.sites import SiteScreen, SitesScreen


@dataclass
class UiServices:
    """What the device offers the screens (created once per page): camera, photo picker, GPS,
    and on a phone the share sheet (``field_app.ui.device.ShareAdapter``; None elsewhere)."""

    capabilities: Capabilities = field(default_factory=Capabilities)
    share: Any = None


def _top_bar(state: AppState, route: str) -> ft.Control:
    back = None
    if route not in ("home", "login"):
        back = w.icon_action(ft.Icons.ARROW_BACK, state.t("back"), lambda e: state.back())
    titles = {
        "home": "home",
        "sites": "sites",
        "site": "site_details",
        "site_edit": "correct_site",
        "fill": "fill_title",
        "complete": "complete_title",
        "login": "login_title",
    }
    return ft.Container(
        content=ft.Row(
            w.compact(
                [
                    back,
                    ft.Text(
                        state.t(titles.get(route, "app_title")),
                        size=19,
                        weight=ft.FontWeight.BOLD,
                        expand=True,
                        max_lines=1,
                        overflow=ft.TextOverflow.ELLIPSIS,
                    ),
                    w.icon_action(ft.Icons.HOME, state.t("home"), lambda e: state.go_home())
                    if route not in ("home", "login")
                    else None,
                    ft.TextButton(state.t("switch_language"), on_click=lambda e: state.toggle_language()),
                ]
            ),
        ),
        bgcolor=ft.Colors.BLUE_50,
        padding=ft.Padding.symmetric(horizontal=8, vertical=4),
    )


def _sync_bar(state: AppState) -> ft.Control:
    words = state.sync_summary()
    status = state.status
    online = bool(status and status.online)
    running = state.busy or bool(status and status.running)

    async def sync(e: Any) -> None:
        await state.sync()

    return ft.Container(
        key="sync-bar",
        content=ft.Container(
            content=ft.Column(
                w.compact(
                    [
                        ft.Row(
                            [
                                ft.Icon(
                                    ft.Icons.CLOUD_DONE if online else ft.Icons.CLOUD_OFF,
                                    color=ft.Colors.GREEN_700 if online else ft.Colors.GREY_600,
                                    size=18,
                                ),
                                ft.Text(words["online"], weight=ft.FontWeight.BOLD),
                                ft.Text(words["pending"], expand=True, text_align=ft.TextAlign.RIGHT),
                            ]
                        ),
                        ft.Row(
                            w.compact(
                                [
                                    ft.Text(words["last"], size=12, color=w.MUTED, expand=True),
                                    ft.ProgressRing(width=16, height=16) if running else None,
                                    w.action(
                                        state.t("syncing") if running else state.t("sync_now"),
                                        sync,
                                        icon=ft.Icons.SYNC,
                                        disabled=running,
                                    ),
                                ]
                            )
                        ),
                        w.error_text(words["error"]) if words["error"] else None,
                        ft.Text(state.flash, size=12, color=w.MUTED) if state.flash else None,
                    ]
                ),
                spacing=2,
            ),
            padding=ft.Padding.symmetric(horizontal=10, vertical=6),
            bgcolor=ft.Colors.GREY_100,
        ),
    )


def _password_again(state: AppState) -> ft.Control:
    async def relogin(e: Any) -> None:
        await state.relogin()

    return ft.Container(
        padding=10,
        bgcolor=ft.Colors.ORANGE_50,
        content=ft.Column(
            w.compact(
                [
                    ft.Text(state.t("password_again"), color=w.WARN_COLOR),
                    ft.TextField(
                        label=state.t("password"),
                        password=True,
                        can_reveal_password=True,
                        value=state.login_text("password"),
                        on_change=lambda e: state.edit_login("password", e.control.value or ""),
                        on_submit=relogin,
                    ),
                    w.error_text(state.login_error),
                    w.action(state.t("log_in"), relogin, icon=ft.Icons.LOGIN, primary=True, disabled=state.busy),
                ]
            ),
            spacing=6,
        ),
    )


@ft.component
def App(state: AppState, ui: UiServices, route: str | None = None) -> ft.Control:
    """One screen with its bars: ``route`` (default: the state's current screen)."""
    route = route or state.route
    body: ft.Control
    if route == "login" or state.session is None:
        body = LoginScreen(state)
    elif route in ("fill", "complete") and state.form is not None:
        body = FillScreen(state, state.form, ui) if route == "fill" else CompleteScreen(state, state.form, ui)
    elif route == "sites":
        body = SitesScreen(state)
    elif route == "site" and state.site is not None:
        body = SiteScreen(state, ui)
    elif route == "site_edit" and state.site is not None:
        body = SiteEditScreen(state, ui)
    else:
        body = HomeScreen(state)
    bars: list[ft.Control] = [_top_bar(state, route)]
    if state.session is not None and route != "login":
        bars.append(_sync_bar(state))
        if state.needs_password:
            bars.append(_password_again(state))
    return ft.Column([*bars, ft.Container(content=body, expand=True)], spacing=0, expand=True)


def is_deeper(state: AppState) -> bool:
    """Whether the current screen lies above home (so the back gesture has somewhere to go)."""
    return state.session is not None and state.route not in ("home", "login")


@ft.component
def AppViews(state: AppState, ui: UiServices) -> list[ft.View]:
    """The app as Flet views: home at the bottom and, when deeper, the current screen on top.

    Two views give Flutter's navigator a page to return to, so the system back gesture and the
    swipe back on a phone pop the top view; ``page.on_view_pop`` then takes the app one screen
    back (``AppState.go_back``), and the views follow the state again."""
    if not is_deeper(state):
        return [ft.View(route="/", controls=[App(state, ui)], padding=0, spacing=0)]
    return [
        ft.View(route="/", controls=[App(state, ui, "home")], padding=0, spacing=0),
        ft.View(route=f"/{state.route}", controls=[App(state, ui)], padding=0, spacing=0),
    ]
