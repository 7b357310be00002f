"""Sites: search by name or code, filter by district and kind; a site's page with its details,
past inspections and the checklists an inspection can start from."""

from __future__ import annotations

from typing import Any

import flet as ft

from field_app.ui import i18n
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from field_app.ui.views.home import inspection_tile
from field_app.ui.views.site_edit import capabilities_of
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
                *(starts or [w.warning_box(state.t("no_checklist"))]),
                w.group(
                    state.t("past_inspections"),
                    [
                        w.heading(state.t("past_inspections"), 15),
                        *(past or [w.muted(state.t("no_past_inspections"))]),
                    ],
                    padding=8,
                ),
            ],
            spacing=12,
            scroll=ft.ScrollMode.AUTO,
        ),
    )
