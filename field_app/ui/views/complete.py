"""Completing an inspection: the header (kind, team, findings, representative), the signatures,
the missing items (each jumps to its question), then submit or resubmit.

The signatures are the checklist's own signature questions when it has any (the same cards as on
the fill screen, saved as those answers); only a checklist without them gets the header's
signature pads (team leader, site representative). So each person signs once."""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from field_app.ui import i18n
from field_app.ui.form_state import InspectionForm
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from field_app.ui.views.fill import inspection_banners
from field_app.ui.views.questions import AUTOSAVE_PAUSE_S, question_card, signature_texts
from field_app.ui.views.record_view import record_action, share_action
from field_app.ui.views.signature_pad import SignaturePad
from shared_schema.records import INSPECTION_KINDS


def _header_box(
    form: InspectionForm, field: str, label: str, multiline: bool = False, hint: str | None = None
) -> ft.Control:
    async def typed(e: Any) -> None:
        mark = form.edit_header(field, e.control.value or "")
        await asyncio.sleep(AUTOSAVE_PAUSE_S)
        form.autosave_header(field, mark)

    return ft.TextField(
        label=label,
        hint_text=hint,
        value=form.header_text(field),
        multiline=multiline,
        min_lines=2 if multiline else None,
        read_only=not form.editable,
        error=form.errors.get(f"header:{field}"),
        on_change=typed,
        on_blur=lambda e: form.commit_header(field),
        on_submit=lambda e: form.commit_header(field),
    )


def _signature(state: AppState, form: InspectionForm, role: str, label_key: str) -> ft.Control:
    label = state.t(label_key)
    signed = form.header_signature(role)

    def save(strokes: Any, width: int, height: int) -> bool:
        name = (
            form.header_text("rep_name")
            if role == "representative"
            else (state.session.user.full_name or state.session.user.username if state.session else role)
        )
        return form.save_header_signature(role, strokes, width, height, name)

    return w.group(
        label,
        [
            ft.Text(label, weight=ft.FontWeight.W_600),
            SignaturePad(
                label,
                signature_texts(form),
                save,
                signed_sha=form.header_signature_sha(role),
                load_image=form.blob_bytes,
                signed_caption=_header_caption(state, form, signed),
                stale_text=form.stale_text(signed),
                disabled=not form.editable,
                key=f"pad:header:{role}",
            ),
            w.error_text(form.errors.get(f"header:sig_{role}")),
        ],
    )


def _header_caption(state: AppState, form: InspectionForm, signed: Any) -> str | None:
    if not signed:
        return None
    return f"{signed.name} · {i18n.fmt_datetime(signed.signed_at)}"


def _discard_action(state: AppState, form: InspectionForm) -> ft.Control:
    """Discard a draft started by mistake, after a confirmation."""

    def close(e: Any) -> None:
        ft.context.page.pop_dialog()

    def confirmed(e: Any) -> None:
        ft.context.page.pop_dialog()
        if form.discard():
            state.go_home()

    def ask(e: Any) -> None:
        ft.context.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(state.t("discard_title")),
                content=ft.Text(state.t("discard_body")),
                actions=[
                    ft.TextButton(state.t("keep_draft"), on_click=close),
                    ft.TextButton(
                        state.t("discard_yes"),
                        on_click=confirmed,
                        style=ft.ButtonStyle(color=ft.Colors.RED_700),
                    ),
                ],
            )
        )

    return w.action(state.t("discard"), ask, icon=ft.Icons.DELETE_OUTLINE)


def _signatures(state: AppState, form: InspectionForm, ui: Any) -> list[ft.Control]:
    if form.signs_in_checklist:
        return [question_card(form, q, ui.capabilities) for q in form.signature_questions()]
    return [
        _signature(state, form, "inspector", "signature_inspector"),
        _signature(state, form, "representative", "signature_representative"),
    ]


@ft.component
def CompleteScreen(state: AppState, form: InspectionForm, ui: Any) -> ft.Control:
    lang = state.lang
    header = form.view.header
    missing = form.missing()
    column_ref = ft.use_ref(lambda: ft.Ref[ft.Column]())
    here = {q.id for q in form.signature_questions()} if form.signs_in_checklist else set()

    def go_to(qid: str | None) -> Any:
        """A missing item on this screen (a signature) scrolls to it; any other opens its question."""

        async def click(e: Any) -> None:
            column = column_ref.current.current
            if qid not in here or column is None:
                state.show_fill(qid)
                return
            try:
                await column.scroll_to(scroll_key=qid, duration=200)
            except Exception:  # the screen may be gone after a quick navigation
                return

        return click

    kind_radios = ft.RadioGroup(
        value=header.kind,
        disabled=not form.editable,
        on_change=lambda e: form.set_kind(e.control.value),
        content=ft.Column([ft.Radio(value=k, label=state.t(f"kind_{k}")) for k in INSPECTION_KINDS], spacing=0),
    )
    missing_group = w.group(
        state.t("missing_items", count=len(missing)),
        [
            w.heading(state.t("missing_items", count=len(missing)) if missing else state.t("nothing_missing"), 15),
            *[
                ft.TextButton(state.t("go_to", label=item.message.get(lang)), on_click=go_to(item.question_id))
                for item in missing
            ],
        ],
        bgcolor=ft.Colors.RED_50 if missing else ft.Colors.GREEN_50,
    )
    submit_label = state.t("resubmit") if header.status == "returned" else state.t("submit")
    can_submit = form.editable and header.status in ("draft", "returned")
    return ft.Container(
        padding=10,
        content=ft.Column(
            w.compact(
                [
                    w.heading(form.view.site.name if form.view.site else header.site_id, 17),
                    ft.Text(form.score_text(), weight=ft.FontWeight.BOLD, color=ft.Colors.BLUE_800),
                    *inspection_banners(state, form),
                    w.group(
                        state.t("inspection_kind"),
                        [
                            ft.Text(state.t("inspection_kind"), weight=ft.FontWeight.W_600),
                            kind_radios,
                            w.error_text(form.errors.get("header:kind")),
                        ],
                    ),
                    _header_box(form, "team", state.t("team"), multiline=True, hint=state.t("team_hint")),
                    _header_box(form, "findings", state.t("findings"), multiline=True),
                    _header_box(form, "rep_name", state.t("representative")),
                    _header_box(form, "rep_title", state.t("representative_title")),
                    *_signatures(state, form, ui),
                    missing_group,
                    ft.Text(form.message, color=ft.Colors.BLUE_800) if form.message else None,
                    w.action(
                        submit_label, lambda e: form.submit(), icon=ft.Icons.SEND, primary=True, disabled=not can_submit
                    ),
                    w.action(state.t("back_to_questions"), lambda e: state.show_fill(), icon=ft.Icons.ARROW_BACK),
                    record_action(state, form, ui),
                    share_action(state, form, ui),
                    _discard_action(state, form) if form.can_discard else None,
                    ft.Container(height=40),
                ]
            ),
            spacing=12,
            scroll=ft.ScrollMode.AUTO,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            ref=column_ref.current,
        ),
    )
