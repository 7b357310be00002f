"""Sites: search by name or code, filter by district and kind; a site's page with its details,
past inspections and the checklists an inspection can start from."""

from __future__ import annotations

from typing import Any

import flet as ft

from field_app.core.capabilities import Capabilities
from field_app.core.models import ActionView
from field_app.ui import i18n
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from field_app.ui.views.home import inspection_tile
from field_app.ui.views.site_edit import capabilities_of
from shared_schema import actions as action_rules
from shared_schema.records import SITE_KINDS


def _kind_label(kind: str | None, lang: str) -> str:
    if kind is None:
        return ""
    text = SITE_KINDS.get(kind)
    return text.get(lang) if text else kind


def _filter(label: str, current: str, options: list[tuple[str | None, str]], pick) -> ft.Control:
    return ft.PopupMenuButton(
        content=ft.Container(
            content=ft.Row([ft.Text(f"{label}: {current}", size=13), ft.Icon(ft.Icons.ARROW_DROP_DOWN)], tight=True),
            padding=6,
            border=ft.Border.all(1, ft.Colors.GREY_400),
            border_radius=6,
        ),
        items=[ft.PopupMenuItem(content=text, on_click=lambda e, v=value: pick(v)) for value, text in options],
    )


@ft.component
def SitesScreen(state: AppState) -> ft.Control:
    lang = state.lang
    all_label = state.t("all")
    district_options: list[tuple[str | None, str]] = [(None, all_label), *[(d, d) for d in state.districts]]
    kind_options: list[tuple[str | None, str]] = [(None, all_label), *[(k, _kind_label(k, lang)) for k in state.kinds]]
    tiles = [
        ft.ListTile(
            title=ft.Text(site.name, weight=ft.FontWeight.BOLD),
            subtitle=ft.Text(f"{site.code} · {_kind_label(site.kind, lang)} · {site.district}", size=12),
            on_click=lambda e, sid=site.id: state.open_site(sid),
            dense=True,
        )
        for site in state.sites
    ]
    return ft.Container(
        padding=12,
        content=ft.Column(
            w.compact(
                [
                    ft.TextField(
                        label=state.t("search_sites"),
                        value=state.site_query,
                        prefix_icon=ft.Icons.SEARCH,
                        on_change=lambda e: state.search_sites(e.control.value or ""),
                    ),
                    ft.Row(
                        [
                            _filter(
                                state.t("district"),
                                state.district or all_label,
                                district_options,
                                lambda v: state.filter_sites(v, state.kind),
                            ),
                            _filter(
                                state.t("kind"),
                                _kind_label(state.kind, lang) or all_label,
                                kind_options,
                                lambda v: state.filter_sites(state.district, v),
                            ),
                        ],
                        wrap=True,
                    ),
                    w.muted(state.t("site_count", count=i18n.fmt_number(state.site_total, lang))),
                    *(tiles or [w.muted(state.t("no_sites"), 14)]),
                ]
            ),
            spacing=8,
            scroll=ft.ScrollMode.AUTO,
        ),
    )


@ft.component
def SiteScreen(state: AppState, ui: Any = None) -> ft.Control:
    lang = state.lang
    detail = state.site
    assert detail is not None
    site = detail.site
    caps = capabilities_of(ui)

    def starter(template_id: str, version: int) -> Any:
        async def start(e: Any) -> None:
            inspection_id = state.start_inspection(template_id, version)
            if inspection_id is not None:
                await state.locate_start(inspection_id, caps)

        return start

    facts: list[tuple[str, str]] = [
        (state.t("code"), site.code),
        (state.t("kind"), _kind_label(site.kind, lang)),
        (state.t("district"), site.district),
        (state.t("address"), site.address or ""),
        (state.t("workers"), i18n.fmt_number(site.workers, lang) if site.workers is not None else ""),
    ]
    if site.contact is not None:
        facts.append((state.t("contact"), " · ".join(x for x in (site.contact.name, site.contact.phone) if x)))
    if site.location is not None:
        facts.append(
            (
                state.t("site_location"),
                f"{i18n.fmt_number(site.location.lat, lang)}; {i18n.fmt_number(site.location.lon, lang)}",
            )
        )
    starts = [
        w.action(
            state.t("start_inspection", title=option.title.get(lang)),
            starter(option.template_id, option.version),
            icon=ft.Icons.PLAYLIST_ADD_CHECK,
            primary=True,
        )
        for option in state.checklists
    ]
    past = [inspection_tile(state, item) for item in detail.inspections]

    async def fetch_history(e: Any) -> None:
        await state.load_site_history()

    carried = [_carried_action(state, view, caps) for view in detail.open_actions]
    return ft.Container(
        padding=12,
        content=ft.Column(
            [
                w.heading(site.name, 20),
                w.group(
                    state.t("site_details"),
                    [
                        ft.Row(
                            [
                                ft.Text(label + ":", weight=ft.FontWeight.BOLD, size=13),
                                ft.Text(value, size=13, expand=True),
                            ]
                        )
                        for label, value in facts
                        if value
                    ],
                ),
                w.action(state.t("correct_site"), lambda e: state.open_site_edit(), icon=ft.Icons.EDIT_LOCATION_ALT),
                w.group(
                    state.t("carried_over"),
                    [w.heading(state.t("carried_over"), 15), *(carried or [w.muted(state.t("no_carried_over"))])],
                    padding=8,
                ),
                *(starts or [w.warning_box(state.t("no_checklist"))]),
                w.group(
                    state.t("past_inspections"),
                    [
                        w.heading(state.t("past_inspections"), 15),
                        *(past or [w.muted(state.t("no_past_inspections"))]),
                        w.muted(state.t("site_history_hint"), 12),
                        w.action(
                            state.t("history_loading") if state.history_busy else state.t("site_history"),
                            fetch_history,
                            icon=ft.Icons.HISTORY,
                            disabled=state.history_busy,
                        ),
                        (w.error_text(state.history_note) if state.history_error else w.muted(state.history_note, 13))
                        if state.history_note
                        else None,
                    ],
                    padding=8,
                ),
            ],
            spacing=12,
            scroll=ft.ScrollMode.AUTO,
        ),
    )


