"""Small building blocks the screens share, each named for screen readers and tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

ERROR_COLOR = ft.Colors.RED_700
WARN_COLOR = ft.Colors.ORANGE_800
MUTED = ft.Colors.GREY_700


def action(
    label: str,
    on_click: Callable[..., Any],
    *,
    icon: ft.IconData | None = None,
    primary: bool = False,
    disabled: bool = False,
    expand: bool | int | None = None,
) -> ft.Control:
    """A button whose accessible name is its text."""
    if primary:
        return ft.FilledButton(label, icon=icon, on_click=on_click, disabled=disabled, expand=expand)
    return ft.OutlinedButton(label, icon=icon, on_click=on_click, disabled=disabled, expand=expand)


def icon_action(icon: ft.IconData, label: str, on_click: Callable[..., Any], disabled: bool = False) -> ft.Control:
    """An icon button named ``label`` (tooltips alone do not name a Flutter button)."""
    return ft.Semantics(
        label=label,
        button=True,
        content=ft.IconButton(icon, tooltip=label, on_click=on_click, disabled=disabled),
    )


def error_text(message: str | None) -> ft.Control | None:
    if not message:
        return None
    return ft.Text(message, color=ERROR_COLOR, size=13)


def working_note(message: str) -> ft.Control:
    """A small turning ring and what is being done, while work runs off the screen's loop; a
    screen reader says ``message`` when it appears. A node of its own: merged into its card, the
    turning ring made the card lose its group (and name) in the browser's accessibility tree."""
    return ft.Semantics(
        label=message,
        live_region=True,
        exclude_semantics=True,
        content=ft.Row([ft.ProgressRing(width=16, height=16, stroke_width=2), muted(message)], spacing=8),
    )


def warning_box(message: str) -> ft.Control:
    return ft.Container(
        content=ft.Row(
            [
                ft.Icon(ft.Icons.WARNING_AMBER, color=WARN_COLOR, size=18),
                ft.Text(message, color=WARN_COLOR, size=13, expand=True),
            ]
        ),
        bgcolor=ft.Colors.ORANGE_50,
        padding=8,
        border_radius=6,
    )


def heading(text: str, size: int = 18) -> ft.Control:
    return ft.Text(text, size=size, weight=ft.FontWeight.BOLD)


def muted(text: str, size: int = 13) -> ft.Control:
    return ft.Text(text, size=size, color=MUTED)


def group(
    label: str, controls: list[ft.Control | None], *, key: Any = None, padding: int = 12, bgcolor: str | None = None
) -> ft.Control:
    """A card whose accessible name is ``label``; tests scope their lookups to it."""
    return ft.Semantics(
        label=label,
        container=True,
        key=key,
        content=ft.Container(
            content=ft.Column(
                [c for c in controls if c is not None], spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
            ),
            padding=padding,
            border=ft.Border.all(1, ft.Colors.GREY_300),
            border_radius=8,
            bgcolor=bgcolor,
        ),
    )


def compact(controls: list[ft.Control | None]) -> list[ft.Control]:
    return [c for c in controls if c is not None]
