"""The to-do list on the home screen ("Việc cần làm"): the assignments of the inspector's
teams, overdue first, each with its site, district, checklist, team and due day. Tapping one
starts (or continues) its inspection, linked to the assignment."""

from __future__ import annotations

import flet as ft

from field_app.core.todo import TodoItem
from field_app.ui import i18n
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from shared_schema.assignments import STATUS_LABELS


def todo_tile(state: AppState, item: TodoItem) -> ft.Control:
    """One assignment; its accessible name starts with the site's name."""
    lang = state.lang
    status = i18n.local(STATUS_LABELS.get(item.status), lang)
    overdue = item.status == "overdue"
    first = " · ".join(p for p in [item.site_code, item.district] if p)
    second = " · ".join(
        p
        for p in [
            i18n.local(item.template_title, lang) or item.template_id,
            state.t("todo_team", team=item.team_name),
        ]
        if p
    )
    third = " · ".join(
        p
        for p in [
            state.t("due_on", date=i18n.fmt_date(item.due_date)),
            status,
            state.t("follow_up_visit") if item.follow_up else "",
        ]
        if p
    )
    return ft.ListTile(
        title=ft.Text(item.site_name, weight=ft.FontWeight.BOLD),
        subtitle=ft.Column(
            [
                ft.Text(first, size=12),
                ft.Text(second, size=12),
                ft.Text(
                    third,
                    size=12,
                    color=w.ERROR_COLOR if overdue else None,
                    weight=ft.FontWeight.BOLD if overdue else None,
                ),
            ],
            spacing=2,
        ),
        leading=ft.Icon(
            ft.Icons.WARNING_AMBER if overdue else ft.Icons.ASSIGNMENT, color=w.ERROR_COLOR if overdue else None
        ),
        on_click=lambda e: state.start_assignment(item),
        dense=True,
    )


def todo_section(state: AppState) -> ft.Control:
    label = state.t("todo")
    items = state.todo
    return w.group(
        label,
        [
            w.heading(f"{label} ({len(items)})", 16),
            *([todo_tile(state, item) for item in items] or [w.muted(state.t("todo_empty"))]),
        ],
        key="todo",
        padding=8,
        bgcolor=ft.Colors.BLUE_50 if items else None,
    )