def _carried_action(state: AppState, view: ActionView, caps: Capabilities) -> ft.Control:
    """One action still open at this site: what, from which item, by when (overdue in red),
    and for an open one a note and "Đã khắc phục"."""
    lang = state.lang
    a = view.action
    status = action_rules.STATUS_LABELS.get(a.status)
    due = state.t("action_due", date=i18n.fmt_date(a.deadline)) if a.deadline else ""
    lines: list[ft.Control | None] = [
        ft.Text(a.description or "", weight=ft.FontWeight.W_600, size=14),
        w.muted(view.question_label.get(lang), 12) if view.question_label else None,
        ft.Row(
            w.compact(
                [
                    ft.Text(due, size=12),
                    ft.Text(state.t("action_overdue"), color=w.ERROR_COLOR, size=12, weight=ft.FontWeight.BOLD)
                    if view.overdue
                    else None,
                    ft.Text(status.get(lang) if status else a.status, size=12, color=w.MUTED),
                ]
            ),
            spacing=8,
            wrap=True,
        ),
    ]
    if a.checked_on:
        lines.append(
            ft.Text(
                state.t("last_check", date=i18n.fmt_date(a.checked_on), note=a.check_note or "").strip(),
                size=12,
                color=w.WARN_COLOR,
            )
        )
    if a.status in action_rules.TO_FIX_STATUSES:
        busy = a.id in state.fix_busy

        async def pick(e: object, aid: str = a.id) -> None:
            await state.add_fix_photos(aid, await (caps.take_photo() if caps.has_camera else caps.pick_photos()))

        lines += [
            ft.Row(
                [
                    w.action(state.t("add_fix_photo"), pick, icon=ft.Icons.ADD_A_PHOTO, disabled=busy),
                    w.muted(state.t("photos_count", count=len(a.fix_photos))),
                ],
                wrap=True,
            ),
            w.working_note(state.t("photo_processing")) if busy else None,
            ft.TextField(
                label=state.t("fix_note"),
                multiline=True,
                min_lines=2,
                key=f"fix-note:{a.id}:{state.fix_note_rounds.get(a.id, 0)}",  # empty after a "not yet"
                on_change=lambda e, aid=a.id: state.edit_fix_note(aid, e.control.value or ""),
            ),
            w.error_text(state.fix_errors.get(a.id)),
            ft.Row(
                [
                    w.action(
                        state.t("mark_fixed"),
                        lambda e, aid=a.id: state.report_fixed(aid),
                        icon=ft.Icons.TASK_ALT,
                        disabled=busy,
                    ),
                    w.action(
                        state.t("mark_not_fixed"),
                        lambda e, aid=a.id: state.report_not_fixed(aid),
                        icon=ft.Icons.PENDING_ACTIONS,
                        disabled=busy,
                    ),
                ],
                wrap=True,
            ),
            w.muted(state.t("not_yet_fixed"), 12),
        ]
    else:
        lines.append(w.muted(state.t("waiting_verification"), 12))
    return ft.Container(
        content=ft.Column([c for c in lines if c is not None], spacing=4),
        padding=8,
        border=ft.Border.all(1, ft.Colors.RED_200 if view.overdue else ft.Colors.GREY_300),
        border_radius=6,
    )
