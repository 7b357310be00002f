"""Filling in a checklist: one section at a time, with progress, the running score and result."""

from __future__ import annotations

from typing import Any

import flet as ft

from field_app.ui.form_state import InspectionForm
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from field_app.ui.views.questions import question_card
from field_app.ui.views.site_edit import StartLocationBanner
from field_app.ui.views.version_move import version_banner
from shared_schema.workflow import lock_reason


def inspection_banners(state: AppState, form: InspectionForm) -> list[ft.Control]:
    """Returned with a comment, locked, and the notices of the header."""
    header = form.view.header
    banners: list[ft.Control] = []
    if header.status == "returned":
        comment = header.review.comment if header.review and header.review.comment else ""
        banners.append(w.warning_box(state.t("returned_banner", comment=comment)))
    if header.record_number:
        banners.append(ft.Text(state.t("record_number", number=header.record_number), weight=ft.FontWeight.BOLD))
    if not form.editable:
        banners.append(w.warning_box(lock_reason(header.status).get(state.lang)))
    banners += [w.warning_box(n.message.get(state.lang)) for n in form.notices_for(None)]
    moving = version_banner(state, form)
    if moving is not None:
        banners.append(moving)
    return banners


@ft.component
def FillScreen(state: AppState, form: InspectionForm, ui: Any) -> ft.Control:
    lang = state.lang
    column_ref = ft.use_ref(lambda: ft.Ref[ft.Column]())

    async def scroll_to_focus() -> None:
        column = column_ref.current.current
        if column is None:
            return
        try:
            if form.focus_qid:
                await column.scroll_to(scroll_key=form.focus_qid, duration=200)
            else:
                await column.scroll_to(offset=0)
        except Exception:  # the control may be gone after a quick navigation
            return

    ft.use_effect(scroll_to_focus, [form.focus_qid, form.section])

    view = form.view
    site_name = view.site.name if view.site else view.header.site_id
    done, total = form.progress()
    section = form.current_section
    s_done, s_total = form.section_progress(form.section)
    last = form.section == len(form.sections) - 1
    nav = ft.Row(
        w.compact(
            [
                w.action(state.t("previous_section"), lambda e: form.previous_section(), icon=ft.Icons.ARROW_BACK)
                if form.section > 0
                else None,
                w.action(state.t("to_complete"), lambda e: state.show_complete(), icon=ft.Icons.CHECK, primary=True)
                if last
                else w.action(
                    state.t("next_section"), lambda e: form.next_section(), icon=ft.Icons.ARROW_FORWARD, primary=True
                ),
            ]
        ),
        alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
    )
    questions = form.relevant()
    return ft.Container(
        padding=10,
        content=ft.Column(
            [
                w.heading(site_name, 17),
                w.muted(view.template.title.get(lang)),
                *inspection_banners(state, form),
                StartLocationBanner(state, form, ui),
                ft.ProgressBar(value=(done / total) if total else 0),
                ft.Row(
                    [
                        ft.Text(state.t("section_of", n=form.section + 1, total=len(form.sections)), size=13),
                        ft.Text(state.t("answered_of", done=done, total=total), size=13),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                ),
                ft.Text(form.score_text(), size=14, weight=ft.FontWeight.BOLD, color=ft.Colors.BLUE_800),
                w.heading(f"{section.title.get(lang)} ({s_done}/{s_total})", 17),
                *[question_card(form, q, ui.capabilities) for q in questions],
                nav,
                w.action(state.t("to_complete"), lambda e: state.show_complete(), icon=ft.Icons.CHECK)
                if not last
                else ft.Container(height=0),
                ft.Container(height=40),
            ],
            spacing=10,
            scroll=ft.ScrollMode.AUTO,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            ref=column_ref.current,
        ),
    )
