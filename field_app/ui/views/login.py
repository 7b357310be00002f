"""First run: the server address and the login, then the first download with visible progress."""

from __future__ import annotations

from typing import Any

import flet as ft

from field_app.ui.state import AppState
from field_app.ui.views import widgets as w


def _field(state: AppState, key: str, label_key: str, **kwargs: Any) -> ft.TextField:
    return ft.TextField(
        label=state.t(label_key),
        value=state.login_text(key),
        on_change=lambda e: state.edit_login(key, e.control.value or ""),
        disabled=state.busy,
        **kwargs,
    )


@ft.component
def LoginScreen(state: AppState) -> ft.Control:
    async def log_in(e: Any) -> None:
        await state.login()

    progress = None
    if state.busy:
        status = state.status
        done = status.progress.done if status else 0
        total = status.progress.total if status else None
        progress = ft.Column(
            w.compact(
                [
                    ft.Text(state.t("downloading") if state.session else state.t("logging_in")),
                    ft.ProgressBar(value=(done / total) if total else None),
                    w.muted(state.t("downloaded_count", count=done)) if done else None,
                ]
            )
        )
    return ft.Container(
        padding=16,
        content=ft.Column(
            w.compact(
                [
                    w.heading(state.t("app_title"), 22),
                    w.muted(state.t("login_intro"), 14),
                    _field(state, "server", "server_address", keyboard_type=ft.KeyboardType.URL),
                    _field(state, "username", "username"),
                    _field(state, "password", "password", password=True, can_reveal_password=True, on_submit=log_in),
                    w.error_text(state.login_error),
                    w.action(state.t("log_in"), log_in, icon=ft.Icons.LOGIN, primary=True, disabled=state.busy),
                    progress,
                ]
            ),
            spacing=14,
            scroll=ft.ScrollMode.AUTO,
        ),
    )
