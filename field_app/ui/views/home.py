"""Home: my inspections grouped (drafts, waiting to sync, returned, submitted, approved) and the
notices of rejected changes and conflicts."""

from __future__ import annotations

import flet as ft

from field_app.core.models import InspectionSummary
from field_app.ui import i18n
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from field_app.ui.views.todo import todo_section
from shared_schema.workflow import EDITABLE_STATUSES, STATUS_LABELS


def inspection_tile(state: AppState, item: InspectionSummary) -> ft.Control:
    """One inspection in a list; its accessible name starts with the site's name."""
    lang = state.lang
    title = item.site_name or item.site_code or item.site_id
    parts = [
        i18n.local(item.template_title, lang),
        i18n.local(STATUS_LABELS.get(item.status), lang),
        i18n.fmt_date(item.started_at),
    ]
    # a draft's score covers only what is answered so far
    provisional = item.status in EDITABLE_STATUSES
    if item.result_label is not None:
        key = "result_provisional" if provisional else "result"
        parts.append(state.t(key, result=item.result_label.get(lang)))
    if item.score is not None:
        key = "score_provisional" if provisional else "score"
        parts.append(state.t(key, score=i18n.fmt_number(item.score, lang, 1)))
    if item.pending_changes:
        parts.append(state.t("pending", count=item.pending_changes))
    subtitle: list[ft.Control] = [ft.Text(" · ".join(p for p in parts if p), size=12)]
    if item.review is not None and item.review.comment:
        subtitle.append(
            ft.Text(state.t("supervisor_comment", comment=item.review.comment), size=12, color=w.WARN_COLOR)
        )
    screen = "fill"
    return ft.ListTile(
        title=ft.Text(title, weight=ft.FontWeight.BOLD),
        subtitle=ft.Column(subtitle, spacing=2),
        on_click=lambda e: state.open_inspection(item.id, screen),
        dense=True,
    )


@ft.component
def HomeScreen(state: AppState) -> ft.Control:
    controls: list[ft.Control | None] = [
        todo_section(state),  # the home screen opens on the to-do list (issue 14)
        w.action(
            state.t("outside_plan" if state.todo else "find_site"),
            lambda e: state.open_sites(),
            icon=ft.Icons.STORE,
            primary=not state.todo,
        ),
    ]
    open_notices = [n for n in state.notices if not n.resolved]
    if open_notices:
        controls.append(
            w.group(
                state.t("rejected_changes"),
                [
                    w.heading(f"{state.t('rejected_changes')} / {state.t('conflicts')} ({len(open_notices)})", 15),
                    *[
                        ft.Column(
                            w.compact(
                                [
                                    w.warning_box(n.message.get(state.lang)),
                                    ft.TextButton(
                                        state.t("dismiss"),
                                        on_click=lambda e, nid=n.notice_id: state.dismiss_notice(nid),
                                    )
                                    if n.kind == "rejected"
                                    else None,
                                ]
                            ),
                            spacing=2,
                        )
                        for n in open_notices[:5]
                    ],
                ],
            )
        )
    groups = state.groups()
    if not groups:
        controls.append(w.muted(state.t("no_inspections"), 14))
    for label, items in groups:
        controls.append(
            w.group(
                label,
                [
                    w.heading(f"{label} ({len(items)})", 16),
                    *[inspection_tile(state, item) for item in items],
                ],
                padding=8,
            )
        )
    session = state.session
    if session is not None:
        name = session.user.full_name or session.user.username
        controls.append(
            ft.Row(
                [w.muted(name), ft.TextButton(state.t("log_out"), on_click=lambda e: state.logout())],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            )
        )
    return ft.Container(
        padding=12,
        content=ft.Column(w.compact(controls), spacing=12, scroll=ft.ScrollMode.AUTO),
    )
